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

import codecs
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO

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
    with subprocess.Popen([str(python), str(Path(__file__).resolve()), *argv], env=environment) as child:
        try:
            return child.wait()
        except KeyboardInterrupt:  # the run got the same Ctrl-C: it stops, removes its temporary files and says so
            return child.wait()


# ---------------------------------------------------------------- commands (inside the environment)


def robot_arguments(arguments: list[str]):
    """``arguments`` read by Robot Framework's own parser (``RobotArguments``), or None when it refuses them.

    Every form Robot reads is understood: ``--variable x``, ``--variable=x``, ``-v x``, ``-vx``,
    grouped short options such as ``-XvTOKEN:x`` or ``-.vx``, any case of a long name, an
    unambiguous abbreviation of it.
    """
    if str(LIBRARIES) not in sys.path:
        sys.path.insert(0, str(LIBRARIES))
    from livekit_tokens import robot_options

    return robot_options.parse(arguments)


def missing_variable_file(arguments: list[str]) -> str | None:
    """A ``--variablefile`` (``-V``) that names a file which does not exist, or None.

    Robot Framework only logs an error for it and runs on, so settings such as an app's own
    token-endpoint headers would be dropped without a failure.
    """
    parsed = robot_arguments(arguments)
    for value in parsed.values("variablefile") if parsed else []:
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

    The arguments are read by Robot Framework's own parser, so every form it reads is handled
    (``--variable TOKEN:x``, ``-vTOKEN:x``, ``-XvTOKEN:x``, any case of the name, ``TOKEN: Secret:x``,
    ...). Without a TOKEN variable the arguments are returned as given, else in long form without it.
    """
    parsed = robot_arguments(arguments)
    if parsed is None:
        return list(arguments)
    kept = []
    moved = False
    for name, value in parsed.options:
        token = _token_value(value) if name == "variable" else None
        if token is None:
            kept.append((name, value))
        else:
            os.environ["LIVEKIT_TOKEN"] = token  # the last one given wins, as in Robot Framework
            moved = True
    return parsed.render(kept) if moved else list(arguments)


def secret_looking_values(arguments: list[str]) -> list[str]:
    """The values of ``--variable`` options whose names look secret: the leak guard searches them too."""
    parsed = robot_arguments(arguments)
    return parsed.secret_values() if parsed else []


def shown_command(arguments: list[str]) -> str:
    """The ``python run.py ...`` command of the sign-off, values of secret-looking variables hidden."""
    parsed = robot_arguments(arguments)
    if parsed is None or not parsed.secret_values():
        return " ".join(["python run.py", *arguments])
    return " ".join(["python run.py", *parsed.hidden()])


def has_data_source(arguments: list[str]) -> bool:
    """Whether the arguments name suites to run, read as Robot Framework reads them.

    An option's value is not a suite even when a folder has its name (``--include interop``).
    """
    parsed = robot_arguments(arguments)
    return bool(parsed and parsed.sources)  # Robot Framework reports a mistake itself


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
    parsed = robot_arguments(arguments)
    if parsed is None or parsed.last("name") is None:
        command[3:3] = ["--name", "LiveKit Authentication"]
    if sys.stdout.isatty() and os.name != "nt" and parsed is not None:
        # The console output reaches the terminal through run.py (see call_teed): keep its colours and markers.
        for name in ("consolecolors", "consolemarkers"):
            if parsed.last(name) is None:
                command[3:3] = [f"--{name}", "on"]
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


# What each run writes into its output folder: removed first, so that nothing of an earlier run is
# taken for this one. The default folder, results/, is emptied altogether.
RUN_OUTPUTS = ("output.xml", "log.html", "report.html", "xunit.xml", "signoff.md", "signoff.html")
OUTPUT_OPTIONS = ("output", "log", "report", "xunit", "debugfile")


class RunOutputs:
    """Where Robot Framework writes, as its options say: the folder, output.xml, and files given elsewhere."""

    def __init__(self, folder: Path, output: Path | None, elsewhere: list[Path] = ()):
        self.folder = folder
        self.output = output
        self.elsewhere = list(elsewhere)

    def written_elsewhere(self) -> list[Path]:
        """The files given outside the folder, with their timestamped (``-T``) and split-log (``--splitlog``) siblings."""
        found = []
        for path in self.elsewhere:
            pattern = re.compile(rf"{re.escape(path.stem)}(-\d{{8}}-\d{{6}})?(-\d+\.js|{re.escape(path.suffix)})")
            if path.parent.is_dir():
                found += [item for item in sorted(path.parent.iterdir()) if pattern.fullmatch(item.name) and item.is_file()]
        return found


def run_outputs(arguments: list[str]) -> RunOutputs:
    """The outputs of ``robot_command(arguments)``, read with Robot Framework's parser as Robot reads them."""
    parsed = robot_arguments(robot_command(arguments)[3:])
    if parsed is None:  # Robot Framework refuses the options and writes nothing
        return RunOutputs(RESULTS.resolve(), None)
    folder = (ROOT / parsed.last("outputdir")).resolve()
    files = {}
    for name in OUTPUT_OPTIONS:
        value = parsed.last(name)
        if value is not None and value.upper() != "NONE":
            files[name] = (folder / value).resolve()
    elsewhere = [path for path in files.values() if not path.is_relative_to(folder)]
    return RunOutputs(folder, files.get("output"), elsewhere)


