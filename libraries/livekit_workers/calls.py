"""The tokens and server calls of the agent checks, without Robot Framework.

- the tokens a worker, a caller asking for an agent and an admin dispatching one present;
- the cases of the ``/agent`` table, each a token (or none) and how it is sent;
- Twirp calls (``RoomService``, ``AgentDispatchService``) and reading the agents out of
  ``ListParticipants``.
"""

from __future__ import annotations

import base64
import secrets as random_source
from dataclasses import dataclass

import requests

from livekit_http import deadline, tls, transport
from livekit_http.transport import Exchange
from livekit_tokens import grants as model
from livekit_tokens import minting
from livekit_tokens.keys import Keyring, prepare_hmac_key

WORKER_TTL = "10 minutes"
AGENT_KIND_NAMES = ("AGENT", 4)  # ParticipantInfo.Kind AGENT as protojson writes it, or its number


@dataclass(frozen=True)
class Credentials:
    """A key pair a worker or a caller uses; the secret is used, never shown."""

    api_key: str
    api_secret: str
    what: str  # in words: "the run's key", "a wrong secret", ...

    def __repr__(self) -> str:
        return f"Credentials({self.api_key!r}, {self.what!r})"


def random_secret() -> str:
    return random_source.token_urlsafe(32)


def credentials(name: str, keyring: Keyring, second: Credentials | None = None) -> Credentials:
    """``run key``, ``wrong secret`` (the run's key, another secret), ``unknown key`` or ``second key``."""
    primary = keyring.primary
    wanted = " ".join(str(name).lower().split())
    if wanted == "run key":
        return Credentials(primary.key, primary.secret, f"the run's key '{primary.key}'")
    if wanted == "wrong secret":
        return Credentials(primary.key, random_secret(), f"key '{primary.key}' with a wrong secret")
    if wanted == "unknown key":
        key = f"unknown-agent-key-{random_source.token_hex(3)}"
        return Credentials(key, random_secret(), f"the unknown key '{key}'")
    if wanted == "second key":
        if second is None:
            raise AssertionError("No second key pair is in use; start the server with two key pairs first.")
        return second
    raise AssertionError(f"Unknown credentials '{name}': use run key, wrong secret, unknown key or second key.")


def sign(claims: dict, api_secret: str) -> str:
    return minting.encode(claims, prepare_hmac_key(api_secret))


def worker_token(pair: Credentials, agent: bool = True, ttl: str = WORKER_TTL, at: float | None = None) -> str:
    """A token as livekit-agents mints it to register: the key, ``video.agent`` true, nothing else."""
    options = {"agent": True} if agent else {"room_list": True}
    return sign(minting.build_claims(pair.api_key, None, None, at=at, ttl=ttl, **options), pair.api_secret)


def caller_token(pair: Credentials, identity: str, room: str, agent_name: str | None) -> str:
    """A participant token that joins ``room``; with ``agent_name`` its ``roomConfig`` asks for that agent."""
    options: dict = {"room_join": True, "can_publish": False, "can_subscribe": True, "ttl": WORKER_TTL}
    if agent_name is not None:
        options["room_config"] = {"agents": [{"agentName": agent_name}]}
    return sign(minting.build_claims(pair.api_key, identity, room, **options), pair.api_secret)


def grants_token(pair: Credentials, grants: str, room: str = "") -> str | None:
    """A short-lived token with ``grants`` (comma separated, as the token writes them); ``no token``: None."""
    text = " ".join(str(grants).split())
    if text.lower() in ("no token", "none"):
        return None
    options: dict = {"ttl": WORKER_TTL}
    if text.lower() == "join only":
        options.update(room_join=True)
        return sign(minting.build_claims(pair.api_key, "livekit-auth-caller", room or "test_room", **options), pair.api_secret)
    for name in (part.strip() for part in text.split(",")):
        if name:
            options[model.to_snake(name).replace(".", "_")] = True
    return sign(minting.build_claims(pair.api_key, "livekit-auth-check", room or None, **options), pair.api_secret)


@dataclass(frozen=True)
class EndpointCase:
    """One row of the ``/agent`` table: the token (None: no header) and how it is sent."""

    token: str | None
    scheme: str = "Bearer"
    in_query: bool = False
    upgrade: bool = True
    api_key: str = ""


ENDPOINT_CASES = (
    "right key and agent grant",
    "same token in access_token",
    "unknown key",
    "expired",
    "no agent grant",
    "no token",
    "bearer not a jwt",
    "basic scheme",
    "not a websocket request",
)


def endpoint_case(case: str, keyring: Keyring, now: float) -> EndpointCase:
    """The request of one ``/agent`` case (see :data:`ENDPOINT_CASES`), signed with the run's key unless said."""
    wanted = " ".join(str(case).lower().split())
    run = credentials("run key", keyring)
    good = worker_token(run)
    cases = {
        "right key and agent grant": lambda: EndpointCase(good, api_key=run.api_key),
        "same token in access_token": lambda: EndpointCase(good, in_query=True, api_key=run.api_key),
        "unknown key": lambda: _unknown(keyring),
        "expired": lambda: EndpointCase(worker_token(run, ttl="10 minutes", at=now - 7200), api_key=run.api_key),
        "no agent grant": lambda: EndpointCase(worker_token(run, agent=False), api_key=run.api_key),
        "no token": lambda: EndpointCase(None, api_key=run.api_key),
        "bearer not a jwt": lambda: EndpointCase("not-a-jwt", api_key=run.api_key),
        "basic scheme": lambda: EndpointCase(
            base64.b64encode(f"{run.api_key}:{random_source.token_hex(8)}".encode()).decode(), scheme="Basic", api_key=run.api_key
        ),
        "not a websocket request": lambda: EndpointCase(good, upgrade=False, api_key=run.api_key),
    }
    if wanted not in cases:
        raise AssertionError(f"Unknown /agent case '{case}': use one of {', '.join(ENDPOINT_CASES)}.")
    return cases[wanted]()


def _unknown(keyring: Keyring) -> EndpointCase:
    pair = credentials("unknown key", keyring)
    return EndpointCase(worker_token(pair), api_key=pair.api_key)


# ---------------------------------------------------------------------- Twirp


def session() -> requests.Session:
    opened = deadline.Session()  # the whole exchange within LIVEKIT_HTTP_DEADLINE
    opened.verify = tls.verify_setting()
    opened.trust_env = False  # loopback or the user's server: never through a proxy of the environment
    return opened


def twirp(
    opened: requests.Session, http_base: str, service: str, method: str, token: str | None, body: dict, timeout: float
) -> Exchange:
    """``POST /twirp/livekit.<service>/<method>`` with ``token`` as a bearer token; a transport error propagates."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    url = f"{http_base.rstrip('/')}/twirp/livekit.{service}/{method}"
    return transport.send(opened, "POST", url, headers, body, timeout, token)


def agents_in(answer: dict | None) -> list[dict]:
    """The participants of kind AGENT in a ``ListParticipants`` answer: identity, kind, state."""
    participants = (answer or {}).get("participants") or []
    return [
        {"identity": p.get("identity", ""), "kind": p.get("kind"), "state": p.get("state"), "name": p.get("name", "")}
        for p in participants
        if isinstance(p, dict) and p.get("kind") in AGENT_KIND_NAMES
    ]
