"""What a LiveKit server tells about its version, for the sign-off summary's environment section.

A running server names no version in its HTTP answers (``/`` answers ``OK``); a proxy or a build
may add a header that does (``Server: livekit/1.9.0``). A server the suite starts itself is asked
with ``livekit-server --version``. Whatever cannot be read is said to be not reported.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping

NOT_REPORTED = "not reported by the server"
_VERSION = r"v?(\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?)"
# Bounded repetitions keep the search linear in a header's length, whatever the header holds.
_IN_HEADER = re.compile(r"livekit[\w-]{0,40}\s{0,8}[/: ]\s{0,8}" + _VERSION, re.IGNORECASE)
_IN_OUTPUT = re.compile(r"\bversion\s+" + _VERSION, re.IGNORECASE)


def from_headers(headers: Mapping[str, str]) -> str | None:
    """The version a response header names next to "livekit" (``Server: livekit/1.9.0``), else None."""
    for name, value in headers.items():
        match = _IN_HEADER.search(f"{name}: {value}")
        if match:
            return f"{match.group(1)} (from the {name} header)"
    return None


def from_binary(binary: str, timeout: float = 10.0) -> str | None:
    """The version ``<binary> --version`` prints (``livekit-server version 1.9.0``), else None."""
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if done.returncode != 0:
        return None
    match = _IN_OUTPUT.search(done.stdout + "\n" + done.stderr)
    return f"{match.group(1)} (livekit-server --version)" if match else None
