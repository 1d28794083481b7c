"""The reference token endpoint (examples/token_endpoint.py): request validation and the running server."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from http import HTTPStatus

import pytest
import requests
from helpers import ROOT, clean_environment, run_script

from livekit_http import processes
from livekit_tokens.keys import ApiKey, Keyring
from livekit_tokens.verification import verify

SCRIPT = ROOT / "examples" / "token_endpoint.py"
KEY, SECRET = "endpoint-test-key", "an-endpoint-test-secret-of-forty-characters"


def _load_module():
    spec = importlib.util.spec_from_file_location("reference_token_endpoint", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


endpoint = _load_module()
JSON = "application/json"


def refused(body, content_type=JSON) -> tuple[int, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(endpoint.Refused) as caught:
        endpoint.read_request(raw, content_type)
    return int(caught.value.status), str(caught.value)


# ---------------------------------------------------------------------- validation


def test_a_full_standard_request_is_accepted():
    request = endpoint.read_request(
        json.dumps(
            {
                "room_name": "demo",
                "participant_identity": "alice",
                "participant_name": "Alice",
                "participant_metadata": "{}",
                "participant_attributes": {"team": "qa"},
                "room_config": {"agents": [{"agent_name": "helper", "metadata": "m", "deployment": "prod"}]},
                "some_future_field": True,
            }
        ).encode(),
        "application/json; charset=utf-8",
    )
    assert request == {
        "room_name": "demo",
        "participant_identity": "alice",
        "participant_name": "Alice",
        "participant_metadata": "{}",
        "participant_attributes": {"team": "qa"},
        "agents": [{"agentName": "helper", "metadata": "m", "deployment": "prod"}],
    }


def test_empty_requests_are_accepted():
    assert endpoint.read_request(b"{}", JSON) == {}
    assert endpoint.read_request(b"", JSON) == {}
    assert endpoint.read_request(b'{"room_name": "", "participant_attributes": {}, "room_config": {}}', JSON) == {}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        ({}, "text/plain", 415, "Send the request as Content-Type: application/json."),
        ({}, None, 415, "Send the request as Content-Type: application/json."),
        (b"{not json", JSON, 400, "The request body is not valid JSON."),
        (b"\xff\xfe", JSON, 400, "The request body is not valid JSON."),
        ([1, 2], JSON, 400, "The request body must be a JSON object."),
        ({"room_name": 5}, JSON, 400, "room_name must be text."),
        ({"participant_identity": "x" * 257}, JSON, 400, "participant_identity is longer than 256 characters."),
        ({"participant_identity": " alice"}, JSON, 400, "participant_identity must not hold control characters or outer spaces."),
        ({"room_name": "a\nb"}, JSON, 400, "room_name must not hold control characters or outer spaces."),
        ({"participant_metadata": "m" * 16385}, JSON, 400, "participant_metadata is longer than 16384 characters."),
        ({"participant_attributes": {"a": 1}}, JSON, 400, "participant_attributes must be an object of text values."),
        ({"participant_attributes": ["a"]}, JSON, 400, "participant_attributes must be an object of text values."),
        (
            {"participant_attributes": {str(n): "v" for n in range(65)}},
            JSON,
            400,
            "participant_attributes holds more than 64 entries.",
        ),
        ({"participant_attributes": {"": "v"}}, JSON, 400, "participant_attributes names must be 1 to 256 characters."),
        ({"room_config": "x"}, JSON, 400, "room_config must be an object."),
        (
            {"room_config": {"max_participants": 1}},
            JSON,
            400,
            "room_config.max_participants is not accepted here; a client may only request agents.",
        ),
        ({"room_config": {"agents": {}}}, JSON, 400, "room_config.agents must be a list of at most 4 agents."),
        ({"room_config": {"agents": [{}] * 5}}, JSON, 400, "room_config.agents must be a list of at most 4 agents."),
        ({"room_config": {"agents": ["helper"]}}, JSON, 400, "Each room_config.agents entry must be an object."),
        (
            {"room_config": {"agents": [{"agent_name": "a", "restart_policy": 1}]}},
            JSON,
            400,
            "room_config.agents[].restart_policy is not accepted here.",
        ),
        ({"room_config": {"agents": [{"agent_name": 3}]}}, JSON, 400, "room_config.agents fields must be text."),
        (
            {"room_config": {"agents": [{"metadata": "m"}]}},
            JSON,
            400,
            "room_config.agents[].agent_name must be 1 to 256 characters.",
        ),
    ],
)
def test_refused_fields_get_a_4xx_with_one_sentence(body, content_type, status, message):
    assert refused(body, content_type) == (status, message)


# ---------------------------------------------------------------------- the running endpoint


@pytest.fixture(scope="module")
def running():
    environment = clean_environment(LIVEKIT_API_KEY=KEY, LIVEKIT_API_SECRET=SECRET, LIVEKIT_URL="https://lk.example.com/")
    managed = processes.start(
        "the reference token endpoint",
        lambda port: [sys.executable, str(SCRIPT), "--port", str(port), "--ttl", "15 minutes"],
        lambda port: f"http://127.0.0.1:{port}/token",
        probe_path="",
        environ=environment,
        secrets=[SECRET],
    )
    yield managed
    assert managed.stop() is not None
    assert not managed.running


def post(url, body, **headers):
    headers.setdefault("Content-Type", JSON)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(url, data=data, headers=headers, timeout=5)


def test_a_token_is_minted_for_the_request(running):
    before = int(time.time())
    answer = post(running.url, {"room_name": "demo", "participant_identity": "alice", "participant_name": "Alice"})
    assert answer.status_code == HTTPStatus.CREATED
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Content-Type"] == JSON
    document = answer.json()
    assert document["server_url"] == "wss://lk.example.com"
    claims = verify(document["participant_token"], Keyring([ApiKey(KEY, SECRET)])).claims
    assert (claims["iss"], claims["sub"], claims["name"]) == (KEY, "alice", "Alice")
    assert claims["video"] == {"roomJoin": True, "canPublish": True, "canSubscribe": True, "canPublishData": True, "room": "demo"}
    assert before <= claims["nbf"] <= int(time.time())
    assert claims["exp"] - claims["nbf"] == 15 * 60


def test_an_empty_request_gets_a_generated_identity_and_room(running):
    answer = post(running.url, {})
    assert answer.status_code == HTTPStatus.CREATED
    claims = verify(answer.json()["participant_token"], Keyring([ApiKey(KEY, SECRET)])).claims
    assert claims["sub"].startswith("participant-")
    assert claims["video"]["room"].startswith("room-")


def test_browsers_get_a_cors_preflight_answer(running):
    answer = requests.options(
        running.url, headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}, timeout=5
    )
    assert answer.status_code == HTTPStatus.NO_CONTENT
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert "Content-Type" in answer.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/token", 405, "Use POST /token with a JSON body."),
        ("POST", "/other", 404, "Nothing here; POST to /token."),
        ("OPTIONS", "/other", 404, "Nothing here; POST to /token."),
    ],
)
def test_other_routes_are_refused_in_json(running, method, path, status, message):
    answer = requests.request(method, running.url.replace("/token", path), timeout=5)
    assert answer.status_code == status
    assert answer.json() == {"error": message}
    assert answer.headers["Cache-Control"] == "no-store"


def test_request_size_is_bounded(running):
    answer = post(running.url, b"{" + b" " * (64 * 1024) + b"}")
    assert answer.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert answer.json() == {"error": "The request body is larger than 65536 bytes."}


def test_chunked_bodies_and_wrong_media_types_are_refused(running):
    chunked = requests.post(running.url, data=iter([b"{}"]), headers={"Content-Type": JSON}, timeout=5)
    assert chunked.status_code == HTTPStatus.LENGTH_REQUIRED
    form = requests.post(running.url, data={"room_name": "x"}, timeout=5)
    assert form.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE


def test_validation_errors_reach_the_client(running):
    answer = post(running.url, {"room_config": {"egress": {}}})
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json() == {"error": "room_config.egress is not accepted here; a client may only request agents."}


def test_the_log_shows_fingerprints_not_tokens(running):
    token = post(running.url, {"participant_identity": "log-check"}).json()["participant_token"]
    time.sleep(0.1)  # the handler thread writes its log line after the answer
    log = running.log_path.read_text()
    assert token not in log and SECRET not in log
    assert "POST /token 201 token sha256:" in log


def test_unusable_keys_stop_the_endpoint_with_one_sentence():
    environment = clean_environment(LIVEKIT_API_KEY="k", LIVEKIT_API_SECRET="")
    with pytest.raises(processes.StartFailure) as caught:
        processes.start(
            "the reference token endpoint",
            lambda port: [sys.executable, str(SCRIPT), "--port", str(port)],
            lambda port: f"http://127.0.0.1:{port}/token",
            probe_path="",
            environ=environment,
        )
    assert (
        "stopped right after starting (exit code 2): Cannot start the token endpoint: The API secret for key 'k' is empty"
        in str(caught.value)
    )


def test_a_bad_ttl_stops_the_endpoint():
    with pytest.raises(processes.StartFailure, match=r"--ttl must be more than 1 minute and at most 24 hours\."):
        processes.start(
            "the reference token endpoint",
            lambda port: [sys.executable, str(SCRIPT), "--port", str(port), "--ttl", "30 s"],
            lambda port: f"http://127.0.0.1:{port}/token",
            probe_path="",
            environ=clean_environment(),
        )


# ---------------------------------------------------------------------- hostile requests and options


def test_deeply_nested_json_is_refused_with_one_sentence():
    assert refused(b"[" * 5000 + b"]" * 5000) == (400, "The request body is JSON nested too deeply to read.")


def test_a_deeply_nested_body_gets_400_and_the_endpoint_keeps_serving(running):
    answer = post(running.url, b"[" * 5000)
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json() == {"error": "The request body is JSON nested too deeply to read."}
    time.sleep(0.1)  # the handler thread writes its log line after the answer
    assert "Traceback" not in running.log_path.read_text()
    assert post(running.url, {}).status_code == HTTPStatus.CREATED


def raw_post(url: str, content_length: str, body: bytes = b"{}") -> tuple[int, dict]:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    request = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: {JSON}\r\n"
        f"Content-Length: {content_length}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(payload)


@pytest.mark.parametrize(
    ("content_length", "status", "message"),
    [
        ("-1", 400, "The Content-Length header is negative; it must be the body's size in bytes."),
        ("²", 400, "The Content-Length header is not a number."),
        ("1e3", 400, "The Content-Length header is not a number."),
        ("9" * 5000, 413, "The request body is larger than 65536 bytes."),
        ("0" * 30 + "2", 201, None),
    ],
)
def test_odd_content_lengths_get_a_clear_answer(running, content_length, status, message):
    code, document = raw_post(running.url, content_length)
    assert code == status
    if message is not None:
        assert document == {"error": message}
    else:
        assert "participant_token" in document


def run_endpoint(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    return run_script(SCRIPT, *arguments, **environment)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--port", "99999"), "argument --port: must be a whole number from 0 to 65535 (0 picks a free port), not '99999'"),
        (("--port", "-1"), "argument --port: must be a whole number from 0 to 65535 (0 picks a free port), not '-1'"),
        (("--port", "80x"), "argument --port: must be a whole number from 0 to 65535 (0 picks a free port), not '80x'"),
        (
            ("--allow-origin", "x\ry"),
            "argument --allow-origin: must be * or an origin such as https://app.example.com, not 'x\\ry'",
        ),
        (
            ("--allow-origin", "https://a.example/x"),
            "argument --allow-origin: must be * or an origin such as https://app.example.com, not 'https://a.example/x'",
        ),
    ],
)
def test_bad_options_end_in_one_line_without_a_traceback(arguments, message):
    finished = run_endpoint(*arguments)
    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr
    assert finished.stderr.strip().splitlines()[-1] == f"token_endpoint.py: error: {message}"


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        (("--host", "no-such-host.invalid", "--port", "0"), {}, "Cannot listen on no-such-host.invalid:0: "),
        (("--host", "a" * 70, "--port", "0"), {}, f"Cannot listen on {'a' * 70}:0: "),
        (("--port", "0"), {"LIVEKIT_URL": "ws://[::1"}, "Cannot start the token endpoint: LIVEKIT_URL has an invalid host name"),
    ],
)
def test_an_unusable_host_or_server_url_is_one_line(arguments, environment, message):
    finished = run_endpoint(*arguments, **environment)
    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message)


def test_a_named_origin_is_sent_back_to_browsers():
    managed = processes.start(
        "the reference token endpoint",
        lambda port: [sys.executable, str(SCRIPT), "--port", str(port), "--allow-origin", "https://app.example.com"],
        lambda port: f"http://127.0.0.1:{port}/token",
        probe_path="",
        environ=clean_environment(),
    )
    try:
        answer = requests.options(managed.url, timeout=5)
        assert answer.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert answer.headers["Vary"] == "Origin"
    finally:
        managed.stop()


# ---------------------------------------------------------------------- the safe design (TOKEN_ENDPOINT_USERS)

CREDENTIAL = "a-signed-in-users-session-credential"


@pytest.fixture(scope="module")
def safe_running():
    environment = clean_environment(
        LIVEKIT_API_KEY=KEY, LIVEKIT_API_SECRET=SECRET, TOKEN_ENDPOINT_USERS=json.dumps({CREDENTIAL: "ann"})
    )
    managed = processes.start(
        "the reference token endpoint",
        lambda port: [sys.executable, str(SCRIPT), "--port", str(port)],
        lambda port: f"http://127.0.0.1:{port}/token",
        probe_path="",
        environ=environment,
        secrets=[SECRET, CREDENTIAL],
    )
    yield managed
    managed.stop()


def test_the_safe_design_takes_the_identity_from_the_signed_in_user(safe_running):
    answer = post(safe_running.url, {"room_name": "demo"}, Authorization=f"Bearer {CREDENTIAL}")
    assert answer.status_code == HTTPStatus.CREATED
    claims = verify(answer.json()["participant_token"], Keyring([ApiKey(KEY, SECRET)])).claims
    assert (claims["sub"], claims["video"]["room"]) == ("ann", "demo")


@pytest.mark.parametrize(
    ("body", "headers", "status", "message"),
    [
        ({}, {}, 401, "Sign in first: send the app's Authorization: Bearer credential."),
        (
            {},
            {"Authorization": "Bearer not-a-known-credential"},
            401,
            "Sign in first: send the app's Authorization: Bearer credential.",
        ),
        (
            {"participant_identity": "bob"},
            {"Authorization": f"Bearer {CREDENTIAL}"},
            403,
            "participant_identity is chosen by this endpoint from the signed-in user, not by the request.",
        ),
        (
            {"participant_metadata": '{"role": "admin"}'},
            {"Authorization": f"Bearer {CREDENTIAL}"},
            403,
            "participant_metadata is chosen by this endpoint from the signed-in user, not by the request.",
        ),
    ],
)
def test_the_safe_design_refuses_strangers_and_caller_chosen_identity_or_data(safe_running, body, headers, status, message):
    answer = post(safe_running.url, body, **headers)
    assert (answer.status_code, answer.json()) == (status, {"error": message})


def test_a_users_table_that_cannot_be_read_stops_the_start():
    finished = run_script(SCRIPT, "--port", "0", TOKEN_ENDPOINT_USERS='{"short": "ann"}')
    assert finished.returncode == 2
    assert finished.stderr.strip() == (
        "Cannot start the token endpoint: TOKEN_ENDPOINT_USERS must be a JSON object of credentials (16 characters or more) to identities."
    )
