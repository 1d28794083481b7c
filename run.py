#!/usr/bin/env python3
"""Set up and run the LiveKit authentication suite: ``python run.py --help`` says how (USAGE below).

Each command creates or reuses a virtual environment (the active one, else .venv) and installs the
pinned requirements into it first.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
SUITES = ROOT / "suites"
LIBRARIES = ROOT / "libraries"
RESOURCES = ROOT / "resources"
# The keyword manuals: documentation, not evidence of a run. Written when a library or resource
# changed (the stamp holds a digest of them) and by `python run.py libdoc`.
MANUALS = RESULTS / "manuals"
MANUALS_STAMP = ".written-from"
REQUIREMENTS = ROOT / "requirements.txt"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
NODE_PROJECT = ROOT / "interop" / "node"
BOOTSTRAPPED = "LIVEKIT_AUTH_BOOTSTRAPPED"
MIN_PYTHON = (3, 10)
STARTED = time.time()  # when this process began running run.py
PHASES_VARIABLE = "LIVEKIT_AUTH_PHASES"  # a JSON file to write the wall time of each phase into (tools/bench.py)


class Phases:
    """The wall time of each phase of a run, in seconds, for ``tools/bench.py``.

    Written only when ``LIVEKIT_AUTH_PHASES`` names a file; the set-up (before the run moves into
    the project's environment) and the run add to the same file.
    """

    def __init__(self):
        self.times: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - started

    def save(self, **moments: float) -> None:
        path = os.environ.get(PHASES_VARIABLE)
        if not path:
            return
        try:
            recorded = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            recorded = {}
        recorded = recorded if isinstance(recorded, dict) else {}
        for name, seconds in self.times.items():
            recorded[name] = recorded.get(name, 0.0) + seconds
        recorded.update(moments)
        Path(path).write_text(json.dumps(recorded, indent=1) + "\n", encoding="utf-8")
        self.times = {}


PHASES = Phases()
HELP_OPTIONS = ("-h", "--help", "-?", "help")

USAGE = """\
LiveKit client authentication suite

  python run.py [Robot Framework options] [suites]
      Run the acceptance suites (all of suites/ unless suites are named). Results go to results/,
      or to the folder --outputdir (-d) names: report.html, log.html, output.xml, xunit.xml, the
      sign-off signoff.html and signoff.md, and leak-guard.json (what the leak guard searched).
      A secret or a token found in any file the run wrote fails the run and its sign-off.
  python run.py test [pytest options]
      The project's own checks: ruff, Robocop, the unit tests in utest/, then the suites.
  python run.py signoff OUTPUT.xml|FOLDER... [--outdir DIR] [--require-passed [--allow-offline]]
      Write the sign-off summary again from existing results (several are combined).
  python run.py libdoc
      Write the keyword manuals of the libraries and the resource files into results/manuals/.
  python run.py diagnose
      Check LIVEKIT_URL and the key pair against that LiveKit server in a few seconds.
  python run.py --help | --robot-help
      This help, or every option of Robot Framework (all of them work after python run.py).

Robot Framework options used most:
  --include TAG, -i TAG        only the tests with this tag: step-1 ... step-5, authentication,
                               live, client, endpoint, security, interop, webhooks, diagnosis,
                               agents
  --exclude TAG, -e TAG        leave out the tests with this tag
  --test NAME, -t NAME         only the test of this name
  --variable NAME:VALUE, -v    a setting by its Robot name: ROOM, IDENTITY, TTL, CAN_PUBLISH, ...
  --outputdir DIR, -d DIR      where the results go
  --loglevel LEVEL, -L LEVEL   TRACE, DEBUG, INFO (the default) or WARN; never shows a secret

Settings come from environment variables (LIVEKIT_API_KEY, LIVEKIT_API_SECRET, LIVEKIT_TOKEN,
LIVEKIT_TOKEN_FILE, LIVEKIT_ROOM, LIVEKIT_URL, ...): see README.md. The exit code is Robot
Framework's: 0 when every test passed; 252 when a setting or an option is wrong and no test ran.
"""


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
    """Install ``requirements``, then this project (editable), unless this environment has exactly these.

    The project's keyword libraries and packages in ``libraries/`` are installed editable, so that
    suites, tools and examples import them by name and an edit needs no reinstall. A stamp per kind
    (``runtime``, ``dev``) records a digest of the file, of every file it includes with ``-r``, of the
    package's definition in ``pyproject.toml`` and of this folder's path, so switching between the
    two commands does not reinstall anything.
    """
    included = [requirements] + [
        ROOT / line.split(None, 1)[1].strip() for line in requirements.read_text().splitlines() if line.startswith("-r ")
    ]
    files = b"".join(path.read_bytes() for path in included) + _package_definition().encode("utf-8")
    digest = hashlib.sha256(files + str(ROOT).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    prefix = python.parent.parent  # the environment's folder: bin/python, or Scripts\\python.exe on Windows
    stamp = prefix / f".livekit-auth-{kind}-{digest}"
    if stamp.exists():
        return
    print("Installing the pinned requirements ...", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if subprocess.call([*pip, "-r", str(requirements)]) != 0:
        sys.exit("Installing the requirements failed; see pip's message above.")
    # The build uses the pinned setuptools just installed: nothing is fetched for it.
    if subprocess.call([*pip, "--no-deps", "--no-build-isolation", "--editable", str(ROOT)]) != 0:
        sys.exit("Installing the project's libraries failed; see pip's message above.")
    for old in prefix.glob(f".livekit-auth-{kind}-*"):
        old.unlink()
    stamp.write_text("installed\n")


def _package_definition() -> str:
    """What of ``pyproject.toml`` defines the installed package: all but the tools' settings (ruff, pytest, ...)."""
    kept, keep = [], True
    for line in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            keep = not line.startswith("[tool.") or line.startswith("[tool.setuptools")
        if keep:
            kept.append(line)
    return "\n".join(kept)


def ensure_node_packages() -> None:
    """Install the pinned Node.js packages of the SDK interop checks when Node.js 18+ is present."""
    if not (NODE_PROJECT / "package.json").exists():
        return
    lock = NODE_PROJECT / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes() if lock.exists() else b"").hexdigest()[:16]
    stamp = NODE_PROJECT / "node_modules" / f".livekit-auth-{digest}"
    if stamp.exists():  # installed with these pins by a Node.js 18+ before
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


