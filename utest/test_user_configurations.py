"""Configurations users run, each as the user runs it: a livekit-server started by hand with its own
configuration file (as an operator starts one), ``python run.py`` in a subprocess with only the
settings a user gives, and the sign-off's status and the words that name what was checked.

Rows: the server behind a TLS terminator with a private CA (``wss://``, the CA in ``SSL_CERT_FILE``),
a publisher token, the document's observer token and a hidden subscriber. One server serves every
row. The runs check the five steps and the real clients (``--include authentication --include
client``); a server given by URL does not send its webhooks to this run, so they are left out, and
its version is the user's setting (``LIVEKIT_SERVER_VERSION``), as README says for such a server.
"""

from __future__ import annotations

import os
import re
import secrets as random_source
import socket
import string
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import ROOT, clean_environment
from server_support import real_server
from tls_terminator import Terminator, make_ca

from livekit_tokens import minting

RUN_DEADLINE = 900  # seconds for one python run.py
CHECKS = ("--include", "authentication", "--include", "client", "--exclude", "webhooks")


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _key_pair() -> tuple[str, str]:
    """A pair as ``livekit-server generate-keys`` makes one: ``API`` and 12 characters, a 43-character secret."""
    alphabet = string.ascii_letters + string.digits
    return "API" + "".join(random_source.choice(alphabet) for _ in range(12)), "".join(
        random_source.choice(alphabet) for _ in range(43)
    )


@dataclass
class Deployment:
    """The user's LiveKit: the server started by hand, the TLS terminator in front of it, the CA, the keys."""

    process: subprocess.Popen
    http_port: int
    tls_port: int
    ca: Path
    key: str
    secret: str

    def settings(self, tls: bool = False, **more: str) -> dict[str, str]:
        url = f"wss://localhost:{self.tls_port}" if tls else f"ws://127.0.0.1:{self.http_port}"
        settings = {"LIVEKIT_URL": url, "LIVEKIT_API_KEY": self.key, "LIVEKIT_API_SECRET": self.secret}
        settings["LIVEKIT_SERVER_VERSION"] = "1.13.5"
        if tls:
            settings["SSL_CERT_FILE"] = str(self.ca)
        return {**settings, **more}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("operator")
    key, secret = _key_pair()
    http_port, udp_port = _free_port(), _free_port(socket.SOCK_DGRAM)
    config = folder / "livekit.yaml"
    config.write_text(
        "# livekit-server configuration, as written by hand\n"
        f"port: {http_port}\n"
        "bind_addresses: [127.0.0.1]\n"
        "rtc:\n"
        "  tcp_port: 0\n"
        f"  udp_port: {udp_port}\n"
        "  use_external_ip: false\n"
        "  node_ip: 127.0.0.1\n"
        "  enable_loopback_candidate: true\n"
        '  stun_servers: ["127.0.0.1:9"]  # no public STUN server\n'
        f"keys:\n  {key}: {secret}\n",
        encoding="utf-8",
    )
    log = (folder / "livekit-server.log").open("wb")
    process = subprocess.Popen(
        [real_server(), "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")},
    )
    terminator = None
    try:
        _wait_until_it_answers(process, http_port, folder)
        certificates = make_ca(folder / "ca")
        terminator = Terminator(f"127.0.0.1:{http_port}", certificates.cert, certificates.key)
        yield Deployment(process, http_port, terminator.port, certificates.ca, key, secret)
    finally:
        if terminator is not None:
            terminator.stop()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


def _wait_until_it_answers(process: subprocess.Popen, port: int, folder: Path, deadline: float = 20.0) -> None:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        if process.poll() is not None:
            raise AssertionError(f"livekit-server stopped at once: {(folder / 'livekit-server.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"livekit-server did not answer within {deadline:g} s")


@dataclass
class UserRun:
    code: int
    console: str
    outputdir: Path

    @property
    def signoff(self) -> str:
        path = self.outputdir / "signoff.md"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @property
    def status(self) -> str:
        found = re.search(r"^## Status: (.+?)(?: [^\w\s()]+)?$", self.signoff, re.MULTILINE)
        return found.group(1) if found else f"no sign-off (exit code {self.code})"

    def __str__(self) -> str:
        return f"exit code {self.code}, status {self.status}; console ends:\n{self.console[-3000:]}"


def run_as_user(outputdir: Path, settings: dict[str, str]) -> UserRun:
    environment = clean_environment(**settings)
    environment.pop("LIVEKIT_AUTH_BOOTSTRAPPED", None)  # a user's shell has not been through run.py yet
    if "SSL_CERT_FILE" not in settings:
        environment.pop("SSL_CERT_FILE", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--outputdir", str(outputdir), *CHECKS],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE,
        check=False,
    )
    return UserRun(done.returncode, done.stdout + done.stderr, outputdir)


def _hidden_subscriber(deployment: Deployment) -> dict[str, str]:
    claims = minting.build_claims(
        deployment.key,
        "client_test",
        "test_room",
        ttl="10 minutes",
        room_join=True,
        can_subscribe=True,
        can_publish=False,
        hidden=True,
    )
    return deployment.settings(LIVEKIT_TOKEN=minting.encode(claims, deployment.secret.encode()))


ROWS = {
    "own server behind TLS with a private CA": (
        lambda deployment: deployment.settings(tls=True),
        lambda deployment: (f"Server: `wss://localhost:{deployment.tls_port}`", "Transport: WebRTC connected"),
    ),
    "publisher token": (
        lambda deployment: deployment.settings(LIVEKIT_CAN_PUBLISH="true"),
        lambda deployment: ("Publish allowed by the server, as the token grants canPublish",),
    ),
    "observer token": (
        lambda deployment: deployment.settings(),
        lambda deployment: ("Publish refused by the server: `NOT_ALLOWED`",),
    ),
    "hidden subscriber": (
        _hidden_subscriber,
        lambda deployment: ("canPublish false, canPublishData false, hidden true",),
    ),
}


@pytest.mark.parametrize("row", list(ROWS))
def test_a_correct_deployment_passes(row, deployment, tmp_path):
    settings, shows = ROWS[row]
    given = settings(deployment)
    run = run_as_user(tmp_path / "results", given)
    assert run.status == "PASSED", str(run)
    seen = run.console + run.signoff
    missing = [words for words in shows(deployment) if words not in seen]
    assert not missing, f"{missing} not shown; {run}\nsign-off:\n{run.signoff[-4000:]}"
    assert deployment.secret not in seen
    assert given.get("LIVEKIT_TOKEN", deployment.secret) not in seen
