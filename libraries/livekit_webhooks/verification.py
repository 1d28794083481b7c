"""Verify a received webhook (its ``Authorization`` header and body) as LiveKit's receiver does.

The order is livekit/protocol ``webhook/verifier.go`` (``Receive``, 31-67, and
``ReceiveWebhookEvent``, 70-84):

1. the ``Authorization`` header must be there (38-41, ``ErrNoAuthHeader``); its whole value is the
   token, so ``Bearer <token>`` does not parse;
2. the token is parsed without its signature (43, ``auth.ParseAPIToken``);
3. the secret is looked up by ``iss`` (48-51, ``ErrSecretNotFound``);
4. the token is verified like an access token (53): HS256 only, 60 s of leeway on ``exp`` and
   ``nbf`` (``auth/verifier.go`` 65-87), by :func:`livekit_tokens.verification.check_signature` and
   :func:`~livekit_tokens.verification.check_times`, which also require ``exp`` as protocol main
   does (the pinned release only checks it when present; the server always writes one);
5. the ``sha256`` claim is compared in constant time with the standard base64 of the SHA-256 of
   the body bytes (58-64, ``ErrInvalidChecksum``); a missing claim fails the same comparison;
6. the body is decoded as a protojson ``WebhookEvent``, unknown fields discarded (75-82).

``Receive`` reads the whole body whatever its size (33); a receiver should refuse a body above a
limit before reading it, so :func:`verify_webhook` takes ``max_body_bytes`` and checks it first.

Every outcome, accepted or not, comes with the facts observed on the way (key, algorithm, whether
the hash matches, expiry, event type, room, participant); none of them is the token or a secret.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from livekit_tokens import evidence
from livekit_tokens.keys import Keyring
from livekit_tokens.timeutil import SERVER_LEEWAY_SECONDS, format_duration, format_utc
from livekit_tokens.timeutil import now as current_time
from livekit_tokens.verification import TokenRejected, check_signature, check_times, numeric_date, parse_token, token_text

from .events import UnreadableEvent, read_event
from .signing import body_hash

# Why a webhook is refused; keys are stable, the texts are what a tester reads.
CAUSES = {
    "oversized-body": "the body is larger than the receiver reads",
    "no-authorization": "the Authorization header is missing",
    "malformed": "the token is malformed",
    "not-text": "the token is not text",
    "oversized": "the token is too large",
    "claims": "the claims do not decode",
    "algorithm": "the signing algorithm is not allowed",
    "unknown-api-key": "the API key is unknown",
    "signature": "the signature is invalid",
    "exp-required": "the exp claim is missing",
    "expired": "the token is expired",
    "not-yet-valid": "the token is not valid yet",
    "checksum": "the sha256 claim does not match the body",
    "event": "the body is not a WebhookEvent",
}


class WebhookRefused(AssertionError):
    """A receiver following LiveKit's rules refuses the webhook; ``cause`` is a key of :data:`CAUSES`."""

    ROBOT_SUPPRESS_NAME = True

    def __init__(self, cause: str, detail: str):
        self.cause = cause
        self.detail = detail
        super().__init__(f"Webhook refused: {detail}.")


@dataclass
class WebhookVerdict:
    """The outcome of :func:`verify_webhook` and every fact observed on the way."""

    accepted: bool
    cause: str | None = None
    detail: str = ""
    facts: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return "accepted" if self.accepted else self.detail

    def require(self) -> WebhookVerdict:
        """This verdict when accepted; else raise :class:`WebhookRefused`."""
        if not self.accepted:
            raise WebhookRefused(self.cause or "malformed", self.detail)
        return self

    def rows(self) -> list[dict]:
        """The facts as evidence rows (label and value), for a log table."""
        facts = self.facts
        return [
            {"label": "Verdict", "value": "accepted" if self.accepted else f"refused: {self.detail}"},
            {"label": "Cause", "value": self.cause or "none"},
            {"label": "Authorization header", "value": facts.get("authorization")},
            {"label": "Token", "value": facts.get("token")},
            {"label": "API key (iss)", "value": facts.get("api_key")},
            {"label": "Key configured", "value": facts.get("key_configured")},
            {"label": "Algorithm", "value": facts.get("algorithm")},
            {"label": "Signature", "value": facts.get("signature")},
            {"label": "Expires", "value": facts.get("expires")},
            {"label": "sha256 claim", "value": facts.get("sha256_claim")},
            {"label": "Body hash matches", "value": facts.get("hash_matches")},
            {"label": "Body size", "value": facts.get("body_bytes")},
            {"label": "Event type", "value": facts.get("event")},
            {"label": "Room", "value": facts.get("room")},
            {"label": "Participant", "value": facts.get("participant")},
            {"label": "Event id", "value": facts.get("event_id")},
        ]


