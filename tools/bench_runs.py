"""The whole-run figures of ``tools/bench.py --runs``: the Go build alone, a first run on cold caches, a warm run,
Robot Framework's own execution and ``python run.py test``, side by side, on fresh clones of the project.

Each round clones the project (``git clone`` of this repository at ``--commit``, HEAD by default) into
a temporary folder and times, one after the other:

1. **Go build alone**: ``go install -trimpath github.com/livekit/livekit-server/cmd/server@v1.13.5`` as
   ``run.py`` runs it, with an empty Go build cache (``GOCACHE``) and, unless ``--go-modules warm``, an
   empty module cache (``GOMODCACHE``): every module is downloaded from the Go module proxy again.
2. **First run on cold caches**: ``python run.py`` in the clone, started by a Python outside any
   virtual environment: a new ``.venv``, pip without its cache (``--pip warm`` keeps it), npm with an
   empty cache, Go caches as in 1, no ``livekit-server`` anywhere. The seconds until the five steps'
   suite had its result on the console are noted too.
3. **Warm run**: ``python run.py`` again in the same clone: nothing to install or build.
4. **Robot Framework's own execution**: ``python -m robot`` in the clone's environment with the options
   ``run.py`` gives it (the same suites), without ``run.py`` around it.
5. **Warm ``python run.py test``**: after the test tools are installed into the clone's environment
   (not timed), the project's own checks in full.

Results of the runs go to temporary folders; every temporary folder is removed at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "github.com/livekit/livekit-server/cmd/server@v1.13.5"
FIVE_STEPS = re.compile(r"^LiveKit Authentication\.Authentication\s+\| (PASS|FAIL) \|", re.MULTILINE)
ROWS = (
    ("build", "Go build alone (livekit-server, cold Go caches)"),
    ("first", "first python run.py, cold caches"),
    ("five steps", "  of it: the five steps' results on the console at"),
    ("warm", "warm python run.py"),
    ("robot", "Robot Framework's own execution (same suites)"),
    ("test", "warm python run.py test"),
)


def user_python() -> str:
    """A Python outside any virtual environment, as a user starts ``python run.py``."""
    return getattr(sys, "_base_executable", None) or sys.executable


def base_environment(work: Path, go_modules: str, pip: str) -> dict[str, str]:
    """No LIVEKIT_ setting, no active environment, no livekit-server on PATH; Go, pip and npm caches as chosen."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("LIVEKIT_", "ROBOT_")) and name not in drop
    }
    folders = environment.get("PATH", "").split(os.pathsep)
    environment["PATH"] = os.pathsep.join(
        folder for folder in folders if not shutil.which("livekit-server", path=folder) and "/.venv/" not in folder + "/"
    )
    environment["GOCACHE"] = str(work / "go-build")
    environment["GOFLAGS"] = "-modcacherw"  # so that the module cache can be removed afterwards
    if go_modules == "cold":
        environment["GOMODCACHE"] = str(work / "go-mod")
    if pip == "cold":
        environment["PIP_NO_CACHE_DIR"] = "1"
    environment["npm_config_cache"] = str(work / "npm-cache")
    return environment


