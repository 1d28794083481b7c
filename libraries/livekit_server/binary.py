"""Where the ``livekit-server`` binary of a run comes from, and the project's own pinned build.

The order (README, "Live checks"): a server the user runs (``LIVEKIT_URL``, never started by us);
``livekit-server`` on ``PATH``; the project's pinned build, cached inside the virtual environment
after its first build; otherwise, when a Go toolchain is found, that build is made once.

The pin is the newest release the Go module proxy lets us build: v1.13.6 to v1.13.11 carry
``replace`` directives to LiveKit's forks of pion (``github.com/livekit/webrtc-pion/v4``,
``dtls/v3``, ``ice/v4``) whose versions the proxy refuses (403 "This module version is not
available"); v1.13.5 has no ``replace`` directive and builds with ``go install``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MODULE = "github.com/livekit/livekit-server"
PACKAGE = f"{MODULE}/cmd/server"
PINNED_VERSION = "1.13.5"
BINARY_VARIABLE = "LIVEKIT_SERVER_BINARY"  # set by run.py for the suites: the pinned build to start
CACHE_VARIABLE = "LIVEKIT_SERVER_CACHE"  # another folder for the pinned build than the virtual environment
BUILD_VARIABLE = "LIVEKIT_SERVER_BUILD"  # 0: never build the pinned server (the live suite is then skipped)
EXECUTABLE = "livekit-server.exe" if os.name == "nt" else "livekit-server"
BUILD_TIME_HINT = "about 75 s on 2 cores while Go downloads the modules, seconds once its caches are warm"
BUILD_TIMEOUT = 45 * 60  # seconds; a build that has not finished by then is stopped

HOW_TO_GET_A_SERVER = (
    "To run the live checks, set LIVEKIT_URL to a LiveKit server you run, or put livekit-server on PATH "
    "(Linux: curl -sSL https://get.livekit.io | bash; macOS: brew install livekit; Windows: the release "
    "archive from github.com/livekit/livekit; any system: docker run livekit/livekit-server), "
    f"or install Go 1.26 or newer so that the suite builds livekit-server v{PINNED_VERSION} itself."
)


class BuildFailure(Exception):
    """The pinned server could not be built; the message holds the Go error's last lines."""


@dataclass(frozen=True)
class ServerSource:
    """How the live checks get their server: ``url``, ``path``, ``pinned`` or ``none``."""

    kind: str
    binary: str | None = None
    url: str | None = None

    def describe(self) -> str:
        if self.kind == "url":
            return "the LiveKit server given by LIVEKIT_URL"
        if self.kind == "path":
            return f"livekit-server from PATH ({self.binary})"
        if self.kind == "pinned":
            return f"the project's build of livekit-server v{PINNED_VERSION} ({self.binary})"
        return "no LiveKit server"


def why_no_server(environ: dict | None = None) -> str:
    """One sentence: why no LiveKit server can be had in this run, and what changes that (the real reason first)."""
    environ = os.environ if environ is None else environ
    go = go_toolchain(environ)
    if str(environ.get(BUILD_VARIABLE, "")).strip() == "0":
        if go:
            return (
                f"No LiveKit server: LIVEKIT_URL is not set, no livekit-server is on PATH, and {BUILD_VARIABLE}=0 turns off "
                f"the build of livekit-server v{PINNED_VERSION} with the Go at {go}; unset {BUILD_VARIABLE} to build it, "
                "or set LIVEKIT_URL to a LiveKit server you run."
            )
        return (
            f"No LiveKit server: LIVEKIT_URL is not set, no livekit-server is on PATH, and {BUILD_VARIABLE}=0 turns off "
            f"the build of livekit-server v{PINNED_VERSION}; {HOW_TO_GET_A_SERVER[0].lower()}{HOW_TO_GET_A_SERVER[1:]}"
        )
    return (
        "No LiveKit server: LIVEKIT_URL is not set, no livekit-server is on PATH and no Go toolchain is installed to "
        f"build one; {HOW_TO_GET_A_SERVER[0].lower()}{HOW_TO_GET_A_SERVER[1:]}"
    )


