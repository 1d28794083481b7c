"""The webhook model: signing as the server does, verifying as LiveKit's receiver does, the hostile
requests, the judgement of a receiver's answers and the event collector."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import socket

import pytest
import requests
from robot.api.types import Secret

from livekit_tokens import minting
from livekit_tokens.evidence import fingerprint
from livekit_tokens.hostile import decoded_parts
from livekit_tokens.keys import ApiKey, Keyring
from livekit_tokens.verification import MAX_TOKEN_CHARS
from livekit_webhooks import conformance, events, hostile, signing
from livekit_webhooks.collector import start_collector
from livekit_webhooks.receiver import ReceiverSettings, serve
from livekit_webhooks.verification import verify_webhook

KEY, SECRET = "webhook-key", "a-webhook-test-secret-of-forty-characters"
OTHER_KEY, OTHER_SECRET = "second-key", "the-second-webhook-secret-also-long-enough"
KEYRING = Keyring([ApiKey(KEY, SECRET), ApiKey(OTHER_KEY, OTHER_SECRET)])
NOW = 1_768_871_337


def livekit_api_signature(body: bytes, api_key: str = KEY, api_secret: str = SECRET) -> str:
    """What the Go server sends, made with livekit-api's AccessToken: 5 minutes, sha256 of the body."""
    from livekit.api import AccessToken

    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    return AccessToken(api_key, api_secret).with_ttl(datetime.timedelta(minutes=5)).with_sha256(digest).to_jwt()


# ---------------------------------------------------------------------- signing


def test_the_body_hash_is_standard_base64_with_padding():
    assert signing.body_hash(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    assert signing.body_hash(b"{}") == base64.b64encode(hashlib.sha256(b"{}").digest()).decode()


def test_a_webhook_token_has_the_servers_claims_in_the_servers_order():
    body = events.build_event("room_started", "demo", at=NOW)
    token = signing.sign_body(body, KEYRING, at=NOW)
    header, claims = decoded_parts(token)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert list(claims) == ["iss", "exp", "nbf", "iat", "sha256"]
    assert claims == {"iss": KEY, "exp": NOW + 300, "nbf": NOW, "iat": NOW, "sha256": signing.body_hash(body)}
    assert signing.signed_headers(token) == {"Authorization": token, "Content-Type": "application/webhook+json"}


def test_another_configured_key_signs_when_named_and_an_unknown_one_is_refused():
    body = events.build_event("room_started", at=NOW)
    token = signing.sign_body(body, KEYRING, OTHER_KEY, at=NOW)
    assert decoded_parts(token)[1]["iss"] == OTHER_KEY
    assert verify_webhook(token, body, KEYRING, at=NOW).accepted
    with pytest.raises(KeyError):
        signing.sign_body(body, KEYRING, "not-configured")


# ---------------------------------------------------------------------- events


def test_an_event_body_is_compact_protojson_with_camel_case_names_and_string_integers():
    body = events.build_event("track_published", "standup", "alice", event_id="EV_fixed", at=NOW)
    document = json.loads(body)
    assert b" " not in body
    assert document["event"] == "track_published"
    assert document["id"] == "EV_fixed"
    assert document["createdAt"] == str(NOW)
    assert document["room"]["name"] == "standup"
    assert document["room"]["creationTime"] == str(NOW)
    assert document["participant"]["identity"] == "alice"
    assert document["track"]["sid"].startswith("TR_")
    summary = events.read_event(body)
    assert (summary.event, summary.room, summary.participant, summary.event_id, summary.created_at) == (
        "track_published",
        "standup",
        "alice",
        "EV_fixed",
        NOW,
    )


def test_room_events_carry_no_participant_and_every_event_has_its_own_id():
    first, second = (json.loads(events.build_event("room_started", "demo")) for _ in range(2))
    assert "participant" not in first
    assert first["id"] != second["id"]
    with pytest.raises(ValueError, match="Unknown webhook event 'room_exploded'"):
        events.build_event("room_exploded")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "the body is not UTF-8 text"),
        (b"not json", "the body is not a WebhookEvent: it is not JSON"),
        (b'{"event": 5}', "the body is not a WebhookEvent: a field does not have the type WebhookEvent needs"),
        (b'{"room": "demo"}', "the body is not a WebhookEvent: room must be a JSON object (Room)"),
        (b'{"event": "room_started", "event": "room_finished"}', "the body is not a WebhookEvent: event is given twice"),
        (b'{"room": {"name": "a", "enabledCodecs": {}}}', "the body is not a WebhookEvent: room.enabledCodecs must be a list"),
        (b"[]", "the body is not a WebhookEvent: it is not a JSON object"),
        (b"[" * 5000 + b"]" * 5000, "the body is not a WebhookEvent"),
    ],
)
def test_a_body_that_is_no_event_is_one_sentence(body, reason):
    with pytest.raises(events.UnreadableEvent) as caught:
        events.read_event(body)
    assert str(caught.value).startswith(reason)


