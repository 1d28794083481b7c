"""The diagnosis rules on observations as the libraries gather them: each cause named, with its fix,
and the candidates in order with the deciding observation where the evidence does not decide.

The server's answers here are the ones livekit-server v1.13.5 gives (checked against the real server
by the diagnosis catalogue, suites/diagnosis); the tokens are minted and read by the suite's own code.
"""

from __future__ import annotations

import time

import pytest
import requests

from livekit_diagnosis import observe, recording
from livekit_diagnosis.model import (
    CLOCK,
    ENDPOINT,
    EXPECTATION,
    REFUSAL,
    SERVER_ANSWER,
    TRANSPORT,
    ClockFacts,
    Diagnosis,
    EndpointFacts,
    Expectation,
    Observations,
    ServerAnswer,
    TokenFacts,
    TransportFailure,
)
from livekit_diagnosis.rules import ROOM_SERVICE_GRANTS, diagnose
from livekit_tokens import minting
from livekit_tokens.keys import ApiKey, Keyring

KEY = "rules-key"
SECRET = "rules-secret-7c1e0b9a4d2f8e6a5b3c1d0e"
KEYRING = Keyring([ApiKey(KEY, SECRET)])
URL = "ws://127.0.0.1:7880"
SIGNATURE = "invalid token: <token sha256:0123456789ab>, error: token signature is invalid: signature is invalid"
PERMISSIONS = '{"code":"unauthenticated","msg":"permissions denied"}'


def token(secret: str = SECRET, key: str = KEY, **options) -> str:
    options.setdefault("room_join", True)
    claims = minting.build_claims(key, options.pop("identity", "alice"), options.pop("room", "demo"), **options)
    return minting.encode(claims, secret.encode())


def facts(text: str, keyring: Keyring = KEYRING) -> TokenFacts:
    return observe.token_facts(text, keyring)


def answer(status: int, message: str, call: str = "/rtc/validate", **details) -> ServerAnswer:
    return ServerAnswer(status, message, call, **details)


def observed(failure: str, keyring: Keyring = KEYRING, **details) -> Observations:
    keys, padded = observe.key_facts(keyring)
    details.setdefault("now", time.time())
    return Observations(failure, keys=keys, padded_keys=padded, server_url=URL, server_version="1.13.5", **details)


def server_diagnosis(status: int, message: str, text: str | None, call: str = "/rtc/validate", **details) -> Diagnosis:
    keyring = details.pop("keyring", KEYRING)
    extra = {name: details.pop(name) for name in ("clock", "stripped_secret_accepted") if name in details}
    return diagnose(
        observed(
            SERVER_ANSWER,
            keyring=keyring,
            server=answer(status, message, call, **details),
            token=facts(text, keyring) if text else None,
            **extra,
        )
    )


# ---------------------------------------------------------------- the shape of a diagnosis


def test_a_single_cause_reads_as_its_sentence_and_fix():
    diagnosis = Diagnosis.certain("x", "The cause.", "Change this.")
    assert diagnosis.text == "Diagnosis: The cause. Fix: Change this."
    assert diagnosis.causes == ["x"]
    assert diagnosis.record()["cause"] == "x"


def test_candidates_read_in_order_with_the_deciding_observation():
    diagnosis = server_diagnosis(401, SIGNATURE, token(secret="a-secret-nobody-has-0123456789abcdef"))
    assert diagnosis.causes == ["token-secret-unknown", "token-altered"]
    assert diagnosis.text.startswith("Diagnosis: the evidence does not single out one cause; most likely first: (1) ")
    assert " (2) The token was changed after it was signed" in diagnosis.text
    assert "Deciding observation: Mint a token with LIVEKIT_API_SECRET and send it to the same server" in diagnosis.text


# ---------------------------------------------------------------- keys and secrets


def test_a_key_the_server_does_not_know_but_that_is_configured_here():
    diagnosis = server_diagnosis(401, "invalid API key: rules-key", token())
    assert diagnosis.cause == "key-unknown-to-server"
    assert "has no API key 'rules-key', though it is configured here" in diagnosis.sentence
    assert "LIVEKIT_API_KEY and LIVEKIT_API_SECRET" in diagnosis.fix


