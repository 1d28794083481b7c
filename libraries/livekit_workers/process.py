"""A real agent worker (``worker_program.py`` in the workers' environment) started for one check.

The worker gets its URL, key and secret from its environment, as every ``livekit-agents`` worker
does (never on its command line, which other programs of the machine can read). What it reports
(registered, each job and the token the server minted for it) arrives over a loopback connection
this module listens on; its log goes to a file in a private temporary folder, removed when the
worker stops, and is shown only scrubbed of every secret and token.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from livekit_http.answers import scrub
from livekit_tokens import evidence

PROGRAM = Path(__file__).resolve().parent / "worker_program.py"
REPORT_VARIABLE = "LIVEKIT_AUTH_WORKER_REPORT"
STOP_GRACE = 5.0  # seconds between asking the worker to stop and killing it
_RUNNING: list[WorkerProcess] = []


@dataclass
class WorkerSettings:
    """What a test worker is started with; the secret is used, never shown."""

    url: str
    api_key: str
    api_secret: str = field(repr=False)
    agent_name: str = ""
    load: float = 0.0
    retries: int = 16


class WorkerProcess:
    """One running worker: its reports, its exit code and its scrubbed log."""

    def __init__(self, python: Path, settings: WorkerSettings, secrets: Iterable[str] = ()) -> None:
        self.settings = settings
        self.secrets = tuple(value for value in {settings.api_secret, *secrets} if value and len(value) >= 8)
        self.started_at = time.monotonic()
        self._events: list[dict] = []
        self._tokens: list[str] = []
        self._changed = threading.Condition()
        self._folder = Path(tempfile.mkdtemp(prefix="livekit-agent-worker-"))  # readable by this user only
        self.log_path = self._folder / "worker.log"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.5)
        address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        environment = {name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")}
        environment.update(
            {
                "LIVEKIT_URL": settings.url,
                "LIVEKIT_API_KEY": settings.api_key,
                "LIVEKIT_API_SECRET": settings.api_secret,
                "LIVEKIT_AUTH_AGENT_NAME": settings.agent_name,
                "LIVEKIT_AUTH_WORKER_LOAD": repr(float(settings.load)),
                "LIVEKIT_AUTH_WORKER_RETRIES": str(int(settings.retries)),
                REPORT_VARIABLE: address,
                "PYTHONUNBUFFERED": "1",
                "NO_COLOR": "1",
            }
        )
        self._reader = threading.Thread(target=self._read_reports, name="agent-worker-reports", daemon=True)
        self._reader.start()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(python), str(PROGRAM), "start", "--log-level", "INFO"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=self._folder,
            )
        _RUNNING.append(self)

    # ------------------------------------------------------------------ what it reported

    def _read_reports(self) -> None:
        connection = None
        while connection is None:
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                if self.process_finished():
                    return
                continue
            except OSError:  # the listener was closed: the worker was stopped
                return
        with contextlib.closing(connection), connection.makefile("r", encoding="utf-8") as lines:
            try:
                for line in lines:
                    self._note(line)
            except OSError:
                pass

    def process_finished(self) -> bool:
        process = getattr(self, "process", None)
        return process is not None and process.poll() is not None

    def _note(self, line: str) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        token = message.pop("token", None)
        if isinstance(token, str) and token:
            evidence.remember_token(token)  # the leak guard searches the results for it
            self._tokens.append(token)
            message["token_index"] = len(self._tokens) - 1
        message["at"] = time.monotonic() - self.started_at
        with self._changed:
            self._events.append(message)
            self._changed.notify_all()

    def events(self, kind: str | None = None) -> list[dict]:
        with self._changed:
            return [dict(event) for event in self._events if kind is None or event.get("event") == kind]

    def wait_for(self, kind: str, timeout: float, matches: Callable[[dict], bool] = lambda event: True) -> dict | None:
        """The first report of ``kind`` that ``matches``, waiting up to ``timeout`` seconds; None when none came.

        The wait ends early when the worker has exited and every report it sent was read.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((e for e in self._events if e.get("event") == kind and matches(e)), None)
                if found is not None:
                    return dict(found)
                left = deadline - time.monotonic()
                if left <= 0 or (self.process_finished() and not self._reader.is_alive()):
                    return None
                self._changed.wait(min(left, 0.1))

    def token_of(self, event: dict) -> str | None:
        index = event.get("token_index")
        return self._tokens[index] if isinstance(index, int) and 0 <= index < len(self._tokens) else None

    def wait_for_exit(self, timeout: float) -> int | None:
        """The worker's exit code, or None when it is still running after ``timeout`` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    @property
    def exit_code(self) -> int | None:
        return self.process.poll()

    def log_text(self, limit: int = 200_000) -> str:
        """The worker's output so far, with every secret and every token replaced."""
        try:
            raw = self.log_path.read_bytes()[-limit:].decode("utf-8", "replace")
        except OSError:
            return ""
        return scrub(raw, tokens=self._tokens, secrets=self.secrets)

    # ------------------------------------------------------------------ stop

    def ask_to_stop(self) -> None:
        """Ask the worker to stop (it drains its jobs), without waiting: several stop at once."""
        if self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> int | None:
        """Stop the worker (asked, then killed after a grace period) and remove its private folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_GRACE)
        with contextlib.suppress(OSError):
            self._listener.close()
        self._reader.join(timeout=2)
        shutil.rmtree(self._folder, ignore_errors=True)
        if self in _RUNNING:
            _RUNNING.remove(self)
        return self.process.returncode


@atexit.register
def _stop_all() -> None:
    for worker in list(_RUNNING):
        with contextlib.suppress(Exception):
            worker.stop()
