"""Copy the files of a run that its leak guard searched and found clean, to share or upload them.

    python tools/cleared_copy.py results DEST

Reads the leak guard's record that ``python run.py`` writes beside the run's output.xml
(``leak-guard.json``) and copies into ``DEST`` every file of the output folder it lists as searched,
except the files it found a secret or a token in and those it could not read, and the record itself.
Nothing is copied when the folder holds no record, or a record of another output.xml (the record
names its output.xml and that file's SHA-256), or when that output.xml is missing: an unsearched
file is never shared. Only the Python standard library is needed, so CI can run it with any
Python 3.10+.

Exit code: 0 when the copy holds every file of the run, 1 when files were left out (named on the
console, never their content), 2 when nothing could be copied.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from livekit_evidence.record import RECORD_NAME, file_digest, valid_record


def read_record(results: Path) -> tuple[dict | None, str]:
    """The guard's record of the run in ``results``, or None with the sentence saying why it cannot be used."""
    path = results / RECORD_NAME
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return None, f"{results} holds no leak guard record ({RECORD_NAME}): python run.py writes one after its search."
    except (ValueError, RecursionError):
        return None, f"{path} is not a leak guard record."
    if not valid_record(record):  # an edited record is no record
        return None, f"{path} is not a leak guard record."
    output = results / record["output"]
    if not output.is_file():
        return None, f"{output} is missing: the record cannot be checked against the run it describes."
    if record.get("output_sha256") != file_digest(output):
        return (
            None,
            f"{path} describes another {record['output']} than the one in {results}: the files were not searched as they are.",
        )
    return record, ""


def copy(results: Path, destination: Path) -> int:
    record, problem = read_record(results)
    if record is None:
        print(f"Nothing copied: {problem}", file=sys.stderr)
        return 2
    flagged = set(record.get("found") or {}) | set(record.get("unreadable") or {})
    copied, left_out = [], []
    for name in record.get("searched") or []:
        source = results / name
        if Path(name).is_absolute() or not source.resolve().is_relative_to(results.resolve()) or not source.is_file():
            continue  # the console output, and files written outside the folder
        if name in flagged:
            left_out.append(name)
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied.append(name)
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(results / RECORD_NAME, destination / RECORD_NAME)
    print(f"Copied {len(copied)} file(s) the leak guard found clean into {destination}.")
    if left_out:
        print(
            f"Left out, the leak guard found a secret or a token in them or could not read them: {', '.join(left_out)}.",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cleared_copy.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the output folder of a python run.py run")
    parser.add_argument("destination", type=Path, help="the folder to copy into")
    options = parser.parse_args(argv)
    return copy(options.results, options.destination)
