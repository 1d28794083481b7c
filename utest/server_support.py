"""The LiveKit server as the project's tests meet it: the real one when it can be had, a stand-in
started as ``livekit-server`` from PATH, or none at all."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from livekit_server import binary

LIVE_TESTS = 53  # the tests of suites/live
BROWSER_TESTS = 10  # of them, the browser client's (suites/live/browser_client.robot)


def real_server() -> str:
    """The real livekit-server's binary; without one the test is skipped (failed with ``LIVEKIT_REQUIRE_SERVER=1``)."""
    source = binary.find_source(dict(os.environ, LIVEKIT_URL=""))
    if source.binary is None:
        if os.environ.get("LIVEKIT_REQUIRE_SERVER") == "1":
            pytest.fail(f"LIVEKIT_REQUIRE_SERVER=1 but no livekit-server was found. {binary.HOW_TO_GET_A_SERVER}")
        pytest.skip(binary.HOW_TO_GET_A_SERVER)
    return source.binary


def fake_livekit_server(folder: Path) -> None:
    """A ``livekit-server`` on PATH that runs the stand-in with the options it is given."""
    script = folder / "livekit-server"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "utest" / "standin_server.py"}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def path_without_livekit_server() -> str:
    """PATH without the folders that hold a ``livekit-server``."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(folder for folder in folders if not os.path.exists(os.path.join(folder, "livekit-server")))


def browser_unavailable() -> str | None:
    """Why the browser client cannot run here (its skip sentence), or None; fails with ``LIVEKIT_REQUIRE_BROWSER=1``."""
    from livekit_browser import executable, page
    from livekit_settings.browser import browser_required

    why = None if executable.find_browser() else executable.HOW_TO_GET_A_BROWSER
    why = why or page.missing_client()
    if why and browser_required():
        pytest.fail(f"LIVEKIT_REQUIRE_BROWSER=1 but the browser check cannot run: {why}")
    return why
