"""Benchmark of a LiveKit cluster the suite starts: start to ready, stop, and what the cluster checks add.

    .venv/bin/python tools/bench_cluster.py [--rounds N]

Prints, for 2 and 3 nodes of the pinned livekit-server and one Redis on loopback, the time from the
start to ready (every node answering and registered in Redis) and the time to stop (nodes, then
Redis); then the wall time of the cluster suite on 3 nodes, test by test, and of the live suite on
one server and on 3 nodes (where every token and refusal check goes to every node).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from livekit_server import binary, cluster, redis

ROOT = Path(__file__).resolve().parent.parent


def start_and_stop(server: str, store: str, count: int, rounds: int) -> tuple[list[float], list[float]]:
    ready, stopped = [], []
    for _ in range(rounds):
        running = cluster.start_cluster(server, store, count, {"benchkey": "bench-secret-0123456789abcdef0123456789"})
        ready.append(running.ready_seconds)
        began = time.perf_counter()
        running.stop()
        stopped.append(time.perf_counter() - began)
    return ready, stopped


def suite_times(suite: str, environment: dict[str, str]) -> tuple[float, list[tuple[str, float]]]:
    from robot.api import ExecutionResult

    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "robot",
            "--outputdir",
            folder,
            "--log",
            "NONE",
            "--report",
            "NONE",
            "--console",
            "none",
            "--exclude",
            "agents",
            suite,
        ]
        began = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=environment, check=False)
        wall = time.perf_counter() - began
        result = ExecutionResult(str(Path(folder) / "output.xml"))
        tests = []

        def visit(suite_result):
            tests.extend((test.name, test.elapsed_time.total_seconds()) for test in suite_result.tests)
            for child in suite_result.suites:
                visit(child)

        visit(result.suite)
        return wall, tests


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} to {max(values):.2f} s (median {statistics.median(values):.2f} s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    server = binary.find_source(dict(os.environ, LIVEKIT_URL="")).binary
    store = redis.find_redis_server()
    if server is None or store is None:
        print(binary.HOW_TO_GET_A_SERVER if server is None else redis.HOW_TO_GET_REDIS)
        return 2
    for count in (2, 3):
        ready, stopped = start_and_stop(server, store, count, rounds)
        print(f"{count} nodes, start to ready ({rounds} rounds): {spread(ready)}; stop: {spread(stopped)}")
    base = {name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")}
    base["LIVEKIT_SERVER_BINARY"] = server
    wall, tests = suite_times(str(ROOT / "suites" / "cluster"), dict(base, LIVEKIT_CLUSTER_NODES="3"))
    print(f"cluster suite on 3 nodes: {wall:.2f} s wall, Python and Robot Framework's start included")
    for name, seconds in tests:
        print(f"  {seconds:6.2f} s  {name}")
    single, _ = suite_times(str(ROOT / "suites" / "live"), base)
    three, _ = suite_times(str(ROOT / "suites" / "live"), dict(base, LIVEKIT_CLUSTER_NODES="3"))
    print(f"live suite: {single:.2f} s on one server, {three:.2f} s on 3 nodes (every token check against every node)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
