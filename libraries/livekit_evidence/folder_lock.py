"""One run at a time per results folder: two runs writing into one folder at once corrupt its files.

The lock is the operating system's lock on the folder itself (``flock`` on a descriptor of the
folder), held for the whole run and released whatever ends it, a kill included: nothing is written
into the folder for it and nothing is left to remove. Windows cannot lock a folder; there the lock
is a file beside it, locked with ``msvcrt``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


class FolderBusy(Exception):
    """Another run holds the folder."""


class FolderLock:
    """Hold the lock of ``folder`` (created when missing; removed again at release when it stayed empty)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.created = False
        self._descriptor: int | None = None
        self._handle = None

    def acquire(self) -> FolderLock:
        if not self.folder.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            self.created = True
        try:
            if os.name == "nt":
                self._acquire_windows()
            else:
                self._acquire_posix()
        except FolderBusy:
            self._remove_if_created()
            raise
        return self

    def _acquire_posix(self) -> None:
        import fcntl

        descriptor = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            raise FolderBusy(str(self.folder)) from None
        self._descriptor = descriptor

    def _acquire_windows(self) -> None:  # pragma: no cover - Windows only
        import msvcrt

        name = hashlib.sha256(str(self.folder.resolve()).lower().encode()).hexdigest()[:16]
        handle = open(Path(tempfile.gettempdir()) / f"livekit-auth-results-{name}.lock", "a+b")  # noqa: SIM115
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            handle.close()
            raise FolderBusy(str(self.folder)) from None
        self._handle = handle

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing the descriptor releases the lock
            self._descriptor = None
        if self._handle is not None:  # pragma: no cover - Windows only
            self._handle.close()
            self._handle = None
        self._remove_if_created()

    def _remove_if_created(self) -> None:
        if self.created:
            with contextlib.suppress(OSError):
                self.folder.rmdir()  # only when empty: a run that wrote nothing leaves no folder either

    def __enter__(self) -> FolderLock:
        held = self._descriptor is not None or self._handle is not None
        return self if held else self.acquire()

    def __exit__(self, *_exc) -> None:
        self.release()


def busy_sentence(shown: str) -> str:
    return (
        f"Another run is writing into {shown} right now; this run stops so as not to mix its files with that run's. "
        "Wait for it to end, or give this run another --outputdir."
    )
