"""Shared helpers for the project's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ROOT / "libraries"
SUITES = ROOT / "suites"

# Settings that would change what the suites do; tests start from none of them.
LIVEKIT_SETTINGS = [name for name in os.environ if name.startswith("LIVEKIT_")]


def clean_environment(**settings: str) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")}
    environment.update(settings)
    return environment


def run_robot(outputdir: Path, *arguments: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run Robot Framework as `run.py` does, into ``outputdir``, and return the finished process."""
    command = [
        sys.executable,
        "-m",
        "robot",
        "--outputdir",
        str(outputdir),
        "--xunit",
        "xunit.xml",
        "--pythonpath",
        str(LIBRARIES),
        "--consolecolors",
        "off",
        *arguments,
    ]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=clean_environment(**(settings or {})),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def readable_text(path: Path) -> str:
    """The text of a result file as a reader sees it.

    log.html and report.html keep most strings zlib-compressed and base64-encoded in their
    JavaScript model, so a plain search of the file would miss a leaked value: those strings are
    expanded here and appended to the raw text.
    """
    import base64
    import json
    import re
    import zlib

    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".html":
        return raw
    expanded = [raw]
    for match in re.finditer(r'window\.output\["strings"\] = window\.output\["strings"\]\.concat\((\[.*?\])\);', raw, re.S):
        literal = re.sub(r"\\x([0-9a-fA-F]{2})", r"\\u00\1", match.group(1))
        for item in json.loads(literal):
            if item.startswith("*"):
                expanded.append(item[1:])
            else:
                expanded.append(zlib.decompress(base64.b64decode(item)).decode("utf-8", "replace"))
    return "\n".join(expanded)