def test_a_key_neither_side_knows():
    diagnosis = server_diagnosis(401, "invalid API key: stranger", token(key="stranger"))
    assert diagnosis.cause == "token-key-unknown"
    assert "neither the server at ws://127.0.0.1:7880 nor this run knows" in diagnosis.sentence
    assert "'rules-key'" in diagnosis.fix


def test_a_token_without_issuer():
    text = token()
    claims = minting.build_claims("", "alice", "demo", room_join=True)
    claims.pop("iss")
    text = minting.encode(claims, SECRET.encode())
    assert server_diagnosis(401, "invalid API key: ", text).cause == "no-issuer"


def test_a_secret_the_server_does_not_share():
    diagnosis = server_diagnosis(401, SIGNATURE, token())
    assert diagnosis.cause == "secret-mismatch" and diagnosis.single
    assert "holds another secret for it than the one configured here" in diagnosis.sentence
    assert diagnosis.fix.startswith("Set LIVEKIT_API_SECRET to the secret the server at ws://127.0.0.1:7880 has for 'rules-key'")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda secret: secret + "\n", "a trailing newline"),
        (lambda secret: secret + "\r\n", "a trailing carriage return and newline"),
        (lambda secret: " " + secret, "a leading space"),
        (lambda secret: f'"{secret}"', "double quotes around it"),
    ],
)
def test_a_token_signed_with_the_secret_and_whitespace(change, words):
    diagnosis = server_diagnosis(401, SIGNATURE, token(secret=change(SECRET)))
    assert diagnosis.cause == "secret-whitespace" and diagnosis.single
    assert f"signed with the API secret of 'rules-key' with {words}" in diagnosis.sentence
    assert "Strip the secret where the token's minter loads it" in diagnosis.fix


def test_a_configured_secret_with_a_trailing_newline_decided_by_the_server():
    padded = Keyring([ApiKey(KEY, SECRET + "\n")])
    text = minting.encode(minting.build_claims(KEY, "alice", "demo", room_join=True), (SECRET + "\n").encode())
    undecided = server_diagnosis(401, SIGNATURE, text, keyring=padded)
    assert undecided.causes == ["secret-whitespace", "secret-mismatch"]
    assert "has a trailing newline, which the copy on the server" in undecided.sentence
    assert "without its outer whitespace and quotes" in undecided.decider
    decided = server_diagnosis(401, SIGNATURE, text, keyring=padded, stripped_secret_accepted=True)
    assert decided.cause == "secret-whitespace" and decided.single
    assert decided.sentence.endswith("without that, the server accepts a token signed with the same secret.")
    refused = server_diagnosis(401, SIGNATURE, text, keyring=padded, stripped_secret_accepted=False)
    assert refused.cause == "secret-mismatch"


def test_a_signature_refused_for_a_key_not_configured_here():
    text = token(key="elsewhere")
    diagnosis = server_diagnosis(401, SIGNATURE, text)
    assert diagnosis.causes == ["token-secret-unknown", "token-altered"]
    assert "Configure API key 'elsewhere' with its secret here" in diagnosis.decider


def test_no_diagnosis_sentence_holds_the_secret_or_the_token():
    text = token(secret=SECRET + "\n")
    diagnosis = server_diagnosis(401, SIGNATURE, text)
    assert SECRET not in diagnosis.text and text not in diagnosis.text
    assert text.split(".")[2] not in diagnosis.text


# ---------------------------------------------------------------- clocks


def test_a_token_minted_by_a_clock_behind_the_server():
    now = time.time()
    text = token(at=now - 900, ttl="10 minutes")
    observe.note_issued(text, "this run", at=now)
    diagnosis = server_diagnosis(
        401, "invalid token: <token>, error: token has invalid claims: token is expired", text, clock=ClockFacts(0.2, 0.5)
    )
    assert diagnosis.cause == "minting-clock-behind" and diagnosis.single
    assert "its nbf is 15 min earlier: the clock that minted it runs about 15 min behind" in diagnosis.sentence
    assert "(this machine's clock and the server's agree within 1 s)" in diagnosis.sentence
    assert "NTP" in diagnosis.fix


def test_a_token_minted_by_a_clock_ahead_of_the_server():
    now = time.time()
    text = token(at=now + 300, ttl="10 minutes")
    observe.note_issued(text, "the token endpoint", at=now)
    diagnosis = server_diagnosis(401, "token has invalid claims: token is not valid yet", text, clock=ClockFacts(0.0, 0.5))
    assert diagnosis.cause == "minting-clock-ahead"
    assert "minted by the token endpoint moments before it was checked, but its nbf is 5 min later" in diagnosis.sentence