def verify_webhook(
    authorization,
    body: bytes,
    keyring: Keyring,
    at: float | None = None,
    leeway: float = SERVER_LEEWAY_SECONDS,
    max_body_bytes: int | None = None,
) -> WebhookVerdict:
    """Check a received webhook as LiveKit's ``webhook.ReceiveWebhookEvent`` does; never raises for bad input.

    ``authorization`` is the value of the ``Authorization`` header (``None`` when there was none),
    as text or ``Secret``; ``body`` the exact bytes received.
    """
    data = bytes(body or b"")
    facts: dict = {
        "authorization": "missing",
        "token": "not checked",
        "api_key": None,
        "key_configured": None,
        "algorithm": None,
        "signature": "not checked",
        "expires": None,
        "sha256_claim": None,
        "hash_matches": None,
        "body_bytes": len(data),
        "event": None,
        "room": None,
        "participant": None,
        "event_id": None,
    }

    def refused(cause: str, detail: str) -> WebhookVerdict:
        return WebhookVerdict(False, cause, detail, facts)

    if max_body_bytes is not None and len(data) > max_body_bytes:
        return refused("oversized-body", f"the body is {len(data):,} bytes, above the limit of {max_body_bytes:,}")
    try:
        text = None if authorization is None else token_text(authorization)
    except TokenRejected as rejection:
        facts["authorization"] = "present"
        return refused(rejection.cause, rejection.detail)
    if not text:  # r.Header.Get gives "" for a missing header and for an empty one alike
        return refused("no-authorization", "authorization header could not be found")
    facts["authorization"] = "present, Bearer scheme" if text[:7].lower() == "bearer " else "present, the token alone"
    facts["token"] = f"{len(text)} characters, {evidence.fingerprint(text)}"
    try:
        parsed = parse_token(text)
    except TokenRejected as rejection:
        return refused(rejection.cause, rejection.detail)
    claims = parsed.server_claims
    facts["api_key"] = parsed.issuer
    facts["key_configured"] = bool(parsed.issuer) and parsed.issuer in keyring
    facts["algorithm"] = parsed.algorithm
    facts["expires"] = _expiry(claims, at)
    claim = claims.get("sha256")
    facts["sha256_claim"] = "present" if claim else "missing"
    try:
        check_signature(parsed, keyring)
        facts["signature"] = "valid"
        check_times(parsed, at, leeway)
    except TokenRejected as rejection:
        if rejection.cause == "signature":
            facts["signature"] = "invalid"
        return refused(rejection.cause, rejection.detail)
    expected = body_hash(data)
    matches = isinstance(claim, str) and hmac.compare_digest(claim.encode("utf-8", "surrogatepass"), expected.encode("ascii"))
    facts["hash_matches"] = matches
    if not matches:
        if not claim:
            return refused("checksum", "could not verify authenticity of message: the token has no sha256 claim")
        return refused("checksum", "could not verify authenticity of message: the sha256 claim is not the hash of this body")
    try:
        summary = read_event(data)
    except UnreadableEvent as unreadable:
        return refused("event", str(unreadable))
    facts.update(event=summary.event, room=summary.room, participant=summary.participant, event_id=summary.event_id)
    return WebhookVerdict(True, None, "", facts)


def _expiry(claims: dict, at: float | None) -> str | None:
    if "exp" not in claims:
        return "no exp claim"
    try:
        expires = numeric_date(claims["exp"], "exp")
    except TokenRejected:
        return "not a date"
    moment = current_time() if at is None else at
    left = expires - moment
    when = f"{format_duration(left)} left" if left >= 0 else f"{format_duration(-left)} ago"
    return f"{format_utc(expires)} ({when})"
