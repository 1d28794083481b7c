"""The live suite against the real livekit-server (the project's pinned build, or one on PATH), and how
a run finds, builds and starts that server.

``python run.py test`` builds the pinned server before pytest runs, so these tests meet the real
server wherever Go is installed; ``LIVEKIT_REQUIRE_SERVER=1`` (set by CI) makes its absence a failure
instead of a skip.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, written_signoff
from http_test_support import SUITES, RobotRun, clean_environment, leaks, robot_command, run_robot, tokens_from_log
from server_support import BROWSER_TESTS, LIVE_TESTS, browser_unavailable, real_server

from livekit_server import binary, process
from livekit_tokens.evidence import fingerprint

KEY = "real-server-check-key"
SECRET = "real-server-check-secret-5d0c9e27a4b1f36e8c"


def test_every_live_test_passes_against_the_real_server_and_nothing_leaks(tmp_path):
    server = real_server()
    token_log = tmp_path / "tokens.jsonl"
    environment = clean_environment(
        LIVEKIT_SERVER_BINARY=server,
        LIVEKIT_API_KEY=KEY,
        LIVEKIT_API_SECRET=SECRET,
        LIVEKIT_AUTH_TOKEN_LOG=str(token_log),
        LIVEKIT_REQUIRE_TRANSPORT="1",
    )
    outputdir = tmp_path / "out"
    run = run_robot(outputdir, "--loglevel", "TRACE", "--debugfile", "debug.txt", str(SUITES / "live"), environment=environment)
    statuses = run.statuses()
    assert len(statuses) == LIVE_TESTS
    no_browser = browser_unavailable()
    if no_browser:  # the browser client's tests say how to get a browser; every other test passes
        skipped = {name for name, (status, message) in statuses.items() if status == "SKIP" and no_browser in message}
        assert len(skipped) == BROWSER_TESTS, statuses
        statuses = {name: result for name, result in statuses.items() if name not in skipped}
    assert all(status == "PASS" for status, _ in statuses.values()), statuses
    assert run.returncode == 0
    output = (outputdir / "output.xml").read_text(encoding="utf-8")
    assert f"{binary.PINNED_VERSION} (livekit-server --version)" in output
    # The real client joined with the five-step token and the server carried its data.
    assert "connected (WebRTC, UDP on 127.0.0.1)" in output
    assert "NOT_ALLOWED" in output
    tokens = sorted(set(tokens_from_log(token_log)))
    assert len(tokens) >= 10
    assert leaks(run.all_text(), tokens, [SECRET]) == []
    assert not (outputdir / process.LOG_NAME).exists()  # kept for a failed run only


def _failing_live_suite(folder: Path) -> Path:
    """The live suite's setup and teardown around one test that fails against any server."""
    suite = folder / "failing_live"
    suite.mkdir()
    resource = (ROOT / "resources" / "livekit_http.resource").as_posix()
    (suite / "__init__.robot").write_text(
        f"*** Settings ***\nResource    {resource}\nSuite Setup    A LiveKit Server Is Available\n"
        "Suite Teardown    The LiveKit Server Started By The Suite Is Stopped\n",
        encoding="utf-8",
    )
    (suite / "expired.robot").write_text(
        f"*** Settings ***\nResource    {resource}\n\n*** Test Cases ***\nAn Expired Token Is Expected To Pass\n"
        "    The Server Should Answer    expired    200    success\n",
        encoding="utf-8",
    )
    return suite


def test_a_failed_live_run_keeps_the_server_log_without_secrets_or_tokens(tmp_path):
    server = real_server()
    token_log = tmp_path / "tokens.jsonl"
    environment = clean_environment(
        LIVEKIT_SERVER_BINARY=server, LIVEKIT_API_KEY=KEY, LIVEKIT_API_SECRET=SECRET, LIVEKIT_AUTH_TOKEN_LOG=str(token_log)
    )
    outputdir = tmp_path / "out"
    run = run_robot(outputdir, str(_failing_live_suite(tmp_path)), environment=environment)
    status, message = run.statuses()["An Expired Token Is Expected To Pass"]
    assert status == "FAIL"
    # The real server's 401 body echoes the token; the failure shows its fingerprint instead.
    tokens = tokens_from_log(token_log)
    assert any(f"<token {fingerprint(token)}>" in message for token in tokens), message
    assert "token is expired" in message
    kept = outputdir / process.LOG_NAME
    text = kept.read_text(encoding="utf-8")
    assert "starting LiveKit server" in text
    assert SECRET not in text
    assert leaks(text + run.all_text(), tokens, [SECRET]) == []