def background_build(argv: list[str]):
    """The pinned server's build, started now when this run would make it (see livekit_server/background.py), else None.

    It goes on while the environment is set up and the offline suites run; what needs the server waits for it.
    """
    if argv and (argv[0] in ("signoff", "libdoc", "diagnose", "--robot-help") or any(a in HELP_OPTIONS for a in argv)):
        return None
    background = _server_package("background")
    base = Path(os.environ.get("LIVEKIT_SERVER_CACHE") or (active_venv() or ROOT / ".venv") / "livekit-server")
    go = background.should_start(os.environ, base)
    return background.Build(go, base, announce=lambda line: print(line, flush=True)) if go else None


def _server_package(module: str):
    """``livekit_server.<module>`` (standard library only), loaded from libraries/ before the packages are installed."""
    import importlib
    import importlib.util

    if "livekit_server" not in sys.modules and importlib.util.find_spec("livekit_server") is None:
        folder = LIBRARIES / "livekit_server"
        spec = importlib.util.spec_from_file_location(
            "livekit_server", folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["livekit_server"] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"livekit_server.{module}")


def bootstrap(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is needed; this is {sys.version.split()[0]}.")
    build = background_build(argv)
    try:
        if build is not None:
            os.environ.update(build.environment())
        return _bootstrap(argv)
    finally:
        if build is not None:
            build.close()


def _bootstrap(argv: list[str]) -> int:
    with PHASES.phase("set-up checks"):
        python = ensure_venv()
        development = bool(argv) and argv[0] == "test"
        if development:
            ensure_requirements(python, DEV_REQUIREMENTS, "dev")
        else:
            ensure_requirements(python, REQUIREMENTS, "runtime")
        ensure_node_packages()
    os.environ[BOOTSTRAPPED] = "1"
    if _same_file(Path(sys.prefix), python.parent.parent):  # already running in the environment: no second start
        PHASES.save(**{"set-up started at": STARTED})
        return main(argv)
    PHASES.save(**{"set-up started at": STARTED, "handed over at": time.time()})
    command = [str(python), str(Path(__file__).resolve()), *argv]
    with subprocess.Popen(command, env=dict(os.environ), **_tied_to_this_process()) as child:
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # the run stops, removes its temporary files and says so
            if hasattr(signal, name) and os.name != "nt":
                signal.signal(getattr(signal, name), lambda number, _frame: child.send_signal(number))
        try:
            return child.wait()
        except KeyboardInterrupt:  # Windows: the run got the same Ctrl-C
            return child.wait()


def _tied_to_this_process() -> dict:
    """Options that keep the run from outliving this process: its own group (signals reach it once,
    forwarded) and, on Linux, SIGTERM when this process dies."""
    if os.name == "nt":
        return {}

    def prepare() -> None:
        os.setpgid(0, 0)
        if sys.platform.startswith("linux"):
            import ctypes

            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return {"preexec_fn": prepare}


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths name the same file or folder (a virtual environment's python may be a link to another)."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


# ---------------------------------------------------------------- commands (inside the environment)


def robot_arguments(arguments: list[str]):
    """``arguments`` read by Robot Framework's own parser (``RobotArguments``), or None when it refuses them.

    Every form Robot reads is understood: ``--variable x``, ``--variable=x``, ``-v x``, ``-vx``,
    grouped short options such as ``-XvTOKEN:x`` or ``-.vx``, any case of a long name, an
    unambiguous abbreviation of it.
    """
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


def configuration_problem(arguments: list[str] = ()) -> str | None:
    """One sentence when a setting or an option is unusable, before Robot Framework starts; else None."""
    from livekit_settings.suite import configuration_problem as settings_problem
    from livekit_tokens import robot_options

    refused = robot_options.parse_error(list(arguments))
    if refused:
        return f"{refused.rstrip('.')}; see python run.py --help."
    return settings_problem(arguments=list(arguments)) or missing_variable_file(list(arguments))


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
            os.environ.pop("LIVEKIT_TOKEN_FILE", None)  # and the command line wins over the environment
            moved = True
    return parsed.render(kept) if moved else list(arguments)


def secret_looking_values(arguments: list[str]) -> list[str]:
    """The values of ``--variable`` options whose names look secret: the leak guard searches them too."""
    parsed = robot_arguments(arguments)
    return parsed.secret_values() if parsed else []


def shown_command(arguments: list[str], secrets: list[str] = ()) -> str:
    """The ``python run.py ...`` command of the sign-off, values of secret-looking variables and known ``secrets`` hidden."""
    parsed = robot_arguments(arguments)
    if parsed is None or parsed.hidden(secrets) == parsed.render():
        return " ".join(["python run.py", *arguments])
    return " ".join(["python run.py", *parsed.hidden(secrets)])


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
        "--listener",  # says where Robot Framework wrote and which errors its set-up had (livekit_evidence.run_record)
        "livekit_evidence.run_record",
        *arguments,
    ]
    parsed = robot_arguments(arguments)
    if parsed is not None and (parsed.last("output") or "").upper() == "NONE" and parsed.last("log") is None:
        command[command.index("log.html")] = "NONE"  # Robot Framework writes no log without output.xml
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


def manual_sources() -> list[Path]:
    """The keyword libraries and the resource files (the plain sentences testers write), in manual order."""
    return sorted(LIBRARIES.glob("LiveKit*.py")) + sorted(RESOURCES.glob("*.resource"))


def manuals_digest() -> str:
    """A digest of everything a keyword manual is made from: the libraries, their packages, the resources."""
    from robot.version import VERSION

    digest = hashlib.sha256(VERSION.encode())
    sources = sorted({*LIBRARIES.rglob("*.py"), *RESOURCES.glob("*.resource")})
    for path in sources:
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def write_libdoc() -> list[Path]:
    """Write the keyword manuals of every library and resource file into MANUALS, in this process; return them."""
    from robot.libdoc import libdoc

    MANUALS.mkdir(parents=True, exist_ok=True)
    written, failed = [], []
    for source in manual_sources():
        target = MANUALS / f"{source.stem}.html"
        if libdoc(str(source), str(target), quiet=True) == 0:
            written.append(target)
        else:
            failed.append(source.name)
    if failed:
        print(f"The keyword manual of {', '.join(failed)} could not be written; see the message above.", file=sys.stderr)
    else:
        (MANUALS / MANUALS_STAMP).write_text(manuals_digest() + "\n", encoding="utf-8")
    return written


def ensure_manuals() -> None:
    """Write the keyword manuals when a library or resource changed since they were written (see MANUALS_STAMP)."""
    stamp = MANUALS / MANUALS_STAMP
    try:
        current = stamp.read_text(encoding="utf-8").strip()
    except OSError:
        current = None
    if current != manuals_digest() or not all((MANUALS / f"{source.stem}.html").is_file() for source in manual_sources()):
        write_libdoc()


# What a run writes besides Robot Framework's own outputs, beside them in the output folder: replaced
# by every run that writes results, removed when that run does not write them again.
SIGNOFF_FILES = ("signoff.md", "signoff.html")
GUARD_RECORD = "leak-guard.json"  # what the leak guard searched and found, for the sign-off rebuilt later
SERVER_LOG = "livekit-server.log"  # kept by the live suite when one of its tests failed
OWNED = (*SIGNOFF_FILES, GUARD_RECORD, SERVER_LOG)
OUTPUT_OPTIONS = ("output", "log", "report", "xunit", "debugfile")
_TIMESTAMP = r"(-\d{8}-\d{6})?"  # --timestampoutputs


class RunOutputs:
    """Where Robot Framework writes, as its options say: the folder and each output file (``NONE`` left out)."""

    def __init__(self, folder: Path, files: dict[str, Path] | None = None):
        self.folder = folder
        self.files = dict(files or {})

    @property
    def output(self) -> Path | None:
        return self.files.get("output")

    @property
    def elsewhere(self) -> list[Path]:
        """The output files given outside the folder."""
        return [path for path in self.files.values() if not path.is_relative_to(self.folder)]

    def pattern(self, path: Path, parts: bool = True) -> re.Pattern:
        """The names Robot Framework gives ``path``: timestamped (``-T``) or not, and its ``--splitlog`` parts."""
        ends = rf"(-\d+\.js|{re.escape(path.suffix)})" if parts else re.escape(path.suffix)
        return re.compile(rf"{re.escape(path.stem)}{_TIMESTAMP}{ends}")

    def is_robot_output(self, path: Path) -> bool:
        """Whether ``path`` is one of the files Robot Framework writes for these options."""
        return any(path.parent == own.parent and self.pattern(own).fullmatch(path.name) for own in self.files.values())

    def written_output(self, written: list[Path]) -> Path | None:
        """The output.xml among the files ``written``, or None when this run wrote none."""
        output = self.output
        if output is None:
            return None
        pattern = self.pattern(output, parts=False)
        found = [path for path in written if path.parent == output.parent and pattern.fullmatch(path.name)]
        return found[-1] if found else None

    def shown(self, path: Path) -> str:
        """``path`` as the console names it: relative to the output folder when inside it."""
        return path.relative_to(self.folder).as_posix() if path.is_relative_to(self.folder) else str(path)

    def folder_shown(self) -> str:
        return f"{self.folder.relative_to(ROOT).as_posix()}/" if self.folder.is_relative_to(ROOT) else str(self.folder)


def run_outputs(arguments: list[str]) -> RunOutputs:
    """The outputs of ``robot_command(arguments)``, read with Robot Framework's parser as Robot reads them."""
    parsed = robot_arguments(robot_command(arguments)[3:])
    if parsed is None:  # Robot Framework refuses the options and writes nothing
        return RunOutputs(RESULTS.resolve())
    folder = (ROOT / parsed.last("outputdir")).resolve()
    files = {}
    for name in OUTPUT_OPTIONS:
        value = parsed.last(name)
        if value is not None and value.upper() != "NONE":
            files[name] = (folder / value).resolve()
    return RunOutputs(folder, files)


def _file_state(path: Path) -> tuple[int, int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ino, status.st_ctime_ns)


class Snapshot:
    """The files in the places a run writes, taken before it, to tell the files this run wrote from earlier ones.

    The places are the output folder (with its subfolders, the keyword manuals left out) and, beside
    each output file given outside it, the names Robot Framework gives that file.
    """

    def __init__(self, outputs: RunOutputs):
        self.outputs = outputs
        self.before = self._scan()

    def _scan(self) -> dict[Path, tuple]:
        found: dict[Path, tuple] = {}
        folder = self.outputs.folder
        if folder.is_dir():
            for path in folder.rglob("*"):
                if (
                    path.is_file()
                ):  # the keyword manuals too: written before this snapshot, they are new only when the run wrote them
                    found[path] = _file_state(path)
        for own in self.outputs.elsewhere:
            pattern = self.outputs.pattern(own)
            if own.parent.is_dir():
                for path in own.parent.iterdir():
                    if pattern.fullmatch(path.name) and path.is_file():
                        found[path] = _file_state(path)
        return found

    def written(self) -> list[Path]:
        """The files that are new or changed since the snapshot, in name order."""
        return sorted(path for path, state in self._scan().items() if self.before.get(path) != state)

    def existed(self, path: Path) -> bool:
        return path in self.before


def remove_stale(outputs: RunOutputs, snapshot: Snapshot, written: list[Path]) -> None:
    """After a run that wrote results: remove what the run owns and did not write again.

    The sign-off, the leak guard's record and a server log of an earlier run would otherwise read as
    this run's; the ``--splitlog`` parts of a log this run replaced belong to that log. Nothing else
    of an earlier run is removed.
    """
    fresh = set(written)
    stale = [outputs.folder / name for name in OWNED]
    log = outputs.files.get("log")
    if log is not None and any(
        outputs.pattern(log, parts=False).fullmatch(path.name) for path in fresh if path.parent == log.parent
    ):
        parts = re.compile(rf"{re.escape(log.stem)}{_TIMESTAMP}-\d+\.js")
        stale += [path for path in snapshot.before if path.parent == log.parent and parts.fullmatch(path.name)]
    for path in stale:
        if path not in fresh and snapshot.existed(path):
            try:
                path.unlink(missing_ok=True)
            except OSError as error:
                print(
                    f"Cannot remove {path} of an earlier run ({error.strerror or error}); it is not this run's.", file=sys.stderr
                )


def earlier_results_note(outputs: RunOutputs) -> str:
    """What the output folder holds after a run that stopped before any test: one sentence."""
    folder = outputs.folder_shown()
    kept = [path for path in (outputs.output, outputs.folder / SIGNOFF_FILES[0]) if path is not None and path.is_file()]
    if not kept:
        return f"No test ran, so nothing was written: {folder} holds no results of an earlier run either."
    signoff = outputs.folder / SIGNOFF_FILES[0]
    said = ""
    if signoff.is_file():
        text = signoff.read_text(encoding="utf-8", errors="replace")
        status = re.search(r"^## Status: (.+?)(?: \S+)?$", text, re.MULTILINE)
        date = re.search(r"^## Test Date\n\n(.+)$", text, re.MULTILINE)
        if status:
            said = f" (its sign-off says {status.group(1)}" + (f", {date.group(1)}" if date else "") + ")"
    return f"No test ran, so nothing was written: the results in {folder} are those of an earlier run{said}, left as they were."


def first_run_prefetch(arguments: list[str]):
    """While the pinned server builds in the background, the agent workers' environment is made beside it; else None.

    Only when the run selects a test of the agents (read as Robot Framework reads ``arguments``).
    """
    from livekit_server import background

    parsed = robot_arguments(arguments)
    if background.pending() is None or parsed is None:
        return None
    from livekit_pipeline.prefetch import Prefetch

    options = {name: parsed.values(name) for name in ("include", "exclude", "test", "suite")}
    return Prefetch(parsed.sources or [str(SUITES)], options, announce=lambda line: print(line, flush=True))


def server_suites_last() -> dict[str, str]:
    """While the pinned server builds in the background: Robot Framework runs the suites that need no server first."""
    from livekit_server import background

    if background.pending() is None:
        return {}
    return {"ROBOT_OPTIONS": f"{os.environ.get('ROBOT_OPTIONS', '')} --prerunmodifier livekit_pipeline.order.ServerSuitesLast"}


def call_teed(
    command: list[str],
    console: BinaryIO,
    view: RepeatedMessages | None = None,
    lifetime=None,
    mask=None,
    extra: dict | None = None,
) -> int:
    """Run ``command``, showing its output as usual and copying it into ``console`` for the leak guard.

    With ``view``, a message Robot Framework repeats word for word after the status of a test or a
    suite is shown once, and one line at the end says for how many (``console`` still gets all of it).
    """
    environment = dict(os.environ, PYTHONIOENCODING="utf-8", **(extra or {}))
    lock = threading.Lock()
    sys.stdout.flush()
    sys.stderr.flush()
    options = lifetime.popen_options() if lifetime is not None else {}
    environment = lifetime.environment(environment) if lifetime is not None else environment
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment, **options) as process:
        if lifetime is not None:
            lifetime.started(process)
        copies = [
            threading.Thread(target=_copy, args=(process.stdout, sys.stdout, console, lock, view, mask), daemon=True),
            threading.Thread(target=_copy, args=(process.stderr, sys.stderr, console, lock, None, mask), daemon=True),
        ]
        for copy in copies:
            copy.start()
        try:
            code = lifetime.wait(process) if lifetime is not None else process.wait()
        except BaseException:  # Ctrl-C: stop the run as subprocess.call does
            process.kill()
            process.wait()
            raise
        finally:
            for copy in copies:
                copy.join()
    for line in view.summary() if view is not None else []:
        _show(sys.stdout, line + "\n")
        console.write((line + "\n").encode("utf-8", "surrogatepass"))
    return code


