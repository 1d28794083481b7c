"""What Robot Framework itself says about a run: every file it wrote, and every error of its set-up.

``run.py`` adds this module as a listener (``--listener livekit_evidence.run_record``) and names a
file in its private folder in ``LIVEKIT_AUTH_RUN_RECORD``; the listener appends one JSON object a
line to it:

- ``{"file": "output", "path": ...}`` for each of Robot Framework's ``output_file``, ``log_file``,
  ``report_file``, ``xunit_file`` and ``debug_file`` calls: where it wrote, whatever option,
  argument file (``-A``), ``ROBOT_OPTIONS`` or path form (``DIR/out`` gets ``.xml``, a path ending in
  ``/`` is a file named after its extension) chose it. The leak guard searches these files and no
  prediction of ours is needed;
- ``{"error": ...}`` for each error Robot Framework reports about the run's set-up (``[ ERROR ]`` on
  the console: a variable file that does not load, a listener or pre-run modifier that cannot be
  imported), told apart from a test's own ``Log ... level=ERROR``, which Robot reports too.

Only the standard library is used here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

ROBOT_LISTENER_API_VERSION = 3
RECORD_VARIABLE = "LIVEKIT_AUTH_RUN_RECORD"
LISTENER = "livekit_evidence.run_record"
SYSLOG_VARIABLE = "ROBOT_SYSLOG_FILE"  # Robot Framework's own log of the run, which records --variable values

_logged_errors: set[str] = set()  # messages a test logged at ERROR level
_reported_errors: list[str] = []  # errors Robot Framework reported; written at close


def _note(entry: dict) -> None:
    path = os.environ.get(RECORD_VARIABLE)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8", errors="surrogatepass") as handle:
            handle.write(json.dumps(entry) + "\n")
    except OSError:
        pass


def output_file(path) -> None:
    _note({"file": "output", "path": str(path)})


def log_file(path) -> None:
    _note({"file": "log", "path": str(path)})


def report_file(path) -> None:
    _note({"file": "report", "path": str(path)})


def xunit_file(path) -> None:
    _note({"file": "xunit", "path": str(path)})


def debug_file(path) -> None:
    _note({"file": "debug", "path": str(path)})


def log_message(message) -> None:
    if getattr(message, "level", None) == "ERROR":
        _logged_errors.add(message.message)


def message(message) -> None:
    if getattr(message, "level", None) == "ERROR":
        _reported_errors.append(message.message)
        _note({"reported": message.message})


def close() -> None:
    for text in _reported_errors:
        if text not in _logged_errors:
            _note({"error": text})


@dataclass
class RunRecord:
    """What the listener recorded of one run."""

    files: dict[str, list[Path]] = field(default_factory=dict)  # kind -> paths, in the order written
    errors: list[str] = field(default_factory=list)  # errors of the set-up
    reported: list[str] = field(default_factory=list)  # every error Robot reported (close may not have run)

    @property
    def paths(self) -> list[Path]:
        return [path for paths in self.files.values() for path in paths]

    def last(self, kind: str) -> Path | None:
        paths = self.files.get(kind)
        return paths[-1] if paths else None


def read(path: Path) -> RunRecord:
    """The record the listener left in ``path`` (empty when there is none)."""
    record = RunRecord()
    try:
        lines = path.read_text(encoding="utf-8", errors="surrogatepass").splitlines()
    except OSError:
        return record
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("file"), str) and isinstance(entry.get("path"), str):
            record.files.setdefault(entry["file"], []).append(Path(entry["path"]))
        elif isinstance(entry.get("error"), str):
            record.errors.append(entry["error"])
        elif isinstance(entry.get("reported"), str):
            record.reported.append(entry["reported"])
    return record


def syslog_file(environ) -> Path | None:
    """The file ``ROBOT_SYSLOG_FILE`` names, when it names one (``NONE`` does not)."""
    value = environ.get(SYSLOG_VARIABLE, "").strip()
    if not value or value.upper() == "NONE":
        return None
    return Path(value).expanduser().absolute()


def setup_error_sentence(record: RunRecord) -> str | None:
    """One sentence when Robot Framework reported an error of the run's set-up, else None."""
    if not record.errors:
        return None
    first = record.errors[0].splitlines()[0].strip().rstrip(".")
    more = f" (and {len(record.errors) - 1} more error(s) of the set-up)" if len(record.errors) > 1 else ""
    return (
        f"Robot Framework could not set up the run as given: {first}{more}. "
        "The run fails: fix the file or option it names and run again."
    )


def files_written(record: RunRecord, since: float, environ) -> list[Path]:
    """The files Robot Framework said it wrote (with the ``--splitlog`` parts of its log) and its syslog file,
    those that exist and changed since ``since`` (seconds since the epoch)."""
    paths: list[Path] = []
    for kind, written in record.files.items():
        for path in written:
            paths.append(path)
            if kind == "log" and path.parent.is_dir():
                paths += sorted(path.parent.glob(f"{path.stem}-*.js"))
    syslog = syslog_file(environ)
    if syslog is not None:
        paths.append(syslog)
    found: dict[Path, None] = {}
    for path in paths:
        try:
            if path.is_file() and path.stat().st_mtime >= since:
                found[path.resolve()] = None
        except OSError:
            continue
    return list(found)