def cache_folder(base: str | os.PathLike | None = None) -> Path:
    """Where the pinned build is kept: inside the virtual environment (or ``LIVEKIT_SERVER_CACHE``), one folder per version."""
    folder = Path(base) if base else Path(os.environ.get(CACHE_VARIABLE) or Path(sys.prefix) / "livekit-server")
    return folder / f"v{PINNED_VERSION}"


def cached_binary(base: str | os.PathLike | None = None) -> Path | None:
    """The pinned build, if it was made before and still runs as that version."""
    candidate = cache_folder(base) / EXECUTABLE
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


def find_source(environ: dict | None = None, base: str | os.PathLike | None = None) -> ServerSource:
    """The first of: LIVEKIT_URL, livekit-server on PATH, the cached pinned build, else ``none``."""
    environ = os.environ if environ is None else environ
    url = str(environ.get("LIVEKIT_URL", "")).strip()
    if url:
        return ServerSource("url", url=url)
    on_path = shutil.which("livekit-server", path=environ.get("PATH"))
    if on_path:
        return ServerSource("path", binary=on_path)
    given = str(environ.get(BINARY_VARIABLE, "")).strip()
    if given and Path(given).is_file():
        return ServerSource("pinned", binary=given)
    cached = cached_binary(base)
    if cached is not None:
        return ServerSource("pinned", binary=str(cached))
    return ServerSource("none")


def go_toolchain(environ: dict | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    return shutil.which("go", path=environ.get("PATH"))


def build_pinned(
    go: str,
    base: str | os.PathLike | None = None,
    announce=print,
    timeout: float = BUILD_TIMEOUT,
) -> Path:
    """Build livekit-server v{PINNED_VERSION} with ``go install`` into the cache and return its path.

    Raises :class:`BuildFailure` with the last lines Go printed when the build fails.
    """
    target = cache_folder(base)
    announce(
        f"Building livekit-server v{PINNED_VERSION} with Go (first run only; {BUILD_TIME_HINT}): "
        "no LIVEKIT_URL is set and no livekit-server is on PATH, so the live checks use the project's "
        f"own build, kept in {target}."
    )
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="livekit-server-build-", dir=target.parent) as work:
        environment = dict(os.environ, GOBIN=work, GOFLAGS=os.environ.get("GOFLAGS", ""))
        environment.setdefault("GOTOOLCHAIN", "auto")  # the module may ask for a newer Go than the one found
        try:
            done = subprocess.run(
                [go, "install", "-trimpath", f"{PACKAGE}@v{PINNED_VERSION}"],
                cwd=work,
                env=environment,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BuildFailure(f"go install did not finish within {timeout / 60:g} minutes.") from None
        except OSError as error:
            raise BuildFailure(f"go could not be started: {error.strerror or error}.") from None
        built = Path(work) / ("server.exe" if os.name == "nt" else "server")
        if done.returncode != 0 or not built.is_file():
            raise BuildFailure(last_lines(done.stdout + done.stderr) or f"go install exited with code {done.returncode}.")
        target.mkdir(parents=True, exist_ok=True)
        final = target / EXECUTABLE
        shutil.move(str(built), final)
    announce(f"Built livekit-server v{PINNED_VERSION} in {time.monotonic() - started:.0f} s.")
    return final


def last_lines(output: str, count: int = 8) -> str:
    """The last ``count`` non-empty lines Go printed, without the module download chatter."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip() and not line.startswith("go: downloading ")]
    return "\n".join(lines[-count:])


def ensure_server(environ: dict | None = None, base: str | os.PathLike | None = None, announce=print) -> ServerSource:
    """Find the run's server, building the pinned one when nothing else is there and Go is found.

    When ``run.py`` started that build in the background (``LIVEKIT_SERVER_PENDING``), wait for it instead.
    """
    source = find_source(environ, base)
    if source.kind != "none":
        return source
    from livekit_server import background

    building = background.pending(environ)
    if building is not None:  # run.py started the build at the beginning of the run
        return ServerSource("pinned", binary=str(background.wait(building, announce)))
    if str((os.environ if environ is None else environ).get(BUILD_VARIABLE, "")).strip() == "0":
        return source
    go = go_toolchain(environ)
    if go is None:
        return source
    return ServerSource("pinned", binary=str(build_pinned(go, base, announce)))