def _show(target, text: str) -> bool:
    try:
        target.write(text)
        target.flush()
    except (OSError, ValueError):  # the terminal or pipe went away
        return False
    return True


def _copy(source, target, console: BinaryIO, lock: threading.Lock, view: RepeatedMessages | None = None, mask=None) -> None:
    """Copy ``source`` to ``target`` and ``console`` until it ends; a closed ``target`` (``| head``) is skipped.

    ``mask`` (a function giving a ``livekit_evidence.console_mask.ConsoleMask``) masks tokens and
    secrets in what ``target`` shows; ``console``, which the leak guard searches, gets the output as it is.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    masking = mask() if mask is not None else None
    showing = True
    while True:
        chunk = source.read1(65536)
        with lock:
            console.write(chunk)
        text = decoder.decode(chunk, final=not chunk)
        if masking is not None:
            text = masking.feed(text) + (masking.end() if not chunk else "")
        if view is not None:
            text = view.feed(text) + (view.end() if not chunk else "")
        if showing and text:
            showing = _show(target, text)  # when it went away, keep reading, or the run would block
        if not chunk:
            return


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_STATUS_LINE = re.compile(r"\| (?:FAIL|SKIP) \|\s*$")  # the messages of passed tests are each their own
_MESSAGE_END = re.compile(r"[-=]{20,}|\d+ (?:tests?|tasks?), \d+ passed.*|")


class RepeatedMessages:
    """What the terminal shows of Robot Framework's console output (``--console verbose``).

    Robot prints each test's and suite's message after its status: when a parent suite's setup
    fails or skips, the same sentence follows every test of it. A message of a failed or skipped
    test or suite already shown word for word is left out, and :meth:`summary` says once how many
    tests and suites it was for. Lines pass through as they come, so a test's name shows while it
    runs.
    """

    def __init__(self):
        self.line = ""  # the part of the current line already shown
        self.message: list[str] | None = None  # the lines of the message being read, when in one
        self.pending = ""  # an unfinished line of a message
        self.counts: dict[str, list[int]] = {}  # message -> [tests, suites] it followed

    def feed(self, text: str) -> str:
        shown = []
        while text:
            if self.message is None:
                newline = text.find("\n")
                if newline < 0:
                    self.line += text
                    shown.append(text)
                    break
                part, text = text[: newline + 1], text[newline + 1 :]
                shown.append(part)
                if _STATUS_LINE.search(_ANSI.sub("", self.line + part).rstrip("\r\n")):
                    self.message = []
                self.line = ""
                continue
            newline = text.find("\n")
            if newline < 0:
                self.pending += text
                break
            line, text = self.pending + text[: newline + 1], text[newline + 1 :]
            self.pending = ""
            plain = _ANSI.sub("", line).rstrip("\r\n")
            if _MESSAGE_END.fullmatch(plain.strip()):
                shown.append(self._close(kind=1 if not plain.strip() else 0) + line)
            else:
                self.message.append(line)
        return "".join(shown)

    def _close(self, kind: int) -> str:
        """The message just read, when it is not a repeat; counted either way (kind 0: a test, 1: a suite)."""
        lines, self.message = self.message or [], None
        if not lines:
            return ""
        key = "".join(_ANSI.sub("", line) for line in lines).strip()
        counts = self.counts.setdefault(key, [0, 0])
        counts[kind] += 1
        return "".join(lines) if sum(counts) == 1 else ""

    def end(self) -> str:
        """What is left when the output ends."""
        left = "".join(self.message or []) + self.pending
        self.message, self.pending = None, ""
        return left

    def summary(self) -> list[str]:
        """One line per message left out somewhere, with how many tests and suites it followed."""
        lines = []
        for message, (tests, suites) in self.counts.items():
            if tests + suites < 2:
                continue
            what = " and ".join(
                f"{count} {name}{'s' if count != 1 else ''}" for count, name in ((tests, "test"), (suites, "suite")) if count
            )
            flat = " ".join(message.split())
            shown = flat if len(flat) <= 160 else flat[:159] + "\u2026"
            lines.append(f"The same message for {what}, shown once above: {shown}")
        return lines


def _tools():
    import livekit_signoff
    from livekit_evidence import leak_guard

    return leak_guard, livekit_signoff


class Console:
    """The run's console output: shown as usual and copied into a file the leak guard searches."""

    def __init__(self, path: Path):
        self.path = path
        self.capture = path.open("ab")

    def say(self, line: str, error: bool = False) -> None:
        stream = sys.stderr if error else sys.stdout
        print(line, file=stream, flush=True)
        self.capture.write((line + "\n").encode("utf-8", "surrogatepass"))
        self.capture.flush()

    def close(self) -> None:
        self.capture.close()