def clear_earlier_results(outputs: RunOutputs) -> None:
    """Empty results/ (or remove the run's own file names from another output folder) before a run."""
    try:
        outputs.folder.mkdir(parents=True, exist_ok=True)
        if outputs.folder == RESULTS.resolve():
            for item in outputs.folder.iterdir():
                if item.is_dir() and not item.is_symlink():
                    shutil.rmtree(item)
                else:
                    item.unlink()
        else:
            for name in RUN_OUTPUTS:
                (outputs.folder / name).unlink(missing_ok=True)
    except OSError as error:
        where = error.filename or outputs.folder
        print(
            f"Cannot clear {where} of an earlier run ({error.strerror or error}); close what holds it open and run again.",
            file=sys.stderr,
        )
        sys.exit(252)


def call_teed(command: list[str], console: BinaryIO) -> int:
    """Run ``command``, showing its output as usual and copying it into ``console`` for the leak guard."""
    environment = dict(os.environ, PYTHONIOENCODING="utf-8")
    lock = threading.Lock()
    sys.stdout.flush()
    sys.stderr.flush()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment) as process:
        copies = [
            threading.Thread(target=_copy, args=(process.stdout, sys.stdout, console, lock), daemon=True),
            threading.Thread(target=_copy, args=(process.stderr, sys.stderr, console, lock), daemon=True),
        ]
        for copy in copies:
            copy.start()
        try:
            code = process.wait()
        except BaseException:  # Ctrl-C: stop the run as subprocess.call does
            process.kill()
            process.wait()
            raise
        finally:
            for copy in copies:
                copy.join()
    return code


def _copy(source, target, console: BinaryIO, lock: threading.Lock) -> None:
    """Copy ``source`` to ``target`` and ``console`` until it ends; a closed ``target`` (``| head``) is skipped."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    showing = True
    while True:
        chunk = source.read1(65536)
        with lock:
            console.write(chunk)
        text = decoder.decode(chunk, final=not chunk)
        if showing and text:
            try:
                target.write(text)
                target.flush()
            except (OSError, ValueError):  # the terminal or pipe went away: keep reading, or the run would block
                showing = False
        if not chunk:
            return


def after_run(arguments: list[str], robot_status: int, outputs: RunOutputs, console: Path) -> int:
    """Sign-off summary and leak guard for the results just written; returns a failing exit code or 0.

    No summary is written when Robot Framework wrote no results (a wrong option or suite: exit code
    251 or more), so an earlier run's results never pass for this one. The guard searches the
    output folder, the output files given outside it, and the console output.
    """
    tools = ROOT / "tools"
    status = 0
    with console.open("ab") as capture:
        if robot_status < 251 and outputs.output is not None and outputs.output.exists():
            command = [
                sys.executable,
                str(tools / "signoff.py"),
                str(outputs.output),
                "--outdir",
                str(outputs.folder),
                "--command",
                shown_command(arguments),
            ]
            status = call_teed(command, capture)
    if (tools / "leak_guard.py").exists():
        guard = [sys.executable, str(tools / "leak_guard.py"), str(outputs.folder), "--console", str(console)]
        for extra in outputs.written_elsewhere():
            guard += ["--also", str(extra)]
        status = status or subprocess.call(guard)
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


def _temporary_file(suffix: str) -> Path:
    """An empty file in the system's temporary folder that only this user can read."""
    handle, name = tempfile.mkstemp(prefix="livekit-auth-", suffix=suffix)
    os.close(handle)
    return Path(name)


def run_suites(arguments: list[str]) -> int:
    check_configuration(arguments)
    arguments = supplied_token_to_environment(arguments)
    outputs = run_outputs(arguments)
    clear_earlier_results(outputs)
    temporary = [_temporary_file(suffix) for suffix in (".tokens", ".console")]
    token_log, console = temporary
    os.environ["LIVEKIT_AUTH_TOKEN_LOG"] = str(token_log)
    try:
        with token_log.open("a", encoding="utf-8") as noted:  # searched by the guard like the run's own notes
            noted.writelines(json.dumps({"secret": value}) + "\n" for value in secret_looking_values(arguments))
        with console.open("wb") as capture:
            code = call_teed(robot_command(arguments), capture)
        write_libdoc()
        post = after_run(arguments, code, outputs, console)
    finally:
        for path in temporary:
            path.unlink(missing_ok=True)
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
