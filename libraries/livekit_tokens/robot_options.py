"""Robot Framework's command-line options, read by Robot Framework's own parser and kept in order.

``run.py`` moves a token off the command line and hides secret-looking variables with it, and the
recorded command of a run hides them too: both must read every form Robot reads, such as grouped
short options (``-XvTOKEN:x``, ``-.vx``), any case of a long name or an abbreviation of it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

SECRET_VARIABLE_WORDS = ("SECRET", "TOKEN", "PASSWORD", "KEYS", "HEADER")
HIDDEN = "<hidden>"


class RobotArguments:
    """Options as ``(long name, value)`` pairs in their order (a flag's value is ""), and the sources."""

    def __init__(self, options: list[tuple[str, str]], sources: list[str], flags: set[str]):
        self.options = options
        self.sources = sources
        self._flags = flags

    def values(self, name: str) -> list[str]:
        """Every value given to the option ``name`` (its long name), in order."""
        return [value for option, value in self.options if option == name]

    def last(self, name: str) -> str | None:
        """The value Robot Framework uses for an option that takes one value: the last one given."""
        values = self.values(name)
        return values[-1] if values else None

    def render(self, options: list[tuple[str, str]] | None = None) -> list[str]:
        """``options`` (default: all of them) and the sources as command-line words, options in long form."""
        words: list[str] = []
        for name, value in self.options if options is None else options:
            words += [f"--{name}"] if name in self._flags else [f"--{name}", value]
        if any(source.startswith("-") for source in self.sources):
            words.append("--")
        return words + self.sources

    def secret_values(self) -> list[str]:
        """The values of ``--variable`` options whose names look secret (SECRET, TOKEN, PASSWORD, ...)."""
        return [value for name, value in self._variables() if value and looks_secret(name)]

    def hidden(self, secrets: Iterable[str] = ()) -> list[str]:
        """The command-line words with the values of secret-looking variables replaced by ``<hidden>``.

        A variable whose value is one of ``secrets``, or holds one of 8 characters or more, is hidden
        whatever its name (``--variable LK_SIGNING:...`` given to ``Library  LiveKitAuth  api_secret=``).
        """
        known = [secret for secret in secrets if secret]
        shown = []
        for option, value in self.options:
            if option == "variable":
                name, separator, given = value.partition(":")
                if separator and (looks_secret(name) or _holds_secret(given, known)):
                    value = f"{name}:{HIDDEN}"
            shown.append((option, value))
        return self.render(shown)

    def _variables(self) -> list[tuple[str, str]]:
        pairs = []
        for variable in self.values("variable"):
            name, separator, value = variable.partition(":")
            if separator:
                pairs.append((name, value))
        return pairs


def _holds_secret(value: str, secrets: list[str]) -> bool:
    return any(value == secret or value.strip() == secret.strip() or (len(secret) >= 8 and secret in value) for secret in secrets)


def looks_secret(variable_name: str) -> bool:
    return any(word in variable_name.upper() for word in SECRET_VARIABLE_WORDS)


def parse(arguments: list[str], effective: bool = False, environ=None) -> RobotArguments | None:
    """``arguments`` as Robot Framework's parser reads them, or None when it refuses them (Robot says why).

    With ``effective``, as Robot Framework applies them: after the options of ``ROBOT_OPTIONS`` (from
    ``environ``, default the process's environment) and with argument files (``-A``) read in.
    """
    if effective:
        from robot.utils import cmdline2list

        environ = os.environ if environ is None else environ
        arguments = cmdline2list(environ.get("ROBOT_OPTIONS", "")) + list(arguments)
    return _parse(arguments, effective)[0]


def parse_error(arguments: list[str]) -> str | None:
    """Robot Framework's sentence refusing ``arguments`` (``option --x not recognized``), or None when it reads them."""
    return _parse(arguments)[1]


def _parse(arguments: list[str], argument_files: bool = False) -> tuple[RobotArguments | None, str | None]:
    from robot.errors import DataError
    from robot.run import USAGE
    from robot.utils.argumentparser import ArgumentParser

    class OrderedParser(ArgumentParser):
        """Robot's parser, keeping what it read in order as well as in its dictionary of options."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.pairs: list[tuple[str, str]] = []
            self.raw_sources: list[str] = []

        def _process_opts(self, opt_tuple):
            self.pairs = [(self._get_name(name), value) for name, value in opt_tuple]
            return super()._process_opts(opt_tuple)

        def _glob_args(self, args):
            self.raw_sources = list(args)
            return super()._glob_args(args)

    parser = OrderedParser(USAGE, arg_limits=(0,), auto_help=False, auto_version=False, auto_argumentfile=argument_files)
    try:
        parser.parse_args(list(arguments))
    except (DataError, OSError) as error:
        return None, str(error)
    flags = set(parser._flag_opts) | {f"no{name}" for name in parser._flag_opts}
    return RobotArguments(parser.pairs, parser.raw_sources, flags), None
