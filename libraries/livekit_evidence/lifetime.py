"""The life of one ``python run.py``: whatever ends it, no file holding a token or a secret and no
process it started is left behind.

- Every file of the run that holds a secret or a token (the token log, the copy of the console
  output) and every temporary file of Robot Framework and of what it starts (``TMPDIR``, ``TMP``
  and ``TEMP`` point there) is in one private folder (readable by this user only), removed at the end.
- Robot Framework runs in a process group of its own, with everything it starts (the
  livekit-server, the reference endpoint and receiver): at the end that group is stopped.
- SIGTERM and SIGHUP stop the run as Ctrl-C (SIGINT) does: Robot Framework is asked to stop (it
  ends the running test, runs the teardowns, writes its results, which the leak guard then
  searches); after ``GRACE_SECONDS``, or at a second signal, its group is killed.
- A reaper (``livekit_evidence.reaper``), in a session of its own, does the same cleaning when
  ``run.py`` itself is killed (SIGKILL) and cannot.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from livekit_evidence.reaper import stop_group

GRACE_SECONDS = 10.0  # for Robot Framework to stop after the first signal
PREFIX = "livekit-auth-run-"
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(KeyboardInterrupt):
    """The run got a signal that stops it (SIGTERM, SIGHUP); handled as Ctrl-C is."""

    def __init__(self, number: int):
        super().__init__(signal.Signals(number).name)
        self.name = signal.Signals(number).name


def _stop(number, _frame):
    raise Stopped(number)


class RunLifetime:
    """The private folder, the stop signals, the process group and the reaper of one run (a context manager)."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix=PREFIX))  # mode 0700
        self.stopped_by: str | None = None
        self.group: int | None = None
        self._handlers: dict[int, object] = {}
        self._reaper = self._start_reaper()

    def _start_reaper(self) -> subprocess.Popen | None:
        options: dict = {"start_new_session": True} if os.name != "nt" else {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        try:
            reaper = subprocess.Popen(
                [sys.executable, "-m", "livekit_evidence.reaper"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
                **options,
            )
        except OSError:
            return None
        self._tell(reaper, f"folder {self.folder}")
        return reaper

    @staticmethod
    def _tell(reaper: subprocess.Popen | None, line: str) -> None:
        if reaper is None:
            return
        try:
            reaper.stdin.write(line + "\n")
            reaper.stdin.flush()
        except (OSError, ValueError):
            pass

    def __enter__(self) -> RunLifetime:
        if threading.current_thread() is threading.main_thread():
            for number in _STOP_SIGNALS:
                self._handlers[number] = signal.signal(number, _stop)
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if isinstance(error, KeyboardInterrupt) and self.stopped_by is None:
            self.stopped_by = error.name if isinstance(error, Stopped) else "SIGINT"
        self.close()

    def close(self) -> None:
        """Stop what is left of the run's processes, remove the private folder, dismiss the reaper."""
        self.end_group()
        shutil.rmtree(self.folder, ignore_errors=True)
        for number, handler in self._handlers.items():
            signal.signal(number, handler)
        self._handlers = {}
        if self._reaper is not None:
            self._tell(self._reaper, "done")
            with contextlib.suppress(OSError):
                self._reaper.stdin.close()
            self._reaper.wait()
            self._reaper = None

    def file(self, name: str) -> Path:
        """An empty file ``name`` in the private folder, readable by this user only."""
        path = self.folder / name
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        return path

    def environment(self, environ: dict[str, str]) -> dict[str, str]:
        """``environ`` with the temporary folder of the run's processes in the private folder."""
        return {**environ, "TMPDIR": str(self.folder), "TMP": str(self.folder), "TEMP": str(self.folder)}

    @staticmethod
    def popen_options() -> dict:
        """Start a process in a group of its own (stopped as a whole at the end)."""
        if os.name == "nt":
            return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        return {"start_new_session": True}

    def started(self, process: subprocess.Popen) -> None:
        self.group = process.pid  # the leader of its new session and group
        self._tell(self._reaper, f"group {process.pid}")

    def wait(self, process: subprocess.Popen) -> int:
        """Wait for ``process``; at a stop signal ask it to stop, and kill its group after GRACE_SECONDS or a second signal."""
        try:
            return process.wait()
        except KeyboardInterrupt as first:
            self.stopped_by = first.name if isinstance(first, Stopped) else "SIGINT"
        try:
            process.send_signal(signal.CTRL_BREAK_EVENT if os.name == "nt" else signal.SIGINT)
            process.wait(GRACE_SECONDS)
        except (KeyboardInterrupt, subprocess.TimeoutExpired, OSError):
            self.end_group(grace=False)
            process.wait()
        return process.returncode

    def end_group(self, grace: bool = True) -> None:
        """Stop every process left in the run's group (asked first, killed two seconds later)."""
        if self.group is None:
            return
        if grace:
            stop_group(self.group)
        elif os.name != "nt":
            with contextlib.suppress(OSError):
                os.killpg(self.group, signal.SIGKILL)
        else:
            stop_group(self.group)

    def stopped_sentence(self) -> str:
        return (
            f"Stopped by {self.stopped_by}: the run's processes were stopped and its temporary files, "
            "which hold its tokens, removed."
        )
