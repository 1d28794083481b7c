"""The team's token policy: findings that do not change whether the server accepts a token.

Verification answers "would the LiveKit server accept this token?". Policy answers "should we be
issuing tokens like this?": a token can authenticate and still carry a weak secret, live for a year,
or leave out ``canPublish`` on what was meant to be an observer. Each finding says what was found and
its likely consequence in plain words; whether it warns or fails is the caller's choice.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from . import grants as model
from .keys import MIN_SECRET_BYTES, ApiKey
from .timeutil import DEFAULT_TTL_SECONDS, format_duration
from .timeutil import now as current_time
from .verification import ParsedToken, TokenRejected, numeric_date

DEFAULT_MAX_TTL_SECONDS = DEFAULT_TTL_SECONDS  # what every LiveKit server SDK issues by default
MODES = {"warn": "warning", "warning": "warning", "fail": "failure", "failure": "failure"}

FINDINGS = {
    "weak-secret": "API secret shorter than 32 bytes",
    "secret-whitespace": "API secret with leading or trailing whitespace",
    "ttl-too-long": "validity longer than the maximum TTL",
    "audience-present": "aud claim present",
    "publish-not-stated": "canPublish left out of a joining token",
    "unknown-grant-field": "unknown field inside a grant",
    "nbf-missing": "nbf missing or 0",
}

# Field names people write for a LiveKit grant field, beyond case and snake_case.
_LIKELY_MEANT = {
    "roomName": "room",
    "room_name": "room",
    "roomId": "room",
    "name": "room",
    "join": "roomJoin",
    "publish": "canPublish",
    "subscribe": "canSubscribe",
    "publishData": "canPublishData",
    "admin": "roomAdmin",
    "sources": "canPublishSources",
}


@dataclass(frozen=True)
class Finding:
    """One policy finding: a stable ``id`` (a key of :data:`FINDINGS`) and a plain-language text."""

    id: str
    text: str


def mode(value) -> str:
    """``warning`` or ``failure`` from the user's ``warn``/``fail`` setting."""
    found = MODES.get(str(value).strip().lower())
    if found is None:
        raise ValueError(f"The policy setting must be 'warn' or 'fail', got {str(value)[:40]!r}.")
    return found


def evaluate(
    parsed: ParsedToken,
    api_key: ApiKey | None,
    max_ttl_seconds: float = DEFAULT_MAX_TTL_SECONDS,
    at: float | None = None,
) -> list[Finding]:
    """Every policy finding for ``parsed``, signed with ``api_key`` (``None`` when its key is unknown)."""
    findings: list[Finding] = []
    if api_key is not None:
        findings += key_findings(api_key)
    claims = parsed.server_claims
    findings += _ttl_findings(claims, max_ttl_seconds, at)
    if "aud" in claims:
        audience = claims["aud"]
        shown = audience if isinstance(audience, str) else ", ".join(audience)
        findings.append(
            Finding(
                "audience-present",
                f"The token carries aud ({shown[:80]!r}). The LiveKit server ignores it, but livekit-api's Python "
                "TokenVerifier refuses every token that has an aud, so a Python backend verifying these tokens "
                "with it would reject them.",
            )
        )
    video = claims.get("video")
    if isinstance(video, dict):
        written = model.server_view(video, model.VIDEO_FIELDS)
        if written.get("roomJoin") is True and "canPublish" not in written:
            findings.append(
                Finding(
                    "publish-not-stated",
                    "The video grant joins a room but does not say canPublish, so the server lets this participant "
                    "publish (the default is true). A token meant for an observer must say canPublish false.",
                )
            )
    for name, fields in model.GRANT_OBJECTS.items():
        grant = claims.get(name)
        if isinstance(grant, dict):
            findings += [_unknown_field(name, key, fields) for key in model.unknown_fields(grant, fields)]
    findings += _nbf_findings(claims)
    return findings


