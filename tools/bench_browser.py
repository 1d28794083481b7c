#!/usr/bin/env python3
"""Benchmark: what the browser client costs.

    python tools/bench_browser.py            3 rounds
    python tools/bench_browser.py --rounds 5

Each round runs, back to back, a warm ``python run.py`` with every suite and the same run with
``--exclude browser``, as a user starts it (a Python outside the project's environment; a warm-up
run comes first, so nothing is installed or built). It prints the wall time of both, what the
browser suite adds, and from the full run's output.xml: the browser's launch to joined (from the
start of ``Start The Browser`` to the end of the first ``Join Room In The Browser``, as the join's
record says), the keywords ``Start The Browser`` and ``Join Room In The Browser``, and the browser
suite's own elapsed time. Results go to a temporary folder.

This prints figures; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import tempfile
import warnings
from pathlib import Path

from bench import _span, run_py

BROWSER_KEYWORDS = ("Start The Browser", "Join Room In The Browser")


def browser_figures(output: Path) -> dict[str, list[float]]:
    """Seconds of the browser's keywords and suite, and the launch-to-joined of its first join, in ``output``."""
    from robot.api import ExecutionResult, ResultVisitor

    found: dict[str, list[float]] = {name: [] for name in (*BROWSER_KEYWORDS, "suite", "launch to joined")}

    class Times(ResultVisitor):
        def start_suite(self, suite):
            if suite.name == "Browser Client":
                found["suite"].append(suite.elapsed_time.total_seconds())

        def start_keyword(self, keyword):
            if keyword.name in BROWSER_KEYWORDS:
                found[keyword.name].append(keyword.elapsed_time.total_seconds())

        def start_message(self, message):
            if "browser_client" not in message.message:
                return
            for payload in re.findall(r'data-lk-evidence="([^"]*)"', message.message):
                facts = json.loads(html.unescape(payload)).get("facts") or {}
                if facts.get("since") == "launch":
                    found["launch to joined"].append(float(facts["seconds"]))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ExecutionResult(str(output)).suite.visit(Times())
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args(argv).rounds
    with tempfile.TemporaryDirectory(prefix="livekit-bench-browser-") as folder:
        work = Path(folder)
        run_py(["--include", "step-1"], work / "warm-up", work / "warm-up.json")
        full, without, added, codes = [], [], [], set()
        figures: dict[str, list[float]] = {}
        for index in range(rounds):
            total, _, code = run_py([], work / f"full-{index}", work / f"full-{index}.json")
            bare, _, bare_code = run_py(["--exclude", "browser"], work / f"bare-{index}", work / f"bare-{index}.json")
            full.append(total)
            without.append(bare)
            added.append(total - bare)
            codes |= {code, bare_code}
            output = work / f"full-{index}" / "output.xml"
            if output.is_file():
                for name, values in browser_figures(output).items():
                    figures.setdefault(name, []).extend(values)
    status = "every test passed" if codes == {0} else f"exit codes {sorted(codes)}"
    print(f"The browser client, {rounds} round(s) of a warm python run.py ({status})")
    print(f"  {'python run.py (every suite)':<52} {_span(full)}")
    print(f"  {'python run.py --exclude browser':<52} {_span(without)}")
    print(f"  {'what the browser suite adds':<52} {_span(added)}")
    for name, shown in (
        ("suite", "of it: the browser suite (Robot's elapsed time)"),
        ("launch to joined", "of it: browser launch to joined (first join)"),
        ("Start The Browser", "of it: Start The Browser"),
        ("Join Room In The Browser", "of it: each Join Room In The Browser"),
    ):
        if figures.get(name):
            print(f"  {shown:<52} {_span(figures[name])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