def timed(
    command: list[str], cwd: Path, environment: dict[str, str], watch: re.Pattern | None = None
) -> tuple[float, int, float | None]:
    """Wall time and exit code of ``command``; with ``watch``, the seconds until its output first matched it."""
    started = time.perf_counter()
    seen: list[float] = []
    with subprocess.Popen(command, cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:

        def read():
            text = ""
            for line in iter(process.stdout.readline, b""):
                if watch is not None and not seen:
                    text += line.decode("utf-8", "replace")
                    if watch.search(text):
                        seen.append(time.perf_counter() - started)
                    text = text[-2000:]

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        code = process.wait()
        reader.join()
    return time.perf_counter() - started, code, (seen[0] if seen else None)


def clone(commit: str, folder: Path) -> Path:
    target = folder / "project"
    sha = subprocess.run(
        ["git", "rev-parse", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(target)], check=True)
    subprocess.run(["git", "fetch", "--quiet", str(ROOT), sha], cwd=target, check=True)
    subprocess.run(["git", "checkout", "--quiet", sha], cwd=target, check=True)
    return target


def robot_alone(project: Path, environment: dict[str, str], outdir: Path) -> tuple[float, int]:
    """Robot Framework alone, with the options the clone's ``run.py`` gives it, in the clone's environment."""
    python = project / ".venv" / "bin" / "python"
    script = (
        "import importlib.util, json, sys; "
        "spec = importlib.util.spec_from_file_location('run_py', 'run.py'); m = importlib.util.module_from_spec(spec); "
        "spec.loader.exec_module(m); print(json.dumps(m.robot_command(['--outputdir', sys.argv[1]])))"
    )
    import json

    printed = subprocess.run(
        [str(python), "-c", script, str(outdir)], cwd=project, env=environment, capture_output=True, text=True, check=True
    )
    command = json.loads(printed.stdout)
    command[0] = str(python)
    seconds, code, _ = timed(command, project, environment)
    return seconds, code


def install_test_tools(project: Path, environment: dict[str, str]) -> None:
    """What the first ``python run.py test`` would install (the clone's own set-up code), not timed."""
    python = project / ".venv" / "bin" / "python"
    script = (
        "import importlib.util; spec = importlib.util.spec_from_file_location('run_py', 'run.py'); "
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
        "m.ensure_requirements(m.ensure_venv(), m.DEV_REQUIREMENTS, 'dev')"
    )
    subprocess.run([str(python), "-c", script], cwd=project, env=environment, check=True, stdout=subprocess.DEVNULL)


def one_round(commit: str, go_modules: str, pip: str, with_test: bool) -> dict[str, tuple[float | None, int]]:
    """The figures of one round, each as (seconds, exit code)."""
    figures: dict[str, tuple[float | None, int]] = {}
    with tempfile.TemporaryDirectory(prefix="livekit-bench-runs-") as folder:
        work = Path(folder)
        go = shutil.which("go")
        if go is None:
            raise SystemExit("Go is needed for --runs: the first run builds the server with it.")
        alone = work / "alone"
        alone.mkdir()
        environment = base_environment(alone, go_modules, pip)
        environment["GOBIN"] = str(alone / "bin")
        seconds, code, _ = timed([go, "install", "-trimpath", PACKAGE], alone, environment)
        figures["build"] = (seconds, code)
        shutil.rmtree(alone, ignore_errors=True)  # the module cache: a cold one for the first run too

        first = work / "first"
        first.mkdir()
        project = clone(commit, first)
        environment = base_environment(first, go_modules, pip)
        run = [user_python(), "run.py", "--outputdir", str(first / "results")]
        seconds, code, five = timed(run, project, environment, watch=FIVE_STEPS)
        figures["first"] = (seconds, code)
        figures["five steps"] = (five, code)
        seconds, code, _ = timed(run, project, environment)
        figures["warm"] = (seconds, code)
        figures["robot"] = robot_alone(project, environment, first / "robot")
        if with_test:
            install_test_tools(project, environment)
            seconds, code, _ = timed([user_python(), "run.py", "test"], project, environment)
            figures["test"] = (seconds, code)
    return figures


def span(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.1f} s" if round(low, 1) == round(high, 1) else f"{low:.1f} to {high:.1f} s"


def report(rounds: list[dict[str, tuple[float | None, int]]]) -> None:
    width = max(len(label) for _, label in ROWS)
    print(f"\n  {'':<{width}} " + " ".join(f"{f'round {index + 1}':>10}" for index in range(len(rounds))) + "   range")
    for key, label in ROWS:
        if not any(key in figures for figures in rounds):
            continue
        cells, values = [], []
        for figures in rounds:
            seconds, code = figures.get(key, (None, 0))
            cells.append(f"{seconds:>9.1f}s" if seconds is not None else f"{'-':>10}")
            if code not in (0, None):
                cells[-1] = cells[-1][:-1] + "!"  # exit code other than 0
            if seconds is not None:
                values.append(seconds)
        print(f"  {label:<{width}} " + " ".join(cells) + (f"   {span(values)}" if values else ""))
    print("  (! : the command exited with a code other than 0; see its output by running it yourself)")
    ratios = []
    for name, top, bottom, goal in (
        ("first run / Go build alone", "first", "build", 1.1),
        ("warm run / Robot Framework alone", "warm", "robot", 1.2),
    ):
        values = [
            figures[top][0] / figures[bottom][0]
            for figures in rounds
            if figures.get(top, (None,))[0] and figures.get(bottom, (None,))[0]
        ]
        if values:
            low, high = min(values), max(values)
            verdict = "met" if high <= goal else "MISSED"
            ratios.append(f"  {name:<34} {low:.2f} to {high:.2f}x (goal at most {goal}x): {verdict}")
    tests = [figures["test"][0] for figures in rounds if figures.get("test", (None,))[0]]
    if tests:
        ratios.append(
            f"  {'warm python run.py test':<34} at most {max(tests):.0f} s (goal at most 150 s): {'met' if max(tests) <= 150 else 'MISSED'}"
        )
    print("\n".join(ratios))


def measure_runs(rounds: int, commit: str, go_modules: str, pip: str, with_test: bool) -> None:
    described = subprocess.run(
        ["git", "log", "-1", "--format=%h %s", commit], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    print(
        f"\nWhole runs on fresh clones of {described} ({rounds} round(s); Go modules {go_modules}, pip cache {pip}, "
        f"{os.cpu_count()} CPUs; load average before: {', '.join(f'{value:.1f}' for value in os.getloadavg())})"
    )
    results = []
    for index in range(rounds):
        results.append(one_round(commit, go_modules, pip, with_test))
        print(
            f"  round {index + 1} done: "
            + ", ".join(f"{key} {value[0]:.1f} s" for key, value in results[-1].items() if value[0] is not None),
            flush=True,
        )
    report(results)
