#!/usr/bin/env python3
"""A reference LiveKit token endpoint: LiveKit's standard protocol on the Python standard library.

    python examples/token_endpoint.py --port 8080     serves POST http://127.0.0.1:8080/token

Clients (``TokenSource.endpoint`` of ``livekit-client``, or any HTTP client) POST JSON with the
optional fields ``room_name``, ``participant_identity``, ``participant_name``,
``participant_metadata``, ``participant_attributes`` and ``room_config.agents``, and get ``201``
with ``{"server_url": ..., "participant_token": ...}``. A token lets its participant join one room
and publish, subscribe and send data there, nothing more, for ``--ttl`` (10 minutes by default).

Keys come from the same settings as the acceptance suite: ``LIVEKIT_API_KEY`` and
``LIVEKIT_API_SECRET``, or ``LIVEKIT_KEYS``, else the ``livekit-server --dev`` pair. The
``server_url`` is ``LIVEKIT_URL`` in the ``ws(s)://`` form clients use (``ws://127.0.0.1:7880``
when unset).

Without ``TOKEN_ENDPOINT_USERS`` this endpoint hands a token to anyone who asks, for whatever
identity the caller names. With it (a JSON object of bearer credentials to identities, for example
``{"<long random credential>": "alice"}``) it shows the safe design: a request without a known
``Authorization: Bearer`` credential gets 401, the identity is the credential's user, and a request
naming an identity, metadata or attributes of its own gets 403. It binds 127.0.0.1 by default.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import secrets
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

try:
    from livekit_http.options import port_number, serve_until_stopped
    from livekit_http.urls import UrlError, normalise_server_url
    from livekit_tokens.evidence import fingerprint
    from livekit_tokens.keys import ConfigurationError
    from livekit_tokens.timeutil import to_seconds
    from LiveKitAuth import LiveKitAuth
except ModuleNotFoundError:  # started by a Python without the project's packages: run again in run.py's environment
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "run.py"))["rerun_in_environment"](Path(__file__), sys.argv[1:])

PATH = "/token"
MAX_BODY_BYTES = 64 * 1024
MAX_NAME_CHARS = 256  # the server refuses longer identities and room names
MAX_METADATA_CHARS = 16 * 1024
MAX_ATTRIBUTES = 64
MAX_AGENTS = 4
AGENT_FIELDS = {"agent_name", "metadata", "deployment"}
DEFAULT_SERVER_URL = "ws://127.0.0.1:7880"
USERS_SETTING = "TOKEN_ENDPOINT_USERS"
APP_CHOSEN = ("participant_identity", "participant_metadata", "participant_attributes")
GRANTS = {"room_join": True, "can_publish": True, "can_subscribe": True, "can_publish_data": True}


class Refused(Exception):
    """The request cannot be served; ``status`` is the HTTP status and the message says why."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------- the request


def read_request(body: bytes, content_type: str | None) -> dict:
    """Validate a standard token request and return it with its fields checked.

    Raises :class:`Refused` with a 4xx status and one sentence for anything refused.
    """
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the request as Content-Type: application/json.")
    try:
        request = json.loads(body.decode("utf-8")) if body.strip() else {}
    except RecursionError:
        raise Refused(HTTPStatus.BAD_REQUEST, "The request body is JSON nested too deeply to read.") from None
    except (UnicodeDecodeError, ValueError):
        raise Refused(HTTPStatus.BAD_REQUEST, "The request body is not valid JSON.") from None
    if not isinstance(request, dict):
        raise Refused(HTTPStatus.BAD_REQUEST, "The request body must be a JSON object.")
    checked: dict = {}
    for name, limit in (
        ("room_name", MAX_NAME_CHARS),
        ("participant_identity", MAX_NAME_CHARS),
        ("participant_name", MAX_NAME_CHARS),
        ("participant_metadata", MAX_METADATA_CHARS),
    ):
        value = request.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise Refused(HTTPStatus.BAD_REQUEST, f"{name} must be text.")
        if len(value) > limit:
            raise Refused(HTTPStatus.BAD_REQUEST, f"{name} is longer than {limit} characters.")
        if name != "participant_metadata" and (value != value.strip() or any(ord(ch) < 32 for ch in value)):
            raise Refused(HTTPStatus.BAD_REQUEST, f"{name} must not hold control characters or outer spaces.")
        checked[name] = value
    attributes = request.get("participant_attributes")
    if attributes not in (None, {}):
        if not isinstance(attributes, dict) or not all(isinstance(v, str) for v in attributes.values()):
            raise Refused(HTTPStatus.BAD_REQUEST, "participant_attributes must be an object of text values.")
        if len(attributes) > MAX_ATTRIBUTES:
            raise Refused(HTTPStatus.BAD_REQUEST, f"participant_attributes holds more than {MAX_ATTRIBUTES} entries.")
        if any(not key or len(key) > MAX_NAME_CHARS for key in attributes):
            raise Refused(HTTPStatus.BAD_REQUEST, f"participant_attributes names must be 1 to {MAX_NAME_CHARS} characters.")
        checked["participant_attributes"] = dict(attributes)
    agents = _agents(request.get("room_config"))
    if agents:
        checked["agents"] = agents
    return checked


