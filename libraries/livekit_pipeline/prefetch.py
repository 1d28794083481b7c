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


class Prefetch:
    """The workers' environment made in a thread; :meth:`join` at the end of the run so that no pip outlives it."""

    def __init__(self, announce=print):
        self.announce = announce
        self.thread: threading.Thread | None = None
        if not workers.ready():
            self.thread = threading.Thread(target=self._make, name="agent workers' environment", daemon=True)
            self.thread.start()

    def _make(self) -> None:
        # On a failure the agents suite tries again and fails with pip's last lines in its own words.
        with contextlib.suppress(workers.EnvironmentFailure):
            workers.ensure(announce=self.announce)

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()
