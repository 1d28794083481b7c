"""The diagnosis of the offline steps and of a token endpoint's answers, without a LiveKit server: the
failure message keeps its first sentence and adds the diagnosis, and the sign-off lists it in the
same words."""

from __future__ import annotations

import time

import pytest
from helpers import ROOT, before_diagnosis, clean_environment, diagnosis_in, written_signoff
from http_test_support import Reply, ScriptedServer, run_robot

from livekit_diagnosis import recording
from livekit_tokens import minting
from livekit_tokens.keys import ApiKey, Keyring
from LiveKitAuth import LiveKitAuth
from LiveKitHttp import LiveKitHttp

SUITE = ROOT / "suites" / "authentication"


def supplied_token() -> str:
    """A token of the development key: 4 h old, valid 1 h, its room written as roomName."""
    claims = minting.build_claims(
        "devkey", "client_test", "test_room", at=time.time() - 4 * 3600, ttl="1 hour", room_join=True, can_subscribe=True
    )
    claims["video"]["roomName"] = claims["video"].pop("room")
    return minting.encode(claims, b"secret")


def test_the_five_steps_on_a_faulty_token_sign_off_with_each_diagnosis(tmp_path):
    token = supplied_token()
    environment = clean_environment(LIVEKIT_TOKEN=token, LIVEKIT_ROOM="test_room", LIVEKIT_CAN_PUBLISH="false")
    run = run_robot(tmp_path, str(SUITE), environment=environment)
    statuses = run.statuses()
    status, message = statuses["Access Grants"]
    assert status == "FAIL"
    # Every grant of the step is checked: each failure comes with its own diagnosis.
    assert message.startswith("Several failures occurred:\n\n1) ")
    room, publish = (part.split(") ", 1)[1] for part in message.split("\n\n")[1:])
    assert before_diagnosis(room) == "The token does not grant what was expected: room is  (server default), expected test_room."
    assert diagnosis_in(room) == (
        "Diagnosis: The video grant writes the room as 'roomName', which the server ignores (it reads only 'room'), so "
        'the token names no room (room ""). Fix: Write the room under \'room\' in the video grant ("room": "test_room").'
    )
    assert before_diagnosis(publish).endswith("canPublish is true (server default), expected false.")
    assert diagnosis_in(publish).startswith("Diagnosis: The token leaves out canPublish, and the server's default is true")
    status, expiry = statuses["Token Expiration"]
    assert status == "FAIL" and before_diagnosis(expiry).startswith("Token refused: token is expired: it expired at")
    assert diagnosis_in(expiry).startswith(
        "Diagnosis: the evidence does not single out one cause; most likely first: (1) The token is old"
    )
    assert "Deciding observation: When the token was really minted" in expiry
    assert statuses["Token Generation"][0] == statuses["Signature Validation"][0] == "PASS"
    markdown = written_signoff(tmp_path, environment=environment).replace("\\", "")
    assert f"- **Diagnosis** of **Access Grants**: {diagnosis_in(room).removeprefix('Diagnosis: ')}" in markdown
    assert "- **Diagnosis** of **Token Expiration**: the evidence does not single out one cause" in markdown
    assert token not in markdown and token.split(".")[2] not in run.all_text()


def test_a_token_signed_with_the_secret_and_its_newline_fails_signature_validation_with_that_cause():
    library = LiveKitAuth(api_key="steps-key", api_secret="steps-secret-0f3e9a1c7b5d2e8f4a6c")
    claims = minting.build_claims("steps-key", "alice", "demo", room_join=True)
    token = minting.encode(claims, b"steps-secret-0f3e9a1c7b5d2e8f4a6c\n")
    with recording.collected() as found, pytest.raises(AssertionError) as caught:
        library.signature_should_be_valid(token)
    message = str(caught.value)
    assert before_diagnosis(message) == (
        "Token refused: signature is invalid: it does not match the secret of API key 'steps-key'."
    )
    assert [diagnosis.cause for diagnosis in found] == ["secret-whitespace"]
    assert "signed with the API secret of 'steps-key' with a trailing newline" in message
    assert "steps-secret-0f3e9a1c7b5d2e8f4a6c" not in message


def test_an_offline_token_without_canpublish_is_diagnosed_as_such():
    library = LiveKitAuth(api_key="steps-key", api_secret="steps-secret-0f3e9a1c7b5d2e8f4a6c")
    token = library.generate_token("alice", "demo", room_join=True, can_subscribe=True)
    with recording.collected() as found, pytest.raises(AssertionError):
        library.grant_should_be(token, "can_publish", False)
    assert [diagnosis.cause for diagnosis in found] == ["publish-not-stated"]


def test_a_token_endpoint_that_serves_one_token_to_everyone_is_a_cache():
    keyring = Keyring([ApiKey("devkey", "secret")])
    claims = minting.build_claims("devkey", "first", "test_room", room_join=True)
    stored = minting.encode(claims, keyring.prepared_secret("devkey"))
    reply = Reply(201, {"server_url": "ws://127.0.0.1:7880", "participant_token": stored}, {"Cache-Control": "no-store"})
    with ScriptedServer(lambda seen: reply) as server:
        http = LiveKitHttp()
        http.use_token_endpoint(server.url + "/token")
        http.request_token_from_endpoint(room_name="test_room", participant_identity="first")
        second = http.request_token_from_endpoint(room_name="test_room", participant_identity="second")
        with recording.collected() as found, pytest.raises(AssertionError) as caught:
            http.endpoint_token_should_match_the_request(second)
    assert before_diagnosis(str(caught.value)) == (
        "The endpoint returned a token for identity 'first' instead of the requested 'second'."
    )
    assert [diagnosis.cause for diagnosis in found] == ["endpoint-cached-token"]
    assert "answered a request for 'second' with the very token it gave an earlier, different request" in str(caught.value)


def test_the_catalogue_names_the_expected_cause_in_words():
    from LiveKitDiagnosis import LiveKitDiagnosis

    diagnosis = {
        "fault": "the API key is unknown to the server",
        "cause": "key-unknown-to-server",
        "causes": ["key-unknown-to-server"],
        "fix": "Set LIVEKIT_API_KEY to a key the server has.",
        "text": "Diagnosis: the server does not know the key.",
        "message": "Token refused. Diagnosis: the server does not know the key.",
    }
    catalogue = LiveKitDiagnosis()
    catalogue.diagnosis_should_name(diagnosis, "key unknown to server", "LIVEKIT_API_KEY")
    catalogue.diagnosis_should_name(diagnosis, "Key-Unknown-To-Server", "LIVEKIT_API_KEY")
    with pytest.raises(AssertionError, match=r"names 'key-unknown-to-server' first, not 'secret-mismatch'\.$"):
        catalogue.diagnosis_should_name(diagnosis, "secret mismatch", "LIVEKIT_API_KEY")
