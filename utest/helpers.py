"""Shared helpers for the project's own tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from livekit_evidence import leak_guard

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ROOT / "libraries"
SUITES = ROOT / "suites"

# Settings that would change what the suites do; tests start from none of them.
LIVEKIT_SETTINGS = [name for name in os.environ if name.startswith("LIVEKIT_")]  # of the shell running the tests


NO_SERVER_BUILD = str(ROOT / "utest" / "data" / "no-livekit-server-build")  # a folder that never holds a build


DIAGNOSIS_MARK = " Diagnosis: "  # where a failure message's diagnosis begins


def before_diagnosis(message: str) -> str:
    """A failure message without the diagnosis the libraries add after it."""
    return message.split(DIAGNOSIS_MARK, 1)[0]


def diagnosis_in(message: str) -> str | None:
    """The diagnosis added to a failure message ("Diagnosis: ..."), or None."""
    _, mark, rest = message.partition(DIAGNOSIS_MARK)
    return f"Diagnosis: {rest}" if mark else None


def clean_environment(**settings: str) -> dict[str, str]:
    """The environment without any LIVEKIT_ setting, and without the project's pinned server build.

    A test that wants the real server passes ``LIVEKIT_SERVER_BINARY``; none builds it.
    """
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")}
    environment["LIVEKIT_SERVER_CACHE"] = NO_SERVER_BUILD
    environment["LIVEKIT_SERVER_BUILD"] = "0"  # never a build of the server inside a test
    environment.update(settings)
    return environment


def run_script(script: Path, *arguments: str, **settings: str) -> subprocess.CompletedProcess:
    """Run one of the project's scripts with this Python and ``settings`` (none of the shell's LIVEKIT_ ones); text out."""
    return subprocess.run(
        [sys.executable, str(script), *arguments],
        env=clean_environment(**settings),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def guard_record(outputdir: Path, environment: dict[str, str] | None = None) -> None:
    """Search every file of the run in ``outputdir`` with the leak guard and leave its record beside output.xml, as run.py does."""
    from livekit_evidence.record import RECORD_NAME

    environ = os.environ if environment is None else environment
    token_log = environ.get("LIVEKIT_AUTH_TOKEN_LOG")
    work = leak_guard.plan(environ, Path(token_log) if token_log else None)
    files = [(path.relative_to(outputdir).as_posix(), path) for path in sorted(outputdir.rglob("*")) if path.is_file()]
    outcome = leak_guard.search_files([(name, path) for name, path in files if name != RECORD_NAME], work)
    leak_guard.write_record(leak_guard.verdict(outcome, outputdir / "output.xml"), outputdir / RECORD_NAME)


def written_signoff(outputdir: Path, *options: str, environment: dict[str, str] | None = None) -> str:
    """Write the sign-off of the run in ``outputdir`` with ``tools/signoff.py``, as a user does; return its Markdown.

    The run's files are searched by the leak guard first, whose record the sign-off needs to say PASSED.
    """
    guard_record(outputdir, environment)
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "signoff.py"), str(outputdir / "output.xml"), *options],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return (outputdir / "signoff.md").read_text(encoding="utf-8")


# The agents suite (suites/live/agents.robot) starts real livekit-agents workers, about 50 s: the acceptance
# run checks it, and the tests here that run suites/live as a whole leave it out.
WITHOUT_AGENTS = ("--exclude", "agents")


def robot_command(outputdir: Path, *arguments: str) -> list[str]:
    """Robot Framework as `run.py` starts it, writing into ``outputdir``, without the agents suite."""
    return [
        sys.executable,
        "-m",
        "robot",
        "--outputdir",
        str(outputdir),
        "--xunit",
        "xunit.xml",
        "--consolecolors",
        "off",
        *WITHOUT_AGENTS,
        *arguments,
    ]


def run_robot(outputdir: Path, *arguments: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run Robot Framework as `run.py` does, into ``outputdir``, and return the finished process."""
    return subprocess.run(
        robot_command(outputdir, *arguments),
        cwd=ROOT,
        env=clean_environment(**(settings or {})),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def readable_text(path: Path) -> str:
    """The text of a result file as a reader sees it, the compressed strings of log.html included.

    log.html and report.html keep most strings zlib-compressed and base64-encoded in their
    JavaScript model, so a plain search of the file would miss a leaked value; the leak guard's
    reader expands them.
    """
    return leak_guard.readable_text(path.read_bytes())


def section(markdown: str, title: str) -> str:
    """The text under a heading that starts with ``title``, up to the next heading of any level."""
    match = re.search(rf"^#+ {re.escape(title)}[^\n]*\n(.*?)(?=^#|\Z)", markdown, flags=re.MULTILINE | re.DOTALL)
    assert match, f"no section {title!r} in:\n{markdown}"
    return match.group(1)
