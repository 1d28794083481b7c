"""Robot Framework variable file: what the endpoint suite asks a token endpoint for, and what it accepts.

Every value can be set from the environment (names in ``ENVIRONMENT``) or with ``--variable``.
Set a request field to an empty value to leave it out of the request (an endpoint may refuse a
field, for example metadata from a browser). Headers an app's endpoint needs for its own
authentication go into ``TOKEN_ENDPOINT_HEADERS`` in a variable file of your own (see
``examples/endpoint_headers.py``); they are sent but never logged.
"""

from __future__ import annotations

import json
import os

DEFAULTS = {
    "TOKEN_ENDPOINT": "",
    "ENDPOINT_ROOM": "test_room",
    "ENDPOINT_IDENTITY": "client_test",
    "ENDPOINT_NAME": "Client Test",
    "ENDPOINT_METADATA": '{"purpose": "token endpoint check"}',
    "ENDPOINT_ATTRIBUTES": {"checked-by": "livekit-auth-acceptance"},
    "ENDPOINT_AGENT_NAME": "test-agent",
    "ENDPOINT_AGENT_METADATA": '{"greeting": "none"}',
    # What a participant of an app may do: join its room, publish, subscribe, send data, edit its own metadata.
    "ENDPOINT_ALLOWED_GRANTS": "roomJoin, canPublish, canSubscribe, canPublishData, canUpdateOwnMetadata",
    "ENDPOINT_MIN_TTL": "2 minutes",
    "ENDPOINT_MAX_TTL": "24 hours",
    "ENDPOINT_FRESHNESS": "5 seconds",
}

ENVIRONMENT = {
    "TOKEN_ENDPOINT": "LIVEKIT_TOKEN_ENDPOINT",
    "ENDPOINT_ROOM": "LIVEKIT_ENDPOINT_ROOM",
    "ENDPOINT_IDENTITY": "LIVEKIT_ENDPOINT_IDENTITY",
    "ENDPOINT_NAME": "LIVEKIT_ENDPOINT_NAME",
    "ENDPOINT_METADATA": "LIVEKIT_ENDPOINT_METADATA",
    "ENDPOINT_ATTRIBUTES": "LIVEKIT_ENDPOINT_ATTRIBUTES",
    "ENDPOINT_AGENT_NAME": "LIVEKIT_ENDPOINT_AGENT_NAME",
    "ENDPOINT_AGENT_METADATA": "LIVEKIT_ENDPOINT_AGENT_METADATA",
    "ENDPOINT_ALLOWED_GRANTS": "LIVEKIT_ENDPOINT_ALLOWED_GRANTS",
    "ENDPOINT_MIN_TTL": "LIVEKIT_ENDPOINT_MIN_TTL",
    "ENDPOINT_MAX_TTL": "LIVEKIT_ENDPOINT_MAX_TTL",
    "ENDPOINT_FRESHNESS": "LIVEKIT_ENDPOINT_FRESHNESS",
}


def _attributes(text: str) -> dict:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError('LIVEKIT_ENDPOINT_ATTRIBUTES must be a JSON object of text values, for example {"team": "qa"}.')
    return value


def get_variables(environ=None) -> dict:
    environ = os.environ if environ is None else environ
    variables = dict(DEFAULTS)
    for name, setting in ENVIRONMENT.items():
        if setting not in environ:
            continue
        raw = environ[setting]
        variables[name] = _attributes(raw) if name == "ENDPOINT_ATTRIBUTES" else raw.strip()
    room = environ.get("LIVEKIT_ROOM", "").strip()
    identity = environ.get("LIVEKIT_IDENTITY", "").strip()
    if room and "LIVEKIT_ENDPOINT_ROOM" not in environ:
        variables["ENDPOINT_ROOM"] = room
    if identity and "LIVEKIT_ENDPOINT_IDENTITY" not in environ:
        variables["ENDPOINT_IDENTITY"] = identity
    return variables
