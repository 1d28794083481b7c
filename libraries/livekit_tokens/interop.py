"""Compare tokens across LiveKit's official SDKs and this project, without Robot Framework.

A *request* says what a token should carry, in the vocabulary the SDKs document: ``identity``,
``name``, ``metadata``, ``attributes``, ``kind``, ``ttl`` (seconds) and one object per grant
(``video``, ``sip``, ``agent``, ``inference``, ``observability``) with camelCase field names.
It is built from the snake_case options a test writes (``room_join=True``, ``sip_admin=True``),
checked against the grant fields the SDK declares, so that it does not depend on this project's
own grant model: a name misspelt in the project's minting shows up as a difference.

A *view* is what a verifier reports about a token in the same vocabulary; ``flatten`` turns views
and requests into ``path -> value`` pairs (``video.canPublish``, ``attributes.city``) to compare.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_encode

from . import grants as model
from .minting import read_attributes

GRANT_GROUPS = ("video", "sip", "agent", "inference", "observability")
PREFIXED_GROUPS = ("sip", "agent", "inference", "observability")
TEXT_OPTIONS = ("name", "kind")
# Claims every verifier handles on its own terms; they are not part of the compared view.
REGISTERED_CLAIMS = ("iss", "sub", "exp", "nbf", "iat", "jti", "aud")
MISSING = object()

_HMAC = {
    "HS256": HMACAlgorithm.SHA256,
    "HS384": HMACAlgorithm.SHA384,
    "HS512": HMACAlgorithm.SHA512,
}


def build_request(
    identity: str | None,
    room: str | None,
    options: Mapping[str, object],
    fields: Mapping[str, Mapping[str, str]],
    to_seconds=None,
) -> dict:
    """Return the request for ``identity``, ``room`` and snake_case ``options``.

    ``fields`` maps each grant group to its snake_case field names and kinds (``grants.BOOL``,
    ``grants.STRING``, ``grants.STRING_LIST``), as an SDK declares them. ``to_seconds`` turns a
    ``ttl`` such as ``10 minutes`` into seconds. Raises ValueError naming an unknown option.
    """
    request: dict = {}
    if identity not in (None, ""):
        request["identity"] = _text("identity", identity)
    groups: dict[str, dict] = {}
    if room not in (None, ""):
        groups.setdefault("video", {})["room"] = _text("room", room)
    for option, value in options.items():
        if value is None:
            continue
        if option in TEXT_OPTIONS:
            request[option] = _text(option, value)
        elif option == "metadata":
            request["metadata"] = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        elif option == "attributes":
            request["attributes"] = read_attributes(value)
        elif option == "ttl":
            seconds = to_seconds(value, "ttl") if to_seconds else value
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
                raise ValueError(f"ttl must be a positive duration, got {value!r}.")
            request["ttl"] = int(seconds)
        else:
            group, name = _group_of(option, fields)
            kind = fields[group][name]
            coerced = model._coerce(option, value, kind)
            if name == "can_publish_sources":
                unknown = [source for source in coerced if source not in model.TRACK_SOURCES]
                if unknown:
                    raise ValueError(f"can_publish_sources holds {unknown}; allowed are {', '.join(model.TRACK_SOURCES)}.")
            groups.setdefault(group, {})[model.to_camel(name)] = coerced
    for group in GRANT_GROUPS:
        if group in groups:
            request[group] = groups[group]
    return request


def _group_of(option: str, fields: Mapping[str, Mapping[str, str]]) -> tuple[str, str]:
    if option in fields.get("video", {}):
        return "video", option
    for group in PREFIXED_GROUPS:
        if option.startswith(group + "_") and option[len(group) + 1 :] in fields.get(group, {}):
            return group, option[len(group) + 1 :]
    known = [*fields.get("video", {})]
    for group in PREFIXED_GROUPS:
        known += [f"{group}_{name}" for name in fields.get(group, {})]
    raise ValueError(
        f"'{option}' is not a claim or grant field the SDKs declare; use name, metadata, attributes, kind, ttl "
        f"or one of {', '.join(known)}."
    )


def _text(name: str, value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, got {type(value).__name__}.")
    return value


def payload_view(payload: Mapping) -> dict:
    """The view of a raw JWT payload (as livekit-server-sdk's verifier returns it): ``sub`` is the identity."""
    view = {"identity": payload.get("sub")}
    view.update({key: value for key, value in payload.items() if key not in REGISTERED_CLAIMS})
    return view


def server_view(server_claims: Mapping) -> dict:
    """The view of the claims this project's verification decodes, grants as the server reads them."""
    view: dict = {"identity": server_claims.get("sub")}
    for key, value in server_claims.items():
        if key in REGISTERED_CLAIMS or key == "identity":
            continue
        if key in model.GRANT_OBJECTS and isinstance(value, dict):
            value = model.server_view(value, model.GRANT_OBJECTS[key])
        view[key] = value
    return view


def flatten(view: Mapping) -> dict[str, object]:
    """``{"video": {"canPublish": False}}`` -> ``{"video.canPublish": False}``.

    Empty text and null count as not set, as the server reads them; grant objects and attributes
    are spread one level so that each field is compared on its own.
    """
    flat: dict[str, object] = {}
    for key, value in view.items():
        if value is None or value == "":
            continue
        if (key in GRANT_GROUPS or key == "attributes") and isinstance(value, Mapping):
            for name, item in value.items():
                if item is None or (item == "" and key != "attributes"):
                    continue
                flat[f"{key}.{name}"] = item
        else:
            flat[key] = value
    return flat


def same(actual, expected) -> bool:
    """Equal as JSON: ``true`` is not ``1``, list order counts."""
    return json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True)


