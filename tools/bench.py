#!/usr/bin/env python3
"""Benchmark: what a run costs, phase by phase, and what minting and verifying a token costs here.

    python tools/bench.py              everything below
    python tools/bench.py --run-py     only the phases of a warm python run.py next to Robot Framework alone
    python tools/bench.py --no-suites  per-operation figures only
    python tools/bench.py --quick      fewer repetitions (a smoke run, figures are rough)
    python tools/bench.py --runs       only the whole runs on fresh clones (cold first run, warm run, tests)

**A warm python run.py.** Each round runs, back to back, Robot Framework alone on the suites with
the options ``python run.py`` gives it (``python -m robot`` as a subprocess), and ``python run.py``
itself with the same suites, as a user starts it (a Python outside the project's environment, so
that the set-up checks and the move into the environment are part of it; nothing to install: a
warm-up run comes first). ``run.py`` writes the wall time of its phases into the file named by
``LIVEKIT_AUTH_PHASES``: the set-up checks, the configuration check, the keyword manuals, Robot
Framework, the leak guard and the sign-off. The server start and the client joins are read from
that run's output.xml (the keywords ``Use LiveKit Server`` and ``Join Room As Client``). The ratio
is run.py's wall time over Robot's alone; the targets are 1.5x for the default run, 2 s for
``--include step-2`` and half a second for the set-up checks. Results go to a temporary folder.

**Per operation.** All operations run in this process on the same claims (an observer token for
one room, 6 hours) and the same 32-byte secret. Each figure is the best of several rounds of timed
batches, in microseconds per operation; every round times all operations one after the other.
Ratios compare this project's keyword with raw PyJWT (``jwt.encode``/``jwt.decode`` with the
server's options) and with livekit-api (``AccessToken.to_jwt``/``TokenVerifier.verify``). The
keyword figures include what the keywords do besides the JWT work: the evidence table logged for
a minted token, the leak-guard note, the server's claim type checks.

**Suites and the leak guard.** The wall time of ``python -m robot`` on each suite folder and on all
of them, and the leak guard's wall time on the results of a run of every suite, with that run's
token log.

**Whole runs** (``--runs``, see ``tools/bench_runs.py``): on fresh clones of the project, side by
side per round, the Go build of the server alone on cold Go caches, the first ``python run.py`` on
cold caches, the warm run, Robot Framework's own execution of the same suites and a warm
``python run.py test``; ``--go-modules warm`` keeps Go's module cache (no 300 MB download per round),
``--pip warm`` pip's, ``--commit`` measures another commit (the figures before a change).

This prints figures; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

API_KEY = "bench-key"
API_SECRET = "bench-secret-of-exactly-32-bytes"


def operations():
    """Name -> zero-argument callable, for each operation measured."""
    import jwt
    from livekit import api as livekit_api

    from livekit_tokens import minting, verification
    from LiveKitAuth import LiveKitAuth

    os.environ.pop("LIVEKIT_AUTH_TOKEN_LOG", None)  # the leak-guard note is a no-op outside run.py
    library = LiveKitAuth(api_key=API_KEY, api_secret=API_SECRET)
    token_secret = library.generate_token("client_test", "test_room", room_join=True, can_publish=False, can_subscribe=True)
    token = token_secret.value
    now = int(time.time())
    claims = {
        "video": {"roomJoin": True, "room": "test_room", "canPublish": False, "canSubscribe": True},
        "sub": "client_test",
        "iss": API_KEY,
        "nbf": now,
        "exp": now + 6 * 3600,
    }
    grants = livekit_api.VideoGrants(room_join=True, room="test_room", can_publish=False, can_subscribe=True)
    verifier = livekit_api.TokenVerifier(API_KEY, API_SECRET)
    keyring = library.keyring
    prepared = keyring.prepared_secret(API_KEY)

    def livekit_mint():
        return livekit_api.AccessToken(API_KEY, API_SECRET).with_identity("client_test").with_grants(grants).to_jwt()

    def pyjwt_verify():
        return jwt.decode(
            token,
            API_SECRET,
            algorithms=["HS256"],
            leeway=60,
            options={"require": ["exp"], "verify_aud": False, "verify_iat": False},
        )

    return {
        "generate": {
            "Generate Token (keyword)": lambda: library.generate_token(
                "client_test", "test_room", room_join=True, can_publish=False, can_subscribe=True
            ),
            "minting.build_claims + encode": lambda: minting.encode(
                minting.build_claims(API_KEY, "client_test", "test_room", room_join=True, can_publish=False, can_subscribe=True),
                prepared,
            ),
            "PyJWT jwt.encode": lambda: jwt.encode(claims, API_SECRET, algorithm="HS256"),
            "livekit-api AccessToken.to_jwt": livekit_mint,
        },
        "verify": {
            "Verify Token (keyword)": lambda: library.verify_token(token_secret),
            "verification.verify": lambda: verification.verify(token, keyring),
            "PyJWT jwt.decode": pyjwt_verify,
            "livekit-api TokenVerifier.verify": lambda: verifier.verify(token),
        },
    }


def measure(repeat: int, minimum_time: float) -> dict[str, dict[str, float]]:
    """Best time per call, in microseconds, of ``repeat`` rounds; each round times every operation
    once, one after the other, so that a busy moment of the machine weighs on all of them alike."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning inside a timed loop would distort it: fail instead
        groups = operations()
        timers = {}
        for group, functions in groups.items():
            for name, function in functions.items():
                timer = timeit.Timer(function)
                number, _ = timer.autorange()
                timers[(group, name)] = (timer, max(1, int(number * minimum_time / 0.2)))
        best = dict.fromkeys(timers, float("inf"))
        for _ in range(repeat):
            for key, (timer, number) in timers.items():
                best[key] = min(best[key], timer.timeit(number) / number * 1e6)
    figures: dict[str, dict[str, float]] = {}
    for (group, name), micros in best.items():
        figures.setdefault(group, {})[name] = micros
    return figures


