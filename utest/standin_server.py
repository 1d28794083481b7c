"""A stand-in for the HTTP answers of a LiveKit server, for the project's own tests only.

It is not a LiveKit server and does no media: it answers ``/rtc/validate`` and a few Twirp
RoomService calls, verifying tokens with this project's ``livekit_tokens``, so that the keywords'
own behaviour (failures, scrubbing, timeouts) can be tested without a server. Its answers are the
ones livekit-server v1.13.5 was seen to give, byte for byte where a test reads them: status,
``Content-Type``, no trailing newline, compact Twirp JSON, and a 401 body of a failed verification
that echoes the whole token back (``invalid token: <token>, error: ...``). The live suite itself
runs against the real server.

    python utest/standin_server.py --bind 127.0.0.1 --port 7880 [--clock-offset SECONDS]
    python utest/standin_server.py --config config.json

takes ``--dev --bind --port`` and, like ``livekit-server``, a ``--config`` file or the same
configuration in ``LIVEKIT_CONFIG`` (JSON: ``port``, ``keys``), so that a test can put it on PATH under that name. Keys: the configuration's ``keys``,
else ``LIVEKIT_KEYS`` (``key: secret`` lines), else ``devkey``/``secret``.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from livekit_http import room_service
from livekit_tokens import grants as model
from livekit_tokens.keys import ApiKey, Keyring, parse_livekit_keys
from livekit_tokens.verification import TokenRejected, check_signature, check_times, identity_of, parse_token

BEARER = "Bearer "
MAX_NAME = 256
ROOM_SERVICE = room_service.PATH
ADMIN_CALLS = room_service.ADMIN_CALLS
# The golang-jwt wording the server passes on after "invalid token: ".
_JWT_WORDING = {
    "algorithm": "token is unverifiable: signing method {alg} is invalid",
    "signature": "token signature is invalid: signature is invalid",
    "exp-required": "token has invalid claims: token is missing required claim: exp claim is required",
    "expired": "token has invalid claims: token is expired",
    "not-yet-valid": "token has invalid claims: token is not valid yet",
}


class Refusal(Exception):
    def __init__(self, status: int, body: str, twirp: bool = False):
        super().__init__(body)
        self.status = status
        self.body = body
        self.twirp = twirp


class StandinState:
    """Keys, rooms and the clock offset of one stand-in."""

    def __init__(self, keyring: Keyring, clock_offset: float = 0.0):
        self.keyring = keyring
        self.clock_offset = clock_offset
        self.rooms: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []  # (method, path) seen, for tests

    def now(self) -> float:
        return time.time() + self.clock_offset


def authenticate(state: StandinState, authorization: str | None, query_token: str | None) -> dict | None:
    """The server's auth middleware: return the verified claims, ``None`` without a token, or refuse."""
    if authorization:
        if not authorization.startswith(BEARER):
            raise Refusal(401, "invalid authorization header. Must start with Bearer ")
        token = authorization[len(BEARER) :]
    else:
        token = query_token or ""
    if not token:
        return None
    try:
        parsed = parse_token(token)
    except TokenRejected:
        raise Refusal(401, "invalid authorization token") from None
    try:
        check_signature(parsed, state.keyring)
        check_times(parsed, at=state.now())
    except TokenRejected as rejection:
        if rejection.cause == "unknown-api-key":
            raise Refusal(401, f"invalid API key: {parsed.issuer or ''}") from None
        wording = _JWT_WORDING.get(rejection.cause, rejection.detail).format(alg=parsed.algorithm)
        # v1.13.5 echoes the refused token (pkg/service/auth.go 95-99).
        raise Refusal(401, f"invalid token: {token}, error: {wording}") from None
    return parsed.server_claims


def validate(claims: dict | None) -> str:
    """``/rtc/validate`` after the middleware, in the order the server checks."""
    video = (claims or {}).get("video")
    if not isinstance(video, dict) or not video:
        raise Refusal(401, "no permissions to access the room")
    grant = model.effective_video_grant(video)
    if not grant["roomJoin"]:
        raise Refusal(401, "permissions denied")
    identity = identity_of(claims)
    if not identity:
        raise Refusal(400, "identity cannot be empty")
    if len(identity) > MAX_NAME:
        raise Refusal(400, "participant identity too long")
    if not grant["room"]:
        raise Refusal(400, "no room name")
    if len(grant["room"]) > MAX_NAME:
        raise Refusal(400, "room name too long")
    return "success"