def after_run(
    arguments: list[str],
    robot_status: int,
    outputs: RunOutputs,
    snapshot: Snapshot,
    console: Console,
    token_log: Path,
    robot_said: tuple | None = None,
) -> int:
    """Sign-off summary and leak guard for exactly the files this run wrote; returns a failing exit code or 0.

    When Robot Framework wrote nothing (a wrong option or suite), the earlier results are left as they
    were and the console says so. Otherwise the run's own files of an earlier run are removed, the
    guard searches every file this run wrote and its console output, the sign-off is written with the
    guard's verdict, and the sign-off itself is searched too.
    """
    with PHASES.phase("leak guard"):
        leak_guard, signoff = _tools()
        from livekit_evidence import run_record

        record, started = robot_said if robot_said is not None else (run_record.RunRecord(), STARTED)
        written = snapshot.written()
        # Where Robot Framework said it wrote (argument files, ROBOT_OPTIONS, paths of any form) and its syslog file.
        written += [path for path in run_record.files_written(record, started, os.environ) if path not in set(written)]
        wrote_results = any(outputs.is_robot_output(path) for path in written) or bool(record.paths)
        ran = wrote_results or robot_status < 251  # 251 and more: help, a wrong option or suite, nothing run
        if ran:
            remove_stale(outputs, snapshot, written)
        elif robot_status != 251:
            console.say(earlier_results_note(outputs))
        work = leak_guard.plan(os.environ, token_log)
        finder = leak_guard.SignedTokenFinder(work.signing_keys, work.known_tokens)
        named = [(outputs.shown(path), path) for path in written if path != token_log]
        outcome = leak_guard.search_files([*named, (leak_guard.CONSOLE_NAME, console.path)], work, finder)
        output = outputs.written_output(written)
        said = record.last("output")
        if said is not None and said.resolve() in written:
            output = said.resolve()
        secrets = leak_guard.known_secrets(os.environ, token_log)
    status = 0
    setup_error = run_record.setup_error_sentence(record)
    if setup_error:
        console.say(setup_error, error=True)
        status = 252
    if output is not None:
        record_path = output.parent / GUARD_RECORD
        summary_files = [outputs.folder / name for name in SIGNOFF_FILES]
        try:
            with PHASES.phase("sign-off"):
                verdict = leak_guard.verdict(outcome, output)
                result, markdown, page = signoff.write_summary(
                    [output], outputs.folder, shown_command(arguments, secrets), guard=verdict
                )
            console.say(f"Sign-off summary: {result} ({page}, {markdown.name})")
            with PHASES.phase("leak guard"):
                again = leak_guard.search_files(
                    [*((outputs.shown(path), path) for path in summary_files), (leak_guard.CONSOLE_NAME, console.path)],
                    work,
                    finder,
                )
                news = {name for name, kinds in again.hits.items() if not kinds <= outcome.hits.get(name, set())}
                outcome.add(again)
                verdict = leak_guard.verdict(outcome, output)
            if news or again.unreadable:  # the summary must say so too
                with PHASES.phase("sign-off"):
                    result, markdown, page = signoff.write_summary(
                        [output], outputs.folder, shown_command(arguments, secrets), guard=verdict
                    )
            leak_guard.write_record(verdict, record_path)
        except (ValueError, OSError, signoff.SummaryNotWritten) as error:
            console.say(f"Sign-off summary not written: {error}", error=True)
            status = 2
    elif ran:
        for path in (outputs.folder / name for name in SIGNOFF_FILES):
            path.unlink(missing_ok=True)
        console.say("No sign-off summary: this run wrote no output.xml (--output NONE), and the summary is read from it.")
    if outcome.hits:
        console.say(leak_guard.hit_sentence(outcome, outputs.folder_shown()), error=True)
    if outcome.unreadable:
        console.say(leak_guard.unreadable_sentence(outcome), error=True)
    if not outcome.hits and not outcome.unreadable:
        console.say(leak_guard.clean_sentence(outcome, work, token_log))
    return 1 if outcome.hits else 2 if outcome.unreadable else status


