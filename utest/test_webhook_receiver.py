"""The reference webhook receiver (examples/webhook_receiver.py) as a running program, and LiveKit's
SDK webhook receivers as oracles for what this project signs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from helpers import ROOT, clean_environment, run_script

from livekit_http import processes
from livekit_tokens.keys import ApiKey, Keyring
from livekit_tokens.sdk_oracles import NodeSdk, PythonSdk, SdkFailure, SdkUnavailable
from livekit_webhooks import hostile

SCRIPT = ROOT / "examples" / "webhook_receiver.py"
KEY, SECRET = "receiver-test-key", "a-receiver-test-secret-of-forty-characters"
SECOND_KEY, SECOND_SECRET = "receiver-second-key", "another-receiver-secret-of-forty-characters"
KEYRING = Keyring([ApiKey(KEY, SECRET), ApiKey(SECOND_KEY, SECOND_SECRET)])


@pytest.fixture(scope="module")
def receiver():
    managed = processes.start(
        "the reference webhook receiver",
        lambda port: [sys.executable, str(SCRIPT), "--port", str(port), "--max-body", "65536"],
        lambda port: f"http://127.0.0.1:{port}/webhook",
        probe_path="",
        environ=clean_environment(LIVEKIT_KEYS=f"{KEY}: {SECRET}\n{SECOND_KEY}: {SECOND_SECRET}"),
        secrets=[SECRET, SECOND_SECRET],
    )
    yield managed
    managed.stop()


def send(url: str, request: hostile.WebhookRequest) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    try:
        return session.post(url, data=request.body, headers=request.headers, timeout=10)
    finally:
        session.close()


@pytest.mark.parametrize("case", list(hostile.CASES))
def test_the_reference_receiver_answers_every_case_as_livekit_s_rules_say(receiver, case):
    request = hostile.build_request(case, KEYRING, oversized_bytes=70_000)
    answer = send(receiver.url, request)
    cause = hostile.CASES[case][1]
    expected = 200 if cause is None else 413 if cause == "oversized-body" else 401
    assert answer.status_code == expected, answer.text
    document = answer.json()
    if cause is None:
        assert document["event"] == "participant_joined" and document["id"].startswith("EV_")
    else:
        assert document["error"].startswith("Webhook refused: ")
        assert request.token is None or request.token not in answer.text


def test_the_reference_receiver_verifies_with_every_configured_key(receiver):
    request = hostile.build_request("correctly signed", KEYRING, SECOND_KEY)
    assert send(receiver.url, request).status_code == 200


def test_the_reference_receiver_prints_events_and_fingerprints_never_tokens(receiver):
    request = hostile.build_request("correctly signed", KEYRING, event="room_started", room="printed-room")
    assert send(receiver.url, request).status_code == 200
    output = receiver.log_path.read_text(encoding="utf-8")
    assert "room_started room='printed-room'" in output
    assert "POST /webhook 200 room_started (key receiver-test-key, token sha256:" in output
    assert "POST /webhook 401 refused: signature" in output
    assert request.token not in output and SECRET not in output and SECOND_SECRET not in output


def run_receiver(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    return run_script(SCRIPT, *arguments, **environment)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--port", "99999"), "argument --port: must be a whole number from 0 to 65535 (0 picks a free port), not '99999'"),
        (("--max-body", "10"), "argument --max-body: must be a number of bytes from 1024 to 67108864, not '10'"),
        (("--max-body", "9" * 40), f"argument --max-body: must be a number of bytes from 1024 to 67108864, not '{'9' * 40}'"),
        (("--path", "webhook"), "argument --path: must be a URL path such as /webhook, not 'webhook'"),
        (("--path", "/a?b"), "argument --path: must be a URL path such as /webhook, not '/a?b'"),
    ],
)
def test_bad_options_end_in_one_line_without_a_traceback(arguments, message):
    finished = run_receiver(*arguments)
    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr
    assert finished.stderr.strip().splitlines()[-1] == f"webhook_receiver.py: error: {message}"


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        (("--host", "no-such-host.invalid", "--port", "0"), {}, "Cannot listen on no-such-host.invalid:0: "),
        (
            ("--port", "0"),
            {"LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": " "},
            "Cannot start the webhook receiver: The API secret for key 'k' is only whitespace",
        ),
    ],
)
def test_an_unusable_host_or_key_is_one_line(arguments, environment, message):
    finished = run_receiver(*arguments, **environment)
    assert finished.returncode == 2
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines


# ---------------------------------------------------------------------- LiveKit's SDKs as oracles


def node_sdk() -> NodeSdk:
    sdk = NodeSdk(Path(ROOT / "interop" / "node"))
    try:
        sdk.check()
    except SdkUnavailable as missing:
        pytest.skip(str(missing))
    return sdk


@pytest.mark.parametrize("sdk_kind", ["python", "node"])
def test_a_webhook_signed_here_is_read_back_by_both_sdks_and_a_changed_body_is_refused(sdk_kind):
    sdk = PythonSdk() if sdk_kind == "python" else node_sdk()
    try:
        signed = hostile.build_request("correctly signed", KEYRING, room="oracle-room", participant="oracle-alice")
        event = sdk.receive_webhook(signed.body.decode(), signed.headers["Authorization"], KEY, SECRET)
        assert event["event"] == "participant_joined"
        assert event["room"]["name"] == "oracle-room"
        assert event["participant"]["identity"] == "oracle-alice"
        changed = hostile.build_request("body changed after signing", KEYRING)
        with pytest.raises(SdkFailure) as caught:
            sdk.receive_webhook(changed.body.decode(), changed.headers["Authorization"], KEY, SECRET)
        assert caught.value.outcome == "refused"
        assert changed.token not in str(caught.value) and SECRET not in str(caught.value)
    finally:
        if isinstance(sdk, NodeSdk):
            sdk.close()


def test_what_each_sdk_does_with_the_forms_the_server_never_sends():
    python, node = PythonSdk(), node_sdk()
    try:
        outcomes = {}
        for case in ("Bearer prefix", "HS512", "alg none", "oversized body"):
            request = hostile.build_request(case, KEYRING, oversized_bytes=4096)
            for name, sdk in (("python", python), ("node", node)):
                try:
                    sdk.receive_webhook(request.body.decode(), request.headers.get("Authorization"), KEY, SECRET)
                    outcomes[(case, name)] = "accepted"
                except SdkFailure as failure:
                    outcomes[(case, name)] = failure.outcome
    finally:
        node.close()
    assert outcomes == {
        ("Bearer prefix", "python"): "refused",
        ("Bearer prefix", "node"): "refused",
        ("HS512", "python"): "refused",
        ("HS512", "node"): "accepted",  # jose without an algorithm list, as its TokenVerifier
        ("alg none", "python"): "refused",
        ("alg none", "node"): "crashed",  # a TypeError from jose, not a refusal
        ("oversized body", "python"): "accepted",  # neither SDK bounds the body: the receiver must
        ("oversized body", "node"): "accepted",
    }