def test_this_machine_behind_the_server_is_the_cause_when_the_skew_is_measured():
    now = time.time()
    text = token(at=now, ttl="2 minutes")
    observe.note_issued(text, "this run", at=now)
    diagnosis = server_diagnosis(401, "token is expired", text, clock=ClockFacts(600.0, 0.5))
    assert diagnosis.cause == "clock-skew"
    assert "The server's clock is 10 min ahead of this machine's, beyond its 60 s leeway" in diagnosis.sentence
    text = token(at=now, identity="bob")
    observe.note_issued(text, "this run", at=now)
    ahead = server_diagnosis(401, "token is not valid yet", text, clock=ClockFacts(-120.0, 0.5))
    assert ahead.cause == "clock-skew" and "10 min" not in ahead.sentence and "2 min behind this machine's" in ahead.sentence


def test_an_expired_token_of_unknown_origin_lists_old_token_and_clock():
    text = token(at=time.time() - 3 * 3600, ttl="1 hour")
    diagnosis = server_diagnosis(401, "token is expired", text, clock=ClockFacts(0.3, 0.5))
    assert diagnosis.causes == ["token-old", "minting-clock-behind"]
    assert "The token is old: it was minted at" in diagnosis.sentence and "with 1 h of validity" in diagnosis.sentence
    assert diagnosis.decider.startswith("When the token was really minted: moments ago means the minter's clock runs 3 h behind")


def test_a_token_not_valid_yet_of_unknown_origin():
    text = token(not_before=int(time.time()) + 7200, ttl="3 hours")
    diagnosis = server_diagnosis(401, "token is not valid yet", text)
    assert diagnosis.causes == ["minting-clock-ahead", "nbf-in-future"]


def test_the_clock_check_itself():
    diagnosis = diagnose(observed(CLOCK, clock=ClockFacts(-95.0, 0.6)))
    assert diagnosis.cause == "clock-skew"
    assert diagnosis.sentence.startswith("The server's clock is 1 min 35 s behind this machine's")


# ---------------------------------------------------------------- exp and the pinned server's profile


def test_a_token_without_exp_accepted_by_the_pinned_server():
    claims = minting.build_claims(KEY, "alice", "demo", room_join=True)
    claims.pop("exp")
    text = minting.encode(claims, SECRET.encode())
    observe.note_verdict(text, 200, "success")
    diagnosis = diagnose(observed(REFUSAL, refusal="exp-required", token=facts(text)))
    assert diagnosis.cause == "exp-missing"
    assert "(livekit-server v1.13.5) accepted it (it answered 200 'success' to it)" in diagnosis.sentence
    assert "servers built on LiveKit's protocol after 2026-08-10 refuse it with 'exp claim is required'" in diagnosis.sentence
    assert "TTL" in diagnosis.fix


def test_a_token_without_exp_offline_names_the_pinned_profile():
    claims = minting.build_claims(KEY, "bob", "demo", room_join=True)
    claims.pop("exp")
    text = minting.encode(claims, SECRET.encode())
    unknown = Observations(REFUSAL, refusal="exp-required", token=facts(text))
    assert "livekit-server v1.13.5 (the release this suite pins) accepts such a token" in diagnose(unknown).sentence


def test_a_server_that_requires_exp():
    diagnosis = server_diagnosis(401, "token has invalid claims: exp claim is required", token())
    assert diagnosis.cause == "exp-missing" and "requires an exp claim" in diagnosis.sentence


def test_a_server_accepting_what_was_expected_to_be_refused():
    diagnosis = server_diagnosis(200, "success", token(), expected_status=401, expected_text="token is expired")
    assert diagnosis.cause == "server-rules-differ"
    assert "expected it to refuse with 401 'token is expired'" in diagnosis.sentence


# ---------------------------------------------------------------- grants and the join


def test_room_name_for_room():
    text = token()
    claims = minting.build_claims(KEY, "alice", "demo", room_join=True)
    claims["video"]["roomName"] = claims["video"].pop("room")
    text = minting.encode(claims, SECRET.encode())
    diagnosis = server_diagnosis(400, "no room name", text)
    assert diagnosis.cause == "grant-field-typo"
    assert "writes the room as 'roomName', which the server ignores" in diagnosis.sentence
    assert diagnosis.fix == 'Write the room under \'room\' in the video grant ("room": "demo").'


