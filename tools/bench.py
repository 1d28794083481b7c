#!/usr/bin/env python3
"""Benchmark: what minting and verifying a token costs here, next to PyJWT and livekit-api.

    python tools/bench.py              per-operation cost and ratios, then the suites' and the leak guard's wall time
    python tools/bench.py --no-suites  per-operation figures only
    python tools/bench.py --quick      fewer repetitions (a smoke run, figures are rough)

All operations run in this process on the same claims (an observer token for one room, 6 hours)
and the same 32-byte secret. Each figure is the best of several rounds of timed batches, in
microseconds per operation; every round times all operations one after the other. Ratios compare this project's keyword with raw PyJWT (``jwt.encode``/``jwt.decode``
with the server's options) and with livekit-api (``AccessToken.to_jwt``/``TokenVerifier.verify``).
The keyword figures include what the keywords do besides the JWT work: the evidence table logged for
a minted token, the leak-guard note, the server's claim type checks. The suite wall times are the
time of ``python -m robot`` on each suite folder (the live suite with the real server and client) and
on all of them (what ``python run.py`` runs,
without its set-up, sign-off and leak guard), output in a temporary folder, as a subprocess. The
leak guard's figure is its wall time on the results of a run of every suite, with that run's token
log (the keyword manuals, the sign-off and the console output that ``python run.py`` adds are left out).

This prints figures; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(ROOT / "libraries"))

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
            "--pythonpath",
            str(ROOT / "libraries"),
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
        command += ["--pythonpath", str(ROOT / "libraries"), "--console", "none", str(ROOT / "suites")]
        subprocess.run(command, env=environment, cwd=ROOT, check=False)
        guard = [sys.executable, str(ROOT / "tools" / "leak_guard.py"), str(results), "--tokens", str(token_log)]
        best, line = float("inf"), ""
        for _ in range(rounds):
            started = time.perf_counter()
            completed = subprocess.run(guard, env=environment, cwd=ROOT, capture_output=True, text=True, check=False)
            best = min(best, time.perf_counter() - started)
            line = (completed.stdout or completed.stderr).strip()
    return best, line


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-suites", action="store_true", help="skip the suite wall times")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions; rough figures")
    options = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
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
