"""Observations from what the libraries hold when something fails: a token's text and the keyring,
an HTTP answer and its Date header, a transport error, the URL as written.

This run's own facts about a token are kept here by fingerprint: when it was minted or received
(:func:`note_issued`) and what a LiveKit server answered to it (:func:`note_verdict`), so that a
later failure of the same token can be read against them. Only fingerprints, times and scrubbed
answers are kept, never a token.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit

from livekit_http import tls
from livekit_http.answers import excerpt, failure_kind, failure_reason
from livekit_http.clock import skew_from_date
from livekit_http.urls import without_query
from livekit_tokens import grants as model
from livekit_tokens.evidence import fingerprint
from livekit_tokens.keys import Keyring, secret_key_bytes
from livekit_tokens.timeutil import now as current_time
from livekit_tokens.verification import CLAIM_FIELDS, TokenRejected, parse_token, token_text

from .model import ClockFacts, ServerAnswer, TokenFacts, TransportFailure

MESSAGE_CHARS = 300  # of a server's answer kept for a diagnosis

_ISSUED: dict[str, tuple[float, str]] = {}
_VERDICTS: dict[str, tuple[int, str]] = {}

# How a secret is most often changed on its way into a program: (words, change).
SECRET_VARIANTS = (
    ("a trailing newline", lambda secret: secret + "\n"),
    ("a trailing carriage return and newline", lambda secret: secret + "\r\n"),
    ("a trailing space", lambda secret: secret + " "),
    ("a leading space", lambda secret: " " + secret),
    ("a trailing tab", lambda secret: secret + "\t"),
    ("double quotes around it", lambda secret: f'"{secret}"'),
    ("single quotes around it", lambda secret: f"'{secret}'"),
    ("its outer whitespace removed", lambda secret: cleaned_secret(secret)),
)


def note_issued(token, by: str = "this run", at: float | None = None) -> None:
    """Keep that ``token`` was minted (``by`` "this run") or received (``by`` "the token endpoint") now or ``at``."""
    text = _text(token)
    if text:
        _ISSUED[fingerprint(text)] = (current_time() if at is None else at, by)


def note_verdict(token, status: int, message: str) -> None:
    """Keep what a LiveKit server answered to ``token`` (the status and the scrubbed answer)."""
    text = _text(token)
    if text:
        _VERDICTS[fingerprint(text)] = (int(status), message[:MESSAGE_CHARS])


def _text(token) -> str | None:
    try:
        return token_text(token)
    except TokenRejected:
        return None


def shape_of(text: str) -> str | None:
    """What is wrong with a token's text at a glance: empty, scheme-prefix, quoted, whitespace, segments, or None."""
    if not text.strip():
        return "empty"
    if text.lstrip().lower().startswith("bearer "):
        return "scheme-prefix"
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'":
        return "quoted"
    if any(ch.isspace() for ch in text):
        return "whitespace"
    if text.count(".") != 2:
        return "segments"
    return None


def token_facts(token, keyring: Keyring | None = None) -> TokenFacts:
    """What ``token`` carries and how it relates to ``keyring``; a token that cannot be read gives what its text shows."""
    try:
        text = token_text(token)
    except TokenRejected as rejection:
        return TokenFacts(unreadable=rejection.detail, shape="empty")
    name = fingerprint(text)
    issued = _ISSUED.get(name)
    known = {
        "fingerprint": name,
        "issued_at": issued[0] if issued else None,
        "issued_by": issued[1] if issued else None,
        "server_verdict": _VERDICTS.get(name),
    }
    try:
        parsed = parse_token(text)
    except TokenRejected as rejection:
        return TokenFacts(unreadable=rejection.detail, shape=shape_of(text), **known)
    claims = parsed.server_claims
    issuer = claims.get("iss") if isinstance(claims.get("iss"), str) else None
    api_key = keyring.get(issuer) if keyring is not None and issuer else None
    verifies = variant = None
    signature = _signature_bytes(parsed.signature_segment)
    if api_key is not None and parsed.algorithm == "HS256" and signature is not None:
        verifies = _signs(keyring.prepared_secret(api_key.key), parsed.signing_input, signature)
        if not verifies:
            variant = secret_variant(api_key.secret, parsed.signing_input, signature)
    ignored = {
        str(name)[:64]: value if isinstance(value, (str, bool, int, float)) else model.json_kind(value)
        for name, value in list(parsed.claims.items())[:64]
        # A top-level identity is type-checked, but its value is replaced by sub (protocol auth/grants.go 162).
        if model.match_field(name, CLAIM_FIELDS) in (None, "identity")
    }
    return TokenFacts(
        claims=dict(claims),
        ignored=ignored,
        shape=None,
        issuer=issuer,
        key_configured=api_key is not None,
        verifies_here=verifies,
        secret_variant=variant,
        **known,
    )


