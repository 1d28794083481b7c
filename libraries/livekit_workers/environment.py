"""The virtual environment of the agent workers: ``livekit-agents``, pinned, apart from the project's.

``livekit-agents`` pins the real-time SDK (``livekit==1.1.21``) while the project pins another
release of it, so the two cannot share one environment. The workers' environment is made on first
use, when a suite starts a worker: ``.venv-agents`` beside the project (or the folder
``LIVEKIT_AGENTS_VENV`` names), holding exactly ``requirements-agents.txt``. A stamp records a digest
of that file, so a changed pin installs again and an unchanged one costs nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from livekit_tokens.environment import PROJECT_ROOT

REQUIREMENTS = PROJECT_ROOT / "requirements-agents.txt"
FOLDER_VARIABLE = "LIVEKIT_AGENTS_VENV"  # another folder for the workers' environment
DEFAULT_FOLDER = PROJECT_ROOT / ".venv-agents"
INSTALL_TIMEOUT = 15 * 60  # seconds; an install that has not finished by then is stopped
COST_HINT = "about 390 MB, half a minute to a few minutes, once"


class EnvironmentFailure(AssertionError):
    """The workers' environment could not be made; the message holds pip's last lines."""

    ROBOT_SUPPRESS_NAME = True


def folder(environ: dict | None = None) -> Path:
    environ = os.environ if environ is None else environ
    given = str(environ.get(FOLDER_VARIABLE, "")).strip()
    return Path(given).expanduser().absolute() if given else DEFAULT_FOLDER


def python_of(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def requirements_digest(requirements: Path = REQUIREMENTS) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]


def stamp_of(venv: Path, requirements: Path = REQUIREMENTS) -> Path:
    return venv / f".livekit-agents-{requirements_digest(requirements)}"


def ready(venv: Path | None = None, requirements: Path = REQUIREMENTS) -> bool:
    """Whether the workers' environment holds exactly these requirements."""
    venv = folder() if venv is None else venv
    return python_of(venv).exists() and stamp_of(venv, requirements).exists()


def ensure(
    announce: Callable[[str], None] = print,
    venv: Path | None = None,
    requirements: Path = REQUIREMENTS,
    base_python: str | None = None,
) -> Path:
    """The workers' Python, making its environment and installing the pins first when needed.

    ``announce`` gets one line before a first install and one after it, with the time it took.
    A failure raises :class:`EnvironmentFailure` with the last lines pip printed.
    """
    venv = folder() if venv is None else venv
    python = python_of(venv)
    if ready(venv, requirements):
        return python
    with _installing(venv):  # run.py may be making it already, in the background of a first run
        if ready(venv, requirements):
            return python
        return _install(announce, venv, requirements, base_python)


@contextlib.contextmanager
def _installing(venv: Path):
    """Hold the lock of ``venv``'s installation (beside it) until the block ends; one installer at a time."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.with_name(f"{venv.name}.lock"), "a+b") as lock:
        if os.name != "nt":
            import fcntl

            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        yield


def _install(announce: Callable[[str], None], venv: Path, requirements: Path, base_python: str | None) -> Path:
    python = python_of(venv)
    started = time.monotonic()
    announce(f"Setting up the agent workers' environment in {venv} from {requirements.name} ({COST_HINT}) ...")
    if not python.exists():
        _run([base_python or _base_python(), "-m", "venv", "--clear", str(venv)], "Creating the virtual environment")
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    _run([*pip, "-r", str(requirements)], f"Installing {requirements.name}")
    for old in venv.glob(".livekit-agents-*"):
        old.unlink()
    stamp_of(venv, requirements).write_text("installed\n", encoding="utf-8")
    announce(f"The agent workers' environment is ready ({time.monotonic() - started:.0f} s).")
    return python


def _base_python() -> str:
    """The interpreter the project's environment was made from: a venv made from a venv's Python is made from it too."""
    return getattr(sys, "_base_executable", None) or sys.executable


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise EnvironmentFailure(f"{what} for the agent workers did not finish within {INSTALL_TIMEOUT // 60} minutes.") from None
    except OSError as error:
        raise EnvironmentFailure(f"{what} for the agent workers could not start: {error.strerror or error}.") from None
    if done.returncode != 0:
        last = "\n".join((done.stderr or done.stdout or "").strip().splitlines()[-8:])
        raise EnvironmentFailure(f"{what} for the agent workers failed (exit code {done.returncode}):\n{last}")
