"""An HTTP webhook receiver on the standard library that checks every POST as LiveKit's rules say.

A POST to the receiver's path is answered, in this order:

- ``411`` for a chunked body (the server sends a ``Content-Length``), ``400`` for an unreadable
  ``Content-Length``;
- ``413`` for a body above ``max_body_bytes``: it is never kept (a few MiB are read and dropped so
  that the client can read the answer, a larger one closes the connection);
- ``401`` when :func:`~livekit_webhooks.verification.verify_webhook` refuses the token or the
  body hash, ``400`` when the verified body is not a ``WebhookEvent``;
- ``200`` with ``{"event": ..., "id": ...}`` for a verified event, after ``on_webhook`` took it
  (``500`` when that raised, so that the server sends the event again).

Refusals carry ``{"error": <one sentence>}``; no answer or log line quotes a token.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from livekit_tokens.keys import Keyring
from livekit_tokens.timeutil import SERVER_LEEWAY_SECONDS, format_utc
from livekit_tokens.timeutil import now as current_time

from .verification import WebhookVerdict, verify_webhook

DEFAULT_PATH = "/webhook"
# A webhook event is a few KiB (a room, a participant, a track); 1 MiB leaves room for large
# metadata and attributes while bounding what a forged request can make the receiver read.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DRAIN_LIMIT_BYTES = 8 * 1024 * 1024  # an oversized body up to this size is read and dropped before the 413
_CHUNK = 64 * 1024
_STATUS_FOR_CAUSE = {"oversized-body": HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "event": HTTPStatus.BAD_REQUEST}


@dataclass
class ReceivedWebhook:
    """One POST the receiver answered: its place in the order, the verdict and the answer's status."""

    order: int
    received_at: float
    status: int
    verdict: WebhookVerdict = field(repr=False)
    authorization: str | None = field(default=None, repr=False)  # the request as received, for an SDK's cross-check
    body: bytes = field(default=b"", repr=False)

    @property
    def verified(self) -> bool:
        return self.verdict.accepted

    def as_dict(self) -> dict:
        """The event and its verification facts, without the token: what a test reads."""
        facts = self.verdict.facts
        return {
            "order": self.order,
            "received_at": format_utc(self.received_at),
            "status": self.status,
            "verified": self.verified,
            "cause": self.verdict.cause,
            "reason": self.verdict.reason,
            "event": facts.get("event"),
            "room": facts.get("room"),
            "participant": facts.get("participant"),
            "id": facts.get("event_id"),
            "api_key": facts.get("api_key"),
            "algorithm": facts.get("algorithm"),
            "signature": facts.get("signature"),
            "hash_matches": facts.get("hash_matches"),
            "expires": facts.get("expires"),
            "token": facts.get("token"),
            "body_bytes": facts.get("body_bytes"),
        }


@dataclass
class ReceiverSettings:
    """What a receiver checks with and where it hands what it received."""

    keyring: Keyring
    path: str = DEFAULT_PATH
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    leeway: float = SERVER_LEEWAY_SECONDS
    on_webhook: Callable[[ReceivedWebhook], None] | None = None
    log: Callable[[str], None] | None = None  # one line per request; None keeps the receiver quiet
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_order(self) -> int:
        with self._lock:
            self._count += 1
            return self._count


class _Refusal(Exception):
    def __init__(self, status: HTTPStatus, message: str, close: bool = False):
        super().__init__(message)
        self.status = status
        self.close = close


def announced_length(value: str | None) -> int | None:
    """The body size a ``Content-Length`` header announces (``None`` without one)."""
    if value is None:
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()):
        raise _Refusal(HTTPStatus.BAD_REQUEST, "The Content-Length header is not a number of bytes.", close=True)
    digits = text.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else 1 << 62  # beyond any body; Python limits very long conversions


