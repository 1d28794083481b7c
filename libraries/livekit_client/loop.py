"""One asyncio event loop in a daemon thread, shared by every client of a run."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


class ClientTimeout(AssertionError):
    """A client operation did not finish in time; the message says which."""

    ROBOT_SUPPRESS_NAME = True


def event_loop() -> asyncio.AbstractEventLoop:
    """The shared loop, started on first use."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="livekit-client-loop", daemon=True)
            thread.start()
            _loop = loop
        return _loop


def run(coroutine: Coroutine[Any, Any, Any], timeout: float, what: str) -> Any:
    """Run ``coroutine`` on the shared loop and return its result, waiting at most ``timeout`` seconds."""
    future = asyncio.run_coroutine_threadsafe(coroutine, event_loop())
    try:
        return future.result(timeout)
    except (concurrent.futures.TimeoutError, TimeoutError):
        future.cancel()
        raise ClientTimeout(f"{what} did not finish within {timeout:g} s.") from None


def poll(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float, interval: float = 0.1) -> tuple[Any, bool]:
    """Call ``read`` until ``done`` holds for its value or ``timeout`` seconds have passed.

    Returns the last value read and whether ``done`` held: the bounded wait for what the server shows a
    moment after it decided (a published track in ListParticipants, a participant another one sees).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value, True
        if time.monotonic() >= deadline:
            return value, False
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
