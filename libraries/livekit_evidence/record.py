"""The leak guard's record of a run: its file name, and the digest that ties it to one output.xml.

``python run.py`` writes the record beside the output.xml it searched; the sign-off and the cleared
copy read it. Only the Python standard library is used here, so the cleared copy runs with any Python.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

RECORD_NAME = "leak-guard.json"  # written by run.py beside the output.xml it searched
CONSOLE_NAME = "the console output"  # how the record names the run's console output among the files searched


def file_digest(path: Path) -> str:
    """The SHA-256 of the file, in hex: the record names its output.xml by it."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def valid_record(record: object) -> bool:
    """Whether ``record`` has the shape the guard writes: names and lists of names, nothing else."""
    if not isinstance(record, dict):
        return False
    searched, found, unreadable = record.get("searched"), record.get("found"), record.get("unreadable")
    return (
        isinstance(record.get("output"), str)
        and isinstance(record.get("output_sha256"), str)
        and isinstance(searched, list)
        and all(isinstance(name, str) for name in searched)
        and isinstance(found, dict)
        and all(
            isinstance(name, str) and isinstance(kinds, list) and all(isinstance(k, str) for k in kinds)
            for name, kinds in found.items()
        )
        and isinstance(unreadable, dict)
        and all(isinstance(name, str) and isinstance(reason, str) for name, reason in unreadable.items())
    )
