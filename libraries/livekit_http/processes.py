"""Start a local helper process (a LiveKit server, the reference token endpoint), wait until it
answers HTTP, and stop it again.

The process writes into a temporary log file rather than a pipe, so that it can never block on a
full pipe; the file is shown, scrubbed, only when the process fails to start.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import requests

from . import deadline
from .answers import excerpt

POLL_SECONDS = 0.05
ASKED_AGAIN_AFTER = 0.5  # seconds after a first request to stop
_RUNNING: list[ManagedProcess] = []


class StartFailure(AssertionError):
    """A helper process did not start or did not answer; the message says what it printed."""

    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message alone, without the class name


@dataclass
class ManagedProcess:
    """A helper process started by this module, with the URL it answers on."""

    name: str
    process: subprocess.Popen
    log_path: Path
    url: str
    port: int
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def output_excerpt(self, limit: int = 300) -> str:
        try:
            data = self.log_path.read_bytes()[-8192:]
        except OSError:
            return "(no output)"
        return excerpt(data, secrets=self.secrets, limit=limit) if data.strip() else "(no output)"

    def stop(self, grace: float = 5.0) -> int | None:
        """Stop the process (terminate, then kill after ``grace`` seconds) and remove its log file.

        A process asked to stop in the first moments after it answered may not handle the request
        yet (livekit-server then lets it pass and runs on): it is asked once more after a moment.
        """
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(ASKED_AGAIN_AFTER)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(grace)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(grace)
        if self in _RUNNING:
            _RUNNING.remove(self)
        self.log_path.unlink(missing_ok=True)
        return self.process.returncode


def free_loopback_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def answers_http(url: str, timeout: float = 1.0) -> bool:
    """True when something at ``url`` gives any HTTP answer."""
    session = deadline.Session(deadline=max(timeout, 0.1))
    session.trust_env = False  # a loopback probe never goes through a proxy
    try:
        session.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException:
        return False
    finally:
        session.close()
    return True


def start(
    name: str,
    command_for_port: Callable[[int], list[str]],
    url_for_port: Callable[[int], str],
    probe_path: str = "/",
    environ: Mapping[str, str] | None = None,
    timeout: float = 20.0,
    secrets: Iterable[str] = (),
    attempts: int = 3,
    host: str = "127.0.0.1",
) -> ManagedProcess:
    """Start ``command_for_port(port)`` on a free port of ``host`` and wait until ``probe_path`` answers.

    Another program may take the port between choosing and binding it; the start is then tried
    again on another port, ``attempts`` times in all.
    """
    last: StartFailure | None = None
    for _ in range(max(1, attempts)):
        port = free_loopback_port(host)
        try:
            return _start_once(name, command_for_port(port), url_for_port(port), port, probe_path, environ, timeout, secrets)
        except StartFailure as failure:
            last = failure
            if "address already in use" not in str(failure).lower():
                raise
    assert last is not None
    raise last


def _start_once(name, command, url, port, probe_path, environ, timeout, secrets) -> ManagedProcess:
    handle, log_name = tempfile.mkstemp(prefix="livekit-auth-process-", suffix=".log")
    log_path = Path(log_name)
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=dict(os.environ if environ is None else environ),
        )
    except OSError as error:
        os.close(handle)
        log_path.unlink(missing_ok=True)
        raise StartFailure(f"Could not start {name}: {error.strerror or error}.") from None
    os.close(handle)
    managed = ManagedProcess(name, process, log_path, url, port, tuple(s for s in secrets if s))
    _RUNNING.append(managed)
    probe = url.rstrip("/") + probe_path
    deadline = time.monotonic() + timeout
    while True:
        if not managed.running:
            output = managed.output_excerpt()
            code = process.returncode
            managed.stop()
            raise StartFailure(f"{name} stopped right after starting (exit code {code}): {output}")
        if answers_http(probe, timeout=min(1.0, max(0.1, deadline - time.monotonic()))):
            return managed
        if time.monotonic() >= deadline:
            output = managed.output_excerpt()
            managed.stop()
            raise StartFailure(f"{name} did not answer at {url} within {timeout:g} s: {output}")
        time.sleep(POLL_SECONDS)


@atexit.register
def _stop_leftovers() -> None:  # a suite teardown that never ran must not leave processes behind
    for managed in list(_RUNNING):
        managed.stop(grace=2.0)
