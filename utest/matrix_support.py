"""The configuration matrix's parts: a LiveKit server started as an operator starts one, and
``python run.py`` run as a user runs it.

The server is the real livekit-server (the project's pinned build, or ``livekit-server`` on PATH),
started as a process of its own with a YAML configuration file an operator would write: its own
port, its own keys, webhooks only when the row configures them. Nothing of the suite's own
server helpers is used, so the suite meets the server exactly as it meets a user's.

The run is ``python run.py`` in a subprocess, with only the settings a user would give it, its
results in a folder of the row's own. :class:`UserRun` reads back what the user would read: the
exit code, the console and the sign-off's status.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import string
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from helpers import ROOT, clean_environment

START_DEADLINE = 20.0  # seconds for a started server to answer
RUN_DEADLINE = 900  # seconds for one python run.py


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def key_pair() -> tuple[str, str]:
    """A key pair as ``livekit-server generate-keys`` makes one: ``API`` and 12 characters, a 43-character secret."""
    alphabet = string.ascii_letters + string.digits
    return "API" + "".join(secrets.choice(alphabet) for _ in range(12)), "".join(secrets.choice(alphabet) for _ in range(43))


@dataclass
class OperatorServer:
    """A livekit-server started by hand: its configuration file, its process, where it answers."""

    folder: Path
    http_port: int
    process: subprocess.Popen = field(repr=False)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.http_port}"

    @property
    def log(self) -> str:
        return (self.folder / "livekit-server.log").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def operator_config(http_port: int, udp_port: int, keys: str, webhook: str = "") -> str:
    """The YAML file an operator writes for a server on 127.0.0.1 (``keys``: the lines under ``keys:``)."""
    indented = "".join(f"  {line}\n" for line in keys.splitlines())
    return (
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
        "keys:\n"
        f"{indented}"
        f"{webhook}"
    )


def webhook_config(api_key: str, collector_port: int) -> str:
    """The lines README gives an operator for sending the server's webhooks to the suite's collector."""
    return f"webhook:\n  api_key: {api_key}\n  urls:\n    - http://127.0.0.1:{collector_port}/webhook\n"


def start_operator_server(binary: str, folder: Path, keys: str, webhook: str = "") -> OperatorServer:
    """Write the configuration into ``folder`` and start ``binary --config`` on it; wait until it answers."""
    folder.mkdir(parents=True, exist_ok=True)
    http_port = free_port()
    config = folder / "livekit.yaml"
    config.write_text(operator_config(http_port, free_port(socket.SOCK_DGRAM), keys, webhook), encoding="utf-8")
    with (folder / "livekit-server.log").open("wb") as log:
        process = subprocess.Popen(
            [binary, "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")},
        )
    server = OperatorServer(folder, http_port, process)
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"livekit-server stopped at once (exit code {process.returncode}): {server.log[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/", timeout=1) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise AssertionError(f"livekit-server did not answer within {START_DEADLINE:.0f} s: {server.log[-2000:]}")


@dataclass
class UserRun:
    """What a user sees after ``python run.py``: exit code, console, the sign-off's status."""

    code: int
    console: str
    outputdir: Path
    seconds: float

    @property
    def signoff(self) -> str:
        path = self.outputdir / "signoff.md"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @property
    def status(self) -> str:
        """The sign-off's status (``PASSED``, ``FAILED``, ...), or ``stopped`` when no test ran and nothing was written."""
        match = re.search(r"^## Status: (.+?)(?: [^\w\s()]+)?$", self.signoff, re.MULTILINE)
        if match:
            return match.group(1)
        return "stopped" if self.code == 252 else f"no sign-off (exit code {self.code})"

    def __str__(self) -> str:
        return f"exit code {self.code}, status {self.status}, {self.seconds:.1f} s; console ends:\n{self.console[-3000:]}"


def run_as_user(outputdir: Path, *arguments: str, **settings: str) -> UserRun:
    """``python run.py --outputdir OUTPUTDIR ARGUMENTS`` with ``settings`` as environment variables (none other of LIVEKIT_)."""
    environment = clean_environment(**settings)
    environment.pop("LIVEKIT_AUTH_BOOTSTRAPPED", None)  # a user's shell has not been through run.py yet
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--outputdir", str(outputdir), *arguments],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE,
        check=False,
    )
    return UserRun(done.returncode, done.stdout + done.stderr, outputdir, time.monotonic() - started)
