"""HTTP answers as one sentence each, and body excerpts that never show a token or a secret.

A LiveKit server of some releases echoes the token it refuses in the error body, and a token
endpoint answers with one: anything shown from a body goes through :func:`scrub` first.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from http import HTTPStatus
from urllib.parse import urlsplit

import requests

from livekit_tokens.evidence import credential_parts, fingerprint, mask_tokens

from .deadline import SETTING, AnsweredTooSlowly
from .split_tokens import mask_split_tokens
from .tls import certificate_failure
from .urls import without_query

EXCERPT_CHARS = 160

TOO_DEEP = "nested too deeply to read"
_BEARER = re.compile(r"(?i)\b(bearer)(\s+)(?!<token )[^\s\"',;]+")
_TOKEN_FIELD = re.compile(
    r"(?i)((?:access_token|participant_token|participantToken)[\"']?\s*[:=]\s*[\"']?)(?!<token )[^\s\"'&,}]+"
)
# Long runs of base64 (either alphabet) or hex: a server may echo a token or a secret encoded.
_ENCODED_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
ENCODED_MARKER = "<encoded credential>"
MIN_CREDENTIAL = 8  # characters; a shorter part of a header value (a scheme's short argument) is not masked alone
_UNPRINTABLE = re.compile(r"[^\t\n\r\x20-\x7e\u00a0-\ufffc]")
_SPACES = re.compile(r"\s+")


def scrub(text: str, tokens: Iterable[str] = (), secrets: Iterable[str] = ()) -> str:
    """Replace every token (known or looking like a JWT) by its fingerprint and every secret by ``<secret>``.

    Each secret is replaced with the parts of it that are secret on their own (the credential of
    ``Bearer X`` without its scheme), and a run of base64 or hex that decodes to text holding a
    token or a secret is replaced by ``<encoded credential>``.
    """
    tokens = {t for t in tokens if t}
    hidden = {s for s in secrets if s}
    hidden |= {part for s in hidden for part in credential_parts(s) if len(part) >= MIN_CREDENTIAL}
    for token in sorted(tokens, key=len, reverse=True):
        text = text.replace(token, f"<token {fingerprint(token)}>")
    text = mask_split_tokens(text, tokens)  # a token written with a line break or an escape inside it
    for secret in sorted(hidden, key=len, reverse=True):
        text = text.replace(secret, "<secret>")
    text = _ENCODED_RUN.sub(lambda match: _mask_encoded(match.group(0), tokens, hidden), text)
    text = mask_tokens(text)
    text = _BEARER.sub(lambda match: f"{match.group(1)}{match.group(2)}<credential>", text)
    return _TOKEN_FIELD.sub(lambda match: f"{match.group(1)}<credential>", text)


def _mask_encoded(run: str, tokens: set[str], secrets: set[str]) -> str:
    """``run``, or the marker when its base64 or hex decodes to text holding a token or a secret."""
    for decoded in _decodings(run):
        if mask_tokens(decoded) != decoded or any(len(value) >= 4 and value in decoded for value in (*tokens, *secrets)):
            return ENCODED_MARKER
    return run


def _decodings(run: str) -> list[str]:
    """The text ``run`` encodes as hex, and as base64 read from each of its first four characters."""
    texts = []
    body = run.rstrip("=")
    if len(body) % 2 == 0 and all(char in "0123456789abcdefABCDEF" for char in body):
        texts.append(bytes.fromhex(body))
    standard = body.replace("-", "+").replace("_", "/")
    for start in range(4):  # the run may begin with text glued to the encoded value
        piece = standard[start:]
        piece = piece[: len(piece) - 1] if len(piece) % 4 == 1 else piece
        try:
            texts.append(base64.b64decode(piece + "=" * (-len(piece) % 4)))
        except (binascii.Error, ValueError):
            continue
    return [data.decode("latin-1") for data in texts]


class UnreadableJson(ValueError):
    """A body that is not JSON, or JSON nested too deeply to read (``too_deep``)."""

    def __init__(self, too_deep: bool):
        super().__init__(TOO_DEEP if too_deep else "not JSON")
        self.too_deep = too_deep


def load_json(body):
    """The JSON document in ``body`` (bytes or text), or :class:`UnreadableJson`."""
    try:
        text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
        return json.loads(text)
    except RecursionError:
        raise UnreadableJson(too_deep=True) from None
    except (UnicodeDecodeError, ValueError, TypeError):
        raise UnreadableJson(too_deep=False) from None


def excerpt(body, tokens: Iterable[str] = (), secrets: Iterable[str] = (), limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line, token-free excerpt of a body (bytes or text) for a failure sentence."""
    if body is None:
        return "(empty body)"
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body)
    text = _SPACES.sub(" ", _UNPRINTABLE.sub("?", scrub(text, tokens, secrets))).strip()
    if not text:
        return "(empty body)"
    if len(text) > limit:
        cut = text[:limit]
        # Never leave half of a fingerprint marker behind.
        marker = cut.rfind("<")
        if marker != -1 and ">" not in cut[marker:]:
            cut = cut[:marker]
        text = cut.rstrip() + " ..."
    return text