def show(value) -> str:
    if value is MISSING:
        return "(not set)"
    return json.dumps(value, ensure_ascii=False)


def _cell(value):
    """A value for a log table (see evidence.table): as it is, or ``(not set)``."""
    return "(not set)" if value is MISSING else value


def _text_of(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def compare(expected: Mapping, reported: Mapping, defaults: Mapping | None = None, default_label: str = "default"):
    """Compare flat ``expected`` with flat ``reported``; return ``(rows, problems)``.

    Every expected path must be reported with the same value. A reported path that was not asked
    for is accepted only when it holds the value in ``defaults`` (what an SDK fills in by itself);
    it is then shown with ``default_label``. ``problems`` are sentences naming each differing field.
    """
    defaults = defaults or {}
    rows: list[dict] = []
    problems: list[str] = []
    for path, want in expected.items():
        actual = reported.get(path, MISSING)
        ok = actual is not MISSING and same(actual, want)
        rows.append({"label": path, "expected": want, "actual": _cell(actual), "ok": ok})
        if not ok:
            problems.append(f"{path} is {show(actual)}, expected {show(want)}")
    for path, actual in reported.items():
        if path in expected:
            continue
        default = defaults.get(path, MISSING)
        if default is not MISSING and same(actual, default):
            rows.append({"label": path, "expected": "(not asked)", "actual": f"{_text_of(actual)} ({default_label})", "ok": None})
        else:
            rows.append({"label": path, "expected": "(not asked)", "actual": actual, "ok": False})
            problems.append(f"{path} is {show(actual)}, which was not asked for")
    return rows, problems


def lifetime_row(claims: Mapping, ttl: int, slack: int = 1) -> tuple[dict, str | None]:
    """Check ``exp - nbf`` against the asked TTL; SDKs read the clock twice, hence ``slack`` seconds."""
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in (exp, nbf)):
        row = {"label": "lifetime (exp - nbf)", "expected": f"{ttl} s", "actual": "exp or nbf missing", "ok": False}
        return row, "the token has no numeric exp and nbf to measure its lifetime"
    lifetime = exp - nbf
    ok = abs(lifetime - ttl) <= slack
    row = {"label": "lifetime (exp - nbf)", "expected": f"{ttl} s", "actual": f"{lifetime:g} s", "ok": ok}
    return row, None if ok else f"the lifetime (exp - nbf) is {lifetime:g} s, expected {ttl} s"


def effective_differences(first: Mapping, second: Mapping) -> list[str]:
    """Names of the video permissions that two effective grants (see grants.effective_video_grant) set differently."""
    return [name for name in first if not same(first[name], second.get(name, MISSING))]


def unrequested_video_fields(video: Mapping | None, request: Mapping) -> tuple[list[str], list[str]]:
    """Compare the video fields a token writes with the ones a request asks for: ``(extra, missing)``."""
    written = list(video or {})
    asked = list(request.get("video", {}))
    return [name for name in written if name not in asked], [name for name in asked if name not in written]


def sign(claims: Mapping, prepared_secret: bytes, algorithm: str = "HS256") -> str:
    """Sign ``claims`` with an HMAC algorithm; for tokens the SDKs disagree on (HS384, HS512)."""
    if algorithm not in _HMAC:
        raise ValueError(f"algorithm must be one of {', '.join(_HMAC)}, got {algorithm!r}.")
    header = base64url_encode(json.dumps({"alg": algorithm, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = base64url_encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    signing_input = header + b"." + payload
    signature = HMACAlgorithm(_HMAC[algorithm]).sign(signing_input, prepared_secret)
    return (signing_input + b"." + base64url_encode(signature)).decode("ascii")


def scrub(text: str, *secrets: str) -> str:
    """Replace every secret or token in ``text`` by ``<secret>`` (SDK error messages are shown to testers)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<secret>")
    return text
