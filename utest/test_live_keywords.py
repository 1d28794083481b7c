"""The live keywords against the test stand-in for a server's HTTP answers, and where the server comes from."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
from pathlib import Path

import pytest
from helpers import LIVEKIT_SETTINGS, ROOT, before_diagnosis
from http_test_support import RawServer, Reply, ScriptedServer
from robot.api import SkipExecution
from server_support import fake_livekit_server
from standin_server import StandinServer

from livekit_http import server_version
from livekit_server import binary as server_binary
from livekit_tokens.evidence import fingerprint
from livekit_tokens.keys import ApiKey, Keyring
from LiveKitHttp import HOW_TO_ENABLE_LIVE, ConfigurationFailure, LiveKitHttp


@pytest.fixture(autouse=True)
def _no_livekit_settings(monkeypatch):
    for name in LIVEKIT_SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def findings(monkeypatch) -> list[tuple[str, str, str]]:
    recorded: list[tuple[str, str, str]] = []
    monkeypatch.setattr(LiveKitHttp, "_finding", staticmethod(lambda *finding: recorded.append(finding)))
    return recorded


@pytest.fixture
def standin():
    with StandinServer() as server:
        yield server


@pytest.fixture
def live(standin) -> LiveKitHttp:
    http = LiveKitHttp(timeout=5)
    assert http.use_livekit_server(standin.url.replace("http://", "ws://") + "/") == standin.url
    return http


CASES = [
    ("observer", 200, "success"),
    ("expired", 401, "token is expired"),
    ("expired within leeway", 200, "success"),
    ("not yet valid", 401, "token is not valid yet"),
    ("not yet valid within leeway", 200, "success"),
    ("tampered", 401, "signature is invalid"),
    ("signed with another secret", 401, "signature is invalid"),
    ("unknown API key", 401, "invalid API key"),
    ("without video grant", 401, "no permissions to access the room"),
    ("without roomJoin", 401, "permissions denied"),
    ("without identity", 400, "identity cannot be empty"),
    ("without room", 400, "no room name"),
]


@pytest.mark.parametrize(("case", "status", "message"), CASES)
def test_each_token_case_gets_the_documented_answer(live, case, status, message):
    live.validate_token_with_server(live.create_token_for_server_check(case), status, message)


def test_the_token_travels_in_the_bearer_header_only(live, standin):
    live.validate_token_with_server(live.create_token_for_server_check("observer"))
    assert standin.state.requests[-1] == ("GET", "/rtc/validate")  # no query string


def test_another_scheme_is_refused(live):
    live.validate_token_with_server(
        live.create_token_for_server_check("observer"), 401, "invalid authorization header", scheme="Token"
    )


def test_an_unexpected_answer_is_one_sentence(live):
    expired = live.create_token_for_server_check("expired")
    with pytest.raises(AssertionError) as caught:
        live.validate_token_with_server(expired)
    # livekit-server v1.13.5 echoes the refused token; the message shows its fingerprint instead.
    assert before_diagnosis(str(caught.value)) == (
        f"/rtc/validate answered 401 Unauthorized 'invalid token: <token {fingerprint(expired.value)}>, "
        "error: token has invalid claims: token is expired' instead of 200 with 'success'."
    )


def test_a_server_that_echoes_the_token_never_shows_it():
    # Some server releases answer "invalid token: <the token>, error: ...".
    def echo(seen):
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        return Reply(401, f"invalid token: {token}, error: token is expired\n", {"Content-Type": "text/plain"})

    with ScriptedServer(echo) as server:
        http = LiveKitHttp(timeout=5)
        http.use_livekit_server(server.url)
        token = http.create_token_for_server_check("observer")
        with pytest.raises(AssertionError) as caught:
            http.validate_token_with_server(token)
        http.validate_token_with_server(token, 401, "token is expired")
    assert token.value not in str(caught.value)
    assert f"invalid token: <token {fingerprint(token.value)}>, error: token is expired" in str(caught.value)


@pytest.mark.parametrize(
    ("call", "grants", "room", "status", "text"),
    [
        ("ListRooms", "roomList", "", 200, "rooms"),
        ("ListRooms", "observer", "", 401, "unauthenticated"),
        ("ListRooms", "no token", "", 401, "unauthenticated"),
        ("CreateRoom", "roomCreate", "", 200, "check-room"),
        ("CreateRoom", "roomList, roomAdmin", "check-room", 401, "unauthenticated"),
        ("ListParticipants", "roomAdmin", "check-room", 200, "participants"),
        ("ListParticipants", "roomAdmin", "another-room", 401, "unauthenticated"),
        ("DeleteRoom", "roomCreate", "", 200, "{}"),
    ],
)
def test_room_service_permissions(live, call, grants, room, status, text):
    live.call_room_service("CreateRoom", live.create_token_with_grants("roomCreate"), room="check-room")
    answer = live.call_room_service(call, live.create_token_with_grants(grants, room=room), "check-room", status, text)
    if status == 200:
        assert isinstance(answer, dict)


def test_a_permission_failure_names_the_call(live):
    with pytest.raises(AssertionError) as caught:
        live.call_room_service("ListRooms", live.create_token_with_grants("observer"), expected_status=200, expected_text="rooms")
    assert before_diagnosis(str(caught.value)) == (
        "ListRooms /twirp/livekit.RoomService/ListRooms answered 401 Unauthorized "
        '\'{"code":"unauthenticated","msg":"permissions denied"}\' instead of 200 with \'rooms\'.'
    )


def test_deleting_a_room_twice_is_fine(live):
    live.call_room_service("CreateRoom", live.create_token_with_grants("roomCreate"), room="gone-room")
    live.delete_room_if_present("gone-room")
    live.delete_room_if_present("gone-room")


def test_unknown_cases_and_grants_are_named(live):
    with pytest.raises(AssertionError, match=r"Unknown token case 'stale'; use one of: observer, expired,"):
        live.create_token_for_server_check("stale")
    with pytest.raises(
        AssertionError, match=r"Cannot mint a token with grants 'roomAdminx': 'room_adminx' is not a LiveKit claim or grant"
    ):
        live.create_token_with_grants("roomAdminx")
    assert live.create_token_with_grants("no token") is None
    assert re.fullmatch(r"check-[0-9a-f]{8}", live.unique_room_name("check"))


# ---------------------------------------------------------------------- clock skew


@pytest.mark.parametrize(
    ("offset", "severity", "words"),
    [
        (0, "info", "Clock skew: the clocks agree within"),
        (-45, "warning", "s behind this machine's (± 0."),
        (45, "warning", "close to the server's 60 s leeway on nbf and exp."),
    ],
)
def test_clock_skew_is_reported(findings, offset, severity, words):
    with StandinServer(clock_offset=offset) as server:
        http = LiveKitHttp(timeout=5)
        http.use_livekit_server(server.url)
        http.server_clock_should_be_in_step()
    assert [(finding, level) for finding, level, _ in findings] == [("clock-skew", severity)]
    assert words in findings[0][2]


def test_clock_skew_beyond_the_leeway_fails(findings):
    with StandinServer(clock_offset=-120) as server:
        http = LiveKitHttp(timeout=5)
        http.use_livekit_server(server.url)
        with pytest.raises(AssertionError) as caught:
            http.server_clock_should_be_in_step()
    assert re.fullmatch(
        r"Clock skew: the server's clock is 1[12]\d\.\d s behind this machine's \(± 0\.\d s\), beyond the server's 60 s leeway: "
        r"the server refuses tokens minted here as not yet valid\.",
        before_diagnosis(str(caught.value)),
    )
    assert findings[0][1] == "failure"


def test_a_server_without_date_header_is_named():
    # Python's and Go's HTTP servers always send Date; a proxy in between may not.
    with RawServer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK") as server:
        http = LiveKitHttp(timeout=5)
        http.use_livekit_server(server.url)
        with pytest.raises(AssertionError, match=r"^Cannot compare clocks: the answer has no Date header\.$"):
            http.server_clock_should_be_in_step()


# ---------------------------------------------------------------------- where the server comes from


def test_livekit_url_from_the_environment(standin, monkeypatch):
    monkeypatch.setenv("LIVEKIT_URL", standin.url.replace("http", "ws"))
    assert LiveKitHttp().use_livekit_server() == standin.url


def test_an_unreachable_server_is_one_sentence():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AssertionError) as caught:
        LiveKitHttp().use_livekit_server(f"ws://127.0.0.1:{port}")
    assert (
        before_diagnosis(str(caught.value))
        == f"Could not connect to the LiveKit server at http://127.0.0.1:{port}/: the connection was refused (is it running?)."
    )
    assert f"Diagnosis: Nothing accepts connections at 127.0.0.1:{port}" in str(caught.value)


def test_a_wrong_livekit_url_stops_the_run(monkeypatch):
    monkeypatch.setenv("LIVEKIT_URL", "127.0.0.1:7880")
    with pytest.raises(ConfigurationFailure) as caught:
        LiveKitHttp().use_livekit_server()
    assert (
        before_diagnosis(str(caught.value))
        == "LIVEKIT_URL must start with ws:// or wss:// or http:// or https://; got '127.0.0.1:7880'."
    )
    assert ConfigurationFailure.ROBOT_EXIT_ON_FAILURE


def test_without_url_or_binary_the_suite_is_skipped(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("LIVEKIT_SERVER_CACHE", str(tmp_path / "no-build"))
    monkeypatch.delenv("LIVEKIT_SERVER_BINARY", raising=False)
    with pytest.raises(SkipExecution) as caught:
        LiveKitHttp().use_livekit_server()
    reason = before_diagnosis(str(caught.value))
    # No Go on this PATH: the sentence says so, and names the ways to get a server.
    assert reason == server_binary.why_no_server() and reason.endswith(HOW_TO_ENABLE_LIVE[1:])
    assert "no Go toolchain is installed" in reason
    assert reason.count(". ") == 0 and reason.endswith(".")


@pytest.mark.skipif(os.name == "nt", reason="the fake binary is a POSIX shell script")
def test_livekit_server_on_path_is_started_and_stopped(monkeypatch, tmp_path):
    fake_livekit_server(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("LIVEKIT_API_KEY", "started-key")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "a-started-server-secret-of-forty-chars!!")
    http = LiveKitHttp(timeout=5)
    url = http.use_livekit_server()
    started = http._state.started["livekit-server"]
    assert url == f"http://127.0.0.1:{started.managed.port}"
    arguments = started.managed.process.args
    assert arguments[1:] == []  # no configuration file: the configuration is in the server's environment
    # The configuration binds loopback only, on free ports, with this run's keys and no development mode.
    configuration = started.configuration
    environ = Path(f"/proc/{started.managed.process.pid}/environ")
    if environ.exists():
        variables = dict(entry.split(b"=", 1) for entry in environ.read_bytes().split(b"\0") if b"=" in entry)
        assert json.loads(variables[b"LIVEKIT_CONFIG"]) == configuration
    assert configuration["bind_addresses"] == ["127.0.0.1"]
    assert configuration["port"] == started.managed.port
    assert configuration["rtc"]["udp_port"] == started.udp_port and configuration["rtc"]["tcp_port"] == 0
    assert configuration["keys"] == {"started-key": "a-started-server-secret-of-forty-chars!!"}
    assert "--dev" not in arguments
    http.validate_token_with_server(http.create_token_for_server_check("observer"))
    http.stop_livekit_server()
    assert not started.running
    with pytest.raises(AssertionError, match="the connection was refused"):
        http.validate_token_with_server(http.create_token_for_server_check("observer"))
    http.stop_livekit_server()  # stopping twice is harmless


def test_a_given_server_is_not_stopped(live, standin):
    live.stop_livekit_server()
    live.validate_token_with_server(live.create_token_for_server_check("observer"))


def test_keys_come_from_livekit_keys(monkeypatch):
    monkeypatch.setenv("LIVEKIT_KEYS", "second: another-secret-that-is-long-enough-0123\n")
    with StandinServer(keyring=Keyring([ApiKey("second", "another-secret-that-is-long-enough-0123")])) as server:
        http = LiveKitHttp()
        http.use_livekit_server(server.url)
        http.validate_token_with_server(http.create_token_for_server_check("observer"))


@pytest.mark.parametrize(
    ("headers", "version"),
    [
        ({"server": "livekit/1.9.0"}, "1.9.0 (from the server header)"),
        ({"x-livekit-version": "v1.8.4-rc.1"}, "1.8.4-rc.1 (from the x-livekit-version header)"),
        ({"server": "nginx/1.25.3", "content-type": "text/plain"}, None),
        ({"date": "Mon, 19 Jan 2026 20:00:00 GMT"}, None),
    ],
)
def test_a_server_version_is_read_only_from_a_header_that_names_livekit(headers, version):
    assert server_version.from_headers(headers) == version


def test_a_long_server_header_is_read_in_one_pass():
    # 9000 "livekit" in a header of 63 kB: the former pattern took seconds per header.
    assert server_version.from_headers({"server": "livekit" * 9000}) is None
    assert server_version.from_headers({"server": "livekit" * 9000 + "/1.9.0"}) == "1.9.0 (from the server header)"


DEEP = "[" * 20000 + "]" * 20000


def test_a_room_service_answer_nested_too_deeply_is_one_sentence():
    with ScriptedServer(lambda seen: Reply(200, DEEP)) as server:
        http = LiveKitHttp(timeout=5)
        http.use_livekit_server(server.url)
        with pytest.raises(AssertionError) as caught:
            http.call_room_service("ListRooms", http.create_token_with_grants("roomList"))
    assert before_diagnosis(str(caught.value)) == "The LiveKit server answered ListRooms with JSON nested too deeply to read."


def test_a_room_service_answer_that_is_not_json_returns_none():
    with ScriptedServer(lambda seen: Reply(200, "OK", {"Content-Type": "text/plain"})) as server:
        http = LiveKitHttp(timeout=5)
        http.use_livekit_server(server.url)
        assert http.call_room_service("ListRooms", http.create_token_with_grants("roomList")) is None


def test_a_server_date_with_an_impossible_offset_is_one_sentence():
    answer = (
        b"HTTP/1.1 200 OK\r\nDate: 1 Jan 2020 00:00:00 +99999999999999999999\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"
    )
    with RawServer(answer) as server:
        http = LiveKitHttp(timeout=5)
        http.use_livekit_server(server.url)
        with pytest.raises(AssertionError) as caught:
            http.server_clock_should_be_in_step()
    assert (
        str(caught.value)
        == "Cannot compare clocks: the Date header '1 Jan 2020 00:00:00 +9999999999999999999' is not an HTTP date."
    )


@pytest.mark.parametrize("url", ["ws://[::1", "ws://lk example:7880"])
def test_a_malformed_livekit_url_stops_the_run_with_one_sentence(monkeypatch, url):
    monkeypatch.setenv("LIVEKIT_URL", url)
    with pytest.raises(
        ConfigurationFailure, match=r"^LIVEKIT_URL (has an invalid host name|holds spaces or control characters); got"
    ):
        LiveKitHttp(timeout=5).use_livekit_server()


@pytest.mark.skipif(os.name == "nt", reason="the fake binaries are POSIX shell scripts")
def test_a_started_server_is_asked_for_its_version(tmp_path):
    reporting = tmp_path / "reporting"
    reporting.write_text('#!/bin/sh\n[ "$1" = "--version" ] && echo "livekit-server version 1.9.0" && exit 0\nexit 3\n')
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\necho 'unknown flag' >&2\nexit 2\n")
    for script in (reporting, silent):
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    assert server_version.from_binary(str(reporting)) == "1.9.0 (livekit-server --version)"
    assert server_version.from_binary(str(silent)) is None
    assert server_version.from_binary(str(tmp_path / "missing")) is None


def test_a_given_server_that_names_no_version_is_recorded_as_not_reporting_one(standin):
    http = LiveKitHttp(timeout=5)
    http.use_livekit_server(standin.url)
    assert http._state.server_version == "not reported by the server"
    assert http._state.server_ws_url == standin.url.replace("http://", "ws://")


def test_the_libraries_of_a_run_share_one_key_pair(tmp_path):
    # LiveKitHttp mints with the pair LiveKitAuth was imported with, and a key added later is the run's too.
    from helpers import run_robot

    libraries = ROOT / "libraries"
    suite = tmp_path / "shared_keys.robot"
    suite.write_text(
        f"""*** Settings ***
