"""The shapes of token endpoints apps build, how to ask each for a token, and how to read its answer.

- ``standard``: LiveKit's token endpoint protocol, what ``TokenSource.endpoint`` of livekit-client
  sends: ``POST`` JSON with snake_case fields. Its answer may be snake_case (``server_url``,
  ``participant_token``) or camelCase (``serverUrl``, ``participantToken``): livekit-client reads
  it with protobuf's ``fromJson``, which takes both JSON names of a field (seen with livekit-client
  2.17.2 and 2.23.0).
- ``connection-details``: the route many Next.js apps have (``GET /api/connection-details``),
  query parameters in the app's own names (``roomName``, ``participantName``), camelCase answer.
- ``bare-token``: the token alone as the body (small Express servers), which ``TokenSource`` cannot read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

AUTO, STANDARD, CONNECTION_DETAILS, BARE = "auto", "standard", "connection-details", "bare-token"
SHAPES = (STANDARD, CONNECTION_DETAILS, BARE)
SNAKE, CAMEL, TEXT = "snake_case JSON", "camelCase JSON", "bare token"

# The request fields, by what they mean; the value is the field's name in each shape.
MEANINGS = ("room", "identity", "name", "metadata", "attributes")
STANDARD_FIELDS = {
    "room": "room_name",
    "identity": "participant_identity",
    "name": "participant_name",
    "metadata": "participant_metadata",
    "attributes": "participant_attributes",
}
CONNECTION_DETAILS_FIELDS = {
    "room": "roomName",
    "identity": "participantIdentity",
    "name": "participantName",
    "metadata": "metadata",
}
_ANSWER_NAMES = {"server_url": ("server_url", "serverUrl"), "participant_token": ("participant_token", "participantToken")}
_JWT = re.compile(r"^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$")


@dataclass(frozen=True)
class Shape:
    """How the suite asks an endpoint for a token: its shape, its method and the names of its fields."""

    name: str
    method: str
    fields: dict = field(default_factory=dict)

    @property
    def query(self) -> bool:
        return self.method in ("GET", "HEAD", "DELETE")


def shape(name: str, method: str = "", fields: dict | None = None) -> Shape:
    """The shape ``name`` (``standard``, ``connection-details``, ``bare-token``) with its defaults, overridden
    by ``method`` and by ``fields`` (meaning -> the app's field name)."""
    if name == CONNECTION_DETAILS:
        default_method, names = "GET", dict(CONNECTION_DETAILS_FIELDS)
    else:
        default_method, names = "POST", dict(STANDARD_FIELDS)
    names.update(fields or {})
    return Shape(name, (method or default_method).upper(), names)


def parse_fields(text: str) -> dict:
    """``room=roomName, name=participantName`` as a dict; ``ValueError`` with one sentence when it cannot be read."""
    fields = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        meaning, sep, name = part.partition("=")
        meaning, name = meaning.strip().lower(), name.strip()
        if not sep or meaning not in MEANINGS or not name:
            raise ValueError(
                "LIVEKIT_ENDPOINT_FIELDS must be pairs such as 'room=roomName, name=participantName' "
                f"naming {', '.join(MEANINGS)}, got '{part.strip()[:60]}'."
            )
        fields[meaning] = name
    return fields


def request_parts(chosen: Shape, values: dict, agent_name: str = "", agent_metadata: str = "") -> tuple[dict, dict | None]:
    """The query parameters and the JSON body (None for a query shape) that ask ``chosen`` for ``values``.

    ``values`` maps a meaning (``room``, ``identity``...) to what the caller asks for; empty values
    are left out, as clients do. Agent dispatch goes only into a JSON body (``room_config.agents``).
    """
    present = {meaning: value for meaning, value in values.items() if value not in (None, "", {})}
    if chosen.query:
        query = {}
        for meaning, value in present.items():
            name = chosen.fields.get(meaning)
            if name:
                query[name] = value if isinstance(value, str) else _json(value)
        return query, None
    body: dict = {}
    for meaning, value in present.items():
        name = chosen.fields.get(meaning)
        if name:
            body[name] = {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value
    if agent_name:
        agent = {"agent_name": agent_name}
        if agent_metadata:
            agent["metadata"] = agent_metadata
        body["room_config"] = {"agents": [agent]}
    return {}, body


def with_query(url: str, query: dict) -> str:
    if not query:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(query)


@dataclass(frozen=True)
class ReadAnswer:
    """A token found in an endpoint's answer, and the form it came in (``snake_case JSON``...)."""

    form: str
    token: str
    server_url: str
    other_fields: tuple[str, ...] = ()


def read_document(document: dict) -> ReadAnswer | None:
    """The token of a JSON answer in either JSON name of LiveKit's fields, or None when it has none."""
    found = {}
    forms = set()
    for meaning, names in _ANSWER_NAMES.items():
        for index, name in enumerate(names):
            if document.get(name) not in (None, ""):
                found[meaning] = document[name]
                forms.add(CAMEL if index else SNAKE)
                break
    if "participant_token" not in found:
        return None
    known = {name for names in _ANSWER_NAMES.values() for name in names}
    others = tuple(sorted(str(name) for name in document if name not in known))[:20]
    form = SNAKE if forms == {SNAKE} else CAMEL  # protobuf fromJson reads either name of each field
    return ReadAnswer(form, found["participant_token"], found.get("server_url", ""), others)


def read_bare(body: bytes) -> ReadAnswer | None:
    """The token of a body that is the token alone (quotes and outer spaces allowed), or None."""
    try:
        text = body.decode("ascii").strip().strip('"').strip()
    except UnicodeDecodeError:
        return None
    return ReadAnswer(TEXT, text, "") if _JWT.match(text) else None


def detected_shape(method: str, form: str) -> str:
    """The shape an answered request shows: a bare token, a GET route, or LiveKit's standard POST."""
    if form == TEXT:
        return BARE
    return CONNECTION_DETAILS if method.upper() == "GET" else STANDARD


def _json(value) -> str:
    import json

    return json.dumps(value, separators=(",", ":"), sort_keys=True)
