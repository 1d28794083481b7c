"""Which part of a run ran, when a fatal failure stopped the rest (a first run whose server build failed)."""

from __future__ import annotations

from livekit_signoff.results import Run, TestRun
from livekit_signoff.steps import FAIL, PASS, SKIP
from livekit_signoff.wording import counted_tests

# Robot Framework's message for every test left after a fatal failure (``ROBOT_EXIT_ON_FAILURE``).
STOPPED = "Test execution stopped due to a fatal error."


def _top_suites(tests: list[TestRun]) -> str:
    """The suites right under the top-level one that hold ``tests``, in run order, as words."""
    names = list(dict.fromkeys(test.suite.split(".")[1] if "." in test.suite else test.suite for test in tests))
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def part_sentence(run: Run) -> str | None:
    """One sentence naming what ran and what did not, when a fatal failure stopped part of the run; else None.

    Example: "Only part of the run ran: 138 tests of Authentication, ... ran (138 passed, 0 failed,
    0 skipped); 314 tests of Diagnosis, Live and Security did not, because Building livekit-server
    v1.13.5 failed: ... (suite setup of Diagnosis)."
    """
    stopped = [test for test in run.tests if test.status == FAIL and test.message.strip() == STOPPED]
    if not stopped:
        return None
    ran = [test for test in run.tests if test not in stopped]
    cause = next(((where, message) for where, message in run.suite_failures if message.strip()), None)
    because = f", because {cause[1].rstrip('.')} ({cause[0][0].lower()}{cause[0][1:]})" if cause else ""
    if not ran:
        return f"None of the run ran: {counted_tests(len(stopped))} stopped before they started{because}."
    counts = {word: sum(1 for test in ran if test.status == word) for word in (PASS, FAIL, SKIP)}
    return (
        f"Only part of the run ran: {counted_tests(len(ran))} of {_top_suites(ran)} ran ({counts[PASS]} passed, "
        f"{counts[FAIL]} failed, {counts[SKIP]} skipped); {counted_tests(len(stopped))} of {_top_suites(stopped)} "
        f"did not{because}."
    )