def test_no_room_and_no_identity_and_no_video_grant():
    claims = minting.build_claims(KEY, "alice", None, room_list=True)
    assert server_diagnosis(400, "no room name", minting.encode(claims, SECRET.encode())).cause == "room-missing"
    claims = minting.build_claims(KEY, None, None, room_list=True)
    claims["identity"] = "alice"
    diagnosis = server_diagnosis(400, "identity cannot be empty", minting.encode(claims, SECRET.encode()))
    assert diagnosis.cause == "identity-missing" and "only in an 'identity' claim" in diagnosis.sentence
    claims = minting.build_claims(KEY, "alice", None)
    claims["videoGrant"] = {"roomJoin": True}
    diagnosis = server_diagnosis(401, "no permissions to access the room", minting.encode(claims, SECRET.encode()))
    assert diagnosis.cause == "grant-field-typo" and "under 'videoGrant'" in diagnosis.sentence


def test_a_join_without_roomjoin_and_with_a_misspelt_roomjoin():
    assert server_diagnosis(401, "permissions denied", token(room_join=False)).cause == "join-not-granted"
    claims = minting.build_claims(KEY, "alice", "demo", can_subscribe=True)
    claims["video"]["join"] = True
    diagnosis = server_diagnosis(401, "permissions denied", minting.encode(claims, SECRET.encode()), call="join")
    assert diagnosis.cause == "grant-field-typo" and "'join'" in diagnosis.sentence and '"roomJoin": true' in diagnosis.fix


@pytest.mark.parametrize("method", sorted(ROOM_SERVICE_GRANTS))
def test_every_room_service_call_names_its_grant(method):
    grant, per_room = ROOM_SERVICE_GRANTS[method]
    diagnosis = server_diagnosis(401, PERMISSIONS, token(), call=f"RoomService/{method}", room="demo")
    assert diagnosis.cause == "grant-missing"
    assert f"RoomService {method} needs the {grant} grant" in diagnosis.sentence
    assert (" for room 'demo'" in diagnosis.fix) is per_room


def test_room_admin_for_another_room_for_no_room_and_no_token():
    other = minting.encode(minting.build_claims(KEY, "admin", "elsewhere", room_admin=True), SECRET.encode())
    diagnosis = server_diagnosis(401, PERMISSIONS, other, call="RoomService/ListParticipants", room="demo")
    assert diagnosis.cause == "grant-room-mismatch" and "is for room 'elsewhere'" in diagnosis.sentence
    none = minting.encode(minting.build_claims(KEY, "admin", None, room_admin=True), SECRET.encode())
    assert server_diagnosis(401, PERMISSIONS, none, call="RoomService/SendData", room="demo").cause == "grant-room-missing"
    missing = server_diagnosis(401, PERMISSIONS, None, call="RoomService/ListRooms", token_sent=False)
    assert missing.cause == "token-missing" and "roomList" in missing.fix


def test_another_authorization_scheme_and_malformed_tokens():
    assert server_diagnosis(401, "invalid authorization header. Must start with Bearer ", token(), scheme="Token").cause == (
        "auth-scheme"
    )
    for text, cause in (
        ("Bearer " + token(), "token-with-scheme"),
        ('"' + token() + '"', "token-quoted"),
        (token()[:40] + " " + token()[40:], "token-whitespace"),
        (token().rsplit(".", 1)[0], "token-truncated"),
    ):
        assert diagnose(observed(REFUSAL, refusal="malformed", token=facts(text))).cause == cause, text[:10]


def test_an_unknown_answer_says_so_and_names_the_release():
    diagnosis = server_diagnosis(418, "teapot", token())
    assert diagnosis.cause == "answer-unrecognised"
    assert "livekit-server v1.13.5, the release this suite's expectations were read from" in diagnosis.sentence
    assert server_diagnosis(404, "404 page not found", token()).cause == "not-livekit"
    assert server_diagnosis(502, "Bad Gateway", token()).cause == "proxy-upstream"
    plain = server_diagnosis(400, "Client sent an HTTP request to an HTTPS server.", None)
    assert plain.cause == "url-scheme" and "wss://127.0.0.1:7880" in plain.fix


# ---------------------------------------------------------------- offline steps


