"""Facts about the machine and the checkout a run used, for the sign-off summary's environment section.

`LiveKitAuth.Record Test Environment` stores them as suite metadata in ``output.xml``; the summary
reads them from there, so a summary rebuilt later still shows the environment of the run itself.
Nothing here reads or returns a secret.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from . import robot_options

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NODE_PROJECT = PROJECT_ROOT / "interop" / "node"
NODE_SDK = "livekit-server-sdk"

# Metadata names, in the order the summary lists them.
ROBOT = "Robot Framework"
PYTHON = "Python"
PYJWT = "PyJWT"
LIVEKIT_API = "livekit-api"
NODE_SDK_NAME = f"{NODE_SDK} (Node.js)"
NODE = "Node.js"
OS = "Operating system"
COMMIT = "Project commit"
COMMAND = "Robot command"
SERVER_URL = "LiveKit server URL"
SERVER_VERSION = "LiveKit server version"
SERVER_WEBHOOKS = "LiveKit server webhooks"  # checked, or why not (livekit_webhooks.given_server)
SERVER_RULES = "Server rules of the offline verdicts"  # which profile decided them (server_verdicts.py)
UTC_OFFSET = "UTC offset"  # of the machine's clock, so that Robot's local times can be read as UTC

_SECRET_VARIABLE_WORDS = robot_options.SECRET_VARIABLE_WORDS


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def node_sdk_version(project: Path = NODE_PROJECT) -> str | None:
    """The livekit-server-sdk version installed for the interop checks (else pinned in the lock file)."""
    installed = project / "node_modules" / NODE_SDK / "package.json"
    lock = project / "package-lock.json"
    try:
        if installed.is_file():
            return str(json.loads(installed.read_text(encoding="utf-8"))["version"])
        if lock.is_file():
            packages = json.loads(lock.read_text(encoding="utf-8")).get("packages", {})
            version = packages.get(f"node_modules/{NODE_SDK}", {}).get("version")
            return f"{version} (pinned, not installed)" if version else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "unreadable"
    return None


def node_version() -> str:
    node = shutil.which("node")
    if not node:
        return "not installed"
    try:
        return subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def git_commit(root: Path = PROJECT_ROOT) -> str:
    """``<commit>`` or ``<commit> (uncommitted changes)`` of the checkout, or why it is unknown."""
    git = shutil.which("git")
    if not git:
        return "unknown (git is not installed)"
    try:
        head = subprocess.run([git, "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=False)
        if head.returncode != 0:
            return "unknown (not a git checkout)"
        status = subprocess.run([git, "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown (git did not answer)"
    commit = head.stdout.strip()
    return f"{commit} (uncommitted changes)" if status.stdout.strip() else commit


def robot_command(argv: list[str] | None = None) -> str:
    """The command line Robot Framework was started with, values of secret-looking variables hidden."""
    argv = list(sys.argv if argv is None else argv)
    if not argv:
        return "unknown"
    program = Path(argv[0])
    if program.name == "__main__.py":
        started = ["python", "-m", program.parent.name]
    else:
        started = [program.stem if program.suffix in (".py", ".exe") else program.name]
    words = []
    hide_next = False
    for word in argv[1:]:
        if hide_next:
            word = _hidden_variable(word)
            hide_next = False
        elif word in ("-v", "--variable"):
            hide_next = True
        elif word.startswith("--variable="):
            word = "--variable=" + _hidden_variable(word[len("--variable=") :])
        words.append(word)
    parsed = robot_options.parse(argv[1:])
    if parsed and any(value in word for value in parsed.secret_values() for word in words):
        # A form the words above do not take apart (grouped short options such as -XvTOKEN:x):
        # the command as Robot Framework read it, in long form.
        words = parsed.hidden()
    return " ".join(_quoted(word) for word in [*started, *words])


def hide_secret_variables(command: str) -> str:
    """``command`` with the values of secret-looking ``--variable NAME:value`` options replaced by ``<hidden>``."""
    words = "|".join(_SECRET_VARIABLE_WORDS)
    pattern = rf"((?:-v|--variable)[ =]\"?)([^:\s\"]*(?:{words})[^:\s\"]*):[^\s\"]*"
    return re.sub(pattern, r"\1\2:<hidden>", command, flags=re.IGNORECASE)


def _hidden_variable(assignment: str) -> str:
    name, separator, _ = assignment.partition(":")
    if separator and any(part in name.upper() for part in _SECRET_VARIABLE_WORDS):
        return f"{name}:<hidden>"
    return assignment


def _quoted(word: str) -> str:
    if word and all(char.isalnum() or char in "-_./:=,@+%" for char in word):
        return word
    return '"' + word.replace('"', '\\"') + '"'


def collect() -> dict[str, str]:
    """Every environment fact, as ``{metadata name: text}``; the Node entries only with an interop project."""
    from robot.version import VERSION as robot_version

    facts = {
        ROBOT: robot_version,
        PYTHON: f"{platform.python_version()} ({platform.python_implementation()})",
        PYJWT: package_version("PyJWT"),
        LIVEKIT_API: package_version("livekit-api"),
    }
    sdk = node_sdk_version()
    if sdk is not None:
        facts[NODE_SDK_NAME] = sdk
        facts[NODE] = node_version()
    facts[OS] = platform.platform()
    facts[COMMIT] = git_commit()
    facts[UTC_OFFSET] = time.strftime("%z")
    return facts
