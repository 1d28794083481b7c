"""What a first run sets up beside the server build, so that no suite waits for it later.

The agents suite's workers have an environment of their own (``livekit_workers.environment``,
about 390 MB), made on first use. On a first run ``run.py`` makes it in the background while the
server builds, before the live suites need it; the suite's own call then finds it ready, or waits
for it on the lock ``ensure`` holds while it installs.
"""

from __future__ import annotations

import contextlib
import threading

from livekit_workers import environment as workers

AGENTS_TAG = "agents"  # the tag of the tests that start agent workers


def selects_agents(sources: list[str], options: dict[str, list[str]]) -> bool:
    """Whether Robot Framework, given ``sources`` and these selection options, runs a test tagged ``agents``.

    ``options`` holds the values of ``include``, ``exclude``, ``test`` and ``suite`` as given.
    """
    from robot.running import TestSuiteBuilder

    try:
        suite = TestSuiteBuilder().build(*sources)
        suite.configure(
            include_tags=options.get("include") or None,
            exclude_tags=options.get("exclude") or None,
            include_tests=options.get("test") or None,
            include_suites=options.get("suite") or None,
            empty_suite_ok=True,
        )
    except Exception:  # Robot Framework reports unusable sources or options itself
        return False
    return any(test.tags.match(AGENTS_TAG) for test in suite.all_tests)


class Prefetch:
    """The workers' environment made in a thread, when the run's selection has agents tests.

    :meth:`join` at the end of the run, so that no pip outlives it.
    """

    def __init__(self, sources: list[str], options: dict[str, list[str]], announce=print):
        self.announce = announce
        self.thread: threading.Thread | None = None
        if not workers.ready():
            self.thread = threading.Thread(
                target=self._make, args=(sources, options), name="agent workers' environment", daemon=True
            )
            self.thread.start()

    def _make(self, sources: list[str], options: dict[str, list[str]]) -> None:
        if not selects_agents(sources, options):
            return
        # On a failure the agents suite tries again and fails with pip's last lines in its own words.
        with contextlib.suppress(workers.EnvironmentFailure):
            workers.ensure(announce=self.announce)

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()
