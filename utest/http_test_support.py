"""Helpers for the HTTP tests: small scripted HTTP servers on 127.0.0.1, Robot runs, and a reader
for everything Robot wrote (log.html and report.html keep their texts zlib-compressed)."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from helpers import LIBRARIES, ROOT, SUITES, clean_environment, readable_text, robot_command

__all__ = ["LIBRARIES", "SUITES", "clean_environment"]


@dataclass
class Seen:
    """A request a scripted server received."""

    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict = field(default_factory=dict)
    hang: bool = False  # accept the request and never answer


class ScriptedServer:
    """An HTTP server on 127.0.0.1 whose answers come from ``script(seen) -> Reply``."""

    def __init__(self, script: Callable[[Seen], Reply]):
        self.script = script
        self.seen: list[Seen] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                outer.seen.append(seen)
                reply = outer.script(seen)
                if reply.hang:
                    outer.release.wait(10)
                    return
                data = reply.body
                if isinstance(data, (dict, list)):
                    data = json.dumps(data)
                if isinstance(data, str):
                    data = data.encode("utf-8")
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_OPTIONS = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class RobotRun:
    returncode: int
    stdout: str
    stderr: str
    outputdir: Path

    def statuses(self) -> dict[str, tuple[str, str]]:
        """Test name -> (status, message) from output.xml."""
        from robot.api import ExecutionResult

        result = ExecutionResult(str(self.outputdir / "output.xml"))
        found = {}

        def visit(suite):
            for test in suite.tests:
                found[test.name] = (test.status, test.message)
            for child in suite.suites:
                visit(child)

        visit(result.suite)
        return found

    def all_text(self) -> str:
        """Everything Robot wrote or printed, with log.html and report.html texts decompressed."""
        parts = [self.stdout, self.stderr]
        for path in sorted(self.outputdir.iterdir()):
            if path.is_file():
                parts.append(readable_text(path))
        return "\n".join(parts)


def run_robot(outputdir: Path, *arguments: str, environment: dict | None = None, timeout: float = 120) -> RobotRun:
    finished = subprocess.run(
        robot_command(outputdir, *arguments),
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return RobotRun(finished.returncode, finished.stdout, finished.stderr, outputdir)


def tokens_from_log(path: Path) -> list[str]:
    """Tokens the libraries noted in LIVEKIT_AUTH_TOKEN_LOG (JSON strings; other secrets are JSON objects)."""
    if not path.exists():
        return []
    values = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [value for value in values if isinstance(value, str)]


def leaks(text: str, tokens: list[str], secrets: list[str]) -> list[str]:
    """What of ``tokens`` (whole, or their signature alone) and ``secrets`` appears in ``text``."""
    found = []
    for token in tokens:
        signature = token.rsplit(".", 1)[-1]
        if token in text or (len(signature) >= 20 and signature in text):
            found.append(f"token {token[:12]}...")
    found.extend(f"secret of {len(secret)} characters" for secret in secrets if secret in text)
    return found


class RawServer:
    """A TCP server on 127.0.0.1 that answers every connection with the same bytes (a proxy's odd answer)."""

    def __init__(self, answer: bytes):
        self.answer = answer
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.05)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    connection.recv(65536)
                    connection.sendall(self.answer)
                except OSError:
                    pass

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join(2)
        self.socket.close()
