"""The command line: ``python run.py signoff``, ``python tools/signoff.py`` and ``python -m livekit_signoff``.

Exit code: 0 when the summary was written (whatever the run's status), 1 with ``--require-passed``
when the status is not PASSED (``PASSED (offline only)``, no LiveKit server contacted, is accepted
with ``--allow-offline``), 2 when the results cannot be read or the summary cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from livekit_evidence.signoff_gate import NO_RECORD, Gate
from livekit_signoff.results import output_file
from livekit_signoff.rules import LEAKED, PASSED, PASSED_OFFLINE
from livekit_signoff.writer import SummaryNotWritten, write_summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python run.py signoff",
        description="Write signoff.md and signoff.html from Robot Framework output.xml files "
        "(the same as python tools/signoff.py).",
    )
    parser.add_argument(
        "outputs",
        nargs="+",
        type=Path,
        metavar="OUTPUT.xml",
        help="output.xml of the run, or the folder holding it (several are combined)",
    )
    parser.add_argument("--outdir", type=Path, help="where to write the summary (default: the folder of the first output.xml)")
    parser.add_argument("--command", help="the command that reproduces the run, shown in the summary")
    parser.add_argument("--require-passed", action="store_true", help="exit with 1 unless the status is PASSED")
    parser.add_argument(
        "--allow-offline",
        action="store_true",
        help="with --require-passed, also accept PASSED (offline only): every test passed, but no LiveKit server was contacted",
    )
    options = parser.parse_args(argv)
    try:
        outputs = [output_file(path) for path in options.outputs]
        outdir = options.outdir or outputs[0].resolve().parent
        gate = Gate(outputs, options.command)  # the guard's own search, and no PASSED without the run's record
        for sentence in gate.refused:
            print(f"Leak guard: {sentence}", file=sys.stderr)
        command = None if gate.command_leaks else options.command
        status, markdown, page = write_summary(outputs, outdir, command, guards=gate.verdicts)
        if gate.search_summary([markdown, page]):
            status, markdown, page = write_summary(outputs, outdir, command, guards=gate.verdicts)
    except SummaryNotWritten as error:
        print(error, file=sys.stderr)
        return 2
    except RecursionError:
        print("Sign-off summary not written: the results are nested too deeply to be a run's output.", file=sys.stderr)
        return 2
    except (ValueError, OSError) as error:
        reason = f"{error.filename}: {error.strerror}" if isinstance(error, OSError) and error.strerror else error
        print(f"Sign-off summary not written: {reason}", file=sys.stderr)
        return 2
    print(f"Sign-off summary: {status} ({page}, {markdown.name})")
    accepted = {PASSED, PASSED_OFFLINE} if options.allow_offline else {PASSED}
    if options.require_passed and status not in accepted:
        if status == LEAKED:
            print(
                "The leak guard found a secret or a token in these results: see the summary; do not share them.", file=sys.stderr
            )
        if any(NO_RECORD in (verdict.get("unreadable") or {}) for verdict in gate.verdicts.values()):
            print(
                "No leak guard record of these exact results: only python run.py searches every file of its run, "
                "with every token it used; run it again to sign these results off.",
                file=sys.stderr,
            )
        if status == PASSED_OFFLINE:
            print(
                "No LiveKit server was contacted in this run: set LIVEKIT_URL or let the suite start one, "
                "or pass --allow-offline to accept offline evidence.",
                file=sys.stderr,
            )
        return 1
    return 0
