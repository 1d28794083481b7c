"""Clean up after a run whose ``run.py`` died without doing so itself (killed, or its parent killed).

    python -m livekit_evidence.reaper

``run.py`` starts this process in a session of its own, so that neither Ctrl-C in the terminal nor
a signal to the run's process group reaches it, and writes to its standard input, one line each:

- ``folder PATH``: the run's private folder (token log, console copy, temporary files), removed;
- ``group PGID``: the process group of Robot Framework and of everything it started (the
  livekit-server, the reference endpoint), stopped;
- ``done``: ``run.py`` cleaned up itself; nothing is left to do.

When its input ends without ``done`` (``run.py`` is gone, whatever stopped it), the groups are
asked to stop, killed two seconds later, and the folders removed. Only the standard library is used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 2.0


def stop_group(group: int) -> None:
    """Ask process group ``group`` to stop, then kill what is left of it."""
    if os.name == "nt":  # a Windows process group is named by its first process
        subprocess.call(["taskkill", "/T", "/F", "/PID", str(group)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return
    try:
        os.killpg(group, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except OSError:
            return
        time.sleep(0.05)
    with contextlib.suppress(OSError):
        os.killpg(group, signal.SIGKILL)


def clean(groups: list[int], folders: list[str]) -> None:
    for group in groups:
        stop_group(group)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    groups: list[int] = []
    folders: list[str] = []
    for line in sys.stdin:
        word, _, value = line.strip().partition(" ")
        if word == "done":
            return 0
        if word == "group" and value.isdigit():
            groups.append(int(value))
        elif word == "folder" and value:
            folders.append(value)
    clean(groups, folders)
    return 0


if __name__ == "__main__":
    sys.exit(main())
