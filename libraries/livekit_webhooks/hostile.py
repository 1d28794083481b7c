"""The webhook requests a receiver gets: the one the server sends, and the forged and malformed ones
a receiver must refuse.

Each case is one :class:`WebhookRequest` (headers, exact body bytes, the token it carries) and the
cause a receiver following LiveKit's rules refuses it for (:data:`CASES`). Every request carries
an event of its own (a fresh id), so a receiver that drops repeated ids still checks each one.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

from livekit_tokens import hostile as token_hostile
from livekit_tokens import minting
from livekit_tokens.keys import Keyring, prepare_hmac_key
from livekit_tokens.timeutil import now as current_time

from .events import build_event
from .signing import AUTHORIZATION, CONTENT_TYPE, VALID_FOR_SECONDS, body_hash, webhook_claims

DEFAULT_OVERSIZED_BYTES = 2 * 1024 * 1024
DEFAULT_EVENT = "participant_joined"

# case -> (what it is, the cause a receiver following LiveKit's rules refuses it for; None: accepted)
CASES: dict[str, tuple[str, str | None]] = {
    "correctly signed": ("the event as the server sends it", None),
    "no Authorization header": ("the same event without the Authorization header", "no-authorization"),
    "empty Authorization header": ("an Authorization header with no value", "no-authorization"),
    "Bearer prefix": ("the server's token after 'Bearer ', which the server never sends", "malformed"),
    "signed with another secret": ("the configured key's name, signed with a random secret", "signature"),
    "unknown API key": ("a key the receiver does not have, with its own secret", "unknown-api-key"),
    "body changed after signing": ("a correctly signed token, sent with the room name changed in the body", "checksum"),
    "sha256 claim missing": ("a correctly signed token without the sha256 claim", "checksum"),
    "sha256 of another body": ("a correctly signed token whose sha256 is the hash of another event", "checksum"),
    "expired token": ("a correctly signed token that expired 15 minutes ago", "expired"),
    "not yet valid token": ("a correctly signed token valid from 10 minutes on", "not-yet-valid"),
    "alg none": ("the claims with alg none and no signature", "algorithm"),
    "HS512": ("the claims signed with the right secret, but HS512", "algorithm"),
    "oversized body": ("a correctly signed event padded beyond the receiver's size limit", "oversized-body"),
}


@dataclass
class WebhookRequest:
    """One POST to a webhook receiver: its headers (the token among them), the exact body, the case."""

    case: str
    headers: dict[str, str]
    body: bytes
    token: str | None = field(default=None, repr=False)
    expected_cause: str | None = None

    @property
    def forged(self) -> bool:
        """True for every case the server would never send and a receiver must refuse."""
        return self.expected_cause is not None


def case_name(text: str) -> str:
    """The case ``text`` names, matched without regard to case and spacing; ``ValueError`` otherwise."""
    wanted = " ".join(str(text).split()).lower()
    for name in CASES:
        if name.lower() == wanted:
            return name
    raise ValueError(f"Unknown webhook case '{str(text)[:60]}'; use one of: {', '.join(CASES)}.")


def build_request(
    case: str,
    keyring: Keyring,
    api_key: str | None = None,
    *,
    event: str = DEFAULT_EVENT,
    room: str = "test_room",
    participant: str | None = None,
    at: float | None = None,
    oversized_bytes: int = DEFAULT_OVERSIZED_BYTES,
) -> WebhookRequest:
    """The request of ``case`` (see :data:`CASES`), signed where it is signed with ``api_key``'s secret."""
    name = case_name(case)
    moment = int(current_time() if at is None else at)
    key = keyring.primary.key if api_key in (None, "") else api_key
    if key not in keyring:
        raise KeyError(key)
    secret = keyring.prepared_secret(key)
    body = build_event(event, room, participant, at=moment)
    claims = webhook_claims(key, body_hash(body), moment)
    sent_body = body

    if name == "oversized body":
        padding = max(0, oversized_bytes - len(body) + 1)
        sent_body = build_event(event, room, participant, at=moment, room_metadata="x" * padding)
        claims = webhook_claims(key, body_hash(sent_body), moment)
    elif name == "body changed after signing":
        document = json.loads(body)
        document["room"]["name"] = f"{room}-changed"
        sent_body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    elif name == "sha256 claim missing":
        claims.pop("sha256")
    elif name == "sha256 of another body":
        claims["sha256"] = body_hash(build_event(event, room, participant, at=moment))
    elif name == "expired token":
        claims = webhook_claims(key, body_hash(body), moment - 20 * 60)
    elif name == "not yet valid token":
        claims = webhook_claims(key, body_hash(body), moment + 10 * 60, VALID_FOR_SECONDS)
    elif name == "signed with another secret":
        secret = prepare_hmac_key(token_hostile.random_secret(32))
    elif name == "unknown API key":
        claims["iss"] = _unused_key_name(keyring)
        secret = prepare_hmac_key(token_hostile.random_secret(32))

    token = minting.encode(claims, secret)
    if name == "alg none":
        token = token_hostile.with_algorithm(token, "none", secret)
    elif name == "HS512":
        token = token_hostile.with_algorithm(token, "HS512", secret)

    headers = {"Content-Type": CONTENT_TYPE}
    if name == "Bearer prefix":
        headers[AUTHORIZATION] = f"Bearer {token}"
    elif name == "empty Authorization header":
        headers[AUTHORIZATION] = ""
    elif name != "no Authorization header":
        headers[AUTHORIZATION] = token
    carried = None if name in ("no Authorization header", "empty Authorization header") else token
    return WebhookRequest(name, headers, sent_body, carried, CASES[name][1])


def _unused_key_name(keyring: Keyring) -> str:
    name = "unknown-webhook-key"
    while name in keyring:
        name += "-" + secrets.token_hex(2)
    return name