Library    {(libraries / "LiveKitAuth.py").as_posix()}    api_key=shared-key    api_secret=a-shared-secret-of-at-least-32-chars!
Library    {(libraries / "LiveKitHttp.py").as_posix()}

*** Test Cases ***
Tokens Of Both Libraries Use The Import's Key
    ${{token}}    Create Token With Grants    roomList
    ${{claims}}    Verify Token    ${{token}}
    Should Be Equal    ${{claims}}[iss]    shared-key
""",
        encoding="utf-8",
    )
    done = run_robot(tmp_path / "out", str(suite))
    assert done.returncode == 0, done.stdout[-2000:]


def test_the_run_context_reads_the_keys_once_per_run_and_takes_what_a_library_offers(monkeypatch):
    from livekit_tokens import robot_context

    context = robot_context.RunContext()
    monkeypatch.setenv("LIVEKIT_API_KEY", "from-environment")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "a-secret-from-the-environment-of-32-chars")
    assert context.keyring.primary.key == "from-environment"  # outside a run: read every time
    monkeypatch.setattr(robot_context, "robot_is_running", lambda: True)
    first = context.keyring
    monkeypatch.setenv("LIVEKIT_API_KEY", "changed-later")
    assert context.keyring is first  # a run reads its keys once
    offered = Keyring([ApiKey("offered", "an-offered-secret-of-at-least-32-chars!")])
    context.offer(offered)
    assert context.keyring is offered
    context.offer(None, "set LIVEKIT_API_SECRET")
    with pytest.raises(ConfigurationFailure, match="set LIVEKIT_API_SECRET"):
        _ = context.keyring
