"""interop/node/token_source_client.mjs: LiveKit's JS client fetching from the reference endpoint."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys

import pytest
from helpers import ROOT, clean_environment

from livekit_http import processes

NODE = shutil.which("node")
SCRIPT = ROOT / "interop" / "node" / "token_source_client.mjs"
PACKAGE = ROOT / "interop" / "node" / "node_modules" / "livekit-client" / "package.json"
JWT_LIKE = re.compile(r"ey[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")

pytestmark = pytest.mark.skipif(
    NODE is None or not PACKAGE.exists(), reason="Node.js or livekit-client is missing: run 'npm ci' in interop/node"
)


def run_client(*arguments: str, environment: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NODE, str(SCRIPT), *arguments],
        cwd=SCRIPT.parent,
        env=environment or clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def endpoint():
    managed = processes.start(
        "the reference token endpoint",
        lambda port: [sys.executable, str(ROOT / "examples" / "token_endpoint.py"), "--port", str(port)],
        lambda port: f"http://127.0.0.1:{port}/token",
        probe_path="",
        environ=clean_environment(),
    )
    yield managed.url
    managed.stop()


def test_the_client_fetches_a_token_and_prints_no_token(endpoint):
    options = {"roomName": "demo", "participantIdentity": "alice", "participantName": "Alice", "agentName": "helper"}
    finished = run_client(endpoint, json.dumps(options))
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)
    assert summary["client"] == "livekit-client 2.23.0"
    assert (summary["identity"], summary["room"], summary["name"], summary["agents"]) == ("alice", "demo", "Alice", ["helper"])
    assert summary["server_url"] == "ws://127.0.0.1:7880"
    assert summary["reused"] is True
    assert re.fullmatch(r"sha256:[0-9a-f]{12}", summary["fingerprint"])
    assert not JWT_LIKE.search(finished.stdout + finished.stderr)


def test_the_endpoint_url_can_come_from_the_environment(endpoint):
    finished = run_client(environment=clean_environment(LIVEKIT_TOKEN_ENDPOINT=endpoint))
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["identity"].startswith("participant-")


def test_a_refusal_is_one_sentence(endpoint):
    finished = run_client(endpoint + "?key=hunter2", json.dumps({"roomName": " padded"}))
    assert finished.returncode == 1
    assert finished.stderr.strip() == (
        f"TokenSource.endpoint could not fetch a token: Error generating token from endpoint {endpoint}: received 400 / "
        '{"error": "room_name must not hold control characters or outer spaces."}.'
    )


def test_a_closed_port_is_named_and_the_query_stays_hidden():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    finished = run_client(f"http://127.0.0.1:{port}/token?key=hunter2")
    assert finished.returncode == 1
    assert (
        finished.stderr.strip()
        == "TokenSource.endpoint could not fetch a token: the connection was refused (is the endpoint running?)."
    )
    assert "hunter2" not in finished.stderr


def test_usage_errors_exit_2():
    finished = run_client("not-a-url")
    assert finished.returncode == 2
    assert "Give the token endpoint URL" in finished.stderr