def print_figures(figures: dict[str, dict[str, float]]) -> None:
    comparisons = {
        "generate": ("PyJWT jwt.encode", "livekit-api AccessToken.to_jwt"),
        "verify": ("PyJWT jwt.decode", "livekit-api TokenVerifier.verify"),
    }
    for group, rows in figures.items():
        pyjwt, livekit = comparisons[group]
        print(f"\n{group}: microseconds per operation (best of batches)")
        print(f"  {'operation':<36} {'us/op':>9} {'x PyJWT':>9} {'x livekit-api':>14}")
        for name, micros in rows.items():
            print(f"  {name:<36} {micros:>9.1f} {micros / rows[pyjwt]:>9.2f} {micros / rows[livekit]:>14.2f}")
    print("\nTargets: keyword and pure function within 1.5x of PyJWT, and faster than livekit-api.")
    for group, rows in figures.items():
        pyjwt, livekit = comparisons[group]
        for name in list(rows)[:2]:
            ratio = rows[name] / rows[pyjwt]
            verdict = "met" if ratio <= 1.5 and rows[name] < rows[livekit] else "MISSED"
            print(f"  {name:<36} {ratio:.2f}x PyJWT, {rows[name] / rows[livekit]:.2f}x livekit-api: {verdict}")


def suite_wall_time(suite: str, settings: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall time of a default robot run of one suite folder, as a subprocess (``settings`` replace the environment's)."""
    with tempfile.TemporaryDirectory(prefix="livekit-bench-") as outdir:
        command = [
            sys.executable,
            "-m",
            "robot",
            "--outputdir",
            outdir,
            "--console",
            "none",
            str(ROOT / "suites" / suite),
        ]
        environment = {key: value for key, value in os.environ.items() if key != "LIVEKIT_AUTH_TOKEN_LOG"}
        environment.update(settings or {})
        started = time.perf_counter()
        completed = subprocess.run(command, env=environment, cwd=ROOT, check=False)
        elapsed = time.perf_counter() - started
    status = "all passed" if completed.returncode == 0 else f"exit code {completed.returncode}: some tests failed"
    return elapsed, status


def server_start_to_ready(rounds: int) -> list[float] | None:
    """Seconds from starting the pinned (or PATH) livekit-server to its first HTTP answer, per round."""
    from livekit_server import binary, process

    source = binary.find_source(dict(os.environ, LIVEKIT_URL=""))
    if source.binary is None:
        return None
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        server = process.start_server(source.binary, {API_KEY: API_SECRET})
        times.append(time.perf_counter() - started)
        server.stop()
    return times


def leak_guard_time(rounds: int = 3) -> tuple[float, str]:
    """Best wall time of the leak guard on the results of a run of every suite, with that run's token log."""
    with tempfile.TemporaryDirectory(prefix="livekit-bench-") as outdir:
        results = Path(outdir) / "results"
        token_log = Path(outdir) / "tokens.log"
        environment = {key: value for key, value in os.environ.items() if not key.startswith("LIVEKIT_")}
        environment["LIVEKIT_AUTH_TOKEN_LOG"] = str(token_log)
        command = [sys.executable, "-m", "robot", "--outputdir", str(results), "--xunit", "xunit.xml"]
        command += ["--console", "none", str(ROOT / "suites")]
        subprocess.run(command, env=environment, cwd=ROOT, check=False)
        guard = [sys.executable, str(ROOT / "tools" / "leak_guard.py"), str(results), "--tokens", str(token_log)]
        best, line = float("inf"), ""
        for _ in range(rounds):
            started = time.perf_counter()
            completed = subprocess.run(guard, env=environment, cwd=ROOT, capture_output=True, text=True, check=False)
            best = min(best, time.perf_counter() - started)
            line = (completed.stdout or completed.stderr).strip()
    return best, line


# ---------------------------------------------------------------- a warm python run.py, phase by phase

PHASE_ROWS = (
    ("set-up checks", "set-up checks (nothing to install)"),
    ("move into the environment", "start in the project's environment"),
    ("configuration check", "configuration check"),
    ("keyword manuals", "keyword manuals (written only when changed)"),
    ("Robot Framework", "Robot Framework"),
    ("leak guard", "leak guard"),
    ("sign-off", "sign-off"),
    ("the rest", "the rest (Python start, exit)"),
)


def _run_py_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _user_python() -> str:
    """A Python outside the project's environment, as ``python run.py`` is started by a user."""
    return getattr(sys, "_base_executable", None) or sys.executable


def _bench_environment(**extra: str) -> dict[str, str]:
    drop = ("LIVEKIT_AUTH_BOOTSTRAPPED", "LIVEKIT_AUTH_TOKEN_LOG", "LIVEKIT_AUTH_PHASES", "VIRTUAL_ENV")
    environment = {name: value for name, value in os.environ.items() if name not in drop}
    environment.update(extra)
    return environment


def keyword_times(output: Path) -> dict[str, list[float]]:
    """Seconds of each call of ``Use LiveKit Server`` and ``Join Room As Client`` in ``output``."""
    from robot.api import ExecutionResult, ResultVisitor

    wanted = {"Use LiveKit Server": [], "Join Room As Client": []}

    class Times(ResultVisitor):
        def start_keyword(self, keyword):
            if keyword.name in wanted:
                wanted[keyword.name].append(keyword.elapsed_time.total_seconds())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ExecutionResult(str(output)).suite.visit(Times())
    return wanted


def robot_alone(arguments: list[str], outdir: Path) -> float:
    """Wall time of Robot Framework alone, with the options ``python run.py`` gives it."""
    command = _run_py_module().robot_command(["--outputdir", str(outdir), *arguments])
    started = time.perf_counter()
    subprocess.run(command, env=_bench_environment(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def run_py(arguments: list[str], outdir: Path, phases_file: Path) -> tuple[float, dict[str, float], int]:
    """Wall time of ``python run.py`` started as a user starts it, its phases, and its exit code."""
    command = [_user_python(), str(ROOT / "run.py"), "--outputdir", str(outdir), *arguments]
    environment = _bench_environment(LIVEKIT_AUTH_PHASES=str(phases_file))
    started = time.perf_counter()
    completed = subprocess.run(
        command, env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    total = time.perf_counter() - started
    recorded = json.loads(phases_file.read_text(encoding="utf-8")) if phases_file.is_file() else {}
    phases = {name: float(recorded.get(name, 0.0)) for name, _ in PHASE_ROWS if name in recorded}
    if "handed over at" in recorded and "started at" in recorded:
        phases["move into the environment"] = recorded["started at"] - recorded["handed over at"]
    if phases:
        phases["the rest"] = total - sum(phases.values())
    return total, phases, completed.returncode


def _span(values: list[float], unit: str = "s", digits: int = 2) -> str:
    low, high = min(values), max(values)
    if round(low, digits) == round(high, digits):
        return f"{low:.{digits}f} {unit}"
    return f"{low:.{digits}f} to {high:.{digits}f} {unit}"


def measure_run_py(rounds: int) -> None:
    """Print the phases of a warm ``python run.py`` (and of ``--include step-2``) next to Robot Framework alone."""
    print(f"\nA warm python run.py, phase by phase, next to Robot Framework alone ({rounds} round(s); {_user_python()})")
    with tempfile.TemporaryDirectory(prefix="livekit-bench-") as folder:
        work = Path(folder)
        run_py(["--include", "step-1"], work / "warm-up", work / "warm-up.json")  # manuals, caches: nothing left to do
        for label, arguments, target in (("default run", [], 1.5), ("--include step-2", ["--include", "step-2"], None)):
            totals, robots, ratios, codes = [], [], [], set()
            phases: dict[str, list[float]] = {}
            server, joins = [], []
            for index in range(rounds):
                robots.append(robot_alone(arguments, work / f"robot-{label}-{index}"))
                total, seen, code = run_py(arguments, work / f"run-{label}-{index}", work / f"phases-{label}-{index}.json")
                totals.append(total)
                codes.add(code)
                ratios.append(total / robots[-1])
                for name, seconds in seen.items():
                    phases.setdefault(name, []).append(seconds)
                output = work / f"run-{label}-{index}" / "output.xml"
                if output.is_file():
                    times = keyword_times(output)
                    server += times["Use LiveKit Server"][:1]
                    joins.append(times["Join Room As Client"])
            status = "every test passed" if codes == {0} else f"exit codes {sorted(codes)}"
            print(f"\n  python run.py{'' if not arguments else ' ' + ' '.join(arguments)} ({label}, {status})")
            for name, shown in PHASE_ROWS:
                if name in phases:
                    print(f"    {shown:<46} {_span(phases[name])}")
            if not phases:
                print(f"    {'(this run.py records no phases)':<46}")
            print(f"    {'total, wall':<46} {_span(totals)}")
            print(f"    {'Robot Framework alone (same suites, options)':<46} {_span(robots)}")
            print(f"    {'ratio, run.py to Robot Framework alone':<46} {_span(ratios, 'x')}")
            if server:
                print(f"    {'  of it: server start (Use LiveKit Server)':<46} {_span(server)}")
            if any(joins):
                counts = {len(each) for each in joins}
                print(
                    f"    {'  of it: client joins (Join Room As Client)':<46} "
                    f"{_span([sum(each) for each in joins])} for {'/'.join(map(str, sorted(counts)))} joins"
                )
            verdicts = []
            if "set-up checks" in phases:
                moves = phases.get("move into the environment", [0.0] * len(totals))
                setup = [a + b for a, b in zip(phases["set-up checks"], moves, strict=True)]
                verdicts.append(f"set-up checks and start in the environment {max(setup):.2f} s (target under 0.5 s)")
            if target is not None:
                verdicts.append(f"ratio at most {max(ratios):.2f}x (target 1.5x): {'met' if max(ratios) <= target else 'MISSED'}")
            else:
                verdicts.append(f"total at most {max(totals):.2f} s (target under 2 s): {'met' if max(totals) < 2 else 'MISSED'}")
            print("    " + "; ".join(verdicts))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-suites", action="store_true", help="skip the suite wall times and the phases of run.py")
    parser.add_argument("--run-py", action="store_true", help="only the phases of a warm python run.py")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of the run.py phases (default 3, 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions; rough figures")
    parser.add_argument(
        "--runs",
        action="store_true",
        help="only the whole runs on fresh clones: Go build alone, first run on cold caches, warm run, Robot alone, run.py test",
    )
    parser.add_argument("--commit", default="HEAD", help="the commit the clones of --runs check out (default HEAD)")
    parser.add_argument(
        "--go-modules",
        choices=("cold", "warm"),
        default="cold",
        help="cold (default): every round downloads the server's Go modules again (about 300 MB); warm: Go's module cache is kept",
    )
    parser.add_argument("--pip", choices=("cold", "warm"), default="cold", help="cold (default): pip without its cache")
    parser.add_argument("--no-test", action="store_true", help="--runs without python run.py test")
    options = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    rounds = options.rounds or (1 if options.quick else 3)
    if options.runs:
        from bench_runs import measure_runs

        measure_runs(rounds, options.commit, options.go_modules, options.pip, not options.no_test)
        return 0
    if options.run_py:
        measure_run_py(rounds)
        return 0
    figures = measure(repeat=3 if options.quick else 7, minimum_time=0.05 if options.quick else 0.2)
    print_figures(figures)
    if not options.no_suites:
        print("\nSuite wall time (python -m robot, default options, one run each)")
        times = server_start_to_ready(3 if options.quick else 5)
        if times is None:
            print("  livekit-server start to ready: no server binary (see README, Live checks)")
        else:
            print(f"  livekit-server start to ready: {min(times):.2f} to {max(times):.2f} s over {len(times)} starts")
        for suite in ("authentication", "security", "live", ""):
            if (ROOT / "suites" / suite).is_dir():
                elapsed, status = suite_wall_time(suite)
                label = f"suites/{suite}" if suite else "suites (all, as python run.py runs them)"
                print(f"  {label:<42} {elapsed:6.2f} s  ({status})")
        elapsed, line = leak_guard_time(rounds=1 if options.quick else 3)
        print(f"\nLeak guard on the results of every suite (best of its runs, as a subprocess): {elapsed:.2f} s")
        print(f"  {line}")
        print_catalogue_times()
        measure_run_py(rounds)
    return 0


def print_catalogue_times() -> None:
    """The security catalogue offline and, when livekit-server is on PATH, judged by a server it starts."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    without_server = os.pathsep.join(folder for folder in folders if not shutil.which("livekit-server", path=folder))
    print("\nSecurity catalogue (suites/security), offline and judged by a LiveKit server")
    elapsed, status = suite_wall_time("security", {"PATH": without_server, "LIVEKIT_URL": ""})
    print(f"  {'offline (no server)':<42} {elapsed:6.2f} s  ({status})")
    if shutil.which("livekit-server"):
        elapsed, status = suite_wall_time("security", {"LIVEKIT_URL": ""})
        print(f"  {'judged by livekit-server from PATH':<42} {elapsed:6.2f} s  ({status}; server start and stop included)")
    else:
        print("  judged by a server: not measured, put livekit-server on PATH")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
