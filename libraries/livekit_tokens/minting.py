"""Build the claims of a LiveKit access token and sign them, as the official server SDKs do.

Claims follow the Go and Node SDKs: ``iss`` is the API key, ``sub`` the identity (left out when
empty), ``nbf`` now, ``exp`` now + TTL (6 hours by default), grants only where given. No ``aud``
unless asked: no LiveKit SDK writes one.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Mapping

from . import grants as model
from .timeutil import DEFAULT_TTL_SECONDS, to_epoch, to_seconds
from .timeutil import now as current_time


def base64url_encode(data: bytes) -> bytes:
    """base64url without padding, as JWS writes every segment."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))
# PyJWT's header for HS256, byte for byte (sorted keys, compact separators).
_HEADER_SEGMENT = base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"), sort_keys=True).encode())

_PREFIXED_GRANTS = tuple(name for name in model.GRANT_OBJECTS if name != "video")
_TOP_LEVEL_OPTIONS = {
    "name": "name",
    "metadata": "metadata",
    "attributes": "attributes",
    "kind": "kind",
    "room_preset": "roomPreset",
    "room_config": "roomConfig",
    "sha256": "sha256",
}
_TIME_OPTIONS = ("ttl", "audience", "not_before", "expires", "issued_at", "jwt_id")


def build_claims(
    api_key: str, identity: str | None = None, room: str | None = None, *, at: float | None = None, **options
) -> dict:
    """Return the claims for a token signed with ``api_key``.

    ``options`` are snake_case: every video grant field (``room_join``, ``can_publish``, ...),
    ``sip_admin``/``sip_call``, ``agent_admin``..., ``inference_perform``, ``observability_write``
    (or whole ``sip``/``agent``/``inference``/``observability`` dicts), ``name``, ``metadata``,
    ``attributes``, ``kind``, ``room_preset``, ``room_config``, ``sha256``, ``ttl``, ``audience``,
    ``not_before``, ``expires``, ``issued_at``, ``jwt_id``.
    """
    identity = _text_option("identity", identity)
    room = _text_option("room", room)
    video_options: dict[str, object] = {}
    objects: dict[str, dict] = {}
    claims: dict[str, object] = {}
    timing = {key: options.pop(key) for key in _TIME_OPTIONS if key in options}
    for option, value in options.items():
        if value is None:
            continue
        if option in _TOP_LEVEL_OPTIONS:
            claims[_TOP_LEVEL_OPTIONS[option]] = _top_level_value(option, value)
        elif model.to_camel(option) in model.VIDEO_FIELDS:
            video_options[option] = value
        elif option in _PREFIXED_GRANTS:
            if not isinstance(value, dict):
                raise ValueError(f"{option} must be a dictionary of {option} grant fields, got {type(value).__name__}.")
            objects.setdefault(option, {}).update(model.build_grant_object(option, value))
        else:
            prefix = next((name for name in _PREFIXED_GRANTS if option.startswith(name + "_")), None)
            if prefix is None:
                raise ValueError(
                    f"'{option}' is not a LiveKit claim or grant; see the Generate Token documentation for the accepted names."
                )
            objects.setdefault(prefix, {}).update(model.build_grant_object(prefix, {option[len(prefix) + 1 :]: value}))
    if room:
        video_options.setdefault("room", room)
    video = model.build_video_grant(video_options)
    if video.get("roomJoin") and (not identity or not video.get("room")):
        raise ValueError("A token that joins a room needs both an identity and a room, as the LiveKit SDKs require.")
    ordered: dict[str, object] = {}
    if video:
        ordered["video"] = video
    ordered.update(objects)
    ordered.update(claims)
    if identity:
        ordered["sub"] = identity
    ordered["iss"] = api_key
    moment = current_time() if at is None else at
    ordered["nbf"] = to_epoch(timing["not_before"], "not_before") if timing.get("not_before") is not None else int(moment)
    if timing.get("expires") is not None:
        ordered["exp"] = to_epoch(timing["expires"], "expires")
    else:
        ttl = DEFAULT_TTL_SECONDS if timing.get("ttl") is None else to_seconds(timing["ttl"], "ttl")
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, got {timing['ttl']!r}.")
        ordered["exp"] = int(moment + ttl)
    if timing.get("issued_at") is not None:
        ordered["iat"] = to_epoch(timing["issued_at"], "issued_at")
    if timing.get("jwt_id") is not None:
        ordered["jti"] = _text_option("jwt_id", timing["jwt_id"])
    audience = timing.get("audience")
    if audience not in (None, ""):
        ordered["aud"] = _audience(audience)
    return ordered


def encode(claims: dict, prepared_secret: bytes, header: dict | None = None) -> str:
    """Sign ``claims`` with HS256 and return the compact token (PyJWT's byte layout)."""
    payload = _COMPACT_JSON.encode(claims).encode("utf-8")
    header_segment = (
        _HEADER_SEGMENT
        if header is None
        else base64url_encode(json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    )
    signing_input = header_segment + b"." + base64url_encode(payload)
    signature = hmac.digest(prepared_secret, signing_input, "sha256")
    return (signing_input + b"." + base64url_encode(signature)).decode("ascii")


def _text_option(name: str, value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, got {type(value).__name__}.")
    return value


def read_attributes(value) -> dict:
    """Participant attributes from a dictionary or a JSON object text; every key and value is text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise ValueError("attributes must be a dictionary or a JSON object of text values.") from None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError("attributes must be a dictionary of text keys and text values.")
    return dict(value)


def _top_level_value(option: str, value):
    if option == "metadata":
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if option == "attributes":
        return read_attributes(value)
    if option == "room_config":
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                raise ValueError("room_config must be a dictionary or a JSON object text.") from None
        if not isinstance(value, dict):
            raise ValueError("room_config must be a dictionary or a JSON object text.")
        return value
    if option == "kind" and value not in model.PARTICIPANT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(model.PARTICIPANT_KINDS)}, got {value!r}.")
    return _text_option(option, value)


def _audience(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ValueError(f"audience must be text or a list of text, got {type(value).__name__}.")
