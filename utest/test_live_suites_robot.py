"""The live and endpoint suites run by Robot Framework: the default run, the stand-in, a started server,
bad endpoints, and no token or secret in any output at --loglevel TRACE."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys

import pytest
from helpers import ROOT, before_diagnosis, diagnosis_in, section, written_signoff
from http_test_support import (
    SUITES,
    Reply,
    ScriptedServer,
    clean_environment,
    leaks,
    run_robot,
    tokens_from_log,
)
from server_support import LIVE_TESTS, fake_livekit_server, path_without_livekit_server
from standin_server import StandinServer

from livekit_server import binary
from livekit_tokens.keys import ApiKey, Keyring, load_keyring
from livekit_tokens.minting import build_claims, encode

KEY = "leak-check-key"
SECRET = "leak-check-secret-9f2c41d7e8a36b5c0d1e2f3a4b"

ENDPOINT_TESTS = {
    "The standard request gets a token",
    "The token is a JWT signed with HS256",
    "The signature verifies and detects any change",
    "The claims carry what the request asked for",
    "The token grants no more than allowed",
    "The token is valid now and expires in a sane time",
    "The token is freshly minted",
    "An empty request gets no server error",
    "The LiveKit JS client gets a token",
    "A second caller cannot take the first caller's identity",
    "The caller's metadata and attributes stay out of the token",
    "The caller's room configuration stays limited to agent dispatch",
    "A caller without a credential is refused",
    "Separate callers do not share an identity or a token",
    "The token lives briefly and grants little",
    "Foreign web sites are not let in by CORS",
    "Error answers show no internals",
}


def js_client_ok(status: tuple[str, str]) -> bool:
    return status[0] == "PASS" or (status[0] == "SKIP" and "interop/node" in status[1])


def test_default_run_checks_the_reference_endpoint_and_skips_the_live_suite(tmp_path):
    environment = clean_environment(PATH=path_without_livekit_server())
    run = run_robot(tmp_path, str(SUITES / "live"), str(SUITES / "endpoint"), environment=environment)
    statuses = run.statuses()
    live = {name: result for name, result in statuses.items() if name not in ENDPOINT_TESTS}
    assert len(live) == LIVE_TESTS
    reason = binary.why_no_server(environment)  # LIVEKIT_SERVER_BUILD=0 in the tests' environment: named as the reason
    assert "LIVEKIT_SERVER_BUILD=0" in reason
    assert all(status == "SKIP" and reason in message for status, message in live.values()), live
    endpoint = {name: statuses[name] for name in ENDPOINT_TESTS}
    assert all(result[0] == "PASS" for name, result in endpoint.items() if name != "The LiveKit JS client gets a token"), endpoint
    assert js_client_ok(endpoint["The LiveKit JS client gets a token"])
    assert run.returncode == 0, run.stdout[-2000:]


def test_trace_run_against_the_standin_and_the_reference_endpoint_leaks_nothing(tmp_path):
    token_log = tmp_path / "tokens.jsonl"
    keyring = Keyring([ApiKey(KEY, SECRET)])
    with StandinServer(keyring=keyring) as standin:
        environment = clean_environment(
            LIVEKIT_URL=standin.url.replace("http://", "ws://"),
            LIVEKIT_API_KEY=KEY,
            LIVEKIT_API_SECRET=SECRET,
            LIVEKIT_AUTH_TOKEN_LOG=str(token_log),
        )
        outputdir = tmp_path / "out"
        run = run_robot(
            outputdir,
            "--loglevel",
            "TRACE",
            "--debugfile",
            "debug.txt",
            "--exclude",
            "client",  # the stand-in has no signal WebSocket: the real client meets the real server only
            str(SUITES / "live"),
            str(SUITES / "endpoint"),
            environment=environment,
        )
    statuses = run.statuses()
    assert len(statuses) == 41  # the live tests without the client ones and the 17 of the endpoint
    failed = {
        name: result for name, result in statuses.items() if result[0] != "PASS" and name != "The LiveKit JS client gets a token"
    }
    assert not failed, failed
    assert js_client_ok(statuses["The LiveKit JS client gets a token"])
    assert run.returncode == 0
    tokens = sorted(set(tokens_from_log(token_log)))
    # Tokens with the same claims minted within one second are identical, so the count varies with timing;
    # ten distinct ones show that the run did record what it minted and received.
    assert len(tokens) >= 10
    text = run.all_text()
    assert "sha256:" in text  # fingerprints are there instead
    assert leaks(text, tokens, [SECRET]) == []
    # The stand-in saw every kind of request the suite makes, all without a token in the URL.
    assert ("GET", "/rtc/validate") in standin.state.requests
    assert ("POST", "/twirp/livekit.RoomService/ListParticipants") in standin.state.requests


@pytest.mark.skipif(os.name == "nt", reason="the fake binary is a POSIX shell script")
def test_the_live_suite_starts_and_stops_livekit_server_from_path(tmp_path):
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    fake_livekit_server(bin_folder)
    environment = clean_environment(PATH=f"{bin_folder}{os.pathsep}{path_without_livekit_server()}")
    run = run_robot(tmp_path / "out", "--exclude", "client", str(SUITES / "live"), environment=environment)
    statuses = run.statuses()
    assert len(statuses) == 24
    assert all(status == "PASS" for status, _ in statuses.values()), statuses
    output = (tmp_path / "out" / "output.xml").read_text()
    assert "started from" in output
    port = int(output.split("(127.0.0.1, HTTP port ", 1)[1].split(",", 1)[0])
    with socket.socket() as probe:  # the suite teardown stopped it
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def _mint(identity: str) -> str:
    keyring = load_keyring(environ={})
    claims = build_claims("devkey", identity, "test_room", room_join=True, name="Client Test")
    return encode(claims, keyring.prepared_secret("devkey"))


def test_a_bad_endpoint_fails_with_sentences_and_its_headers_stay_out_of_the_log(tmp_path):
    app_key = "app-key-value-0d4c9a1b7e"
    variable_file = tmp_path / "app_headers.py"
    variable_file.write_text(
        f"from robot.api.types import Secret\nTOKEN_ENDPOINT_HEADERS = {{'X-App-Key': Secret({app_key!r})}}\n"
    )
    foreign = _mint("mallory")

    def app(seen):
        if seen.headers.get("x-app-key") != app_key:
            return Reply(401, {"error": "sign in first"})
        if json.loads(seen.body or b"{}") == {}:
            return Reply(500, "Internal Server Error", {"Content-Type": "text/plain"})
        return Reply(
            201, {"server_url": "wss://lk.example.com", "participant_token": foreign}, {"Cache-Control": "public, max-age=600"}
        )

    with ScriptedServer(app) as server:
        # The caller chooses identity, room, name and metadata here, so that they are compared.
        environment = clean_environment(
            LIVEKIT_TOKEN_ENDPOINT=server.url + "/token", LIVEKIT_ENDPOINT_CALLER_CHOOSES="identity, room, name, metadata"
        )
        run = run_robot(
            tmp_path / "out",
            "--loglevel",
            "TRACE",
            "--variablefile",
            str(variable_file),
            "--exclude",
            "endpoint-step-2",
            str(SUITES / "endpoint"),
            environment=environment,
        )
    statuses = run.statuses()
    wrong_identity = "The endpoint returned a token for identity 'mallory' instead of the requested 'client_test'."
    assert statuses["The standard request gets a token"][0] == "FAIL"
    assert statuses["The standard request gets a token"][1].startswith(wrong_identity)
    assert statuses["The claims carry what the request asked for"][0] == "FAIL"
    status, message = statuses["An empty request gets no server error"]
    assert (status, before_diagnosis(message)) == (
        "FAIL",
        "The token endpoint answered an empty request {} with 500 Internal Server Error, "
        "a server error instead of a 2xx or 4xx: Internal Server Error",
    )
    assert diagnosis_in(message).startswith("Diagnosis: The token endpoint fails (500) on a request without fields")
    assert statuses["The token is a JWT signed with HS256"][0] == "PASS"
    # The JS client sent the app's header too (else the app would have answered 401), and got mallory's token.
    js_client = statuses["The LiveKit JS client gets a token"]
    assert js_client[0] == "SKIP" or (
        js_client[0] == "FAIL"
        and before_diagnosis(js_client[1])
        == (
            "LiveKit's JS client got a different token than requested: identity is 'mallory', expected 'client_test'; "
            "agent dispatch is [], expected ['test-agent']."
        )
        and diagnosis_in(js_client[1]).startswith(
            "Diagnosis: The endpoint mints its token for another participant or room than LiveKit's JS client asked for"
        )
    ), js_client
    # Every POST carried the app's header, but the one that checks that a caller without it is refused.
    without = [seen for seen in server.seen if seen.method == "POST" and seen.headers.get("x-app-key") != app_key]
    assert len(without) == 1 and "x-app-key" not in without[0].headers
    # Robot logs a failing keyword's traceback at DEBUG; the test messages and the console hold sentences only.
    assert not any("Traceback" in message for _, message in statuses.values())
    assert "Traceback" not in run.stdout + run.stderr
    text = run.all_text()
    assert app_key not in text
    assert leaks(text, [foreign], []) == []
    assert "public, max-age=600" in text  # Cache-Control is reported


def test_an_endpoint_that_is_down_fails_every_test_with_one_sentence(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = clean_environment(LIVEKIT_TOKEN_ENDPOINT=f"http://127.0.0.1:{port}/token")
    run = run_robot(tmp_path, str(SUITES / "endpoint"), environment=environment)
    sentence = (
        f"Could not connect to the token endpoint at http://127.0.0.1:{port}/token: the connection was refused (is it running?)."
    )
    statuses = run.statuses()
    assert set(statuses) == ENDPOINT_TESTS
    assert all(status == "FAIL" and before_diagnosis(message).endswith(sentence) for status, message in statuses.values())
    assert all(f"Diagnosis: Nothing accepts connections at 127.0.0.1:{port}" in message for _, message in statuses.values())
    assert run.returncode == len(ENDPOINT_TESTS)


def test_a_run_against_a_server_names_it_in_the_sign_off(tmp_path):
    with StandinServer() as standin:
        client_url = standin.url.replace("http://", "ws://")
        environment = clean_environment(LIVEKIT_URL=client_url)
        outputdir = tmp_path / "out"
        run = run_robot(
            outputdir, "--exclude", "client", str(SUITES / "authentication"), str(SUITES / "live"), environment=environment
        )
    assert run.returncode == 0, run.stdout[-2000:]
    markdown = written_signoff(outputdir, "--command", "python run.py")
    assert "## Status: PASSED" in markdown
    environment_rows = section(markdown, "Environment")
    assert f"| LiveKit server URL | `{client_url}` |" in environment_rows
    assert "| LiveKit server version | `not reported by the server` |" in environment_rows
    assert "none contacted" not in markdown
    conclusion = section(markdown, "Conclusion")
    assert f"A LiveKit server at {client_url} was contacted and the live checks passed." in conclusion
    # The stand-in has no transport: the control plane was checked against it, the transport was not.
    assert "**Control plane verified. Transport not checked in this run.**" in conclusion
    findings = section(markdown, "Key Findings")
    assert f"Server: `{client_url}`, version not reported by the server." in findings
    assert "different tokens" not in markdown  # the live suite's own tokens are not the five steps' token


def test_endpoint_header_values_are_noted_for_the_leak_guard_and_found_when_written(tmp_path):
    app_key = "app-key-" + secrets.token_hex(12)
    variable_file = tmp_path / "app_headers.py"
    variable_file.write_text(
        f"from robot.api.types import Secret\nTOKEN_ENDPOINT_HEADERS = {{'X-App-Key': Secret({app_key!r}), 'X-Env': 'qa'}}\n"
    )
    token_log = tmp_path / "tokens.jsonl"
    environment = clean_environment(LIVEKIT_AUTH_TOKEN_LOG=str(token_log))
    outputdir = tmp_path / "out"
    run = run_robot(
        outputdir,
        "--variablefile",
        str(variable_file),
        "--test",
        "The standard request gets a token",
        str(SUITES / "endpoint"),
        environment=environment,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    noted = [json.loads(line) for line in token_log.read_text(encoding="utf-8").splitlines()]
    assert noted.count({"secret": app_key}) == 1  # once, however many requests sent it
    assert {"secret": "qa"} not in noted  # too short to search: not noted
    guard = [sys.executable, str(ROOT / "tools" / "leak_guard.py"), str(outputdir), "--tokens", str(token_log)]
    clean = subprocess.run(guard, env=environment, capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stderr
    # The app key, and the header and credential the suite signs in to the reference endpoint with.
    assert "3 of the secrets noted by the run (request header values, API keys added by tests)" in clean.stdout
    (outputdir / "notes.txt").write_text(f"the app key was {app_key}\n", encoding="utf-8")
    leaked = subprocess.run(guard, env=environment, capture_output=True, text=True, check=False)
    assert leaked.returncode == 1
    assert "notes.txt (secret)" in leaked.stderr
    assert app_key not in leaked.stderr + leaked.stdout