def ensure_livekit_server() -> None:
    """Find the LiveKit server for the project's own tests, building the pinned release once when only Go is there.

    (An acceptance run builds it only when a live suite runs, in `Use LiveKit Server`.) A failed
    build stops with Go's last lines and the ways to get a server.
    """
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
    os.environ.pop("LIVEKIT_SERVER_PENDING", None)  # built: the tests find it where it is kept


def run_suites(arguments: list[str]) -> int:
    try:
        return _run_suites(arguments)
    finally:
        PHASES.save(**{"started at": STARTED, "ended at": time.time()})


def _run_suites(arguments: list[str]) -> int:
    with PHASES.phase("configuration check"):
        problem = configuration_problem(arguments)
    if problem:
        print(f"Configuration error: {problem}", file=sys.stderr)
        print(earlier_results_note(run_outputs(arguments)), flush=True)
        return 252
    prefetch = first_run_prefetch(arguments)
    try:
        return _run_checked_suites(arguments)
    finally:
        if prefetch is not None:
            prefetch.join()


def _run_checked_suites(arguments: list[str]) -> int:
    with PHASES.phase("configuration check"):
        arguments = supplied_token_to_environment(arguments)
        outputs = run_outputs(arguments)
    with PHASES.phase("keyword manuals"):
        ensure_manuals()
    with PHASES.phase("results noted"):
        snapshot = Snapshot(outputs)
    from livekit_evidence import folder_lock, run_record
    from livekit_evidence.console_mask import ConsoleMask
    from livekit_evidence.leak_guard import configured_secrets
    from livekit_evidence.lifetime import RunLifetime

    lock = folder_lock.FolderLock(outputs.folder)
    try:
        lock.acquire()
    except folder_lock.FolderBusy:
        print(f"Configuration error: {folder_lock.busy_sentence(outputs.folder_shown())}", file=sys.stderr, flush=True)
        return 252
    with lock, RunLifetime() as lifetime:  # whatever ends the run, its token files and processes go with it
        token_log, console_file = lifetime.file("run.tokens"), lifetime.file("run.console")
        record = lifetime.file("run.record")
        os.environ.update({"LIVEKIT_AUTH_TOKEN_LOG": str(token_log), run_record.RECORD_VARIABLE: str(record)})
        console = Console(console_file)
        started = time.time()
        try:
            with token_log.open("a", encoding="utf-8") as noted:  # searched by the guard like the run's own notes
                noted.writelines(json.dumps({"secret": value}) + "\n" for value in secret_looking_values(arguments))
            known = [*configured_secrets(os.environ), *secret_looking_values(arguments)]
            with PHASES.phase("Robot Framework"):
                code = call_teed(
                    robot_command(arguments),
                    console.capture,
                    RepeatedMessages(),
                    lifetime,
                    lambda: ConsoleMask(known, token_log),
                    server_suites_last(),
                )
            post = after_run(arguments, code, outputs, snapshot, console, token_log, (run_record.read(record), started))
        finally:
            console.close()
            for name in ("LIVEKIT_AUTH_TOKEN_LOG", run_record.RECORD_VARIABLE):
                os.environ.pop(name, None)
        if lifetime.stopped_by:
            print(lifetime.stopped_sentence(), file=sys.stderr, flush=True)
            return 253
    return code or post