def test_the_kept_log_replaces_secrets_and_tokens(tmp_path):
    log = tmp_path / "server.log"
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz"
    log.write_text(f"config keys {{devkey: {SECRET}}}\ninvalid token: {token}, error: expired\n", encoding="utf-8")

    class Finished:
        running = False
        log_path = log
        url = "http://127.0.0.1:1"

    started = process.RunningServer(Finished(), "livekit-server", 1, {}, (SECRET,))
    kept = started.keep_log(tmp_path / "results")
    text = kept.read_text(encoding="utf-8")
    assert SECRET not in text and token not in text
    assert "<secret>" in text and f"<token {fingerprint(token)}>" in text


def test_a_started_server_listens_on_loopback_only(tmp_path):
    server = real_server()
    started = process.start_server(server, {KEY: SECRET}, webhook_urls=["http://127.0.0.1:1/webhook"])
    try:
        configuration = started.configuration
        environ = Path(f"/proc/{started.managed.process.pid}/environ")
        if environ.exists():  # the configuration is in the server's environment, readable by this user only
            assert (
                json.loads(
                    dict(line.split(b"=", 1) for line in environ.read_bytes().split(b"\0") if b"=" in line)[b"LIVEKIT_CONFIG"]
                )
                == configuration
            )
            assert stat.S_IMODE(environ.stat().st_mode) == 0o400
        assert configuration["bind_addresses"] == ["127.0.0.1"]
        assert configuration["rtc"]["ips"] == {"includes": ["127.0.0.1/32"]}
        # No public STUN server reaches the clients: the only one named is a loopback port, not the media port.
        (stun,) = configuration["rtc"]["stun_servers"]
        assert stun.startswith("127.0.0.1:") and stun != f"127.0.0.1:{started.udp_port}"
        assert configuration["webhook"] == {"api_key": KEY, "urls": ["http://127.0.0.1:1/webhook"]}
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", started.managed.port)) == 0
        assert not started.reported_weak_secret()
    finally:
        started.stop()


def test_a_short_secret_is_reported_by_the_server_as_weak(tmp_path):
    started = process.start_server(real_server(), {"devkey": "secret"})
    try:
        assert started.reported_weak_secret()
    finally:
        started.stop()


# ---------------------------------------------------------------- where the server comes from


def _executable(path: Path, text: str = "#!/bin/sh\nexit 0\n") -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.skipif(os.name == "nt", reason="the fake binaries are POSIX shell scripts")
def test_the_server_is_looked_for_in_the_documented_order(tmp_path):
    on_path = tmp_path / "bin"
    on_path.mkdir()
    _executable(on_path / "livekit-server")
    cache = tmp_path / "cache"
    (cache / f"v{binary.PINNED_VERSION}").mkdir(parents=True)
    cached = _executable(cache / f"v{binary.PINNED_VERSION}" / binary.EXECUTABLE)
    everything = {"LIVEKIT_URL": "ws://127.0.0.1:7880", "PATH": str(on_path)}
    assert binary.find_source(everything, cache).kind == "url"
    assert binary.find_source(dict(everything, LIVEKIT_URL=""), cache) == binary.ServerSource(
        "path", str(on_path / "livekit-server")
    )
    assert binary.find_source({"PATH": str(tmp_path)}, cache) == binary.ServerSource("pinned", str(cached))
    assert binary.find_source({"PATH": str(tmp_path)}, tmp_path / "empty").kind == "none"


