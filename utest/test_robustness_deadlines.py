"""Robustness catalogue: every network exchange has a total deadline, however slowly a peer answers.

A trickling peer on 127.0.0.1 sends its status line and headers, then one byte of its body every
two seconds (or trickles its headers one byte every two seconds): a per-read timeout never trips.
Each row points one client of the project at it with a deadline of ``DEADLINE`` seconds
(``LIVEKIT_HTTP_DEADLINE``) and asserts the failure says "answered too slowly" with that time, and
comes within the deadline and a margin.
"""

from __future__ import annotations

import re
import socket
import socketserver
import subprocess
import threading
import time

import pytest
from helpers import ROOT, run_script

DEADLINE = 3
MARGIN = 10.0  # seconds for the start of a script on a busy machine


class TricklingPeer(socketserver.ThreadingTCPServer):
    """Answers every request slowly: ``body`` sends the headers then a byte every 2 s; ``headers`` trickles the headers."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode: str):
        self.mode = mode
        self.stopped = threading.Event()
        super().__init__(("127.0.0.1", 0), Trickle)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc):
        self.stopped.set()
        self.shutdown()
        self.server_close()


class Trickle(socketserver.BaseRequestHandler):
    def handle(self):
        peer: TricklingPeer = self.server
        self.request.settimeout(1)
        try:
            self.request.recv(65536)  # the request (its body, if any, is not waited for)
        except OSError:
            return
        if peer.mode == "body":
            head, drip = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
                b"{" + b" " * 99999,
            )
        else:
            head, drip = b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 100000 + b"\r\n\r\n"
        try:
            self.request.sendall(head)
            for byte in drip:
                if peer.stopped.wait(2):
                    return
                self.request.sendall(bytes([byte]))
        except OSError:
            return


@pytest.fixture(params=["body", "headers"], ids=["a body byte every 2 s", "a header byte every 2 s"])
def peer(request, monkeypatch):
    monkeypatch.setenv("LIVEKIT_HTTP_DEADLINE", str(DEADLINE))
    with TricklingPeer(request.param) as started:
        yield started


def too_slowly(text: str, seconds: float = DEADLINE) -> bool:
    return f"answered too slowly: no complete answer within {seconds:g} s (LIVEKIT_HTTP_DEADLINE)" in text


def test_python_run_py_diagnose_stops_at_the_deadline(peer):
    started = time.monotonic()
    done = run_script(
        ROOT / "tools" / "diagnose.py",
        LIVEKIT_URL=peer.url.replace("http://", "ws://"),
        LIVEKIT_API_KEY="devkey",
        LIVEKIT_API_SECRET="a-secret-of-32-characters-or-more!!",
        LIVEKIT_HTTP_DEADLINE=str(DEADLINE),
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stdout + done.stderr
    assert too_slowly(done.stdout), done.stdout
    assert "wss://" not in done.stdout  # a slow server is not a TLS mistake
    checked = int(re.search(r"Checked in (\d+) ms", done.stdout).group(1))
    assert DEADLINE * 1000 <= checked < (DEADLINE + 1) * 1000, done.stdout  # one exchange, stopped at the deadline
    assert elapsed < DEADLINE + MARGIN


def test_the_live_checks_fail_at_the_deadline(peer):
    from LiveKitHttp import LiveKitHttp

    http = LiveKitHttp(timeout=10)
    started = time.monotonic()
    with pytest.raises(AssertionError) as caught:
        http.use_livekit_server(peer.url)
        http.validate_token_with_server(http.create_token_for_server_check("observer"))
    assert too_slowly(str(caught.value)), caught.value
    assert time.monotonic() - started < 2 * DEADLINE + 1


def test_a_token_endpoint_fails_at_the_deadline(peer):
    from LiveKitHttp import LiveKitHttp

    http = LiveKitHttp(timeout=10)
    http.use_token_endpoint(peer.url + "/token")
    started = time.monotonic()
    with pytest.raises(AssertionError) as caught:
        http.request_token_from_endpoint(room_name="test_room", participant_identity="alice")
    assert too_slowly(str(caught.value)), caught.value
    assert time.monotonic() - started < DEADLINE + 1


def test_a_webhook_receiver_fails_at_the_deadline(peer):
    from LiveKitWebhooks import LiveKitWebhooks

    webhooks = LiveKitWebhooks(timeout=10)
    started = time.monotonic()
    assert webhooks.send_webhook_case(peer.url + "/webhook", "correctly signed") is None
    assert time.monotonic() - started < DEADLINE + 1


def test_the_deadline_is_a_total_not_a_per_read_timeout(peer):
    from livekit_http import deadline

    session = deadline.Session()
    started = time.monotonic()
    with pytest.raises(deadline.AnsweredTooSlowly):
        session.get(peer.url, timeout=10)
    assert DEADLINE - 0.5 < time.monotonic() - started < DEADLINE + 1
    with socket.create_connection(("127.0.0.1", peer.server_address[1]), timeout=5):
        pass  # the peer still answers: the deadline gave up on the exchange, not on the peer


def test_the_endpoint_callers_the_cluster_and_the_workers_calls_stop_at_the_deadline(peer, monkeypatch):
    from livekit_cluster import alike
    from livekit_cluster import nodes as cluster_nodes
    from livekit_cluster.nodes import ClusterNode

    from livekit_endpoint import probes
    from livekit_http import deadline
    from livekit_workers import calls

    started = time.monotonic()
    with pytest.raises(deadline.AnsweredTooSlowly):
        probes.Caller(peer.url + "/token", DEADLINE).send("GET")
    assert time.monotonic() - started < DEADLINE + 1
    started = time.monotonic()
    with pytest.raises(deadline.AnsweredTooSlowly):
        calls.session().get(peer.url + "/twirp", timeout=10)
    assert time.monotonic() - started < DEADLINE + 1
    node = ClusterNode(1, peer.url, peer.url.replace("http://", "ws://"))
    monkeypatch.setattr(cluster_nodes, "current_nodes", lambda include_stopped=False: [node])
    started = time.monotonic()
    [answer] = alike.validate_everywhere("not-a-token")
    assert time.monotonic() - started < DEADLINE + 1
    assert (answer.status, answer.text) == (0, "no answer (AnsweredTooSlowly)")


# the setting that points a suite at the peer, the suite's tag, how many exchanges may each wait the deadline
SUITE_RUNS = [
    ("LIVEKIT_URL", "live", "ws://"),
    ("LIVEKIT_TOKEN_ENDPOINT", "endpoint", "http://"),
    ("LIVEKIT_WEBHOOK_URL", "webhooks", "http://"),
]


@pytest.mark.parametrize(("setting", "tag", "scheme"), SUITE_RUNS, ids=[f"the {row[1]} suite" for row in SUITE_RUNS])
def test_a_suite_against_a_trickling_peer_ends_naming_the_deadline(tmp_path, setting, tag, scheme):
    from helpers import clean_environment, robot_command

    with TricklingPeer("body") as slow:
        url = slow.url.replace("http://", scheme) + ("/token" if tag == "endpoint" else "/webhook" if tag == "webhooks" else "")
        environment = clean_environment(**{setting: url, "LIVEKIT_HTTP_DEADLINE": "1"})  # a row a second
        started = time.monotonic()
        done = subprocess.run(
            [*robot_command(tmp_path, "--include", tag, "--console", "dotted"), str(ROOT / "suites")],
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        elapsed = time.monotonic() - started
    assert done.returncode != 0
    assert too_slowly(done.stdout, 1), done.stdout[-3000:]
    assert elapsed < 90, f"{elapsed:.0f} s"
