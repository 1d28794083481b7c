"""The LiveKitWebhooks keywords called from Python: what they return, and the sentence of each failure."""

from __future__ import annotations

import pytest
import requests
from robot.api.types import Secret

from livekit_tokens.hostile import decoded_parts
from livekit_webhooks.signing import CONTENT_TYPE
from LiveKitWebhooks import LiveKitWebhooks


@pytest.fixture
def library(monkeypatch) -> LiveKitWebhooks:
    for name in ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "LIVEKIT_KEYS", "LIVEKIT_AUTH_TOKEN_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name in ("URL", "STRICT", "API_KEY", "EVENT", "ROOM", "PARTICIPANT", "OVERSIZED_BYTES"):
        monkeypatch.delenv(f"LIVEKIT_WEBHOOK_{name}", raising=False)
    made = LiveKitWebhooks()
    yield made
    made.close()


def test_a_signed_event_verifies_and_the_facts_come_back(library):
    body = library.create_webhook_event("participant_left", "standup", "bob")
    authorization = library.sign_webhook_body(body)
    assert isinstance(authorization, Secret)
    assert decoded_parts(authorization.value)[1]["iss"] == "devkey"
    facts = library.verify_webhook(authorization, body)
    assert (facts["event"], facts["room"], facts["participant"], facts["hash_matches"]) == (
        "participant_left",
        "standup",
        "bob",
        True,
    )


def test_a_refused_webhook_fails_verify_with_the_reason(library):
    body = library.create_webhook_event("room_started")
    authorization = library.sign_webhook_body(body, at="now - 10 minutes")
    with pytest.raises(AssertionError, match=r"^Webhook refused: token is expired: it expired at .* ago \(leeway 60 s\)\.$"):
        library.verify_webhook(authorization, body)
    library.webhook_should_be_refused(authorization, body, "expired")
    library.webhook_should_be_refused(authorization, body, "the token is expired")
    with pytest.raises(AssertionError, match=r"^The webhook was refused for expired \(.*\), not for checksum\.$"):
        library.webhook_should_be_refused(authorization, body, "checksum")
    fresh = library.sign_webhook_body(body)
    with pytest.raises(
        AssertionError,
        match=r"^The webhook was accepted, but a receiver following LiveKit's rules must refuse it \(checksum\)\.$",
    ):
        library.webhook_should_be_refused(fresh, body, "checksum")
    with pytest.raises(AssertionError, match=r"^Unknown webhook refusal cause 'vibes'; use one of: oversized-body, "):
        library.webhook_should_be_refused(fresh, body, "vibes")


def test_a_request_of_the_catalogue_carries_its_token_as_a_secret(library):
    request = library.create_webhook_request("body changed after signing")
    assert request["case"] == "body changed after signing"
    assert isinstance(request["headers"]["Authorization"], Secret)
    assert "Secret" not in repr(request["headers"]["Authorization"].value)
    library.webhook_should_be_refused(request["headers"]["Authorization"], request["body"], "checksum")
    with pytest.raises(AssertionError, match=r"^Unknown webhook case 'a dragon'"):
        library.create_webhook_request("a dragon")


def test_keywords_used_before_their_set_up_say_what_to_call(library):
    with pytest.raises(AssertionError, match=r"^No webhook receiver is chosen yet; call Use Webhook Receiver first"):
        library.webhook_receiver_should_answer("correctly signed", "accepted")
    with pytest.raises(AssertionError, match=r"^No webhook collector was started; call Start Webhook Collector first\.$"):
        library.get_received_webhook_events()
    with pytest.raises(AssertionError, match=r"^Unknown webhook event 'room_exploded'"):
        library.create_webhook_event("room_exploded")
    with pytest.raises(AssertionError, match=r"^The webhook collector listens on this machine only"):
        library.start_webhook_collector(host="192.0.2.1")