def room_service(state: StandinState, method: str, claims: dict | None, request: dict) -> dict:
    grant = model.effective_video_grant((claims or {}).get("video"))
    denied = Refusal(401, _twirp_json({"code": "unauthenticated", "msg": "permissions denied"}), twirp=True)
    room = request.get("room") if isinstance(request.get("room"), str) else ""
    if method in ("CreateRoom", "DeleteRoom"):
        if not grant["roomCreate"]:
            raise denied
    elif method == "ListRooms":
        if not grant["roomList"]:
            raise denied
    elif method in ADMIN_CALLS:
        if not grant["roomAdmin"] or grant["room"] != room:
            raise denied
    else:
        raise Refusal(404, _twirp_json({"code": "bad_route", "msg": f"no handler for path {ROOM_SERVICE}{method}"}), twirp=True)
    with state.lock:
        if method == "ListRooms":
            return {"rooms": list(state.rooms.values())}
        if method == "CreateRoom":
            name = request.get("name")
            if not isinstance(name, str) or not name:
                raise Refusal(400, _twirp_json({"code": "invalid_argument", "msg": "room name cannot be empty"}), twirp=True)
            return state.rooms.setdefault(
                name,
                {
                    "sid": f"RM_{secrets.token_hex(6)}",
                    "name": name,
                    "empty_timeout": 300,
                    "departure_timeout": 20,
                    "max_participants": 0,
                    "creation_time": str(int(state.now())),
                },
            )
        if room not in state.rooms:
            raise Refusal(
                404, _twirp_json({"code": "not_found", "msg": "twirp error unknown: requested room does not exist"}), twirp=True
            )
        if method == "DeleteRoom":
            del state.rooms[room]
            return {}
        if method == "ListParticipants":
            return {"participants": []}
        return {}


def _twirp_json(document: dict) -> str:
    return json.dumps(document, separators=(",", ":"))  # Go's encoding: no spaces


def make_handler(state: StandinState):
    class Handler(BaseHTTPRequestHandler):
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def date_time_string(self, timestamp=None):
            return email.utils.formatdate(state.now() if timestamp is None else timestamp, usegmt=True)

        def log_message(self, format, *args):  # quiet: tests read the state instead
            pass

        def send_response(self, code, message=None):  # no Server header, as the real server
            self.log_request(code)
            self.send_response_only(code, message)
            self.send_header("Date", self.date_time_string())

        def _answer(self, status: int, body: str, content_type: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Vary", "Origin")
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, refusal: Refusal) -> None:
            if refusal.twirp:
                self._answer(refusal.status, refusal.body, "application/json")
            else:  # v1.13.5 writes the message without a line break
                self._answer(refusal.status, refusal.body, "text/plain; charset=utf-8")

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            state.requests.append((self.command, parts.path))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if parts.path == "/":
                return self._answer(200, "OK", "text/plain; charset=utf-8")
            query = parse_qs(parts.query).get("access_token", [None])[0]
            try:
                claims = authenticate(state, self.headers.get("Authorization"), query)
                if parts.path == "/rtc/validate":
                    return self._answer(200, validate(claims), "text/plain; charset=utf-8")
                if parts.path.startswith(ROOM_SERVICE) and self.command == "POST":
                    try:
                        request = json.loads(raw or b"{}")
                    except ValueError:
                        raise Refusal(
                            400, _twirp_json({"code": "malformed", "msg": "the body is not JSON"}), twirp=True
                        ) from None
                    answer = room_service(state, parts.path[len(ROOM_SERVICE) :], claims, request)
                    return self._answer(200, _twirp_json(answer), "application/json")
            except Refusal as refusal:
                return self._refuse(refusal)
            self._answer(404, "404 page not found\n", "text/plain; charset=utf-8")

        do_GET = do_POST = do_PUT = do_DELETE = _handle

    return Handler


class StandinServer:
    """Run the stand-in in a thread of the test process: ``with StandinServer() as server: server.url``."""

    def __init__(self, keyring: Keyring | None = None, clock_offset: float = 0.0, host: str = "127.0.0.1", port: int = 0):
        self.state = StandinState(keyring or default_keyring(), clock_offset)
        self.httpd = ThreadingHTTPServer((host, port), make_handler(self.state))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="standin-server", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> StandinServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def default_keyring(environ=None) -> Keyring:
    import os

    listed = (environ if environ is not None else os.environ).get("LIVEKIT_KEYS", "")
    if listed.strip():
        return Keyring(parse_livekit_keys(listed))
    return Keyring([ApiKey("devkey", "secret")])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stand-in for a LiveKit server's HTTP answers (tests only).")
    parser.add_argument("--dev", action="store_true", help="accepted for livekit-server compatibility")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7880)
    parser.add_argument("--config", help="a livekit-server configuration file in JSON (port, keys)")
    parser.add_argument("--clock-offset", type=float, default=0.0, help="seconds added to the clock of the Date header")
    options = parser.parse_args(argv)
    keyring, port = None, options.port
    body = None if options.config else os.environ.get("LIVEKIT_CONFIG")  # livekit-server's --config-body, from its environment
    if options.config or body:
        configuration = json.loads(Path(options.config).read_text(encoding="utf-8") if options.config else body)
        port = int(configuration.get("port", port))
        keys = configuration.get("keys") or {}
        keyring = Keyring([ApiKey(key, secret) for key, secret in keys.items()]) if keys else None
    server = StandinServer(keyring=keyring, clock_offset=options.clock_offset, host=options.bind, port=port)
    print(f"stand-in for tests listening on {server.url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