def _agents(room_config) -> list[dict]:
    if room_config in (None, {}):
        return []
    if not isinstance(room_config, dict):
        raise Refused(HTTPStatus.BAD_REQUEST, "room_config must be an object.")
    # A browser client may ask for an agent; the room's limits and recording stay with the application.
    others = sorted(set(room_config) - {"agents"})
    if others:
        raise Refused(HTTPStatus.BAD_REQUEST, f"room_config.{others[0]} is not accepted here; a client may only request agents.")
    agents = room_config.get("agents")
    if agents is None:
        agents = []
    if not isinstance(agents, list) or len(agents) > MAX_AGENTS:
        raise Refused(HTTPStatus.BAD_REQUEST, f"room_config.agents must be a list of at most {MAX_AGENTS} agents.")
    chosen = []
    for agent in agents:
        if not isinstance(agent, dict):
            raise Refused(HTTPStatus.BAD_REQUEST, "Each room_config.agents entry must be an object.")
        unknown = sorted(set(agent) - AGENT_FIELDS)
        if unknown:
            raise Refused(HTTPStatus.BAD_REQUEST, f"room_config.agents[].{unknown[0]} is not accepted here.")
        if not all(isinstance(agent.get(name, ""), str) for name in AGENT_FIELDS):
            raise Refused(HTTPStatus.BAD_REQUEST, "room_config.agents fields must be text.")
        if not agent.get("agent_name") or len(agent["agent_name"]) > MAX_NAME_CHARS:
            raise Refused(HTTPStatus.BAD_REQUEST, f"room_config.agents[].agent_name must be 1 to {MAX_NAME_CHARS} characters.")
        if len(agent.get("metadata", "")) > MAX_METADATA_CHARS:
            raise Refused(
                HTTPStatus.BAD_REQUEST, f"room_config.agents[].metadata is longer than {MAX_METADATA_CHARS} characters."
            )
        # Token claims use the protobuf JSON names, as LiveKit's SDKs write them.
        entry = {"agentName": agent["agent_name"]}
        if agent.get("metadata"):
            entry["metadata"] = agent["metadata"]
        if agent.get("deployment"):
            entry["deployment"] = agent["deployment"]
        chosen.append(entry)
    return chosen


# ---------------------------------------------------------------------- the token


class TokenIssuer:
    """Mints participant tokens with the configured keys."""

    def __init__(self, server_url: str, ttl_seconds: float):
        self.auth = LiveKitAuth()
        self.auth.keyring  # noqa: B018 - stop at start-up, not at the first request, when the keys are wrong
        self.server_url = server_url
        self.ttl_seconds = ttl_seconds

    def issue(self, request: dict, user: str | None = None) -> dict:
        identity = user or request.get("participant_identity") or f"participant-{secrets.token_hex(4)}"
        room = request.get("room_name") or f"room-{secrets.token_hex(4)}"
        claims: dict = dict(GRANTS)
        for field, option in (("participant_name", "name"), ("participant_metadata", "metadata")):
            if field in request:
                claims[option] = request[field]
        if "participant_attributes" in request:
            claims["attributes"] = request["participant_attributes"]
        if "agents" in request:
            claims["room_config"] = {"agents": request["agents"]}
        token = self.auth.generate_token(identity, room, ttl=self.ttl_seconds, **claims)
        return {"server_url": self.server_url, "participant_token": token.value}


def authorise(handler: BaseHTTPRequestHandler, users: dict | None) -> str | None:
    """The identity of the app user the request's credential belongs to; :class:`Refused` (401) without one.

    Without a table of users (``TOKEN_ENDPOINT_USERS``) every caller is served and None is returned:
    the caller then names its own identity. An application checks its own session here instead (a
    cookie or an ``Authorization`` header of its own).
    """
    if users is None:
        return None
    scheme, _, credential = (handler.headers.get("Authorization") or "").strip().partition(" ")
    user = users.get(credential.strip()) if scheme.lower() == "bearer" else None
    if not user:
        raise Refused(HTTPStatus.UNAUTHORIZED, "Sign in first: send the app's Authorization: Bearer credential.")
    return user


def refuse_app_chosen(request: dict) -> None:
    """403 for a request that names what this endpoint chooses from the signed-in user."""
    for name in APP_CHOSEN:
        if name in request:
            raise Refused(HTTPStatus.FORBIDDEN, f"{name} is chosen by this endpoint from the signed-in user, not by the request.")


def users_from_environment() -> dict | None:
    text = os.environ.get(USERS_SETTING, "").strip()
    if not text:
        return None
    try:
        users = json.loads(text)
    except ValueError:
        users = None
    if (
        not isinstance(users, dict)
        or not users
        or not all(isinstance(k, str) and len(k) >= 16 and isinstance(v, str) and v for k, v in users.items())
    ):
        raise ValueError(f"{USERS_SETTING} must be a JSON object of credentials (16 characters or more) to identities.")
    return users


# ---------------------------------------------------------------------- HTTP