def test_the_collector_keywords_find_what_was_sent_and_say_what_was_not(library):
    url = library.start_webhook_collector()
    assert library.send_webhook_case(url, "correctly signed") == 200
    assert library.send_webhook_case(url, "alg none") == 401
    found = library.received_webhook_events_should_include("participant_joined", room="test_room", participant="client_test")
    assert found["verified"] and found["order"] == 1
    assert [event["order"] for event in library.get_received_webhook_events()] == [1]
    assert [event["cause"] for event in library.get_received_webhook_events(include_refused=True)] == [None, "algorithm"]
    with pytest.raises(AssertionError) as caught:
        library.received_webhook_events_should_include("room_finished", timeout="0.2 s")
    assert str(caught.value) == (
        "The collector received no verified webhook with event 'room_finished'. "
        "Verified: participant_joined in 'test_room'; 1 refused."
    )
    with pytest.raises(AssertionError, match=r"^A webhook collector is already running here"):
        library.start_webhook_collector()
    library.stop_webhook_collector()
    assert len(library.get_received_webhook_events()) == 1


def _deliver(library: LiveKitWebhooks, url: str, event: str, participant: str) -> None:
    body = library.create_webhook_event(event, "test_room", participant)
    authorization = library.sign_webhook_body(body).value
    session = requests.Session()
    session.trust_env = False
    try:
        answer = session.post(
            url, data=body.encode(), headers={"Authorization": authorization, "Content-Type": CONTENT_TYPE}, timeout=10
        )
    finally:
        session.close()
    assert answer.status_code == 200


def test_the_webhooks_of_a_participant_must_be_exactly_those_expected(library):
    url = library.start_webhook_collector()
    for event, participant in (
        ("participant_joined", "client_test"),
        ("participant_joined", "someone_else"),
        ("participant_left", "client_test"),
    ):
        _deliver(library, url, event, participant)
    library.received_webhooks_should_be("participant_joined", "participant_left", participant="client_test")
    with pytest.raises(AssertionError) as caught:
        library.received_webhooks_should_be("participant_joined", "participant_left", timeout="0.2 s")
    assert str(caught.value) == (
        "The verified webhooks were participant_joined, participant_joined, participant_left, "
        "not participant_joined, participant_left."
    )
    with pytest.raises(AssertionError, match=r"^Name the webhook types expected, such as participant_joined"):
        library.received_webhooks_should_be(participant="client_test")
    library.stop_webhook_collector()


def test_a_second_connection_announced_by_the_server_fails_the_exact_webhooks(library):
    url = library.start_webhook_collector()
    for event in ("participant_connection_aborted", "participant_joined", "participant_left"):
        _deliver(library, url, event, "client_test")
    with pytest.raises(AssertionError) as caught:
        library.received_webhooks_should_be("participant_joined", "participant_left", participant="client_test")
    assert str(caught.value) == (
        "The verified webhooks of participant 'client_test' were participant_connection_aborted, participant_joined, "
        "participant_left, not participant_joined, participant_left."
    )
    with pytest.raises(AssertionError) as caught:
        library.received_webhooks_should_be("participant_joined", "room_finished", participant="client_test", timeout="0.2 s")
    assert str(caught.value).startswith(
        "The verified webhooks of participant 'client_test' were participant_connection_aborted, participant_joined, "
        "participant_left, not participant_joined, room_finished."
    )
    library.stop_webhook_collector()


def test_our_verifier_reads_an_outcome_as_words(library):
    library.webhook_case_should_be_refused_by_our_verifier("correctly signed", "accepted")
    library.webhook_case_should_be_refused_by_our_verifier("no Authorization header", "refused: no authorization")
    library.webhook_case_should_be_refused_by_our_verifier("unknown API key", "refused: unknown API key")
    library.webhook_case_should_be_refused_by_our_verifier("sha256 claim missing", "checksum")
    with pytest.raises(AssertionError, match=r"^This project's verifier refused for checksum .*expected expired\.$"):
        library.webhook_case_should_be_refused_by_our_verifier("sha256 claim missing", "refused: expired")
