"""The leak guard's part in a sign-off rebuilt from existing results (``python run.py signoff``).

A release gate fails closed:

- the guard's record beside an output.xml counts only when it is well formed and names that exact
  file by its SHA-256; a record of other results, an edited one or none at all is "no record", and
  results without a record are never PASSED (the status is at best INCOMPLETE, naming the missing
  record): only ``python run.py`` knows every token of its run;
- the rebuilt sign-off runs the guard itself, with the secrets configured where it runs, over the
  output.xml files it reads, over its own arguments (``--command``) and over the summary it wrote;
  what it finds fails the sign-off as the run's own guard does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from livekit_evidence import leak_guard
from livekit_evidence.record import RECORD_NAME, file_digest, valid_record

NO_RECORD = "the leak guard's record of this run"  # named among the files not searched
NO_RECORD_REASON = f"no valid {RECORD_NAME} for this exact output.xml; run python run.py again to search every file it writes"
COMMAND_NAME = "the --command argument"


def record_of(output: Path) -> tuple[dict | None, str | None]:
    """The guard's record of ``output``'s run, when one is beside it, well formed and names that exact file;
    else None and, when a record is there but cannot count, one sentence saying why."""
    path = output.parent / RECORD_NAME
    if not path.exists():
        return None, None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        record = None
    if not valid_record(record):
        return None, f"{path} is not a record the leak guard wrote (edited, or not JSON of its form): it is not read."
    if record["output"] != output.name or record["output_sha256"] != file_digest(output):
        return None, f"{path} is the leak guard's record of other results than {output}: it is not read."
    return record, None


class Gate:
    """The guard's verdict per output.xml for one rebuilt sign-off."""

    def __init__(self, outputs: list[Path], command: str | None, environ: Mapping[str, str] | None = None):
        self.work = leak_guard.plan(os.environ if environ is None else environ, None)
        self.finder = leak_guard.SignedTokenFinder(self.work.signing_keys, self.work.known_tokens)
        self.verdicts: dict[str, dict] = {}
        self.refused: list[str] = []  # one sentence per record beside an output that cannot count
        self.command_leaks = False
        for output in outputs:
            record, refused = record_of(output)
            if refused:
                self.refused.append(refused)
            verdict = json.loads(json.dumps(record)) if record else {
                "output": output.name, "output_sha256": "", "searched": [output.name], "found": {}, "unreadable": {NO_RECORD: NO_RECORD_REASON},
            }  # fmt: skip
            self._add(verdict, leak_guard.search_files([(output.name, output)], self.work, self.finder))
            self.verdicts[str(output)] = verdict
        self.first = next(iter(self.verdicts.values()))
        if command:
            kinds = leak_guard.search_data(command.encode("utf-8", "surrogateescape"), self.work, self.finder)
            if kinds:
                self.command_leaks = True  # the summary leaves the command out
                self.first["found"].setdefault(COMMAND_NAME, [])
                self.first["found"][COMMAND_NAME] = sorted({*self.first["found"][COMMAND_NAME], *kinds})

    @staticmethod
    def _add(verdict: dict, outcome: leak_guard.Outcome) -> bool:
        """Add what a search found to ``verdict``; whether it found something new."""
        new = False
        for name, kinds in outcome.hits.items():
            before = set(verdict["found"].get(name, []))
            if not kinds <= before:
                verdict["found"][name] = sorted(before | kinds)
                new = True
        for name, reason in outcome.unreadable.items():
            new = new or name not in verdict["unreadable"]
            verdict["unreadable"][name] = reason
        return new

    def search_summary(self, files: list[Path]) -> bool:
        """Search the summary just written; whether it holds something the verdicts do not name yet."""
        outcome = leak_guard.search_files([(path.name, path) for path in files], self.work, self.finder)
        return self._add(self.first, outcome)

    @property
    def leaked(self) -> bool:
        return any(verdict["found"] for verdict in self.verdicts.values())
