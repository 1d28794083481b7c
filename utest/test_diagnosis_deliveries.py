"""Diagnoses of what reaches the app: the server's webhooks at the collector, and the JS client's token."""

from __future__ import annotations

import pytest

from livekit_diagnosis.deliveries import js_client, webhook_delivery


def refused(cause: str, key: str = "devkey") -> dict:
    return {"verified": False, "cause": cause, "reason": f"refused: {cause}", "api_key": key, "event": None}


def verified(event: str, participant: str = "client_test") -> dict:
    return {"verified": True, "cause": None, "event": event, "participant": participant, "api_key": "devkey"}


@pytest.mark.parametrize(
    ("received", "started_here", "cause", "words"),
    [
        (
            [refused("unknown-api-key", "other-key")],
            True,
            "webhook-unknown-api-key",
            "API key this run does not know (other-key)",
        ),
        ([refused("signature")], True, "webhook-signature", "another secret for key devkey"),
        ([refused("checksum")], True, "webhook-checksum", "changed on its way"),
        ([refused("expired")], True, "webhook-expired", "expired token"),
        ([refused("not-yet-valid")], True, "webhook-not-yet-valid", "runs ahead"),
        ([], False, "webhook-not-configured", "sends its webhooks where its own configuration says"),
        ([], True, "webhook-events-missing", "did not happen"),
        ([verified("participant_joined", "someone-else")], True, "webhook-other-events", "participant_joined for 'someone-else'"),
    ],
)
def test_a_webhook_that_did_not_arrive_verified_is_diagnosed(received, started_here, cause, words):
    diagnosis = webhook_delivery(received, "participant_joined", started_here, "http://127.0.0.1:1/webhook")
    assert diagnosis.cause == cause
    assert words in diagnosis.text
    assert "Fix: " in diagnosis.text


def test_a_refusal_names_the_first_refused_webhook_even_after_verified_ones():
    diagnosis = webhook_delivery([verified("room_started"), refused("signature")], "participant_left", True)
    assert diagnosis.cause == "webhook-signature"


@pytest.mark.parametrize(
    ("problem", "answered", "cause"),
    [
        ("mismatch", True, "endpoint-ignores-request"),
        ("no token", True, "endpoint-refuses-js-client"),
        ("no token", False, "endpoint-unusable"),
    ],
)
def test_the_js_client_failures_are_diagnosed(problem, answered, cause):
    diagnosis = js_client(problem, answered)
    assert diagnosis.cause == cause and diagnosis.fix


def test_a_server_webhook_signed_with_a_key_the_run_does_not_know_fails_with_its_diagnosis(monkeypatch):
    import requests

    from livekit_tokens.keys import ApiKey, Keyring
    from livekit_webhooks.collector import start_collector
    from livekit_webhooks.events import build_event
    from livekit_webhooks.signing import sign_body, signed_headers
    from LiveKitWebhooks import LiveKitWebhooks

    monkeypatch.setenv("LIVEKIT_API_KEY", "run-key")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "the-run-secret-of-at-least-32-chars!!")
    server_keys = Keyring([ApiKey("server-only-key", "a-server-secret-the-run-does-not-have")])
    library = LiveKitWebhooks()
    with start_collector(library.keyring) as collector:
        library._collector, library._server_collector = collector, True
        body = build_event("participant_joined", room="test_room", participant="client_test")
        answer = requests.post(collector.url, data=body, headers=signed_headers(sign_body(body, server_keys)), timeout=5)
        assert answer.status_code == 401
        with pytest.raises(AssertionError) as caught:
            library.received_webhook_events_should_include("participant_joined", participant="client_test")
    message = str(caught.value)
    assert message.startswith("The collector received no verified webhook with event 'participant_joined'")
    assert "Diagnosis: The LiveKit server signs its webhooks with an API key this run does not know (server-only-key)." in message
    assert "Fix: Set the server's webhook.api_key" in message
