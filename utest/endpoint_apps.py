"""Token endpoints as LiveKit's example apps build them, standing in on 127.0.0.1 for the endpoint suite.

Each answers as the real app was seen to answer, run with ``next dev`` at its locked versions:

- ``starter``: livekit-examples/agent-starter-react, ``POST /api/token`` (Next.js 15.5.14,
  livekit-server-sdk 2.13.3): a random identity and room, the request's whole ``room_config``
  (``RoomConfiguration.fromJson``) in the token, camelCase answer with ``Cache-Control: no-store``,
  ttl 15 minutes, 405 to GET, 500 with the JSON parser's message for a malformed body.
- ``meet``: livekit-examples/meet, ``GET /api/connection-details`` (Next.js 15.5.15,
  livekit-server-sdk 2.15.2): the identity is ``{participantName}__{postfix}``, the postfix taken
  from the ``random-participant-postfix`` cookie when the caller sends one (else 4 random
  characters, set in that cookie), metadata from the query, ttl 5 minutes, 400 with a sentence
  without roomName or participantName, 405 to POST.
- ``bare``: a small Express server answering the bare token as ``text/html``.

And endpoints with one hole each (shared token, CORS echo, stack trace, admin grant, 30-day
tokens), and a safe one (credential required, identity chosen by the app, camelCase answer).

Tokens are minted as livekit-server-sdk mints them: 2.11 to 2.14 write ``nbf: 0`` and no ``iat``
(seen with 2.11.0, 2.12.0, 2.13.3 and 2.14.0), 2.15.2 and 2.19.2 write ``nbf`` as the moment of
minting and no ``iat``; the header is ``{"alg": "HS256"}`` without ``typ``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import parse_qs, urlsplit

from http_test_support import Reply, ScriptedServer, Seen

KEY, SECRET = "appkey", "an-app-secret-of-more-than-32-bytes-long"
SAFE_CREDENTIAL = "signed-in-user-session-credential"
GRANT = {"roomJoin": True, "canPublish": True, "canPublishData": True, "canSubscribe": True}
STACK = (
    "TypeError: Cannot read properties of undefined (reading 'room')\n"
    "    at POST (/srv/app/.next/server/app/api/token/route.js:1:2345)\n"
    "    at async /srv/app/node_modules/next/dist/compiled/next-server/app-route.runtime.dev.js:6:57228"
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_like_sdk(version: str, identity: str, room: str, ttl: float, grant: dict | None = None, **claims) -> str:
    """A token as livekit-server-sdk ``version`` (``2.13.3``, ``2.15.2``, ``2.19.2``) mints it."""
    now = int(time.time())
    payload = {**claims, "video": {"room": room, **(grant or GRANT)}, "iss": KEY, "exp": now + int(ttl)}
    major, minor = (int(part) for part in version.split(".")[:2])
    payload["nbf"] = 0 if (major, minor) < (2, 15) else now
    payload["sub"] = identity
    header = _b64(json.dumps({"alg": "HS256"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(SECRET.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


class App:
    """One stand-in app: a ScriptedServer, its token route and the ws URL its answers name."""

    def __init__(self, route: str, server_url: str, answer):
        self.route = route
        self.server_url = server_url
        self.server = ScriptedServer(lambda seen: answer(self, seen))

    @property
    def url(self) -> str:
        return self.server.url + self.route

    def __enter__(self) -> App:
        self.server.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.__exit__(*exc_info)


def _text(status: int, text: str, content_type: str = "text/plain;charset=UTF-8") -> Reply:
    return Reply(status, text, {"Content-Type": content_type})


def _camel(app: App, token: str, room: str, name: str, cache: str | None = "no-store") -> Reply:
    headers = {"Cache-Control": cache} if cache else {}
    return Reply(
        200, {"serverUrl": app.server_url, "roomName": room, "participantName": name, "participantToken": token}, headers
    )


def starter(app: App, seen: Seen) -> Reply:
    if seen.method == "OPTIONS":
        return Reply(204, b"", {"Allow": "OPTIONS, POST"})
    if seen.method != "POST":
        return Reply(405, b"", {"Allow": "OPTIONS, POST"})
    try:
        body = json.loads(seen.body or b"")
    except ValueError:
        return _text(500, "Unexpected end of JSON input")
    config = dict((body or {}).get("room_config") or {})
    room_config = {_camelised(key): value for key, value in config.items()}
    room_config["agents"] = [
        {"agentName": a.get("agent_name", ""), "metadata": a.get("metadata", "")} for a in config.get("agents") or []
    ]
    identity = f"voice_assistant_user_{secrets.randbelow(10_000)}"
    room = f"voice_assistant_room_{secrets.randbelow(10_000)}"
    token = mint_like_sdk("2.13.3", identity, room, 15 * 60, name="user", roomConfig=room_config)
    return _camel(app, token, room, "user")


def meet(app: App, seen: Seen) -> Reply:
    if seen.method != "GET":
        return Reply(405, b"", {"Allow": "GET, HEAD"})
    query = {name: values[0] for name, values in parse_qs(urlsplit(seen.path).query, keep_blank_values=True).items()}
    if "roomName" not in query:
        return _text(400, "Missing required query parameter: roomName")
    if "participantName" not in query:
        return _text(400, "Missing required query parameter: participantName")
    cookies = dict(part.strip().split("=", 1) for part in (seen.headers.get("cookie") or "").split(";") if "=" in part)
    postfix = cookies.get("random-participant-postfix") or "".join(
        secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(4)
    )
    name = query["participantName"]
    token = mint_like_sdk(
        "2.15.2", f"{name}__{postfix}", query["roomName"], 5 * 60, name=name, metadata=query.get("metadata", "")
    )
    reply = _camel(app, token, query["roomName"], name, cache=None)
    reply.headers["Set-Cookie"] = f"random-participant-postfix={postfix}; Path=/; HttpOnly; SameSite=Strict; Secure"
    return reply


def bare(app: App, seen: Seen) -> Reply:
    token = mint_like_sdk("2.19.2", f"user-{secrets.token_hex(3)}", "demo", 600)
    return _text(200, token, "text/html; charset=utf-8")


_CACHED: dict = {}


def shared(app: App, seen: Seen) -> Reply:
    """One token for everybody, cached for a minute."""
    token = _CACHED.setdefault(app.route, mint_like_sdk("2.19.2", "guest", "lobby", 600))
    return _camel(app, token, "lobby", "guest", cache="public, max-age=60")


def cors_echo(app: App, seen: Seen) -> Reply:
    origin = seen.headers.get("origin", "")
    headers = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true"} if origin else {}
    if seen.method == "OPTIONS":
        return Reply(204, b"", headers)
    reply = safe(app, seen)
    reply.headers.update(headers)
    return reply


def stack_trace(app: App, seen: Seen) -> Reply:
    try:
        json.loads(seen.body or b"")
    except ValueError:
        return _text(500, STACK)
    return safe(app, seen)


def admin_month(app: App, seen: Seen) -> Reply:
    reply = safe(app, seen)
    if reply.status == 200:
        token = mint_like_sdk(
            "2.19.2", "signed-in-user", "demo", 30 * 86400, grant={**GRANT, "roomAdmin": True, "roomRecord": True}
        )
        return _camel(app, token, "demo", "Signed In")
    return reply


def safe(app: App, seen: Seen) -> Reply:
    """The safe design: a session credential, the identity and room chosen by the app, no caller data."""
    if seen.method == "OPTIONS":
        return Reply(204, b"")
    if seen.method != "POST":
        return Reply(405, b"")
    if seen.headers.get("authorization") != f"Bearer {SAFE_CREDENTIAL}":
        return _text(401, "Sign in first.")
    try:
        body = json.loads(seen.body or b"")
    except ValueError:
        return _text(400, "The request is not JSON.")
    if any(name in (body or {}) for name in ("participant_identity", "participant_metadata", "participant_attributes")):
        return _text(403, "The identity, metadata and attributes are the app's to choose.")
    agents = ((body or {}).get("room_config") or {}).get("agents") or []
    room_config = {"agents": [{"agentName": a.get("agent_name", ""), "metadata": a.get("metadata", "")} for a in agents]}
    token = mint_like_sdk("2.19.2", "signed-in-user", "demo", 600, name="Signed In", roomConfig=room_config)
    return _camel(app, token, "demo", "Signed In")


def _camelised(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