def test_unknown_fields_are_discarded_as_protojson_with_discard_unknown_does():
    body = b'{"event": "room_finished", "room": {"name": "demo", "someFutureField": 1}, "futureTopLevel": {"x": [1]}}'
    assert events.read_event(body).room == "demo"


# ---------------------------------------------------------------------- verification


def test_a_signed_event_is_accepted_with_every_fact():
    body = events.build_event("participant_joined", "demo", "alice", event_id="EV_facts", at=NOW)
    token = signing.sign_body(body, KEYRING, at=NOW)
    verdict = verify_webhook(Secret(token), body, KEYRING, at=NOW + 10)
    assert verdict.accepted and verdict.cause is None and verdict.reason == "accepted"
    facts = verdict.facts
    assert facts["authorization"] == "present, the token alone"
    assert facts["api_key"] == KEY and facts["key_configured"] is True
    assert facts["algorithm"] == "HS256" and facts["signature"] == "valid"
    assert facts["sha256_claim"] == "present" and facts["hash_matches"] is True
    assert facts["expires"] == "2026-01-20 01:13:57 UTC (4 min 50 s left)"
    assert (facts["event"], facts["room"], facts["participant"], facts["event_id"]) == (
        "participant_joined",
        "demo",
        "alice",
        "EV_facts",
    )
    assert facts["token"] == f"{len(token)} characters, {fingerprint(token)}"
    shown = json.dumps(verdict.rows())
    assert token not in shown and SECRET not in shown


def test_a_webhook_signed_by_livekit_api_is_accepted():
    body = events.build_event("room_started", "demo")
    assert verify_webhook(livekit_api_signature(body), body, KEYRING).accepted


@pytest.mark.parametrize("case", list(hostile.CASES))
def test_every_case_gets_the_cause_livekit_s_receiver_gives(case):
    request = hostile.build_request(case, KEYRING, at=NOW, oversized_bytes=4096)
    verdict = verify_webhook(request.headers.get("Authorization"), request.body, KEYRING, at=NOW + 1, max_body_bytes=4096)
    assert verdict.cause == hostile.CASES[case][1], verdict.detail
    assert request.forged == (hostile.CASES[case][1] is not None)
    if request.token:
        assert request.token not in verdict.detail


@pytest.mark.parametrize(
    ("seconds_after_signing", "accepted"),
    [(299, True), (300 + 59, True), (300 + 60, False), (300 + 3600, False)],
)
def test_the_five_minutes_count_with_the_servers_60_s_of_leeway(seconds_after_signing, accepted):
    body = events.build_event("room_started", at=NOW)
    token = signing.sign_body(body, KEYRING, at=NOW)
    verdict = verify_webhook(token, body, KEYRING, at=NOW + seconds_after_signing)
    assert verdict.accepted is accepted
    assert accepted or verdict.cause == "expired"


