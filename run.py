#!/usr/bin/env python3
"""Set up and run the LiveKit authentication suite.

    python run.py [robot options] [suites]   run the acceptance suites (results in results/)
    python run.py test [pytest options]       run the project's own checks: ruff, Robocop,
                                              pytest, then the acceptance suites
    python run.py signoff OUTPUT.xml...       rebuild the sign-off summary from existing results
    python run.py libdoc                      write the keyword documentation into results/
    python run.py diagnose                    check LIVEKIT_URL and the key pair against the server

Each command creates or reuses a virtual environment (the active one, else .venv) and installs the
pinned requirements into it first. Settings come from the environment (LIVEKIT_API_KEY,
LIVEKIT_API_SECRET, LIVEKIT_KEYS, LIVEKIT_TOKEN, LIVEKIT_ROOM, ...) or from --variable.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
SUITES = ROOT / "suites"
LIBRARIES = ROOT / "libraries"
REQUIREMENTS = ROOT / "requirements.txt"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
NODE_PROJECT = ROOT / "interop" / "node"
BOOTSTRAPPED = "LIVEKIT_AUTH_BOOTSTRAPPED"
MIN_PYTHON = (3, 10)


# ---------------------------------------------------------------- set-up (any Python 3.10+)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def active_venv() -> Path | None:
    if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
        return Path(sys.prefix)
    return None


def ensure_venv() -> Path:
    venv = active_venv() or ROOT / ".venv"
    python = venv_python(venv)
    if not python.exists():
        print(f"Creating a virtual environment in {venv} ...", flush=True)
        import venv as venv_module

        venv_module.EnvBuilder(with_pip=True, clear=venv.exists()).create(venv)
    return python


def ensure_requirements(python: Path, requirements: Path, kind: str) -> None:
    """Install ``requirements`` unless this environment already has exactly these pins.

    A stamp per kind (``runtime``, ``dev``) records a digest of the file and of every file it
    includes with ``-r``, so switching between the two commands does not reinstall anything.
    """
    included = [requirements] + [
        ROOT / line.split(None, 1)[1].strip() for line in requirements.read_text().splitlines() if line.startswith("-r ")
    ]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in included)).hexdigest()[:16]
    prefix = Path(subprocess.check_output([str(python), "-c", "import sys; print(sys.prefix)"], text=True).strip())
    stamp = prefix / f".livekit-auth-{kind}-{digest}"
    if stamp.exists():
        return
    print("Installing the pinned requirements ...", flush=True)
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(requirements)]
    if subprocess.call(command) != 0:
        sys.exit("Installing the requirements failed; see pip's message above.")
    for old in prefix.glob(f".livekit-auth-{kind}-*"):
        old.unlink()
    stamp.write_text("installed\n")


def ensure_node_packages() -> None:
    """Install the pinned Node.js packages of the SDK interop checks when Node.js 18+ is present."""
    if not (NODE_PROJECT / "package.json").exists():
        return
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return
    try:
        version = subprocess.check_output([node, "--version"], text=True).strip().lstrip("v")
    except (OSError, subprocess.CalledProcessError):
        return
    if int(version.split(".")[0]) < 18:
        return
    lock = NODE_PROJECT / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes() if lock.exists() else b"").hexdigest()[:16]
    stamp = NODE_PROJECT / "node_modules" / f".livekit-auth-{digest}"
    if stamp.exists():
        return
    print("Installing the pinned Node.js packages ...", flush=True)
    command = [npm, "ci" if lock.exists() else "install", "--no-audit", "--no-fund", "--loglevel=error"]
    if subprocess.call(command, cwd=NODE_PROJECT, shell=os.name == "nt") != 0:
        print("Installing the Node.js packages failed: the Node.js interop tests will be skipped.", flush=True)
        return
    stamp.write_text("installed\n")


def rerun_in_environment(script: Path, argv: list[str]) -> None:
    """Run ``script`` again in the project's environment (set up as ``python run.py`` sets it up) and exit with its code.

    For the examples, when a Python without the project's packages starts them.
    """
    python = ensure_venv()
    ensure_requirements(python, REQUIREMENTS, "runtime")
    try:
        sys.exit(subprocess.call([str(python), str(Path(script).resolve()), *argv]))
    except KeyboardInterrupt:
        sys.exit(130)


def bootstrap(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is needed; this is {sys.version.split()[0]}.")
    python = ensure_venv()
    development = bool(argv) and argv[0] == "test"
    if development:
        ensure_requirements(python, DEV_REQUIREMENTS, "dev")
    else:
        ensure_requirements(python, REQUIREMENTS, "runtime")
    ensure_node_packages()
    environment = dict(os.environ, **{BOOTSTRAPPED: "1"})
    return subprocess.call([str(python), str(Path(__file__).resolve()), *argv], env=environment)


# ---------------------------------------------------------------- commands (inside the environment)


def missing_variable_file(arguments: list[str]) -> str | None:
    """A ``--variablefile`` (``-V``) that names a file which does not exist, or None.

    Robot Framework only logs an error for it and runs on, so settings such as an app's own
    token-endpoint headers would be dropped without a failure.
    """
    for index, item in enumerate(arguments):
        if item in ("--variablefile", "-V") and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif item.startswith("--variablefile="):
            value = item[len("--variablefile=") :]
        elif item.startswith("-V") and len(item) > 2:
            value = item[2:]
        else:
            continue
        path = re.match(r"(?:[A-Za-z]:)?[^:]*", value).group(0)  # the file, without ":arguments"
        if path.endswith((".py", ".yaml", ".yml", ".json")) and not Path(path).exists():
            return f"The variable file '{path}' does not exist; give the path of an existing file to --variablefile."
    return None


def check_configuration(arguments: list[str] = ()) -> None:
    """Stop with one sentence when a setting is unusable, before Robot Framework starts."""
    sys.path.insert(0, str(LIBRARIES))
    from settings import configuration_problem

    problem = configuration_problem() or missing_variable_file(list(arguments))
    if problem:
        print(f"Configuration error: {problem}", file=sys.stderr)
        sys.exit(252)


def _token_value(variable: str) -> str | None:
    """The value of a ``NAME:value`` command-line variable when NAME is TOKEN (as Robot matches names)."""
    name, separator, value = variable.partition(":")
    if not separator or name.replace(" ", "").replace("_", "").lower() != "token":
        return None
    typed = re.match(r"\s*secret\s*:", value, re.IGNORECASE)  # TOKEN: Secret:<jwt>
    return value[typed.end() :] if typed else value


def supplied_token_to_environment(arguments: list[str]) -> list[str]:
    """Move a ``TOKEN`` variable into LIVEKIT_TOKEN so the token never sits on a command line.

    Every form Robot Framework reads is handled: ``--variable TOKEN:x``, ``--variable=TOKEN:x``,
    ``-v TOKEN:x``, ``-vTOKEN:x``, any case of the name, and ``TOKEN: Secret:x``.
    """
    kept: list[str] = []
    index = 0
    while index < len(arguments):
        item = arguments[index]
        if item in ("--variable", "-v") and index + 1 < len(arguments):
            variable, consumed = arguments[index + 1], 2
        elif item.startswith("--variable="):
            variable, consumed = item[len("--variable=") :], 1
        elif item.startswith("-v") and len(item) > 2 and not item.startswith("--"):
            variable, consumed = item[2:], 1
        else:
            variable, consumed = None, 1
        value = _token_value(variable) if variable is not None else None
        if value is None:
            kept += arguments[index : index + consumed]
        else:
            os.environ["LIVEKIT_TOKEN"] = value
        index += consumed
    return kept


def has_data_source(arguments: list[str]) -> bool:
    """Whether the arguments name suites to run, read as Robot Framework reads them.

    An option's value is not a suite even when a folder has its name (``--include interop``).
    """
    from robot.errors import DataError
    from robot.run import USAGE
    from robot.utils.argumentparser import ArgumentParser

    parser = ArgumentParser(USAGE, arg_limits=(0,), auto_help=False, auto_version=False, auto_argumentfile=False)
    try:
        _, sources = parser.parse_args(list(arguments))
    except DataError:
        return False  # Robot Framework reports the mistake itself
    return bool(sources)


def robot_command(arguments: list[str], outputdir: Path | None = None) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "robot",
        "--outputdir",
        str(outputdir or RESULTS),
        "--output",
        "output.xml",
        "--log",
        "log.html",
        "--report",
        "report.html",
        "--xunit",
        "xunit.xml",
        "--pythonpath",
        str(LIBRARIES),
        *arguments,
    ]
    if not any(item in ("--name", "-N") or item.startswith("--name=") for item in arguments):
        command[3:3] = ["--name", "LiveKit Authentication"]
    if not has_data_source(arguments):
        command.append(str(SUITES))
    return command


def write_libdoc() -> None:
    RESULTS.mkdir(exist_ok=True)
    for library in sorted(LIBRARIES.glob("LiveKit*.py")):
        subprocess.call(
            [
                sys.executable,
                "-m",
                "robot.libdoc",
                "--pythonpath",
                str(LIBRARIES),
                str(library),
                str(RESULTS / f"{library.stem}.html"),
            ],
            stdout=subprocess.DEVNULL,
        )


# What each run writes into results/: removed first, so that nothing of an earlier run is taken for this one.
RUN_OUTPUTS = ("output.xml", "log.html", "report.html", "xunit.xml", "signoff.md", "signoff.html")


def after_run(arguments: list[str], robot_status: int) -> int:
    """Sign-off summary and leak guard for the results just written; returns a failing exit code or 0.

    No summary is written when Robot Framework wrote no results (a wrong option or suite: exit code
    251 or more), so an earlier run's results never pass for this one.
    """
    tools = ROOT / "tools"
    status = 0
    if robot_status < 251 and (RESULTS / "output.xml").exists():
        command = [
            sys.executable,
            str(tools / "signoff.py"),
            str(RESULTS / "output.xml"),
            "--outdir",
            str(RESULTS),
            "--command",
            "python run.py " + " ".join(arguments),
        ]
        status = subprocess.call(command)
    if (tools / "leak_guard.py").exists():
        guard = subprocess.call([sys.executable, str(tools / "leak_guard.py"), str(RESULTS)])
        status = status or guard
    return status


def ensure_livekit_server() -> None:
    """Find the LiveKit server for the project's own tests, building the pinned release once when only Go is there.

    (An acceptance run builds it only when a live suite runs, in `Use LiveKit Server`.) A failed
    build stops with Go's last lines and the ways to get a server.
    """
    if str(LIBRARIES) not in sys.path:
        sys.path.insert(0, str(LIBRARIES))
    from livekit_server import binary

    try:
        source = binary.ensure_server(announce=lambda line: print(line, flush=True))
    except binary.BuildFailure as failure:
        print(
            f"Building livekit-server v{binary.PINNED_VERSION} failed:\n{failure}\n{binary.HOW_TO_GET_A_SERVER}", file=sys.stderr
        )
        sys.exit(252)
    if source.kind == "pinned":
        os.environ[binary.BINARY_VARIABLE] = source.binary


def run_suites(arguments: list[str]) -> int:
    check_configuration(arguments)
    arguments = supplied_token_to_environment(arguments)
    RESULTS.mkdir(exist_ok=True)
    for name in RUN_OUTPUTS:
        (RESULTS / name).unlink(missing_ok=True)
    handle, token_log = tempfile.mkstemp(prefix="livekit-auth-", suffix=".tokens")
    os.close(handle)
    os.environ["LIVEKIT_AUTH_TOKEN_LOG"] = token_log
    try:
        code = subprocess.call(robot_command(arguments))
        write_libdoc()
        post = after_run(arguments, code)
    finally:
        Path(token_log).unlink(missing_ok=True)
    return code or post


def run_checks(arguments: list[str]) -> int:
    ensure_livekit_server()  # the unit tests of the live checks meet the real server too
    steps = [
        ("ruff", [sys.executable, "-m", "ruff", "check", "."]),
        ("ruff format", [sys.executable, "-m", "ruff", "format", "--check", "."]),
        ("robocop check", [sys.executable, "-m", "robocop", "check", "suites", "resources"]),
        ("robocop format", [sys.executable, "-m", "robocop", "format", "--check", "--diff", "suites", "resources"]),
        ("pytest", [sys.executable, "-m", "pytest", *arguments]),
    ]
    failed = []
    for name, command in steps:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.call(command, cwd=ROOT) != 0:
            failed.append(name)
    print("\n=== acceptance suites ===", flush=True)
    if run_suites([]) != 0:
        failed.append("acceptance suites")
    total = len(steps) + 1
    print(f"\nchecks: {total - len(failed)} passed, {len(failed)} failed")
    if failed:
        print("Failed: " + ", ".join(failed))
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if os.environ.get(BOOTSTRAPPED) != "1":
        return bootstrap(argv)
    os.chdir(ROOT)
    command, rest = (argv[0], argv[1:]) if argv and argv[0] in ("test", "signoff", "libdoc", "diagnose") else (None, argv)
    if command == "test":
        return run_checks(rest)
    if command == "libdoc":
        if rest:
            print("python run.py libdoc takes no arguments; it writes the keyword manuals into results/.", file=sys.stderr)
            return 2
        write_libdoc()
        return 0
    if command == "signoff":
        return subprocess.call([sys.executable, str(ROOT / "tools" / "signoff.py"), *rest])
    if command == "diagnose":
        return subprocess.call([sys.executable, str(ROOT / "tools" / "diagnose.py"), *rest])
    return run_suites(rest)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("Stopped by the user.", file=sys.stderr)
        sys.exit(253)  # Robot Framework's code for a run the user stopped