def test_offline_refusals():
    assert diagnose(observed(REFUSAL, refusal="unknown-api-key", token=facts(token(key="other")))).causes == [
        "key-not-configured",
        "token-key-unknown",
    ]
    signed = diagnose(observed(REFUSAL, refusal="signature", token=facts(token(secret=SECRET + " "))))
    assert signed.cause == "secret-whitespace" and "a trailing space" in signed.sentence
    other = diagnose(observed(REFUSAL, refusal="signature", token=facts(token(secret="x" * 40))))
    assert other.causes == ["token-secret-unknown", "token-altered"]
    assert "Send the token to the LiveKit server" in other.decider
    header = observe.token_facts(token(), KEYRING)
    assert diagnose(
        observed(REFUSAL, refusal="algorithm", refusal_detail="signing method HS512 is invalid", token=header)
    ).cause == ("algorithm")
    typed = diagnose(observed(REFUSAL, refusal="claims", refusal_detail="claims: video.canPublish must be a boolean"))
    assert typed.cause == "claim-type" and "video.canPublish must be a boolean" in typed.sentence


def test_offline_expectations():
    text = token(can_subscribe=True)
    publish = diagnose(
        observed(EXPECTATION, token=facts(text), expectation=Expectation("grant", "canPublish", False, True, written=False))
    )
    assert publish.cause == "publish-not-stated" and "canPublish false" in publish.fix
    issuer = diagnose(observed(EXPECTATION, token=facts(text), expectation=Expectation("claim", "iss", "mine", KEY)))
    assert issuer.cause == "token-key-other" and "another of the configured keys" in issuer.sentence
    room = diagnose(observed(EXPECTATION, token=facts(text), expectation=Expectation("grant", "room", "lobby", "demo")))
    assert room.cause == "room-other" and "LIVEKIT_ROOM" in room.fix
    algorithm = diagnose(observed(EXPECTATION, expectation=Expectation("algorithm", "alg", "HS256", "HS512")))
    assert algorithm.cause == "algorithm" and "HS384 and HS512" in algorithm.sentence


def test_permissions_the_server_applied_otherwise_and_data_that_did_not_arrive():
    permissions = Expectation("permissions", "join answer", None, ("canPublishData: token true, server false",))
    diagnosis = diagnose(observed(EXPECTATION, expectation=permissions))
    assert diagnosis.causes == ["permissions-updated", "server-rules-differ"]
    assert "canPublishData: token true, server false" in diagnosis.sentence
    nothing = diagnose(observed(EXPECTATION, expectation=Expectation("data", "publisher", "observer", False)))
    assert nothing.causes == ["data-not-granted", "transport-blocked"]
    other = diagnose(observed(EXPECTATION, expectation=Expectation("data", "publisher", "observer", True)))
    assert other.cause == "data-changed"


def test_a_lifetime_that_differs_tells_an_old_token_from_another_ttl():
    now = time.time()
    old = token(at=now - 4 * 3600, ttl="6 hours")
    expected = Expectation("lifetime", "about", 6 * 3600.0, 2 * 3600.0, tolerance=60)
    assert diagnose(observed(EXPECTATION, token=facts(old), expectation=expected, now=now)).cause == "token-old"
    other = token(at=now, ttl="1 hour")
    diagnosis = diagnose(observed(EXPECTATION, token=facts(other), expectation=expected, now=now))
    assert diagnosis.cause == "ttl-other" and "lives 1 h (nbf to exp), not 6 h" in diagnosis.sentence


# ---------------------------------------------------------------- no answer at all


def _error(url: str) -> Exception:
    try:
        requests.get(url, timeout=2)
    except requests.RequestException as error:
        return error
    raise AssertionError(f"{url} answered")


def test_transport_failures_as_requests_raises_them(unused_port):
    refused = observe.transport_failure(_error(f"http://127.0.0.1:{unused_port}/"), f"http://127.0.0.1:{unused_port}/")
    diagnosis = diagnose(observed(TRANSPORT, transport=refused))
    assert diagnosis.cause == "server-not-running" and f"127.0.0.1:{unused_port}" in diagnosis.sentence
    schemed = observe.transport_failure(_error("wss://127.0.0.1:7880/twirp"), "wss://127.0.0.1:7880/twirp")
    diagnosis = diagnose(observed(TRANSPORT, transport=schemed))
    assert schemed.kind == "scheme" and diagnosis.cause == "url-scheme"
    assert "https://127.0.0.1:7880" in diagnosis.fix


