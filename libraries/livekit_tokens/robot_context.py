"""What the keyword libraries share about the Robot Framework run they are part of.

Everything here also works outside a run (a plain Python caller): it then does nothing, or raises
the configuration error at once instead of deferring it to the first keyword.
"""

from __future__ import annotations

from .keys import ConfigurationError, Keyring, load_keyring


class ConfigurationFailure(AssertionError):
    """A setting is missing or wrong: the whole run stops, with the sentence that says what to set."""

    ROBOT_EXIT_ON_FAILURE = True
    ROBOT_SUPPRESS_NAME = True


def robot_is_running() -> bool:
    from robot.running.context import EXECUTION_CONTEXTS

    return EXECUTION_CONTEXTS.current is not None


def robot_variable(name: str):
    """The value of a Robot Framework variable such as ``${TOKEN}``, or None outside a run."""
    if not robot_is_running():
        return None
    from robot.libraries.BuiltIn import BuiltIn

    return BuiltIn().get_variable_value(name)


def library_instance(name: str):
    """The instance of the library ``name`` imported in this run, or None (outside a run, or not imported)."""
    if not robot_is_running():
        return None
    from robot.libraries.BuiltIn import BuiltIn

    try:
        return BuiltIn().get_library_instance(name)
    except RuntimeError:
        return None


def set_test_message(text: str) -> None:
    """Append ``text`` to the current test's message (shown in the report); outside a test, nothing."""
    if robot_variable("${TEST NAME}") is None:
        return
    from robot.libraries.BuiltIn import BuiltIn

    BuiltIn().set_test_message(text, append=True)


def library_keyring(api_key=None, api_secret=None) -> tuple[Keyring | None, str | None]:
    """Load the keys for a keyword library: ``(keyring, None)``, or ``(None, sentence)`` in a run.

    A library imported by Robot Framework must not fail its import over a setting: the sentence is
    kept and raised as :class:`ConfigurationFailure` by the first keyword that needs keys. Outside a
    run the :class:`ConfigurationError` is raised at once.
    """
    try:
        return load_keyring(api_key, api_secret), None
    except ConfigurationError as error:
        if not robot_is_running():
            raise
        return None, str(error)


class RunContext:
    """What the keyword libraries of one run share: its key pairs, and the configuration error that
    stops the run when they cannot be read, said once on the console.

    One instance per process (:func:`run_context`), as SeleniumLibrary's libraries share one
    context: every library asks it for the keys instead of keeping its own or finding another
    library's instance. A library imported with its own key pair (``LiveKitAuth`` with
    ``api_key`` and ``api_secret``) offers it, and the others then use the same pair.
    """

    def __init__(self) -> None:
        self._keyring: Keyring | None = None
        self._problem: str | None = None
        self._loaded = False
        self._reported = False

    def offer(self, keyring: Keyring | None, problem: str | None = None) -> None:
        """Use ``keyring`` (given to a library's import) as the run's keys; ``problem`` when it could not be read."""
        if robot_is_running():
            self._keyring, self._problem, self._loaded = keyring, problem, True

    @property
    def keyring(self) -> Keyring:
        """The run's key pairs; :class:`ConfigurationFailure` with the sentence that says what to set.

        Outside a run (a Python caller) the keys are read from the environment on every call.
        """
        if not robot_is_running():
            try:
                return load_keyring()
            except ConfigurationError as error:
                raise ConfigurationFailure(str(error)) from None
        if not self._loaded:
            self._keyring, self._problem = library_keyring()
            self._loaded = True
        if self._keyring is None:
            sentence = self._problem or "No API key is configured."
            if not self._reported and robot_is_running():
                self._reported = True
                from robot.api import logger

                logger.console(f"Configuration error: {sentence}")
            raise ConfigurationFailure(sentence)
        return self._keyring

    def forget(self) -> None:
        """Read the keys again on next use (for a new run in the same process)."""
        self.__init__()


_RUN_CONTEXT = RunContext()


def run_context() -> RunContext:
    """The context the keyword libraries of this process share."""
    return _RUN_CONTEXT


def log_table(title: str, rows: list[dict], kind: str | None = None, facts: dict | None = None) -> None:
    """Log an evidence table (see :mod:`evidence`) at INFO; ``kind`` and ``facts`` are its stable names for the sign-off."""
    from robot.api import logger

    from . import evidence

    logger.info(evidence.table(title, rows, kind=kind, facts=facts), html=True)


def report_finding(finding: str, text: str, severity: str) -> None:
    """Record a finding for the sign-off summary; a warning is also said once on the console and in the report.

    Inside a test the warning becomes part of the test's message, which Robot Framework shows once
    on the console, in the report and in the log (a WARN message as well would be shown twice on
    the console). Outside a test (a suite setup) it is logged as a warning.
    """
    from robot.api import logger

    from . import evidence

    record = {"finding": finding, "severity": severity, "text": text}
    logger.info(evidence.table("Finding", [{"label": finding, "value": text}], record), html=True)
    if severity != "warning":
        return
    if robot_variable("${TEST NAME}") is None:
        logger.warn(text)
        return
    logger.info(f"WARNING: {text}")
    set_test_message(f"WARNING: {text}")