# What livekit-server v1.13.5 writes when it refuses a token (401), by the cause it names.
_REFUSALS = (
    ("signature", "signature is invalid"),
    ("expired", "token is expired"),
    ("not-yet-valid", "token is not valid yet"),
    ("unknown-api-key", "invalid api key"),
    ("permission", "permissions denied"),
    ("permission", "no permissions"),
    ("unauthenticated", "unauthenticated"),
)


def refusal_cause(status: int, body) -> str | None:
    """The cause a LiveKit server gave for refusing a request (``signature``, ``expired``, ...), ``other``, or None when it did not refuse.

    Read once where the answer arrives, so that the sign-off reads the cause and never the text.
    """
    if status not in (401, 403):
        return None
    text = (body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body or "")).lower()
    return next((cause for cause, words in _REFUSALS if words in text), "other")


def status_text(status: int, reason: str | None = None) -> str:
    """``401 Unauthorized``."""
    if not reason:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    return f"{status} {reason}".strip()


def transport_failure(error: Exception, what: str, url: str, timeout: float | None) -> str:
    """One sentence for a request that got no HTTP answer at all."""
    where = f"{what} at {without_query(url)}"
    limit = f"{timeout:g} s" if timeout is not None else "the time limit"
    if isinstance(error, AnsweredTooSlowly):
        return f"{_capital(where)} answered too slowly: no complete answer within {error.seconds:g} s ({SETTING})."
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return f"Could not connect to {where}: no connection within {limit}."
    if isinstance(error, requests.exceptions.ReadTimeout):
        return f"{_capital(where)} accepted the connection but did not answer within {limit}."
    if isinstance(error, requests.exceptions.SSLError):
        certificate = certificate_failure(_host_port(url), _all_words(error), what)
        if certificate is not None:
            return certificate
        return f"Could not connect to {where}: the TLS handshake failed ({_root_reason(error)})."
    if isinstance(error, requests.exceptions.ConnectionError):
        if _refused(error):
            return f"Could not connect to {where}: the connection was refused (is it running?)."
        if _name_unknown(error):
            return f"Could not connect to {where}: the host name does not resolve."
        return f"{_capital(where)} closed the connection without an answer ({_root_reason(error)})."
    if isinstance(error, requests.exceptions.RequestException):
        return f"The request to {where} failed: {_root_reason(error)}."
    return f"The request to {where} failed: {type(error).__name__}."


def failure_kind(error: Exception) -> str:
    """What kind of transport failure ``error`` is, for a diagnosis.

    ``tls-plain`` (a TLS handshake answered in plain HTTP: the URL says ``https``/``wss`` where the
    server speaks plain HTTP), ``tls``, ``slow`` (an answer begun but not complete within the total
    deadline), ``timeout``, ``refused``, ``dns``, ``closed``, ``scheme`` (a
    URL scheme no HTTP client speaks, such as ``wss://``) or ``other``.
    """
    if isinstance(error, requests.exceptions.SSLError):
        words = " ".join(str(item).lower() for item in _chain(error))
        plain = ("wrong version number", "record layer failure", "http request", "packet length too long", "unknown protocol")
        return "tls-plain" if any(word in words for word in plain) else "tls"
    if isinstance(error, AnsweredTooSlowly):
        return "slow"
    if isinstance(error, requests.exceptions.Timeout):
        return "timeout"
    if isinstance(error, requests.exceptions.ConnectionError):
        if _refused(error):
            return "refused"
        if _name_unknown(error):
            return "dns"
        return "closed"
    if isinstance(error, (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema)):
        return "scheme"
    return "other"


def _all_words(error: BaseException) -> str:
    return " ".join(str(item) for item in _chain(error))


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def failure_reason(error: Exception) -> str:
    """The low-level reason of a transport failure, short and scrubbed."""
    return _root_reason(error)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _chain(error: BaseException):
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException) and id(arg) not in seen:
                yield from _chain(arg)
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            yield from _chain(reason)
        current = current.__cause__ or current.__context__


def _refused(error: BaseException) -> bool:
    return any(isinstance(item, ConnectionRefusedError) or "refused" in str(item).lower() for item in _chain(error))


def _name_unknown(error: BaseException) -> bool:
    words = ("name or service not known", "nodename nor servname", "getaddrinfo failed", "name resolution")
    return any(any(word in str(item).lower() for word in words) for item in _chain(error))


def _root_reason(error: BaseException) -> str:
    items = list(_chain(error))
    root = items[-1] if items else error
    text = str(root) or type(root).__name__
    # urllib3 messages repeat the connection object and the URL; keep the last clause only.
    text = text.rsplit(": ", 1)[-1].strip(" ')\"")
    return scrub(text)[:120] or type(root).__name__
