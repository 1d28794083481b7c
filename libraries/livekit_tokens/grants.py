"""The LiveKit claim model: field names, JSON types and the defaults the server applies.

Field lists follow ``livekit/protocol`` ``auth/grants.go`` (``ClaimGrants``, ``VideoGrant``,
``SIPGrant``, ``AgentGrant``, ``InferenceGrant``, ``ObservabilityGrant``) as the server SDKs write
them (``agent.databaseAdmin`` included). Which of them each server release decodes, and with which
JSON type, is in ``profiles.py``.
"""

from __future__ import annotations

import functools
import re

# JSON kinds a field may hold. JSON null is accepted everywhere: Go's decoder leaves the field
# unset for null, which is the same as omitting it.
BOOL = "boolean"
STRING = "string"
STRING_LIST = "list of strings"
STRING_MAP = "object of strings"
OBJECT = "object"

VIDEO_FIELDS: dict[str, str] = {
    "roomCreate": BOOL,
    "roomList": BOOL,
    "roomRecord": BOOL,
    "roomAdmin": BOOL,
    "roomJoin": BOOL,
    "room": STRING,
    "canPublish": BOOL,
    "canSubscribe": BOOL,
    "canPublishData": BOOL,
    "canPublishSources": STRING_LIST,
    "canUpdateOwnMetadata": BOOL,
    "ingressAdmin": BOOL,
    "hidden": BOOL,
    "recorder": BOOL,
    "agent": BOOL,
    "canSubscribeMetrics": BOOL,
    "canManageAgentSession": BOOL,
    "destinationRoom": STRING,
}
SIP_FIELDS = {"admin": BOOL, "call": BOOL}
AGENT_FIELDS = {"admin": BOOL, "simulationAdmin": BOOL, "databaseAdmin": BOOL}
INFERENCE_FIELDS = {"perform": BOOL}
OBSERVABILITY_FIELDS = {"write": BOOL}

# Nested grant objects and the fields the server decodes from them.
GRANT_OBJECTS: dict[str, dict[str, str]] = {
    "video": VIDEO_FIELDS,
    "sip": SIP_FIELDS,
    "agent": AGENT_FIELDS,
    "inference": INFERENCE_FIELDS,
    "observability": OBSERVABILITY_FIELDS,
}

# Fields the Go structs hold as pointers or slices, so that JSON null unsets them.
NULLABLE_FIELDS = frozenset(
    {
        "canPublish",
        "canSubscribe",
        "canPublishData",
        "canPublishSources",
        "canUpdateOwnMetadata",
        "canSubscribeMetrics",
        "canManageAgentSession",
        "attributes",
        "roomConfig",
        *GRANT_OBJECTS,
    }
)

# What the server assumes for a video grant field that the token leaves out (spec section 2).
VIDEO_DEFAULTS: dict[str, object] = {
    "roomCreate": False,
    "roomList": False,
    "roomRecord": False,
    "roomAdmin": False,
    "roomJoin": False,
    "room": "",
    "canPublish": True,
    "canSubscribe": True,
    "canPublishSources": [],
    "canUpdateOwnMetadata": False,
    "ingressAdmin": False,
    "hidden": False,
    "recorder": False,
    "agent": False,
    "canSubscribeMetrics": False,
    "canManageAgentSession": False,
    "destinationRoom": "",
}

TRACK_SOURCES = ("camera", "microphone", "screen_share", "screen_share_audio")
PARTICIPANT_KINDS = ("standard", "ingress", "egress", "sip", "agent", "connector", "bridge")

_CAMEL_PART = re.compile(r"(?<!^)(?=[A-Z])")


