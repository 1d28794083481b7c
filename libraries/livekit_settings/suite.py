"""Robot Framework variable file: the suite's settings, from the environment or the documented case.

With no settings the suite mints the document's token: API key ``devkey``, room ``test_room``,
participant ``client_test``, observer grants, audience = the room, 6 hours. When a token is supplied
(``LIVEKIT_TOKEN``, the file ``LIVEKIT_TOKEN_FILE`` names, or ``--variable TOKEN:...``) the expected
values are only what the environment says; what is not set is reported, not assumed.
``--variable NAME:value`` overrides any of them.

The variables are the names README lists: ``${ROOM}``, ``${IDENTITY}``, ``${AUDIENCE}``, ``${TTL}``,
``${CAN_JOIN}``, ``${CAN_PUBLISH}``, ``${CAN_SUBSCRIBE}``, ``${TOKEN}`` (the supplied token as a
``Secret``, else ``${None}``), ``${POLICY}`` and ``${MAX_TTL}``, and ``${API_KEY}``.

:func:`configuration_problem` checks every setting of the project at once; ``run.py`` calls it
before Robot Framework starts, and the suites stop on ``SETTINGS_ERROR`` when started otherwise.
"""

from __future__ import annotations

import os

from livekit_settings import reader, table
from livekit_tokens import supplied as supplied_token
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

DURATION_SETTINGS = tuple(setting.environment for setting in table.SETTINGS if setting.kind == table.DURATION)
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _value(name: str, environ, supplied: bool):
    raw = reader.from_environment(environ).text(ENVIRONMENT[name])
    if raw:
        if name.startswith("CAN_"):
            # An unusable value is reported by configuration_problem(); the text is kept meanwhile.
            return _BOOLEANS.get(raw.lower(), raw)
        return raw
    if supplied:
        return None
    if name == "AUDIENCE":
        # The audience follows the room, also a room given with --variable ROOM:...
        return _robot_value("${ROOM}") or _value("ROOM", environ, supplied)
    return DOCUMENTED[name]


def _robot_value(name: str):
    """A variable given on Robot Framework's command line (they exist before this file loads)."""
    from robot.running.context import EXECUTION_CONTEXTS

    if EXECUTION_CONTEXTS.current is None:
        return None
    from robot.libraries.BuiltIn import BuiltIn

    value = BuiltIn().get_variable_value(name)
    return None if value in (None, "") else value


def configuration_problem(environ=None, arguments=()) -> str | None:
    """One sentence saying what to set, when a setting of the project is unusable; else None.

    ``arguments`` are Robot Framework's (``--variable``, ``--variablefile``, ``-A``; ``ROBOT_OPTIONS``
    is read from ``environ``): every setting is read and checked once by ``livekit_settings.reader``.
    """
    environ = os.environ if environ is None else environ
    try:
        load_keyring(environ=environ)
    except ConfigurationError as error:
        return str(error)
    token_problem = supplied_token.problem(environ)
    if token_problem:
        return token_problem
    problem = reader.read(arguments, environ).problem()
    if problem:
        return problem
    from livekit_settings import limits

    return _http_problem(environ) or limits.problem(environ, DURATION_SETTINGS)


def _http_problem(environ) -> str | None:
    from livekit_http.urls import UrlError, normalise_server_url
    from livekit_settings.endpoint import get_variables as endpoint_variables

    try:
        if environ.get("LIVEKIT_URL", "").strip():
            normalise_server_url(environ["LIVEKIT_URL"])
        endpoint_variables(environ)
    except (UrlError, ValueError) as error:
        return str(error)
    from livekit_http.tls import configuration_problem as tls_problem
    from livekit_settings.browser import configuration_problem as browser_problem
    from livekit_settings.cluster import configuration_problem as cluster_problem
    from livekit_settings.webhooks import configuration_problem as webhook_problem

    return tls_problem(environ) or webhook_problem(environ) or browser_problem(environ) or cluster_problem(environ)


def _supplied(environ):
    try:
        return supplied_token.from_environment(environ)
    except ConfigurationError:
        return None  # SETTINGS_ERROR says what to set


def get_variables(environ=None) -> dict:
    from robot.api.types import Secret

    environ = os.environ if environ is None else environ
    given = _supplied(environ)
    supplied = given is not None or _robot_value("${TOKEN}") is not None or bool(environ.get(supplied_token.FILE_SETTING))
    variables = {name: _value(name, environ, supplied) for name in ENVIRONMENT}
    if _robot_value("${TOKEN}") is None:  # given on the command line, it stays as given
        variables["TOKEN"] = Secret(given.text) if given is not None else None
    variables["POLICY"] = environ.get("LIVEKIT_POLICY", "").strip() or "warn"
    variables["MAX_TTL"] = environ.get("LIVEKIT_MAX_TTL", "").strip() or "6 hours"
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
    variables["SETTINGS_ERROR"] = configuration_problem(environ)
    return variables
