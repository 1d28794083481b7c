"""Where the system's Chromium or Chrome is: the ``LIVEKIT_BROWSER`` setting, else the PATH, else
the usual install folders on Linux, macOS and Windows. Playwright's own browser downloads are never
used: the project drives the browser users already have."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SETTING = "LIVEKIT_BROWSER"
HOW_TO_GET_A_BROWSER = (
    "Install Chromium or Chrome to run the browser client: on Debian or Ubuntu `apt-get install chromium`, "
    "on macOS and Windows an installed Google Chrome; or set LIVEKIT_BROWSER to a Chromium or Chrome executable."
)
ON_PATH = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def _usual_places(environ) -> list[Path]:
    if sys.platform == "darwin":
        roots = [Path("/Applications"), Path.home() / "Applications"]
        apps = (
            "Google Chrome.app/Contents/MacOS/Google Chrome",
            "Chromium.app/Contents/MacOS/Chromium",
        )
        return [root / app for root in roots for app in apps]
    if sys.platform == "win32":
        roots = [environ.get(name) for name in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")]
        return [Path(root) / "Google" / "Chrome" / "Application" / "chrome.exe" for root in roots if root]
    return [
        Path("/usr/bin/chromium"),
        Path("/usr/bin/chromium-browser"),
        Path("/usr/bin/google-chrome"),
        Path("/opt/google/chrome/chrome"),
        Path("/snap/bin/chromium"),
    ]


class BrowserSettingError(ValueError):
    """``LIVEKIT_BROWSER`` names something that is not an executable."""


def setting_problem(environ=None) -> str | None:
    """One sentence when ``LIVEKIT_BROWSER`` is set but unusable; else None."""
    environ = os.environ if environ is None else environ
    given = environ.get(SETTING, "").strip()
    if not given:
        return None
    path = Path(given).expanduser()
    if not path.is_file() or not os.access(path, os.X_OK):
        return f"{SETTING} must name a Chromium or Chrome executable, got {given[:120]!r}, which is not an executable file."
    return None


def product_name(executable: Path) -> str:
    """``Chrome`` for Google Chrome, else ``Chromium`` (what Playwright's version number does not say)."""
    name = executable.name.lower()
    return "Chrome" if "chrome" in name and "chromium" not in name else "Chromium"


def find_browser(environ=None) -> Path | None:
    """The browser to drive, or None when this machine has none."""
    environ = os.environ if environ is None else environ
    problem = setting_problem(environ)
    if problem:
        raise BrowserSettingError(problem)
    given = environ.get(SETTING, "").strip()
    if given:
        return Path(given).expanduser()
    for name in ON_PATH:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return Path(found)
    for place in _usual_places(environ):
        if place.is_file() and os.access(place, os.X_OK):
            return place
    return None
