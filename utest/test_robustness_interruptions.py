"""Robustness catalogue: a run interrupted in any way leaves no token, no secret and no process behind.

Each row sends a real signal to a real ``python run.py`` while its suite holds a real livekit-server
started with the run's secret and has minted a token, then checks the process table (every process
the run started is gone) and the temporary folder the run was given (nothing left in it; no file
anywhere in it holds the secret or the token). The suite waits until told to stop, so the signal
always arrives while the server runs.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, clean_environment
from server_support import real_server

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)")

SUITE = """*** Settings ***
Library    LiveKitAuth
Library    LiveKitHttp

*** Test Cases ***
A Server Runs Until The Run Is Stopped
    ${token} =    Generate Token    alice    test_room    room_join=${True}
    Use LiveKit Server
    Log To Console    READY
    Sleep    120s
"""


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # state, ppid, ... (after the command name)


def descendants(root: int) -> dict[int, str]:
    """Every process below ``root`` now, with its start time (to tell a reused pid)."""
    children: dict[int, list[int]] = {}
    started: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
                started[int(entry.name)] = fields[19]
    found, queue = {}, [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found[child] = started[child]
            queue.append(child)
    return found


def alive(pid: int, start: str) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[19] == start and fields[0] != "Z"


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"


def start_run(tmp_path: Path, secret: str, outer: bool = False) -> tuple[subprocess.Popen, Path]:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    suite = tmp_path / "waiting.robot"
    suite.write_text(SUITE, encoding="utf-8")
    environment = clean_environment(
        LIVEKIT_SERVER_BINARY=real_server(), LIVEKIT_API_KEY="prod", LIVEKIT_API_SECRET=secret, TMPDIR=str(temporary)
    )
    python = sys.executable
    if outer:  # the Python a user starts run.py with: it hands the run over to the project's environment
        environment.pop("LIVEKIT_AUTH_BOOTSTRAPPED", None)
        environment.pop("VIRTUAL_ENV", None)
        python = shutil.which("python3", path="/usr/bin:/usr/local/bin") or pytest.skip("no system python3")
    else:
        environment["LIVEKIT_AUTH_BOOTSTRAPPED"] = "1"
    command = [python, str(ROOT / "run.py"), "--outputdir", str(tmp_path / "results"), str(suite)]
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path
    )
    deadline = time.monotonic() + 120
    seen = b""
    while b"READY" not in seen:
        line = process.stdout.readline()
        seen += line
        if not line or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the run never reached its waiting step: {seen.decode(errors='replace')[-2000:]}")
    return process, temporary


def wait_for_servers(root: int) -> dict[int, str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = descendants(root)
        if any("livekit-server" in command_of(pid) for pid in found):
            return found
        time.sleep(0.05)
    pytest.fail("no livekit-server among the run's processes")


def files_holding(folder: Path, *values: str) -> list[str]:
    held = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(value.encode() in data for value in values):
                held.append(str(path))
    return held


# case, whom the signal goes to ("run": run.py's pid, "group": its process group, "inner": the run in
# the project's environment that an outer run.py started), the signal, whether run.py is started by
# a Python outside the environment
CASES = [
    ("SIGTERM to run.py", "run", signal.SIGTERM, False),
    ("SIGTERM to run.py's process group", "group", signal.SIGTERM, False),
    ("SIGINT to run.py", "run", signal.SIGINT, False),
    ("Ctrl-C: SIGINT to the whole process group", "group", signal.SIGINT, False),
    ("SIGHUP to run.py (the terminal closed)", "run", signal.SIGHUP, False),
    ("run.py killed (SIGKILL)", "run", signal.SIGKILL, False),
    ("SIGTERM to the run.py a user started, which handed over to the environment", "run", signal.SIGTERM, True),
    ("the run.py a user started killed (SIGKILL)", "run", signal.SIGKILL, True),
    ("Ctrl-C to the group of the run.py a user started", "group", signal.SIGINT, True),
]


@pytest.mark.parametrize(("case", "whom", "number", "outer"), CASES, ids=[row[0] for row in CASES])
def test_an_interrupted_run_leaves_no_process_and_no_file_with_a_secret(tmp_path, case, whom, number, outer):
    secret = "interrupted-" + secrets.token_urlsafe(32)
    process, temporary = start_run(tmp_path, secret, outer)
    started = wait_for_servers(process.pid)
    token_files = [path for path in temporary.rglob("*") if path.is_file()]
    assert token_files, "the run keeps its token log in the temporary folder it was given"
    if whom == "group":
        os.killpg(process.pid, number)
    else:
        os.kill(process.pid, number)
    try:
        output = process.communicate(timeout=60)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("run.py did not end within 60 s of the signal")
    deadline = time.monotonic() + 15  # a killed run.py is cleaned up after by its reaper
    while time.monotonic() < deadline:
        left = {pid: command_of(pid) for pid, start in started.items() if alive(pid, start)}
        if not left and not any(temporary.iterdir()):
            break
        time.sleep(0.1)
    assert left == {}, f"{case}: processes of the run still running"
    assert sorted(path.name for path in temporary.rglob("*")) == [], f"{case}: files left in the temporary folder"
    if number != signal.SIGKILL:
        assert process.returncode == 253, output[-2000:]
        assert f"Stopped by {signal.Signals(number).name}" in output
    results = tmp_path / "results"
    assert files_holding(results, secret) == [] if results.exists() else True
