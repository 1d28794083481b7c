"""How the sections of a summary name tests, files and counts, and how much of a message they show."""

from __future__ import annotations

from livekit_signoff.document import Inline, strong, text
from livekit_signoff.results import Run, TestRun

MESSAGE_LIMIT = 300  # characters of a message shown in the summary; log.html and report.html keep it whole
# A finding is written by the libraries, not quoted from a failure: it may list what it found (the
# forged webhooks a receiver accepted), so it is shown longer.
FINDING_LIMIT = 1200
NAMES_SHOWN = 10
KEY_PAIR_CAUSE = "the server does not share this suite's key pair (LIVEKIT_API_KEY/LIVEKIT_API_SECRET)"


def bounded(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """``message`` cut to at most ``limit`` characters (``MESSAGE_LIMIT``) at the end of a word, ending in "…" when it was longer."""
    if len(message) <= limit:
        return message
    cut = message[:limit]
    word_end = cut.rsplit(" ", 1)[0] if " " in cut else cut
    if not message[limit].isspace() and len(cut) - len(word_end) <= 40:  # a word is not cut; a run of 40+ is
        cut = word_end
    return cut.rstrip(" ,;:") + "…"


_ROBOT_SKIP_PREFIXES = ("Skipped in parent suite setup: ", "Skipped in suite setup: ")


def skip_reason(message: str | None) -> str:
    """Why a test was skipped, without Robot Framework's note of where the skip came from."""
    text_ = (message or "").strip()
    for prefix in _ROBOT_SKIP_PREFIXES:
        if text_.startswith(prefix):
            return text_[len(prefix) :]
    return text_ or "no reason given"


def grouped_skips(tests: list[TestRun]) -> list[tuple[str, int]]:
    """Each distinct reason of the skipped ``tests``, once, with how many tests it skipped, in order of appearance."""
    counts: dict[str, int] = {}
    for test in tests:
        reason = skip_reason(test.message)
        counts[reason] = counts.get(reason, 0) + 1
    return list(counts.items())


def counted_tests(count: int) -> str:
    return f"{count} test" if count == 1 else f"{count} tests"


def _place(run: Run, source: str, name: str) -> str:
    return f"{run.source_label(source)}: {name}" if len(run.sources) > 1 else name


def leak_places(run: Run) -> str:
    """The files the leak guard found a secret or a token in, each with what it found: ``log.html (token)``."""
    return ", ".join(f"{_place(run, source, name)} ({' and '.join(kinds)})" for source, name, kinds in run.leaks())


def unsearched_places(run: Run) -> str:
    return ", ".join(_place(run, source, name) for source, name in run.unsearched())


def display_name(test: TestRun, run: Run, short: bool = False) -> str:
    """The test's name (``short``) or full name, with its file when several files were read."""
    name = test.name if short else test.full_name
    return f"{name} ({run.source_label(test.source)})" if len(run.sources) > 1 else name


def grouped(tests: list[TestRun]) -> list[tuple[list[TestRun], str]]:
    """Tests grouped by their message, in order of first appearance."""
    groups: dict[str, list[TestRun]] = {}
    for test in tests:
        groups.setdefault(test.message, []).append(test)
    return [(members, message) for message, members in groups.items()]


def failure_names(tests: list[TestRun], run: Run, short: bool = False) -> Inline:
    """One test by its name, or several as a count with their names (the first ``NAMES_SHOWN``)."""
    if len(tests) == 1:
        return [strong(display_name(tests[0], run, short))]
    names = [display_name(test, run, short=True) for test in tests]
    listed = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        listed += f" and {len(names) - NAMES_SHOWN} more"
    return [strong(f"{len(names)} tests"), text(f" ({listed})")]
