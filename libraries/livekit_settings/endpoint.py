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
    # The endpoint's shape: auto (detected), standard, connection-details or bare-token (docs/endpoints.md).
    "ENDPOINT_SHAPE": "auto",
    "ENDPOINT_METHOD": "",  # GET or POST; empty: the shape's own
    "ENDPOINT_FIELDS": "",  # the app's names of the request fields, such as 'room=roomName, name=participantName'
    "ENDPOINT_TIMEOUT": "10 seconds",
    "ENDPOINT_WARM_UP": "none",  # a duration: one request before the checks, allowed that long (a dev server compiling its route)
    # Which fields the caller chooses: the others the app chooses, are not sent and not compared.
    # Empty: the shape's own (standard: none; connection-details: room, name).
    "ENDPOINT_CALLER_CHOOSES": "",
    "ENDPOINT_VIEWER": "no",  # yes: the app's participants only watch, so a publish grant is a finding
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
    "ENDPOINT_SHAPE": "LIVEKIT_ENDPOINT_SHAPE",
    "ENDPOINT_METHOD": "LIVEKIT_ENDPOINT_METHOD",
    "ENDPOINT_FIELDS": "LIVEKIT_ENDPOINT_FIELDS",
    "ENDPOINT_TIMEOUT": "LIVEKIT_ENDPOINT_TIMEOUT",
    "ENDPOINT_WARM_UP": "LIVEKIT_ENDPOINT_WARM_UP",
    "ENDPOINT_CALLER_CHOOSES": "LIVEKIT_ENDPOINT_CALLER_CHOOSES",
    "ENDPOINT_VIEWER": "LIVEKIT_ENDPOINT_VIEWER",
}

SHAPES = ("auto", "standard", "connection-details", "bare-token")
CHOICES = ("identity", "room", "name", "metadata")


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


def _checked(variables: dict) -> None:
    """Stop with one sentence naming the setting when a shape setting cannot be used."""
    from livekit_endpoint.shapes import parse_fields
    from livekit_tokens.arguments import Duration

    if variables["ENDPOINT_SHAPE"].lower() not in SHAPES:
        raise ValueError(f"LIVEKIT_ENDPOINT_SHAPE must be one of {', '.join(SHAPES)}, got '{variables['ENDPOINT_SHAPE'][:40]}'.")
    if variables["ENDPOINT_METHOD"].upper() not in ("", "GET", "POST"):
        raise ValueError(f"LIVEKIT_ENDPOINT_METHOD must be GET or POST, got '{variables['ENDPOINT_METHOD'][:40]}'.")
    parse_fields(variables["ENDPOINT_FIELDS"])
    for name in ("ENDPOINT_TIMEOUT", "ENDPOINT_WARM_UP"):
        value = variables[name]
        if name == "ENDPOINT_WARM_UP" and value.lower() in ("", "none", "no"):
            continue
        try:
            seconds = float(Duration.read(value, f"LIVEKIT_{name}"))
        except (ValueError, TypeError):
            seconds = 0
        if seconds <= 0:
            raise ValueError(f"LIVEKIT_{name} must be a duration such as '30 seconds', got '{value[:40]}'.")
    chosen = [part.strip().lower() for part in variables["ENDPOINT_CALLER_CHOOSES"].split(",") if part.strip()]
    wrong = [part for part in chosen if part not in (*CHOICES, "none")]
    if wrong:
        raise ValueError(
            f"LIVEKIT_ENDPOINT_CALLER_CHOOSES names fields among {', '.join(CHOICES)} (or none), got '{wrong[0][:40]}'."
        )
    if variables["ENDPOINT_VIEWER"].lower() not in ("yes", "no", "true", "false"):
        raise ValueError(f"LIVEKIT_ENDPOINT_VIEWER must be yes or no, got '{variables['ENDPOINT_VIEWER'][:40]}'.")


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
    _checked(variables)
    return variables
