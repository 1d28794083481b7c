"""One reader and one check of every setting, before any test runs.

A setting can be given as an environment variable (``LIVEKIT_TTL``), as ``--variable TTL:value``
on the command line, in an argument file (``-A``), in ``ROBOT_OPTIONS``, or in a variable file
(``--variablefile``). :func:`read` gathers all of them as Robot Framework would apply them
(``--variable`` over a variable file, the first variable file over later ones, both over the
environment) and :meth:`Settings.problem` checks each value once, naming the setting as the user
wrote it: ``CAN_PUBLISH must be true or false`` for ``--variable CAN_PUBLISH:nope``,
``LIVEKIT_CAN_PUBLISH ...`` for the environment variable.

The settings themselves are listed in ``livekit_settings.table``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from livekit_settings import table
from livekit_settings.table import Setting

_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class Given:
    """A value as the user gave it: the name they wrote and where."""

    value: object
    name: str
    source: str  # "environment", "--variable", or "variable file <path>"


def _text(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def _shown(value: object) -> str:
    return repr(_text(value).strip()[:40])


def _boolean(value: object, name: str) -> str | None:
    if isinstance(value, bool) or _text(value).strip().lower() in _BOOLEANS:
        return None
    return f"{name} must be true or false, got {_shown(value)}; set it to true or false."


def _duration(value: object, name: str) -> str | None:
    from livekit_tokens.timeutil import to_seconds

    try:
        seconds = to_seconds(value.strip() if isinstance(value, str) else value, name)
    except ValueError as error:
        return str(error)
    if seconds <= 0:
        return f"{name} must be a positive duration such as '6 hours', got {_shown(value)}."
    return None


def _name(value: object, name: str) -> str | None:
    if _text(value).strip():
        return None
    return f"{name} is empty: give it a value, or leave {name} out to use its default."


def _policy(value: object, name: str) -> str | None:
    if _text(value).strip().lower() in ("warn", "fail"):
        return None
    return f"{name} must be warn or fail, got {_shown(value)}."


def _endpoint_url(value: object, name: str) -> str | None:
    from livekit_http.urls import UrlError, check_endpoint_url

    if not _text(value).strip():
        return None  # empty: the project's own reference endpoint or receiver
    try:
        check_endpoint_url(_text(value).strip(), name)
    except (UrlError, ValueError) as error:
        return str(error)
    return None


def _json_object(value: object, name: str) -> str | None:
    if isinstance(value, Mapping) or not _text(value).strip():
        return None
    try:
        parsed = json.loads(_text(value))
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict) and all(isinstance(item, str) for item in parsed.values()):
        return None
    return f'{name} must be a JSON object of text values, for example {{"team": "qa"}}.'


def _renamed(check: Callable[[object], object], environment_name: str) -> Callable[[object, str], str | None]:
    """A check of ``livekit_settings.webhooks`` whose sentence names the environment variable, for any name."""

    def renamed(value: object, name: str) -> str | None:
        try:
            check(value)
        except ValueError as error:
            return str(error).replace(environment_name, name, 1)
        return None

    return renamed


def _event(value: object) -> None:
    from livekit_webhooks.events import EVENT_TYPES

    text = _text(value).strip()
    if text and text not in EVENT_TYPES:
        raise ValueError(f"LIVEKIT_WEBHOOK_EVENT must be a LiveKit webhook event such as participant_joined, got {text[:40]!r}.")


def _collector(value: object) -> None:
    from livekit_settings.webhooks import COLLECTOR_SETTING, collector_address

    collector_address({COLLECTOR_SETTING: _text(value)})


def _strict(value: object) -> None:
    from livekit_settings.webhooks import strictness

    strictness(value)


def _bytes(value: object) -> None:
    from livekit_settings.webhooks import oversized_bytes

    if _text(value).strip():
        oversized_bytes(value)


CHECKS: dict[str, Callable[[object, str], str | None]] = {
    table.TEXT: lambda value, name: None,
    table.NAME: _name,
    table.BOOLEAN: _boolean,
    table.DURATION: _duration,
    table.POLICY: _policy,
    table.ENDPOINT_URL: _endpoint_url,
    table.JSON_OBJECT: _json_object,
    table.EVENT: _renamed(_event, "LIVEKIT_WEBHOOK_EVENT"),
    table.COLLECTOR: _renamed(_collector, "LIVEKIT_WEBHOOK_COLLECTOR"),
    table.STRICT: _renamed(_strict, "LIVEKIT_WEBHOOK_STRICT"),
    table.BYTES: _renamed(_bytes, "LIVEKIT_WEBHOOK_OVERSIZED_BYTES"),
}


@dataclass
class Settings:
    """Every setting as given, by environment variable name, and what the command line added."""

    environ: Mapping[str, str]
    given: dict[str, Given] = field(default_factory=dict)  # environment name -> the value that applies
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (name as written, source) of no setting
    unreadable: str | None = None  # a variable file that cannot be read, in one sentence

    def value(self, environment_name: str, default: object = None) -> object:
        """The value that applies to the setting (by its environment variable name), else ``default``."""
        given = self.given.get(environment_name)
        return default if given is None else given.value

    def text(self, environment_name: str, default: str = "") -> str:
        """The value as text, without surrounding white space; ``default`` when not given."""
        given = self.given.get(environment_name)
        return default if given is None else _text(given.value).strip()

    def boolean(self, environment_name: str, default: bool | None = None) -> bool | None:
        given = self.given.get(environment_name)
        if given is None:
            return default
        if isinstance(given.value, bool):
            return given.value
        return _BOOLEANS.get(_text(given.value).strip().lower(), default)

    def from_command_line(self, environment_name: str) -> bool:
        given = self.given.get(environment_name)
        return given is not None and given.source != "environment"

    def problem(self, prefix: str = "") -> str | None:
        """One sentence naming the first unusable setting, as the user wrote it, and what to set; else None.

        ``prefix`` limits the check to the settings whose environment variable starts with it.
        """
        if self.unreadable:
            return self.unreadable
        for name, source in self.unknown:
            suggestion = _suggestion(name)
            if suggestion:
                return f"{source} sets {name}, which is no setting of this suite; {suggestion}"
        for setting in table.SETTINGS:
            given = self.given.get(setting.environment)
            if given is None or not setting.environment.startswith(prefix):
                continue
            problem = CHECKS[setting.kind](given.value, given.name)
            if problem:
                where = f" (in {given.source.removeprefix('variable file ')})" if given.source.startswith("variable file") else ""
                return problem.replace(given.name, given.name + where, 1) if where else problem
        return None


def _suggestion(name: str) -> str | None:
    """What the user probably meant by a --variable name that no setting has, or None when it is none of ours."""
    if name in table.BY_ENVIRONMENT and table.BY_ENVIRONMENT[name].robot:
        robot = table.BY_ENVIRONMENT[name].robot
        return f"on the command line write --variable {robot}:value, or set the environment variable {name}."
    if name.upper().startswith("LIVEKIT_"):
        return f"set {name} as an environment variable, or use a Robot name such as ROOM, TTL or CAN_PUBLISH (see README)."
    close = [robot for robot in table.BY_ROBOT_NAME if _distance(table.normalised(name), table.normalised(robot)) <= 2]
    if close:
        return f"did you mean {close[0]}?"
    return None


def _distance(first: str, second: str) -> int:
    """Levenshtein distance, bounded by the lengths of two short names."""
    row = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        previous, row[0] = row[0], i
        for j, b in enumerate(second, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (a != b))
    return row[-1]


def from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """Every setting the environment gives (an empty or blank variable gives none)."""
    environ = os.environ if environ is None else environ
    settings = Settings(environ)
    for setting in table.SETTINGS:
        raw = environ.get(setting.environment)
        if raw is not None and raw.strip():
            settings.given[setting.environment] = Given(raw, setting.environment, "environment")
    return settings


def read(arguments: list[str] | tuple[str, ...] = (), environ: Mapping[str, str] | None = None) -> Settings:
    """Every setting from ``environ`` and Robot Framework's ``arguments`` (with ``ROBOT_OPTIONS`` and argument files)."""
    environ = os.environ if environ is None else environ
    settings = from_environment(environ)
    from livekit_tokens import robot_options

    parsed = robot_options.parse(list(arguments), effective=True, environ=environ)
    if parsed is None:
        return settings  # Robot Framework's own sentence is reported first
    for option in reversed(parsed.values("variablefile")):  # the first file given wins: applied last
        _from_variable_file(settings, option)
    for variable in parsed.values("variable"):  # the last --variable given wins
        name, separator, value = variable.partition(":")
        if not separator:
            continue
        _apply(settings, name.strip(), value, "--variable")
    return settings


def _apply(settings: Settings, name: str, value: object, source: str) -> None:
    if table.normalised(name) == "token":
        return  # a supplied token: run.py moves it into LIVEKIT_TOKEN, checked with the keys
    setting: Setting | None = table.ROBOT_NAMES.get(table.normalised(name))
    if setting is None:
        if source == "--variable":
            settings.unknown.append((name, source))
        return
    settings.given[setting.environment] = Given(value, name, source)


def _from_variable_file(settings: Settings, option: str) -> None:
    path, arguments = re.match(r"((?:[A-Za-z]:)?[^:]*):?(.*)", option).groups()
    from robot.errors import DataError
    from robot.variables.filesetter import VariableFileSetter

    if not os.path.exists(path):
        return  # run.py says so in its own sentence
    try:
        variables = VariableFileSetter(None)._import_if_needed(os.path.abspath(path), arguments.split(":") if arguments else None)
    except DataError as error:
        settings.unreadable = f"{str(error).splitlines()[0].rstrip('.')}; fix the variable file or leave it out."
        return
    for name, value in variables:
        _apply(settings, name.strip("${}@&"), value, f"variable file {path}")