def handler_for(settings: ReceiverSettings) -> type[BaseHTTPRequestHandler]:
    """A request handler class that serves ``settings``."""

    class WebhookHandler(BaseHTTPRequestHandler):
        server_version = "livekit-auth-webhook-receiver/1.0"
        sys_version = ""
        protocol_version = "HTTP/1.1"
        timeout = 15  # seconds a client may take to send its request

        def do_POST(self):
            try:
                if self.path.split("?", 1)[0] != settings.path:
                    raise _Refusal(HTTPStatus.NOT_FOUND, f"Nothing here; POST webhooks to {settings.path}.", close=True)
                body = self._body()
                verdict = verify_webhook(
                    self.headers.get("Authorization"),
                    body,
                    settings.keyring,
                    leeway=settings.leeway,
                    max_body_bytes=settings.max_body_bytes,
                )
            except _Refusal as refusal:
                return self._answer(refusal.status, {"error": str(refusal)}, close=refusal.close)
            if verdict.accepted:
                status = HTTPStatus.OK
                answer = {"event": verdict.facts.get("event"), "id": verdict.facts.get("event_id")}
                note = f" {verdict.facts.get('event')} (key {verdict.facts.get('api_key')}, token {_fingerprint(verdict)})"
            else:
                status = _STATUS_FOR_CAUSE.get(verdict.cause, HTTPStatus.UNAUTHORIZED)
                answer = {"error": f"Webhook refused: {verdict.detail}."}
                note = f" refused: {verdict.cause}"
            received = ReceivedWebhook(
                settings.next_order(), current_time(), int(status), verdict, self.headers.get("Authorization"), body
            )
            self._note = note
            if settings.on_webhook is not None:
                try:
                    settings.on_webhook(received)
                except Exception:  # the application's own work failed: a 5xx makes the server send it again
                    self._note = f"{note}, not handled: the application's handler failed"
                    return self._answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "The receiver could not handle the event."})
            self._answer(status, answer)

        def do_GET(self):  # a body it may carry stays unread, so the connection is closed after the answer
            self._answer(
                HTTPStatus.METHOD_NOT_ALLOWED,
                {"error": f"Use POST {settings.path}: this is a LiveKit webhook receiver."},
                close=True,
            )

        do_PUT = do_DELETE = do_PATCH = do_GET

        def _body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                raise _Refusal(HTTPStatus.LENGTH_REQUIRED, "Send the webhook with a Content-Length, not chunked.", close=True)
            size = announced_length(self.headers.get("Content-Length"))
            if size is None:
                return b""
            if size > settings.max_body_bytes:
                self._drop(size)
                raise _Refusal(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"Webhook refused: the body is larger than {settings.max_body_bytes:,} bytes.",
                    close=True,
                )
            return self.rfile.read(size)

        def _drop(self, size: int) -> None:
            # Read (and forget) a moderately oversized body, so the client gets to read the 413.
            if size > DRAIN_LIMIT_BYTES:
                return
            left = size
            while left > 0:
                chunk = self.rfile.read(min(_CHUNK, left))
                if not chunk:
                    return
                left -= len(chunk)

        def _answer(self, status: HTTPStatus, document: dict, close: bool = False) -> None:
            data = json.dumps(document).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == HTTPStatus.METHOD_NOT_ALLOWED:
                self.send_header("Allow", "POST")
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def log_request(self, code="-", size="-"):
            # The path without its query and what was decided; a fingerprint instead of the token.
            note = getattr(self, "_note", "")
            self._note = ""
            if settings.log is not None:
                settings.log(f"{self.command} {self.path.split('?', 1)[0]} {code}{note}")

        def log_message(self, format, *args):  # errors of the HTTP layer go the same way, or nowhere
            if settings.log is not None:
                settings.log(format % args)

    return WebhookHandler


class _QuietServer(ThreadingHTTPServer):
    """A sender that drops its connection (a server closing a kept-alive one) is no error worth a traceback."""

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        sys.stderr.write(f"Webhook receiver: a request from {client_address[0]} failed: {type(error).__name__}.\n")


def serve(settings: ReceiverSettings, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server bound to ``host``:``port`` (0: a free port) with the receiver's handler; not started yet."""
    server = _QuietServer((host, port), handler_for(settings))
    server.daemon_threads = True
    return server


def _fingerprint(verdict: WebhookVerdict) -> str:
    token = str(verdict.facts.get("token") or "")
    return token.split(", ", 1)[-1] if ", " in token else token