def test_a_tls_handshake_answered_in_plain_http():
    failure = TransportFailure("tls-plain", "https://127.0.0.1:7880/", configured="wss://127.0.0.1:7880")
    diagnosis = diagnose(observed(TRANSPORT, transport=failure))
    assert diagnosis.cause == "url-scheme"
    assert diagnosis.sentence.startswith(
        "LIVEKIT_URL says wss:// (TLS), but the LiveKit server at 127.0.0.1:7880 speaks plain HTTP"
    )
    assert diagnosis.fix.startswith("Write ws://127.0.0.1:7880 in LIVEKIT_URL (http://127.0.0.1:7880 for the HTTP API)")


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- token endpoints


def test_endpoint_answers():
    def cause(**details) -> str:
        return diagnose(observed(ENDPOINT, endpoint=EndpointFacts(**details))).cause

    assert cause(problem="status", status=401) == "endpoint-auth"
    assert cause(problem="status", status=404, url="http://127.0.0.1:1/token") == "endpoint-path"
    assert cause(problem="status", status=405) == "endpoint-method"
    assert cause(problem="status", status=302) == "endpoint-redirect"
    assert cause(problem="status", status=500) == "endpoint-error"
    assert cause(problem="not-json", content_type="text/html; charset=utf-8") == "endpoint-not-json"
    fields = diagnose(observed(ENDPOINT, endpoint=EndpointFacts("fields", fields=("serverUrl", "participantToken"))))
    assert fields.cause == "endpoint-fields" and "'participantToken' instead of LiveKit's 'participant_token'" in fields.sentence
    assert cause(problem="empty-request", status=500) == "endpoint-crashes-on-empty"
    assert cause(problem="no-mint-time") == "endpoint-no-mint-time"
    assert cause(problem="lifetime", lifetime=7 * 86400.0, limits=(120.0, 86400.0)) == "endpoint-ttl"


def test_endpoint_tokens_cached_or_ignoring_the_request():
    same = EndpointFacts(
        "request", requested={"field": "participant_identity", "value": "bob"}, actual={"value": "alice"}, answered_before=1
    )
    assert diagnose(observed(ENDPOINT, endpoint=same)).cause == "endpoint-cached-token"
    ignores = EndpointFacts("request", requested={"field": "participant_identity", "value": "bob"}, actual={"value": "alice"})
    assert diagnose(observed(ENDPOINT, endpoint=ignores)).causes == ["endpoint-ignores-request", "endpoint-cached-token"]
    cacheable = EndpointFacts(
        "request",
        requested={"field": "participant_identity", "value": "bob"},
        actual={"value": "alice"},
        cache_control="public, max-age=600",
    )
    assert diagnose(observed(ENDPOINT, endpoint=cacheable)).causes == ["endpoint-cached-token", "endpoint-ignores-request"]
    clock_ok = EndpointFacts("stale", minted_offset=-3600.0, date_skew=0.4)
    assert diagnose(observed(ENDPOINT, endpoint=clock_ok)).cause == "endpoint-cached-token"
    clock_behind = EndpointFacts("stale", minted_offset=-3600.0, date_skew=-3599.0)
    assert diagnose(observed(ENDPOINT, endpoint=clock_behind)).cause == "endpoint-clock"
    unknown = EndpointFacts("stale", minted_offset=-3600.0)
    assert diagnose(observed(ENDPOINT, endpoint=unknown)).causes == ["endpoint-cached-token", "endpoint-clock"]
    grants = EndpointFacts("grants", extra_grants=("canPublish", "canPublishData"), actual={"publish_written": False})
    assert diagnose(observed(ENDPOINT, endpoint=grants)).cause == "publish-not-stated"


# ---------------------------------------------------------------- recording


def test_a_failure_message_keeps_its_first_sentence_and_adds_the_diagnosis():
    diagnosis = Diagnosis.certain("x", "The cause.", "Change this.")
    assert recording.failure("It failed.", diagnosis) == "It failed. Diagnosis: The cause. Fix: Change this."
    assert recording.failure("It failed.", None) == "It failed."
    with recording.collected() as found:
        recording.failure("It failed.", diagnosis)
    assert found == [diagnosis]
