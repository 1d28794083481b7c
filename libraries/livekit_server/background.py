"""The pinned server's build, started at the very beginning of a run and waited for only where a test needs it.

A first ``python run.py`` has the pinned ``livekit-server`` to build (about 100 s on 2 cores with
empty Go caches), the project's environment to create, its packages to install and the offline
suites to run. None of the latter needs the server, so ``run.py`` starts ``go install`` first, in
the background, and goes on; the suites that start a server wait for it in ``ensure_server``.

This module uses only the standard library: ``run.py`` loads it before the packages are installed.

The build and whoever waits for it meet in a folder named by ``LIVEKIT_SERVER_PENDING``: Go's output
goes to ``go.log`` there, and ``result.json`` appears when the build has ended (the binary already
moved into the cache, or Go's last lines). Whoever started the build removes the folder at the end
of the run, and stops a build nobody waited for.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from livekit_server import binary

PENDING_VARIABLE = "LIVEKIT_SERVER_PENDING"  # the folder of a build in progress (set by run.py)
RESULT = "result.json"
LOG = "go.log"


def should_start(environ: dict, cache_base: Path) -> str | None:
    """The Go toolchain to build with when a run would build the pinned server; else None.

    Not when LIVEKIT_URL names a server, livekit-server is on PATH, the pinned build is cached,
    LIVEKIT_SERVER_BUILD is 0 or Go is not found: exactly the cases where ``ensure_server`` builds.
    """
    if binary.find_source(environ, cache_base).kind != "none":
        return None
    if str(environ.get(binary.BUILD_VARIABLE, "")).strip() == "0":
        return None
    return binary.go_toolchain(environ)


class Build:
    """``go install`` of the pinned server running in the background; ``folder`` is what the waiters read."""

    def __init__(self, go: str, cache_base: Path, announce=print):
        self.target = binary.cache_folder(cache_base)
        self.folder = Path(tempfile.mkdtemp(prefix="livekit-server-build-"))
        self.announce = announce
        self.started = time.monotonic()
        self.stopped = False
        self.log = (self.folder / LOG).open("wb")
        environment = dict(os.environ, GOBIN=str(self.folder / "bin"), GOFLAGS=os.environ.get("GOFLAGS", ""))
        environment.setdefault("GOTOOLCHAIN", "auto")  # the module may ask for a newer Go than the one found
        announce(
            f"Building livekit-server v{binary.PINNED_VERSION} with Go in the background (first run only; "
            f"{binary.BUILD_TIME_HINT}): the suites that need no server run meanwhile, the live ones wait for it. "
            f"It is kept in {self.target}."
        )
        try:
            self.process = subprocess.Popen(
                [go, "install", "-trimpath", f"{binary.PACKAGE}@v{binary.PINNED_VERSION}"],
                cwd=self.folder,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                **({"start_new_session": True} if os.name != "nt" else {}),
            )
        except OSError as error:
            self.process = None
            self._finish({"ok": False, "message": f"go could not be started: {error.strerror or error}."})
            return
        self.watcher = threading.Thread(target=self._watch, name="livekit-server build", daemon=True)
        self.watcher.start()

    def environment(self) -> dict[str, str]:
        return {PENDING_VARIABLE: str(self.folder)}

    def _watch(self) -> None:
        try:
            code = self.process.wait(timeout=binary.BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._kill()
            self._finish({"ok": False, "message": f"go install did not finish within {binary.BUILD_TIMEOUT / 60:g} minutes."})
            return
        self.log.close()
        output = (self.folder / LOG).read_text(encoding="utf-8", errors="replace")
        built = self.folder / "bin" / ("server.exe" if os.name == "nt" else "server")
        if self.stopped:
            self._finish({"ok": False, "message": "the build was stopped before it ended."})
        elif code != 0 or not built.is_file():
            self._finish({"ok": False, "message": binary.last_lines(output) or f"go install exited with code {code}."})
        else:
            try:
                self.target.mkdir(parents=True, exist_ok=True)
                final = self.target / binary.EXECUTABLE
                moving = self.target / f".{binary.EXECUTABLE}.{os.getpid()}"
                shutil.move(str(built), moving)  # then renamed: a waiter never sees half a binary
                os.replace(moving, final)
            except OSError as error:
                self._finish({"ok": False, "message": f"the built server could not be kept in {self.target}: {error}."})
                return
            seconds = time.monotonic() - self.started
            self._finish({"ok": True, "binary": str(final), "seconds": round(seconds, 1)})

    def _finish(self, result: dict) -> None:
        written = self.folder / f".{RESULT}"
        written.write_text(json.dumps(result), encoding="utf-8")
        os.replace(written, self.folder / RESULT)

    def _kill(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            if os.name != "nt":
                os.killpg(self.process.pid, signal.SIGKILL)  # go and the compilers it started
            else:
                self.process.kill()
        except OSError:
            pass
        self.process.wait()

    def close(self) -> None:
        """At the end of the run: stop a build still running (nobody needed it), remove the folder."""
        if self.process is not None and self.process.poll() is None:
            self.stopped = True
            self._kill()
            self.announce(
                f"Stopped the background build of livekit-server v{binary.PINNED_VERSION}: no test of this run needed "
                "the server. The next run that does builds it (Go keeps what it downloaded)."
            )
        if self.process is not None:
            self.watcher.join(timeout=30)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def pending(environ: dict | None = None) -> Path | None:
    """The folder of a build this run started and has not yet been waited for, if any."""
    environ = os.environ if environ is None else environ
    folder = str(environ.get(PENDING_VARIABLE, "")).strip()
    return Path(folder) if folder and Path(folder).is_dir() else None


def wait(folder: Path, announce=print, timeout: float = binary.BUILD_TIMEOUT) -> Path:
    """Wait for the build of ``folder`` to end; its binary, or :class:`binary.BuildFailure` with Go's last lines."""
    result_file = folder / RESULT
    deadline = time.monotonic() + timeout
    if not result_file.is_file():
        announce(f"Waiting for the background build of livekit-server v{binary.PINNED_VERSION} to end ...")
    waited = time.monotonic()
    while not result_file.is_file():
        if time.monotonic() > deadline:
            raise binary.BuildFailure(f"go install did not finish within {timeout / 60:g} minutes.")
        if not folder.is_dir():
            raise binary.BuildFailure("the build's folder went away before it ended (was the run stopped?).")
        time.sleep(0.1)
    result = json.loads(result_file.read_text(encoding="utf-8"))
    if not result.get("ok"):
        raise binary.BuildFailure(result.get("message") or "go install failed.")
    if time.monotonic() - waited > 1:
        announce(f"Built livekit-server v{binary.PINNED_VERSION} in {result.get('seconds', 0):.0f} s (in the background).")
    return Path(result["binary"])