def parallel_pytest(arguments: list[str]) -> list[str]:
    """pytest-xdist's options for one worker per core, unless ``arguments`` choose (``-n``, ``-p no:xdist``)."""
    chosen = any(
        argument in ("-n", "--numprocesses", "--dist") or argument.startswith(("-n", "--numprocesses=", "--dist="))
        for argument in arguments
    )
    return [] if chosen or "no:xdist" in arguments else ["-n", "auto", "--dist", "worksteal"]


def run_checks(arguments: list[str]) -> int:
    prefetch = first_run_prefetch([])  # the acceptance suites at the end: every suite
    try:
        return _run_checks(arguments)
    finally:
        if prefetch is not None:
            prefetch.join()


def _run_checks(arguments: list[str]) -> int:
    steps = [
        ("ruff", [sys.executable, "-m", "ruff", "check", "."]),
        ("ruff format", [sys.executable, "-m", "ruff", "format", "--check", "."]),
        ("robocop check", [sys.executable, "-m", "robocop", "check", "suites", "resources"]),
        ("robocop format", [sys.executable, "-m", "robocop", "format", "--check", "--diff", "suites", "resources"]),
        ("pytest", [sys.executable, "-m", "pytest", "-m", "not matrix", *parallel_pytest(arguments), *arguments]),
        # Each row: a livekit-server started by hand, then python run.py as a user runs it (utest/test_configuration_matrix.py);
        # one row at a time, so that the rows sharing a server share one.
        ("configuration matrix", [sys.executable, "-m", "pytest", "-m", "matrix", "-p", "no:xdist", "utest", *arguments]),
    ]
    failed = []
    for name, command in steps:
        if name == "pytest":  # the linters ran while a first run's server was building
            ensure_livekit_server()  # the unit tests of the live checks meet the real server too
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        if subprocess.call(command, cwd=ROOT) != 0:
            failed.append(name)
        print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
    print("\n=== acceptance suites ===", flush=True)
    if run_suites([]) != 0:
        failed.append("acceptance suites")
    total = len(steps) + 1
    print(f"\nchecks: {total - len(failed)} passed, {len(failed)} failed")
    if failed:
        print("Failed: " + ", ".join(failed))
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if argv and argv[0] in HELP_OPTIONS:  # before any set-up: it needs none
        print(USAGE, end="")
        return 0
    if os.environ.get(BOOTSTRAPPED) != "1":
        return bootstrap(argv)
    token_file = os.environ.get("LIVEKIT_TOKEN_FILE", "").strip()
    if token_file:  # relative to where the user is, not to the project
        os.environ["LIVEKIT_TOKEN_FILE"] = str(Path(token_file).expanduser().absolute())
    os.chdir(ROOT)
    command, rest = (argv[0], argv[1:]) if argv and argv[0] in ("test", "signoff", "libdoc", "diagnose") else (None, argv)
    if command == "test":
        return run_checks(rest)
    if command == "libdoc":
        if rest:
            print(
                "python run.py libdoc takes no arguments; it writes the keyword manuals into results/manuals/.", file=sys.stderr
            )
            return 2
        for path in write_libdoc():
            print(path)
        return 0
    if command == "signoff":
        return subprocess.call([sys.executable, str(ROOT / "tools" / "signoff.py"), *rest])
    if command == "diagnose":
        return subprocess.call([sys.executable, str(ROOT / "tools" / "diagnose.py"), *rest])
    if argv and argv[0] == "--robot-help":
        return subprocess.call([sys.executable, "-m", "robot", "--help"])
    return run_suites(rest)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt as stopped:
        print(f"Stopped by {getattr(stopped, 'name', 'the user')}.", file=sys.stderr)
        sys.exit(253)  # Robot Framework's code for a run the user stopped