def secret_variant(secret: str, signing_input: bytes, signature: bytes) -> str | None:
    """How ``secret`` must be changed (``a trailing newline``...) to give ``signature``, or None."""
    for words, change in SECRET_VARIANTS:
        changed = change(secret)
        if changed != secret and changed and _signs(secret_key_bytes(changed), signing_input, signature):
            return words
    return None


def _signs(key: bytes, signing_input: bytes, signature: bytes) -> bool:
    return hmac.compare_digest(hmac.digest(key, signing_input, "sha256"), signature)


def _signature_bytes(segment: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None


def cleaned_secret(secret: str) -> str:
    """``secret`` without outer whitespace and without one pair of quotes around it (as a .env file may keep them)."""
    cleaned = secret.strip()
    if len(cleaned) >= 2 and cleaned[0] == cleaned[-1] and cleaned[0] in "\"'":
        cleaned = cleaned[1:-1].strip()
    return cleaned or secret


def padding_of(secret: str) -> str | None:
    """What surrounds ``secret`` beyond its text, in words ("a trailing newline", "quotes around it"), or None."""
    parts = []
    trailing = secret[len(secret.rstrip()) :]
    leading = secret[: len(secret) - len(secret.lstrip())]
    if trailing:
        parts.append(f"a trailing {_whitespace_name(trailing)}")
    if leading:
        parts.append(f"a leading {_whitespace_name(leading)}")
    inner = secret.strip()
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
        parts.append("quotes around it")
    return " and ".join(parts) or None


def _whitespace_name(text: str) -> str:
    names = {"\n": "newline", "\r\n": "carriage return and newline", " ": "space", "\t": "tab"}
    if text in names:
        return names[text]
    if set(text) == {" "}:
        return f"run of {len(text)} spaces"
    return "whitespace"


def key_facts(keyring: Keyring | None) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The configured key names, and for each key whose secret has outer whitespace or quotes, what it has."""
    if keyring is None:
        return (), ()
    keys = tuple(api_key.key for api_key in keyring)
    padded = tuple(
        (api_key.key, padding_of(api_key.secret) or "outer whitespace")
        for api_key in keyring
        if cleaned_secret(api_key.secret) != api_key.secret
    )
    return keys, padded


def server_answer(
    status: int | None,
    body,
    call: str,
    tokens: Iterable[str] = (),
    secrets: Iterable[str] = (),
    **details,
) -> ServerAnswer:
    """A server's answer as a diagnosis reads it: the status and the body, scrubbed."""
    message = excerpt(body, tokens=tokens, secrets=secrets, limit=MESSAGE_CHARS)
    return ServerAnswer(status=status, message="" if message == "(empty body)" else message, call=call, **details)


def clock_from_date(date_header, sent_at: float, received_at: float) -> ClockFacts:
    """The skew an HTTP answer's Date header shows; not measured when it has none."""
    try:
        skew = skew_from_date(date_header, sent_at, received_at)
    except ValueError:
        return ClockFacts()
    return ClockFacts(skew=skew.seconds, uncertainty=skew.uncertainty)


def transport_failure(
    error: Exception, url: str, configured: str | None = None, what: str = "the LiveKit server", timeout: float | None = None
) -> TransportFailure:
    """A request that got no answer, as a diagnosis reads it.

    A plain ``http://`` connection closed without an answer is probed once with a TLS handshake
    (2 s at most): a port that speaks TLS makes the kind ``tls-expected`` (``ws://`` written for ``wss://``).
    """
    kind = failure_kind(error)
    if kind == "closed" and url.lower().startswith("http://"):
        parts = urlsplit(url)
        if parts.hostname and tls.speaks_tls(parts.hostname, parts.port or 80):
            kind = "tls-expected"
    return TransportFailure(
        kind=kind,
        url=_safe_url(url),
        configured=_safe_url(configured) if configured else None,
        what=what,
        reason=failure_reason(error),
        timeout=getattr(error, "seconds", None) if failure_kind(error) == "slow" else timeout,  # the total deadline
    )


def _safe_url(url: str) -> str:
    try:
        return without_query(url)
    except ValueError:
        return "the URL"