@pytest.mark.parametrize(
    "claim",
    [
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",  # no padding
        "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",  # base64url
        hashlib.sha256(b"").hexdigest(),
        " 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    ],
)
def test_the_sha256_claim_must_be_written_exactly_as_the_server_writes_it(claim):
    claims = signing.webhook_claims(KEY, claim, NOW)
    token = minting.encode(claims, KEYRING.prepared_secret(KEY))
    verdict = verify_webhook(token, b"", KEYRING, at=NOW)
    assert verdict.cause == "checksum"
    assert verdict.facts["hash_matches"] is False


def test_a_sha256_claim_that_is_not_text_makes_the_claims_undecodable():
    claims = {**signing.webhook_claims(KEY, None, NOW), "sha256": 5}
    token = minting.encode(claims, KEYRING.prepared_secret(KEY))
    assert verify_webhook(token, b"", KEYRING, at=NOW).cause == "claims"


def test_a_verified_body_that_is_no_event_is_refused_after_the_hash():
    body = b"\xff not an event"
    token = signing.sign_body(body, KEYRING, at=NOW)
    verdict = verify_webhook(token, body, KEYRING, at=NOW)
    assert (verdict.cause, verdict.facts["hash_matches"]) == ("event", True)
    assert verdict.detail == "the body is not UTF-8 text"


@pytest.mark.parametrize(
    ("authorization", "cause"),
    [
        (None, "no-authorization"),
        ("", "no-authorization"),
        (42, "not-text"),
        (b"\xff", "malformed"),
        ("x" * (MAX_TOKEN_CHARS + 1), "oversized"),
        ("bearer " + "a.b.c", "malformed"),
        ("not a token", "malformed"),
    ],
)
def test_any_authorization_value_ends_in_a_cause(authorization, cause):
    verdict = verify_webhook(authorization, b"{}", KEYRING)
    assert not verdict.accepted and verdict.cause == cause
    with pytest.raises(AssertionError, match=r"^Webhook refused: "):
        verdict.require()


def test_the_size_limit_is_checked_before_anything_else():
    verdict = verify_webhook(None, b"x" * 2000, KEYRING, max_body_bytes=1999)
    assert verdict.cause == "oversized-body"
    assert verdict.detail == "the body is 2,000 bytes, above the limit of 1,999"


def test_the_unknown_key_of_a_forged_request_is_never_in_the_keyring():
    keyring = Keyring([ApiKey("unknown-webhook-key", SECRET)])
    request = hostile.build_request("unknown API key", keyring, at=NOW)
    assert decoded_parts(request.token)[1]["iss"] not in keyring
    assert verify_webhook(request.headers["Authorization"], request.body, keyring, at=NOW).cause == "unknown-api-key"


def test_an_oversized_request_is_signed_and_larger_than_asked():
    request = hostile.build_request("oversized body", KEYRING, oversized_bytes=10_000, at=NOW)
    assert len(request.body) > 10_000
    assert verify_webhook(request.headers["Authorization"], request.body, KEYRING, at=NOW).accepted


def test_case_names_are_matched_without_regard_to_case_and_spacing():
    assert hostile.case_name("  sha256   CLAIM missing ") == "sha256 claim missing"
    with pytest.raises(ValueError, match="Unknown webhook case 'nonsense'; use one of: correctly signed, "):
        hostile.case_name("nonsense")


# ---------------------------------------------------------------------- judging a receiver


@pytest.mark.parametrize(
    ("case", "expected", "status", "strict", "ok", "reported"),
    [
        ("correctly signed", "accepted", 200, False, True, False),
        ("correctly signed", "accepted", 204, False, True, False),
        ("correctly signed", "accepted", 401, False, False, False),
        ("correctly signed", "accepted", None, False, False, False),
        ("signed with another secret", "refused", 401, False, True, False),
        ("signed with another secret", "refused", 200, False, False, False),
        ("signed with another secret", "refused", 500, False, False, False),
        ("signed with another secret", "refused", 302, False, False, False),
        ("signed with another secret", "refused", None, False, False, False),
        ("Bearer prefix", "refused if strict", 200, False, True, True),
        ("Bearer prefix", "refused if strict", 401, False, True, True),
        ("Bearer prefix", "refused if strict", 200, True, False, False),
        ("Bearer prefix", "refused if strict", 400, True, True, False),
    ],
)
def test_a_row_passes_on_the_status_class_it_needs(case, expected, status, strict, ok, reported):
    judgement = conformance.judge(case, expected, status, strict, "", "the connection was refused" if status is None else None)
    assert (judgement.ok, judgement.reported_only) == (ok, reported)
    assert judgement.sentence.endswith(".")


def test_the_sentences_say_what_went_wrong():
    forged = conformance.judge("body changed after signing", "refused", 200, False)
    assert forged.sentence == (
        "The receiver accepted a forged webhook (body changed after signing: a correctly signed token, sent with the "
        "room name changed in the body) with 200: anyone can send it such events."
    )
    crashed = conformance.judge("alg none", "refused", 500, False, "Internal Server Error")
    assert crashed.sentence == (
        "The receiver did not refuse the claims with alg none and no signature (alg none) with a 4xx: "
        "it answered 500 'Internal Server Error', a server error."
    )
    wrong = conformance.judge("expired token", "refused", 401, True, '{"error": "nope"}', reason="token is expired")
    assert not wrong.ok and wrong.reason_ok is False
    assert "not for the expected reason ('token is expired')" in wrong.sentence
    with pytest.raises(ValueError, match="Expect one of accepted, refused, refused if strict"):
        conformance.judge("alg none", "ignored", 200, False)


def test_the_summary_of_a_careless_receiver_names_every_forged_webhook_it_accepted():
    rows = [
        conformance.judge(case, "accepted" if case == "correctly signed" else "refused", 200, False)
        for case in ("correctly signed", "alg none", "HS512")
    ]
    rows.append(conformance.judge("Bearer prefix", "refused if strict", 200, False))
    rows.append(conformance.judge("oversized body", "refused", 503, False))
    severity, text = conformance.summary(rows, "http://app.example/webhook", reference=False)
    assert severity == "warning"
    assert text == (
        "The webhook receiver at http://app.example/webhook accepted 2 of 3 forged or hostile webhooks, each a finding "
        "that needs attention: alg none (200); HS512 (200). It answered 1 request(s) with neither 2xx nor 4xx: "
        "oversized body (503). It accepted the correctly signed event. Reported, not required: it accepted the "
        "Bearer prefix form (200)."
    )


def test_the_summary_of_a_receiver_that_refuses_everything_forged_is_info():
    rows = [conformance.judge("correctly signed", "accepted", 200, True)]
    rows += [conformance.judge(case, "refused", 401, True) for case in ("alg none", "HS512")]
    rows.append(conformance.judge("Bearer prefix", "refused if strict", 401, True))
    severity, text = conformance.summary(rows, "http://127.0.0.1:1/webhook", reference=True)
    assert severity == "info"
    assert text == (
        "The reference webhook receiver refused all 3 forged or hostile webhooks, as it should, "
        "and accepted the correctly signed event."
    )


# ---------------------------------------------------------------------- the receiver and the collector


def post(url: str, body: bytes, authorization: str | None, **headers) -> requests.Response:
    sent = {"Content-Type": signing.CONTENT_TYPE, **headers}
    if authorization is not None:
        sent["Authorization"] = authorization
    session = requests.Session()
    session.trust_env = False
    try:
        return session.post(url, data=body, headers=sent, timeout=10)
    finally:
        session.close()


def test_the_collector_keeps_verified_events_in_order_and_refuses_forged_ones():
    with start_collector(KEYRING) as collector:
        assert collector.url.startswith("http://127.0.0.1:") and collector.url.endswith("/webhook")
        joined = events.build_event("participant_joined", "demo", "alice")
        left = events.build_event("participant_left", "demo", "alice")
        forged = events.build_event("room_finished", "demo")
        assert post(collector.url, joined, livekit_api_signature(joined)).status_code == 200
        refused = post(collector.url, forged, livekit_api_signature(joined))
        assert refused.status_code == 401
        assert refused.json() == {
            "error": "Webhook refused: could not verify authenticity of message: the sha256 claim is not the hash of this body."
        }
        assert post(collector.url, left, livekit_api_signature(left, OTHER_KEY, OTHER_SECRET)).status_code == 200
        found = collector.wait_for(lambda event: event["event"] == "participant_left", timeout=5)
        assert found is not None and found["api_key"] == OTHER_KEY
        verified = collector.events()
        assert [(e["order"], e["event"], e["room"], e["participant"]) for e in verified] == [
            (1, "participant_joined", "demo", "alice"),
            (3, "participant_left", "demo", "alice"),
        ]
        assert all(e["verified"] and e["hash_matches"] and e["algorithm"] == "HS256" for e in verified)
        received = collector.received()
        assert [(e["order"], e["status"], e["cause"]) for e in received] == [(1, 200, None), (2, 401, "checksum"), (3, 200, None)]
        assert collector.wait_for(lambda event: event["event"] == "room_finished", timeout=0.1) is None
    assert not collector.running
    collector.stop()  # twice: nothing happens
    assert len(collector.events()) == 2  # still readable
    port = int(collector.url.rsplit(":", 1)[1].split("/", 1)[0])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_collector_answers_other_requests_with_one_sentence():
    with start_collector(KEYRING, max_body_bytes=4096) as collector:
        base = collector.url.rsplit("/", 1)[0]
        session = requests.Session()
        session.trust_env = False
        assert session.get(collector.url, timeout=5).status_code == 405
        assert session.post(base + "/elsewhere", data=b"{}", timeout=5).json() == {
            "error": "Nothing here; POST webhooks to /webhook."
        }
        big = post(collector.url, b"x" * 5000, None)
        assert (big.status_code, big.json()) == (413, {"error": "Webhook refused: the body is larger than 4,096 bytes."})
        chunked = session.post(collector.url, data=iter([b"{", b"}"]), timeout=5)
        assert chunked.status_code == 411
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2x\r\n\r\n{}")
            answer = b"".join(iter(lambda: raw.recv(4096), b"")).decode()  # until the receiver closes
        assert answer.startswith("HTTP/1.1 400 ")
        assert answer.endswith('{"error": "The Content-Length header is not a number of bytes."}')
        session.close()
        assert [item["status"] for item in collector.received()] == []  # none of them reached the checks


def test_the_collector_path_must_be_absolute():
    with pytest.raises(ValueError, match="must start with '/'"):
        start_collector(KEYRING, path="webhook")


def test_a_failing_application_handler_makes_the_receiver_answer_500():
    def handler(received):
        raise RuntimeError("database down")

    lines: list[str] = []
    server = serve(ReceiverSettings(KEYRING, on_webhook=handler, log=lines.append))
    import threading

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        body = events.build_event("room_started")
        answer = post(f"http://127.0.0.1:{server.server_address[1]}/webhook", body, signing.sign_body(body, KEYRING))
        assert (answer.status_code, answer.json()) == (500, {"error": "The receiver could not handle the event."})
    finally:
        server.shutdown()
        server.server_close()
    assert any("not handled" in line for line in lines)
    assert not any(SECRET in line for line in lines)