def key_findings(api_key: ApiKey) -> list[Finding]:
    """Findings about the key itself: a secret that is too short or padded with whitespace."""
    findings = []
    if api_key.is_weak:
        findings.append(
            Finding(
                "weak-secret",
                f"The API secret of key '{api_key.key}' is {api_key.secret_bytes} bytes long; HS256 needs at least "
                f"{MIN_SECRET_BYTES} bytes (RFC 7518, section 3.2). A shorter secret can be guessed offline from any "
                "token it signed, and whoever guesses it can mint tokens with any permission.",
            )
        )
    if api_key.has_outer_whitespace:
        findings.append(
            Finding(
                "secret-whitespace",
                f"The API secret of key '{api_key.key}' starts or ends with whitespace, a classic .env mistake. "
                "Tools that trim it (YAML config files, shells, dashboards) hold a different secret, so tokens "
                "signed on one side are refused on the other.",
            )
        )
    return findings


def _ttl_findings(claims: dict, max_ttl_seconds: float, at: float | None) -> list[Finding]:
    if "exp" not in claims:
        return []
    try:
        expires = numeric_date(claims["exp"], "exp")
        start_claim = next((name for name in ("nbf", "iat") if claims.get(name) not in (None, 0, "0")), None)
        start = numeric_date(claims[start_claim], start_claim) if start_claim else (current_time() if at is None else at)
    except TokenRejected:
        return []
    lifetime = expires - start
    if lifetime <= max_ttl_seconds:
        return []
    since = f"from {start_claim}" if start_claim else "from now"
    return [
        Finding(
            "ttl-too-long",
            f"The token is valid for {format_duration(lifetime)} ({since} to exp), above the maximum of "
            f"{format_duration(max_ttl_seconds)}. A leaked copy stays usable that long: LiveKit tokens cannot be revoked.",
        )
    ]


def _nbf_findings(claims: dict) -> list[Finding]:
    value = claims.get("nbf")
    try:
        missing = value is None or numeric_date(value, "nbf") == 0
    except TokenRejected:
        return []
    if not missing:
        return []
    return [
        Finding(
            "nbf-missing",
            "The token has no nbf (or nbf 0), so it is valid from the start of time: a token minted ahead of use or "
            "on a machine with a wrong clock works at once, and nothing in it tells when it was issued.",
        )
    ]


def likely_meant(grant: str, key: str, fields: dict[str, str] | None = None) -> str | None:
    """The field of the ``grant`` object (``video``, ``sip``...) that an unknown ``key`` was likely meant as, or None.

    ``roomName`` and ``room_name`` mean ``room``, ``can_publish`` means ``canPublish``, and a name
    one letter off a field means that field.
    """
    fields = model.GRANT_OBJECTS.get(grant, {}) if fields is None else fields
    meant = _LIKELY_MEANT.get(key) if grant == "video" else None
    if meant is None:
        camel = model.to_camel(key)
        meant = model.match_field(camel, fields)
    if meant is None:
        close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.8)
        meant = close[0] if close else None
    return meant


def _unknown_field(grant: str, key: str, fields: dict[str, str]) -> Finding:
    meant = likely_meant(grant, key, fields)
    text = f"{grant}.{key} is not a field of the LiveKit {grant} grant, so the server silently ignores it."
    if meant is not None and meant in fields:
        if grant == "video" and meant == "canPublishData":
            text += " If it was meant as canPublishData, that is not set: the server uses the value of canPublish."
        elif grant == "video":
            default = model.VIDEO_DEFAULTS.get(meant, False)
            text += f" If it was meant as {meant}, that is not set: the server uses {meant} = {_show(default)}" + (
                ", so the token names no room to join." if meant == "room" else "."
            )
        else:
            text += f" If it was meant as {meant}, that is not set."
    return Finding("unknown-grant-field", text)


def _show(value) -> str:
    if value == "":
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
