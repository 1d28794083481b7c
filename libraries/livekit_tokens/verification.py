"""Verify a token the way the LiveKit server does, and say in one sentence why it refuses one.

The order of checks and the outcomes follow the server (``pkg/service/auth.go`` and livekit/protocol
``auth/verifier.go`` on golang-jwt v5): parse without the signature, look up the secret by ``iss``,
allow HS256 only, check the signature, then ``exp`` (required) and ``nbf`` with 60 s leeway. ``aud``
and ``iat`` are never checked. Plain ``jwt.decode`` differs from this in several places; each is
handled here and named where it is.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field

from jwt.algorithms import HMACAlgorithm

from . import grants as model
from .keys import ApiKey, Keyring
from .timeutil import SERVER_LEEWAY_SECONDS, format_duration, format_utc
from .timeutil import now as current_time

# Go's net/http refuses request headers over 1 MiB (DefaultMaxHeaderBytes), so no larger token
# can reach the server; refusing earlier keeps verification time bounded.
MAX_TOKEN_CHARS = 1 << 20

# golang-jwt v5 registers these; any other `alg` fails while parsing, before the key lookup.
KNOWN_ALGORITHMS = frozenset(
    ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "none"]
)

CAUSES = {
    "not-text": "the token is not text",
    "oversized": "the token is too large",
    "malformed": "the token is malformed",
    "algorithm": "the signing algorithm is not allowed",
    "claims": "the claims do not decode",
    "unknown-api-key": "the API key is unknown",
    "signature": "the signature is invalid",
    "exp-required": "the exp claim is missing",
    "expired": "the token is expired",
    "not-yet-valid": "the token is not valid yet",
}

DATE = "NumericDate"
AUDIENCE = "string or list of strings"
CLAIM_FIELDS: dict[str, str] = {**model.TOP_LEVEL_FIELDS, "exp": DATE, "nbf": DATE, "iat": DATE, "aud": AUDIENCE}

_SEGMENT = re.compile(r"[A-Za-z0-9_\-\r\n]*\Z")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_HS256 = HMACAlgorithm(HMACAlgorithm.SHA256)


class TokenRejected(AssertionError):
    """The server would refuse the token; ``cause`` is a key of :data:`CAUSES`."""

    def __init__(self, cause: str, detail: str):
        self.cause = cause
        self.detail = detail
        super().__init__(f"Token refused: {detail}.")


@dataclass
class ParsedToken:
    """A token split and decoded, nothing verified yet."""

    text: str
    header: dict
    claims: dict
    signing_input: bytes
    signature_segment: str
    server_claims: dict = field(default_factory=dict)

    @property
    def algorithm(self):
        return self.header.get("alg")

    @property
    def issuer(self):
        return self.server_claims.get("iss")


class _Pairs(dict):
    """A JSON object that had duplicate keys; ``pairs`` keeps every one in order, as Go reads them."""

    pairs: list


def _object_hook(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        obj = _Pairs(obj)
        obj.pairs = pairs
    return obj


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_object_hook, parse_constant=_refuse_constant)


def token_text(token) -> str:
    """The token as ``str`` from ``str``, ``bytes`` or Robot Framework's ``Secret``."""
    inner = getattr(token, "value", token)
    if isinstance(inner, (bytes, bytearray)):
        try:
            inner = bytes(inner).decode("ascii")
        except UnicodeDecodeError:
            raise TokenRejected("malformed", "token is malformed: it holds bytes outside ASCII") from None
    if not isinstance(inner, str):
        raise TokenRejected("not-text", f"a token must be text, got {type(inner).__name__}")
    return inner


def _b64decode(segment: str, part: str) -> bytes:
    # Go's base64.RawURLEncoding: the URL alphabet, no padding, CR and LF skipped; unused low bits
    # of the last character are not checked (golang-jwt does not turn on strict decoding).
    if not _SEGMENT.match(segment):
        bad = next(ch for ch in segment if not (ch.isascii() and (ch.isalnum() or ch in "-_\r\n")))
        where = "padding '='" if bad == "=" else f"the character {bad!a}"
        raise TokenRejected(
            "malformed", f"token is malformed: the {part} holds {where}, which base64url without padding does not allow"
        )
    data = segment.replace("\r", "").replace("\n", "") if ("\r" in segment or "\n" in segment) else segment
    if len(data) % 4 == 1:
        raise TokenRejected("malformed", f"token is malformed: the {part} is not valid base64url (its length is impossible)")
    try:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - the checks above leave nothing to fail
        raise TokenRejected("malformed", f"token is malformed: the {part} is not valid base64url") from None


