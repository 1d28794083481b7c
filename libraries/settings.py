"""Robot Framework variable file: the suite's settings, from the environment or the documented case.

With no settings the suite mints the document's token: API key ``devkey``, room ``test_room``,
participant ``client_test``, observer grants, audience = the room, 6 hours. When a token is supplied
(``LIVEKIT_TOKEN`` or ``--variable TOKEN:...``) the expected values are only what the environment
says; what is not set is reported, not assumed. ``--variable NAME:value`` overrides any of them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from livekit_tokens.keys import ConfigurationError, load_keyring

DOCUMENTED = {
    "ROOM": "test_room",
    "IDENTITY": "client_test",
    "TTL": "6 hours",
    "CAN_JOIN": True,
    "CAN_PUBLISH": False,
    "CAN_SUBSCRIBE": True,
}

ENVIRONMENT = {
    "ROOM": "LIVEKIT_ROOM",
    "IDENTITY": "LIVEKIT_IDENTITY",
    "AUDIENCE": "LIVEKIT_AUDIENCE",
    "TTL": "LIVEKIT_TTL",
    "CAN_JOIN": "LIVEKIT_CAN_JOIN",
    "CAN_PUBLISH": "LIVEKIT_CAN_PUBLISH",
    "CAN_SUBSCRIBE": "LIVEKIT_CAN_SUBSCRIBE",
}

_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _value(name: str, environ, supplied: bool):
    raw = environ.get(ENVIRONMENT[name], "").strip()
    if raw:
        if name.startswith("CAN_"):
            if raw.lower() not in _BOOLEANS:
                raise ValueError(f"{ENVIRONMENT[name]} must be true or false, got {raw!r}.")
            return _BOOLEANS[raw.lower()]
        return raw
    if supplied:
        return None
    if name == "AUDIENCE":
        return _value("ROOM", environ, supplied)
    return DOCUMENTED[name]


def _token_variable_given() -> bool:
    """True when ``--variable TOKEN:...`` was given (command-line variables exist before this file loads)."""
    from robot.running.context import EXECUTION_CONTEXTS

    if EXECUTION_CONTEXTS.current is None:
        return False
    from robot.libraries.BuiltIn import BuiltIn

    return BuiltIn().get_variable_value("${TOKEN}") not in (None, "")


def get_variables(environ=None) -> dict:
    environ = os.environ if environ is None else environ
    supplied = bool(environ.get("LIVEKIT_TOKEN", "").strip()) or _token_variable_given()
    variables = {name: _value(name, environ, supplied) for name in ENVIRONMENT}
    # The expected issuer is the configured key; for a supplied token only when a key was set.
    if supplied:
        api_key = environ.get("LIVEKIT_API_KEY") or None
    else:
        try:
            api_key = load_keyring(environ=environ).primary.key
        except ConfigurationError:
            api_key = None  # the library stops the run with the sentence that says what to set
    variables["API_KEY"] = api_key
    variables["TOKEN_SOURCE"] = "supplied" if supplied else "minted"
    return variables