def content_length(value: str) -> int:
    """The number of bytes a ``Content-Length`` header announces, or :class:`Refused` (400) saying what is wrong."""
    text = value.strip()
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise Refused(HTTPStatus.BAD_REQUEST, "The Content-Length header is negative; it must be the body's size in bytes.")
    if not (text.isascii() and text.isdigit()):
        raise Refused(HTTPStatus.BAD_REQUEST, "The Content-Length header is not a number.")
    digits = text.lstrip("0") or "0"
    # Digits beyond any body size this endpoint reads need no conversion (and Python limits very long ones).
    return int(digits) if len(digits) <= 18 else MAX_BODY_BYTES + 1


class TokenHandler(BaseHTTPRequestHandler):
    server_version = "livekit-auth-reference-endpoint/1.0"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    issuer: TokenIssuer
    allow_origin = "*"
    timeout = 15  # seconds a client may take to send its request
    minted: str | None = None
    users: dict | None = None

    def do_OPTIONS(self):  # CORS preflight of browser clients
        if self._path() != PATH:
            return self._send_error(Refused(HTTPStatus.NOT_FOUND, f"Nothing here; POST to {PATH}."))
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors()
        self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Authorization")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        self.minted = None
        try:
            if self._path() != PATH:
                raise Refused(HTTPStatus.NOT_FOUND, f"Nothing here; POST to {PATH}.")
            request = read_request(self._body(), self.headers.get("Content-Type"))
            user = authorise(self, self.users)
            if user is not None:
                refuse_app_chosen(request)
            answer = self.issuer.issue(request, user)
        except Refused as refusal:
            return self._send_error(refusal)
        self.minted = fingerprint(answer["participant_token"])
        self._send_json(HTTPStatus.CREATED, answer)

    def do_GET(self):
        self._send_error(Refused(HTTPStatus.METHOD_NOT_ALLOWED, f"Use POST {PATH} with a JSON body."))

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "Send the request with a Content-Length, not chunked.")
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        size = content_length(length)
        if size > MAX_BODY_BYTES:
            self.close_connection = True  # the body stays unread
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        return self.rfile.read(size)

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", self.allow_origin)
        if self.allow_origin != "*":
            self.send_header("Vary", "Origin")

    def _send_json(self, status: HTTPStatus, document: dict) -> None:
        data = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "POST, OPTIONS")
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, refusal: Refused) -> None:
        self._send_json(refusal.status, {"error": str(refusal)})

    def log_request(self, code="-", size="-"):
        # The path without its query, and a fingerprint instead of the token.
        minted = getattr(self, "minted", None)
        note = f" token {minted}" if minted else ""
        self.log_message("%s %s %s%s", self.command, self._path(), code, note)


def server_url_from_environment() -> str:
    value = os.environ.get("LIVEKIT_URL", "").strip()
    if not value:
        return DEFAULT_SERVER_URL
    return normalise_server_url(value).ws_base


def origin(text: str) -> str:
    """An ``--allow-origin`` value: ``*`` or an origin such as ``https://app.example.com``, sent as a header."""
    value = text.strip()
    if value == "*":
        return value
    scheme, separator, host = value.partition("://")
    if (
        not separator
        or scheme.lower() not in ("http", "https")
        or not host
        or "/" in host
        or not all(33 <= ord(ch) < 127 for ch in value)
    ):
        raise argparse.ArgumentTypeError(f"must be * or an origin such as https://app.example.com, not {text[:80]!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reference LiveKit token endpoint (POST /token).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=port_number, default=8080, help="port to listen on (default 8080; 0 picks a free one)")
    parser.add_argument("--ttl", default="10 minutes", help="token lifetime (default '10 minutes')")
    parser.add_argument("--allow-origin", type=origin, default="*", help="CORS Access-Control-Allow-Origin (default *)")
    options = parser.parse_args(argv)
    try:
        ttl = to_seconds(options.ttl, "--ttl")
        if not 60 < ttl <= 24 * 3600:
            raise ValueError("--ttl must be more than 1 minute and at most 24 hours.")
        TokenHandler.issuer = TokenIssuer(server_url_from_environment(), ttl)
        TokenHandler.users = users_from_environment()
    except (ConfigurationError, UrlError, ValueError, AssertionError) as error:
        print(f"Cannot start the token endpoint: {error}", file=sys.stderr)
        return 2
    TokenHandler.allow_origin = options.allow_origin
    try:
        httpd = ThreadingHTTPServer((options.host, options.port), TokenHandler)
    except (OSError, ValueError, OverflowError) as error:  # a host name that does not resolve or cannot be encoded
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        print(f"Cannot listen on {options.host[:80]}:{options.port}: {reason.rstrip('.')}.", file=sys.stderr)
        return 2
    httpd.daemon_threads = True
    announced = f"Serving POST {{address}}{PATH} (tokens for {TokenHandler.issuer.server_url})"
    who = "; only the users of TOKEN_ENDPOINT_USERS get a token" if TokenHandler.users else "; anyone there can get a token"
    return serve_until_stopped(httpd, announced, who)


if __name__ == "__main__":
    sys.exit(main())