def _decode_json(raw: bytes, part: str, trailing_allowed: bool):
    # Go decodes invalid UTF-8 inside strings to U+FFFD, and so does this.
    text = raw.decode("utf-8", "replace")
    try:
        if trailing_allowed:
            # golang-jwt reads the claims with json.Decoder.Decode: the first value counts and
            # anything after it is ignored. The header goes through json.Unmarshal, which is strict.
            stripped = text.lstrip(" \t\r\n")
            value, _ = _DECODER.raw_decode(stripped)
        else:
            value = _DECODER.decode(text)
    except RecursionError:
        raise TokenRejected("malformed", f"token is malformed: the {part} JSON is nested too deeply") from None
    except ValueError as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise TokenRejected("malformed", f"token is malformed: the {part} is not valid JSON ({reason})") from None
    if value is None:  # Go: null decodes into an empty header or empty claims
        return {}
    if not isinstance(value, dict):
        raise TokenRejected("malformed", f"token is malformed: the {part} is {model.json_kind(value)}, not a JSON object")
    if _SURROGATE_ESCAPE.search(text):
        value = _replace_surrogates(value)
    return value


def _replace_surrogates(value):
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(item) for item in value]
    if isinstance(value, dict):
        fixed = {_replace_surrogates(key): _replace_surrogates(item) for key, item in value.items()}
        if isinstance(value, _Pairs):
            fixed = _Pairs(fixed)
            fixed.pairs = [(_replace_surrogates(k), _replace_surrogates(v)) for k, v in value.pairs]
        return fixed
    return value


