"""A total deadline for every HTTP exchange: connecting, sending, the status line, the headers and the
whole body, however slowly a peer trickles them.

``requests`` has per-read timeouts only: a peer that sends one byte every two seconds never trips a
ten-second timeout. :class:`Session` is a ``requests.Session`` whose every request (``get``, ``post``,
``request``) runs in a worker thread with the body read there too; when the whole answer is not in
within the deadline, the caller gets :class:`AnsweredTooSlowly` (a ``requests`` ``ReadTimeout``, so
every caller's handling of a timeout applies) and the worker is left to end on its own.

The deadline is ``LIVEKIT_HTTP_DEADLINE`` seconds (default ``DEFAULT_SECONDS``), or the request's own
total when a caller gives ``deadline=``; a per-read ``timeout`` longer than the deadline is cut to it.
"""

from __future__ import annotations

import math
import os
import threading

import requests

SETTING = "LIVEKIT_HTTP_DEADLINE"
DEFAULT_SECONDS = 20.0


class AnsweredTooSlowly(requests.exceptions.ReadTimeout):
    """The peer did not give its whole answer within the deadline."""

    def __init__(self, url: str, seconds: float):
        self.seconds = seconds
        super().__init__(f"answered too slowly: no complete answer within {seconds:g} s (the deadline of every exchange)")
        self.url = url


def configured_seconds(environ=None) -> float:
    """The deadline of one exchange from ``LIVEKIT_HTTP_DEADLINE`` (seconds), else DEFAULT_SECONDS."""
    raw = (os.environ if environ is None else environ).get(SETTING, "").strip()
    if not raw:
        return DEFAULT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        return DEFAULT_SECONDS
    return seconds if math.isfinite(seconds) and seconds > 0 else DEFAULT_SECONDS


def setting_problem(environ) -> str | None:
    """One sentence when ``LIVEKIT_HTTP_DEADLINE`` is set but unusable; else None."""
    raw = environ.get(SETTING, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 < seconds <= 3600:
        return f"{SETTING} must be a number of seconds from 0 to 3600 such as 20, got {raw[:40]!r}."
    return None


def call(exchange, url: str, seconds: float | None = None):
    """``exchange()`` (one whole HTTP exchange, its body read) within ``seconds`` (default: the configured deadline).

    Raises :class:`AnsweredTooSlowly` when it is not done in time; its own exception otherwise.
    """
    seconds = configured_seconds() if seconds is None else seconds
    outcome: dict = {}

    def run() -> None:
        try:
            response = exchange()
            if isinstance(response, requests.Response):
                response.content  # noqa: B018 - the body is part of the exchange
            outcome["response"] = response
        except BaseException as error:  # handed to the caller
            outcome["error"] = error

    worker = threading.Thread(target=run, name="http-exchange", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise AnsweredTooSlowly(url, seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


class Session(requests.Session):
    """A ``requests.Session`` whose every exchange has a total deadline (see the module)."""

    def __init__(self, deadline: float | None = None):
        super().__init__()
        self.deadline = deadline

    def send(self, request, **kwargs):
        seconds = self.deadline if self.deadline is not None else configured_seconds()
        timeout = kwargs.get("timeout")
        if isinstance(timeout, (int, float)) and timeout > seconds:
            kwargs["timeout"] = seconds
        kwargs["stream"] = False  # the body is read in the worker, within the deadline
        return call(lambda: super(Session, self).send(request, **kwargs), request.url, seconds)