@functools.lru_cache(maxsize=512)
def to_camel(name: str) -> str:
    """``can_publish_data`` -> ``canPublishData``; names already in camelCase are kept."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_snake(name: str) -> str:
    """``canPublishData`` -> ``can_publish_data``."""
    return _CAMEL_PART.sub("_", name).lower()


def go_fold(name: str) -> str:
    """Fold a JSON key the way Go's encoding/json matches it with a struct field name.

    Go folds every rune to the smallest rune of its simple case-folding orbit, then compares. For
    the ASCII names of LiveKit's structs that means ASCII letters in either case, plus the only
    two non-ASCII runes whose orbits hold an ASCII letter: the Kelvin sign (K, k) and the long s
    (S, s). So ``"ſub"`` sets ``sub``, while ``"ıss"``, ``"roomAdmın"`` or ``"roomLiﬆ"``
    (dotless i, the st ligature) name no field and are ignored. Other non-ASCII runes are kept
    as they are: they can never equal an ASCII name.
    """
    if name.isascii():
        return name.upper()
    return "".join(_GO_FOLD_TO_ASCII.get(ch, ch.upper() if ch < "\x80" else ch) for ch in name)


_GO_FOLD_TO_ASCII = {"\u212a": "K", "\u017f": "S"}

_FOLDED: dict[int, dict[str, str]] = {}


def match_field(key: str, fields: dict[str, str]) -> str | None:
    """Return the struct field that a JSON key sets in Go, or None when Go ignores the key."""
    if key in fields:
        return key
    folded = _FOLDED.get(id(fields))
    if folded is None:
        folded = {go_fold(name): name for name in fields}
        _FOLDED[id(fields)] = folded
    return folded.get(go_fold(key))


def json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def type_error(value: object, kind: str) -> str | None:
    """Return why ``value`` cannot decode into a field of ``kind``, or None when it can."""
    if value is None:
        return None
    if kind == BOOL:
        ok = isinstance(value, bool)
    elif kind == STRING:
        ok = isinstance(value, str)
    elif kind == OBJECT:
        ok = isinstance(value, dict)
    elif kind == STRING_LIST:
        # Go decodes a null item of a []string as "" without an error.
        if not isinstance(value, list):
            return f"must be a JSON {kind}, got {json_kind(value)}"
        bad = next((item for item in value if item is not None and not isinstance(item, str)), None)
        return None if bad is None else f"must be a JSON {kind}, got an item that is {json_kind(bad)}"
    elif kind == STRING_MAP:
        if not isinstance(value, dict):
            return f"must be a JSON {kind}, got {json_kind(value)}"
        bad = next((item for item in value.values() if item is not None and not isinstance(item, str)), None)
        return None if bad is None else f"must be a JSON {kind}, got a value that is {json_kind(bad)}"
    else:  # pragma: no cover - the schema above uses only the kinds above
        raise ValueError(kind)
    return None if ok else f"must be a JSON {kind}, got {json_kind(value)}"


def server_view(pairs: dict, fields: dict[str, str]) -> dict[str, object]:
    """Return the fields the server decodes from a JSON object, keyed by their canonical names.

    ``pairs`` is the object as an ordered dict or list of ``(key, value)`` pairs (duplicates kept):
    as in Go, keys are matched case-insensitively and the last one to set a field wins; JSON null
    leaves it unset; a null item of a list of strings reads as "". Type errors are not checked here
    (see :func:`type_error`).
    """
    items = getattr(pairs, "pairs", None) or (pairs.items() if isinstance(pairs, dict) else pairs)
    view: dict[str, object] = {}
    for key, value in items:
        name = match_field(key, fields)
        if name is None:
            continue
        if value is None:
            # Go: null resets a pointer or slice field and leaves a plain bool or string as it was.
            if name in NULLABLE_FIELDS:
                view.pop(name, None)
        elif fields[name] == STRING_LIST and isinstance(value, list):
            view[name] = ["" if item is None else item for item in value]
        else:
            view[name] = value
    return view


def unknown_fields(obj: dict, fields: dict[str, str]) -> list[str]:
    """Keys of ``obj`` that the server does not decode (typos such as ``roomName``)."""
    return [key for key in obj if match_field(key, fields) is None]


def effective_video_grant(video: dict | None) -> dict[str, object]:
    """Return every video permission as the server applies it, defaults filled in.

    ``canPublishData`` follows ``canPublish`` when absent; a token with no video grant at all
    grants nothing. An empty ``"video": {}`` is a grant with every default, as in Go (a non-nil
    pointer to an empty VideoGrant).
    """
    if video is None:
        granted = {name: False for name, kind in VIDEO_FIELDS.items() if kind == BOOL}
        granted.update(room="", destinationRoom="", canPublishSources=[])
        return granted
    view = server_view(video, VIDEO_FIELDS)
    granted = dict(VIDEO_DEFAULTS)
    granted.update(view)
    if "canPublishData" not in view:
        granted["canPublishData"] = granted["canPublish"]
    return {name: granted[name] for name in VIDEO_FIELDS}


def build_video_grant(options: dict[str, object]) -> dict[str, object]:
    """Return the ``video`` claim for snake_case options, writing only what was given.

    This is how the Go and Node SDKs write grants; the server fills in the defaults.
    """
    video: dict[str, object] = {}
    for name, value in options.items():
        camel = to_camel(name)
        kind = VIDEO_FIELDS.get(camel)
        if kind is None:
            raise ValueError(f"'{name}' is not a LiveKit video grant; known grants are {', '.join(map(to_snake, VIDEO_FIELDS))}.")
        video[camel] = _coerce(name, value, kind)
    sources = video.get("canPublishSources")
    if sources is not None:
        unknown = [source for source in sources if source not in TRACK_SOURCES]
        if unknown:
            raise ValueError(f"can_publish_sources holds {unknown}; allowed sources are {', '.join(TRACK_SOURCES)}.")
    return video


def build_grant_object(name: str, options: dict[str, object]) -> dict[str, object]:
    """Return a ``sip``/``agent``/``inference``/``observability`` claim from snake_case options."""
    fields = GRANT_OBJECTS[name]
    grant = {}
    for option, value in options.items():
        camel = to_camel(option)
        if camel not in fields:
            raise ValueError(
                f"'{option}' is not a field of the {name} grant; known fields are {', '.join(map(to_snake, fields))}."
            )
        grant[camel] = _coerce(f"{name}.{option}", value, fields[camel])
    return grant


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", "none", ""}


def _coerce(name: str, value: object, kind: str) -> object:
    """Turn Robot Framework text (``True``, ``camera, microphone``) into the JSON type a field needs."""
    if kind == BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"{name} must be true or false, got {value!r}.")
    if kind == STRING:
        if isinstance(value, str):
            return value
        raise ValueError(f"{name} must be text, got {type(value).__name__}.")
    if kind == STRING_LIST:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
            return list(value)
        raise ValueError(f"{name} must be a list of text, got {value!r}.")
    raise ValueError(f"{name} has an unsupported type.")  # pragma: no cover