@pytest.mark.skipif(os.name == "nt", reason="the fake go is a POSIX shell script")
def test_a_failed_build_stops_the_run_with_gos_last_lines_and_the_ways_to_get_a_server(tmp_path):
    tools = tmp_path / "bin"
    tools.mkdir()
    _executable(
        tools / "go",
        "#!/bin/sh\necho 'go: downloading github.com/pion/webrtc/v4 v4.2.18'\n"
        "echo 'reading https://proxy.golang.org/...: 403 Forbidden' >&2\necho 'build failed for a reason' >&2\nexit 1\n",
    )
    environment = clean_environment(
        PATH=f"{tools}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        LIVEKIT_SERVER_CACHE=str(tmp_path / "cache"),
        LIVEKIT_SERVER_BUILD="1",
    )
    run = run_robot(tmp_path / "out", str(SUITES / "authentication"), str(SUITES / "live"), environment=environment)
    statuses = run.statuses()
    sentence = f"Building livekit-server v{binary.PINNED_VERSION} failed: "
    assert all(status == "PASS" for name, (status, _) in statuses.items() if name in ("Token Generation", "Token Claims"))
    live = [message for name, (status, message) in statuses.items() if status == "FAIL"]
    assert len(live) == LIVE_TESTS
    assert all(message == "Test execution stopped due to a fatal error." for message in live)
    # The console says why, and the log keeps the suite setup's failure with the same sentence.
    why = (
        sentence + "reading https://proxy.golang.org/...: 403 Forbidden\nbuild failed for a reason " + binary.HOW_TO_GET_A_SERVER
    )
    assert why in run.stdout
    assert html.escape(why, quote=False) in (tmp_path / "out" / "output.xml").read_text(encoding="utf-8")
    assert f"Building livekit-server v{binary.PINNED_VERSION} with Go (first run only" in run.stdout
    assert "go: downloading" not in run.all_text()
    assert "Traceback" not in run.stdout + run.stderr
    assert not (tmp_path / "cache" / f"v{binary.PINNED_VERSION}").exists()


def test_the_pinned_server_is_not_built_when_told_not_to(tmp_path):
    environment = {"PATH": str(tmp_path), binary.BUILD_VARIABLE: "0"}
    assert binary.ensure_server(environment, tmp_path / "cache", announce=pytest.fail).kind == "none"


def _loopback_only_namespace() -> list[str]:
    """A command prefix that runs a program in a new network namespace holding only loopback, else skip."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if os.name == "nt" or not unshare or not ip:
        pytest.skip("needs Linux with unshare and ip (iproute2)")
    probe = subprocess.run([unshare, "-n", ip, "link", "set", "lo", "up"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("no permission to create a network namespace here")
    return [unshare, "-n", "sh", "-c", f'"{ip}" link set lo up && exec "$@"', "sh"]


def test_without_a_usable_network_interface_a_signal_level_join_takes_the_clients_place_and_the_transport_is_not_checked(
    tmp_path,
):
    # WebRTC gathers no candidate on loopback, so in a namespace with nothing else the transport cannot
    # connect; the server answers the signal join all the same.
    prefix = _loopback_only_namespace()
    environment = clean_environment(LIVEKIT_SERVER_BINARY=real_server())
    outputdir = tmp_path / "out"
    # The real client's suite only: the webhook suite would wait for events of a join that never connected.
    command = prefix + robot_command(
        outputdir, "--include", "client", "--exclude", "webhooks", "--exclude", "browser", str(SUITES / "live")
    )
    done = subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    run = RobotRun(done.returncode, done.stdout, done.stderr, outputdir)
    statuses = run.statuses()
    status, message = statuses.pop("Data from a publisher reaches the observer")
    # What needs media or data over the transport is not checked without it.
    not_checked = {
        name: statuses.pop(name)
        for name in (
            "The client's data reaches others as canPublishData decides",
            "The client subscribes to tracks as canSubscribe decides",
            "The client updates its own metadata as canUpdateOwnMetadata decides",
        )
    }
    # The join answer, the permissions, ListParticipants (the signal-level join stays in the room until the
    # client leaves), whom the publisher's join answer names, the server's answers to AddTrack and RoomService
    # and the refusals: all read without the transport.
    assert sorted(statuses) == [
        "A token for another room does not join this room",
        "A token without roomJoin cannot join",
        "The client joins with the five-step token",
        "The publisher sees the client unless its token is hidden",
        "The room service answers the client's token as its admin grants decide",
        "The room service lists the client with the same permissions",
        "The server applies the permissions Step 4 decided",
        "The server decides publishing as the token grants",
    ]
    assert all(result == "PASS" for result, _ in statuses.values()), statuses
    assert status == "SKIP"
    assert message.startswith("The transport was not checked: the WebRTC transport did not connect within")
    for result, reason in not_checked.values():
        assert result == "SKIP"
        assert reason.startswith("Not checked without the transport: the WebRTC transport did not connect within")
    markdown = written_signoff(outputdir)
    assert "- Transport: not checked (the WebRTC transport did not connect within" in markdown
    assert "Transport verified" not in markdown