def numeric_date(value, name: str) -> int:
    """Seconds from a NumericDate as golang-jwt reads it: a JSON number or a numeric string."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TokenRejected("claims", f"could not decode the claims: {name} must be a number, got {model.json_kind(value)}")
    if isinstance(value, str) and not _JSON_NUMBER.match(value):
        raise TokenRejected("claims", f"could not decode the claims: {name} must be a number, got a string that is not one")
    try:
        seconds = float(value)
    except (OverflowError, ValueError):
        seconds = math.inf
    if not math.isfinite(seconds) or abs(seconds) >= 2**63:
        raise TokenRejected("claims", f"could not decode the claims: {name} is out of range")
    return math.floor(seconds)


def _pairs(obj: dict):
    return obj.pairs if isinstance(obj, _Pairs) else obj.items()


def _check_types(obj: dict, fields: dict[str, str], where: str) -> dict:
    """Check every JSON value that decodes into a known field, as Go does, and return the server view."""
    view: dict = {}
    for key, value in _pairs(obj):
        name = model.match_field(key, fields)
        if name is None:
            continue
        kind = fields[name]
        label = f"{where}{name}"
        if kind == DATE:
            if value is not None:
                numeric_date(value, label)
        elif kind == AUDIENCE:
            if not (
                value is None or isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
            ):
                raise TokenRejected(
                    "claims", f"could not decode the claims: {label} must be a JSON {AUDIENCE}, got {model.json_kind(value)}"
                )
        else:
            problem = model.type_error(value, kind)
            if problem:
                raise TokenRejected("claims", f"could not decode the claims: {label} {problem}")
        if kind == model.OBJECT and isinstance(value, dict) and name in model.GRANT_OBJECTS:
            _check_types(value, model.GRANT_OBJECTS[name], f"{name}.")
        if value is None:
            if name in model.NULLABLE_FIELDS or kind in (DATE, AUDIENCE):
                view.pop(name, None)
        else:
            view[name] = value
    return view


def parse_token(token, max_chars: int = MAX_TOKEN_CHARS) -> ParsedToken:
    """Split and decode a token without checking its signature, refusing what the server cannot parse."""
    text = token_text(token)
    if len(text) > max_chars:
        raise TokenRejected("oversized", f"the token is {len(text):,} characters long, above the limit of {max_chars:,}")
    if not text:
        raise TokenRejected("malformed", "token is malformed: the token is empty")
    if text[:7].lower() == "bearer ":
        raise TokenRejected("malformed", "token is malformed: it starts with 'Bearer ', pass the token without the scheme")
    parts = text.split(".")
    if len(parts) != 3:
        raise TokenRejected(
            "malformed", f"token is malformed: it has {len(parts)} segment{'s' if len(parts) != 1 else ''} instead of 3"
        )
    header = _decode_json(_b64decode(parts[0], "header"), "header", trailing_allowed=False)
    alg = header.get("alg")
    if alg is None:
        raise TokenRejected("algorithm", "signing method (alg) is unspecified: the header has no alg")
    if not isinstance(alg, str):
        raise TokenRejected("algorithm", f"signing method (alg) is unspecified: alg is {model.json_kind(alg)}, not a string")
    if alg not in KNOWN_ALGORITHMS:
        raise TokenRejected("algorithm", f"signing method {ascii(alg)[1:-1][:40]} is unavailable, only HS256 is allowed")
    claims = _decode_json(_b64decode(parts[1], "payload"), "payload", trailing_allowed=True)
    server_claims = _check_types(claims, CLAIM_FIELDS, "")
    return ParsedToken(
        text=text,
        header=header,
        claims=claims,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature_segment=parts[2],
        server_claims=server_claims,
    )


def check_signature(parsed: ParsedToken, keyring: Keyring) -> ApiKey:
    """Find the secret by ``iss`` and check that the token is HS256 and signed with it."""
    issuer = parsed.issuer
    api_key = keyring.get(issuer) if issuer else None
    if api_key is None:
        named = "the token has no iss" if not issuer else f"iss '{issuer[:64]}' is not a configured API key"
        raise TokenRejected("unknown-api-key", f"invalid API key: {named}")
    if parsed.algorithm != "HS256":
        raise TokenRejected("algorithm", f"signing method {parsed.algorithm} is invalid, only HS256 is allowed")
    signature = _b64decode(parsed.signature_segment, "signature")
    if not _HS256.verify(parsed.signing_input, keyring.prepared_secret(api_key.key), signature):
        raise TokenRejected("signature", f"signature is invalid: it does not match the secret of API key '{api_key.key}'")
    return api_key


def check_times(parsed: ParsedToken, at: float | None = None, leeway: float = SERVER_LEEWAY_SECONDS) -> None:
    """Check ``exp`` (required) and ``nbf`` as golang-jwt does: valid while nbf - leeway <= now < exp + leeway."""
    moment = current_time() if at is None else at
    claims = parsed.server_claims
    if "exp" not in claims:
        raise TokenRejected("exp-required", "exp claim is required")
    expires = numeric_date(claims["exp"], "exp")
    if not moment < expires + leeway:
        raise TokenRejected(
            "expired",
            f"token is expired: it expired at {format_utc(expires)}, {format_duration(moment - expires)} ago (leeway {leeway:g} s)",
        )
    if "nbf" in claims:
        not_before = numeric_date(claims["nbf"], "nbf")
        if moment < not_before - leeway:
            raise TokenRejected(
                "not-yet-valid",
                f"token is not valid yet: it is valid from {format_utc(not_before)}, in {format_duration(not_before - moment)} (leeway {leeway:g} s)",
            )


def verify(token, keyring: Keyring, at: float | None = None, leeway: float = SERVER_LEEWAY_SECONDS) -> ParsedToken:
    """Verify like the server; return the parsed token or raise :class:`TokenRejected`."""
    parsed = parse_token(token)
    check_signature(parsed, keyring)
    check_times(parsed, at, leeway)
    return parsed


def identity_of(claims: dict) -> str:
    """The participant identity as the server reads it: ``sub``, or ``jti`` when ``sub`` is empty."""
    view = model.server_view(claims, CLAIM_FIELDS)
    return view.get("sub") or view.get("jti") or ""
