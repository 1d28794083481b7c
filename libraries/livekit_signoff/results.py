"""Reading a run's results: ``output.xml`` files and the leak guard's record beside them.

Every value of a summary comes from here: the evidence tables the keywords log (their
``data-lk-evidence`` records), the test statuses and messages, the suite metadata and the leak
guard's record. A record is read only by its stable names: ``kind`` for the table, ``key`` for a
row, ``facts`` for what the table concluded, never by the titles and labels shown to readers.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor
from robot.errors import DataError

from livekit_evidence.record import RECORD_NAME as GUARD_RECORD
from livekit_evidence.record import file_digest, valid_record
from livekit_signoff.steps import FAIL, STEPS
from livekit_tokens.evidence import EVIDENCE_ATTRIBUTE

DIAGNOSIS_FINDING = "diagnosis"  # the finding id of a failure's diagnosis (livekit_diagnosis.recording)
_EVIDENCE = re.compile(EVIDENCE_ATTRIBUTE + r'="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Record:
    """One evidence table: its title (for readers) and its structured record.

    The summary reads a record only by its stable names: ``kind`` for the table, ``key`` for a row,
    ``facts`` for what the table concluded. Titles and labels are free for testers and writers to
    change (a label is shown, never interpreted).
    """

    title: str
    data: dict
    source: str = ""  # the output.xml it was read from

    @property
    def kind(self) -> str | None:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else None

    @property
    def facts(self) -> dict:
        facts = self.data.get("facts")
        return facts if isinstance(facts, dict) else {}

    @property
    def rows(self) -> list[dict]:
        rows = self.data.get("rows")
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []

    def row(self, key: str) -> dict | None:
        return next((row for row in self.rows if row.get("key") == key), None)

    def value(self, key: str):
        """The value of the row named ``key``: its ``value``, else what a check observed."""
        row = self.row(key)
        return None if row is None else row.get("value", row.get("actual"))


@dataclass
class TestRun:
    name: str
    suite: str
    tags: list[str]
    status: str
    message: str
    records: list[Record] = field(default_factory=list)
    suite_records: list[Record] = field(default_factory=list)
    suite_metadata: dict[str, str] = field(default_factory=dict)
    suite_id: str = ""
    token: str | None = None  # fingerprint of the token its suite examined, when recorded
    merged: bool = False  # re-executed and merged in by ``rebot --merge``; the suite setup is the re-run's
    suite_merged: bool = False  # some test of its suite was merged in
    source: str = ""  # the output.xml it was read from

    @property
    def token_source(self) -> str | None:
        """``minted`` or ``supplied`` as the suite recorded it, unless merging mixed two runs' suite data."""
        if self.suite_merged and not self.merged:
            return None
        return self.suite_metadata.get("Token source")

    @property
    def full_name(self) -> str:
        return f"{self.suite}.{self.name}"

    def has_tag(self, tag: str) -> bool:
        return any(_normal(own) == _normal(tag) for own in self.tags)

    def tables(self, kind: str) -> list[Record]:
        """The test's evidence tables of one kind (``token``, ``signature``, ``grants``, ...)."""
        return [record for record in self.records if record.kind == kind]

    def causes(self) -> list[str]:
        """Why the test's checks failed, as its records name it (``expired``, ``mismatch``, ``signature``, ...)."""
        found = []
        for record in self.records:
            facts = record.facts
            if facts.get("cause") and (facts.get("outcome") == "refused" or facts.get("ok") is False):
                found.append(str(facts["cause"]))
            if record.kind == "server_answer" and facts.get("ok") is False and facts.get("refusal"):
                found.append(str(facts["refusal"]))
            found += [str(row["cause"]) for row in record.rows if row.get("ok") is False and row.get("cause")]
        return list(dict.fromkeys(found))


@dataclass
class Run:
    tests: list[TestRun]
    metadata: dict[str, list[str]]  # every distinct value per name: combined runs may differ
    suite_failures: list[tuple[str, str]]  # (suite, message) of failed suite setups and teardowns
    findings: list[dict]
    errors: list[tuple[str, str]]
    start: datetime | None
    generator: str
    sources: list[str]
    setup_records: list[Record] = field(default_factory=list)  # logged by suite setups and teardowns
    source_metadata: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # per output.xml
    finding_texts: set[str] = field(default_factory=set)  # of every finding, also those a more severe one replaced
    diagnosed: dict[str, list[str]] = field(default_factory=dict)  # diagnosis text -> the failed tests it explains
    guards: dict[str, dict | None] = field(default_factory=dict)  # the leak guard's record per output.xml, if any

    def leaks(self) -> list[tuple[str, str, list[str]]]:
        """``(output file, file searched, kinds)`` for every secret or token the leak guard found."""
        return [
            (source, name, list(kinds))
            for source, record in self.guards.items()
            if record
            for name, kinds in (record.get("found") or {}).items()
        ]

    def unsearched(self) -> list[tuple[str, str]]:
        """``(output file, file)`` the leak guard could not read."""
        return [(source, name) for source, record in self.guards.items() if record for name in (record.get("unreadable") or {})]

    def tagged(self, tag: str) -> list[TestRun]:
        return [test for test in self.tests if test.has_tag(tag)]

    def meta(self, name: str) -> str | None:
        values = self.metadata.get(name)
        return "; ".join(values) if values else None

    @property
    def tokens(self) -> list[str]:
        """Fingerprints of the tokens the five steps examined (other areas check tokens of their own)."""
        steps = [test for test in self.tests if any(test.has_tag(step.tag) for step in STEPS)]
        return list(dict.fromkeys(test.token for test in steps if test.token))

    @property
    def combined(self) -> bool:
        """True when the results come from several output files or from ``rebot --merge``."""
        return len(self.sources) > 1 or any(test.merged for test in self.tests)

    def part(self, source: str) -> Run:
        """The results read from one of the output files."""
        return Run(
            tests=[test for test in self.tests if test.source == source],
            metadata=self.source_metadata.get(source, self.metadata if len(self.sources) == 1 else {}),
            suite_failures=[],
            findings=[],
            errors=[],
            start=None,
            generator="",
            sources=[source],
            setup_records=[record for record in self.setup_records if record.source == source],
        )

    def source_label(self, source: str) -> str:
        """The shortest end of the file's path that tells it apart from the other files read."""
        parts = Path(source).parts
        others = [Path(other).parts for other in self.sources if other != source]
        for length in range(1, len(parts) + 1):
            end = parts[-length:]
            if all(tuple(other[-length:]) != end for other in others):
                return "/".join(end)
        return source


class _Collector(ResultVisitor):
    def __init__(self, sources: list[str], combined_root: str | None = None):
        self.tests: list[TestRun] = []
        self.metadata: dict[str, list[str]] = {}
        self.source_metadata: dict[str, dict[str, list[str]]] = {}
        self._sources = sources
        self._source = sources[0]
        self._root = combined_root  # the suite ``rebot`` builds around several files, left out of names
        self.findings: list[dict] = []
        self.suite_failures: list[tuple[str, str]] = []
        self._suites: list[tuple[object, list[Record]]] = []
        self._test: TestRun | None = None
        self.setup_records: list[Record] = []
        # A diagnosis counts only for a failure: it is kept once its test (or suite setup) is known to have failed.
        self.diagnosed: dict[str, list[str]] = {}
        self._test_diagnoses: list[dict] = []
        self._suite_diagnoses: list[list[dict]] = []

    def start_suite(self, suite):
        if self._root is not None and len(self._suites) == 1:
            self._source = self._sources[suite.parent.suites.index(suite)]
        self._suites.append((suite, []))
        self._suite_diagnoses.append([])
        for name, value in suite.metadata.items():
            for metadata in (self.metadata, self.source_metadata.setdefault(self._source, {})):
                values = metadata.setdefault(str(name), [])
                if str(value) not in values:
                    values.append(str(value))

    def _name(self, suite) -> str:
        name = suite.full_name
        if self._root is not None and name.startswith(self._root + "."):
            return name[len(self._root) + 1 :]
        return name

    def end_suite(self, suite):
        _, records = self._suites.pop()
        diagnoses = self._suite_diagnoses.pop()
        for fixture, name in ((suite.setup, "setup"), (suite.teardown, "teardown")):
            if fixture and fixture.status == FAIL:
                self.suite_failures.append((f"Suite {name} of {self._name(suite)}", plain_message(fixture.message)))
                self._keep_diagnoses(diagnoses, f"Suite {name} of {self._name(suite)}")
                diagnoses = []
        tests = [test for test in self.tests if test.suite_id == suite.id]
        # After `rebot --merge` the suite setup belongs to the re-run, the tests that were not re-run to
        # the earlier run: each group keeps the token its own run examined.
        for group in ([test for test in tests if test.merged], [test for test in tests if not test.merged]):
            own = next((found for test in group if (found := _fingerprint(test.tables("token")))), None)
            shared_setup = group and (group[0].merged or not any(test.merged for test in tests))
            token = own or (_fingerprint(records) if shared_setup else None)
            for test in group:
                test.token = token
                test.suite_merged = any(other.merged for other in tests)

    def start_test(self, test):
        suite, records = self._suites[-1]
        self._test = TestRun(
            name=test.name,
            suite=self._name(suite),
            tags=[str(tag) for tag in test.tags],
            status=test.status,
            message=plain_message(test.message),
            suite_records=records,
            suite_metadata={str(name): str(value) for name, value in suite.metadata.items()},
            suite_id=suite.id,
            merged="re-executed and results merged" in str(test.message),
            source=self._source,
        )

    def end_test(self, test):
        if test.status == FAIL:
            self._keep_diagnoses(self._test_diagnoses, self._test.name)
        self._test_diagnoses = []
        self.tests.append(self._test)
        self._test = None

    def _keep_diagnoses(self, diagnoses: list[dict], where: str) -> None:
        for data in diagnoses:
            self.findings.append(data)
            names = self.diagnosed.setdefault(str(data.get("text", "")), [])
            if where not in names:
                names.append(where)

    def start_message(self, message):
        if not message.html or EVIDENCE_ATTRIBUTE not in message.message:
            return
        for match in _EVIDENCE.finditer(message.message):
            try:
                data = json.loads(html.unescape(match.group(1)))
            except (ValueError, RecursionError):
                continue
            if not isinstance(data, dict):
                continue
            record = Record(str(data.get("title") or ("Finding" if "finding" in data else "")), data, self._source)
            if data.get("finding") == DIAGNOSIS_FINDING:
                (self._test_diagnoses if self._test is not None else self._suite_diagnoses[-1]).append(data)
            elif "finding" in data:
                self.findings.append(data)
            if self._test is not None:
                self._test.records.append(record)
            elif self._suites:
                self._suites[-1][1].append(record)
                self.setup_records.append(record)


def output_file(path: Path) -> Path:
    """``path``, or the ``output.xml`` inside it when it is a folder; ``ValueError`` with one sentence if neither is there."""
    if path.is_dir():
        inside = path / "output.xml"
        if inside.is_file():
            return inside
        raise ValueError(f"{path} is a folder without an output.xml; give the output.xml of a run (results/output.xml).")
    if not path.is_file():
        raise ValueError(f"{path} does not exist; give the output.xml of a run (results/output.xml).")
    return path


def guard_record(output: Path) -> dict | None:
    """The leak guard's record of the search of ``output``'s run, or None when none is beside it.

    A record of another run (another output.xml, or this one written again since) is not read: it
    names the output.xml it belongs to and its SHA-256.
    """
    try:
        record = json.loads((output.parent / GUARD_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not valid_record(record) or record.get("output") != output.name:  # an edited record is no record
        return None
    if record.get("output_sha256") != file_digest(output):
        return None
    return record


def read_results(paths: list[Path], guards: dict[str, dict] | None = None) -> Run:
    """Read one or more ``output.xml`` files (or folders holding one); raise ``ValueError`` with one sentence when that fails.

    ``guards`` gives the leak guard's verdict for an output file by its path; for the others the
    record beside the file is read (see :func:`guard_record`).
    """
    paths = [output_file(path) for path in paths]
    try:
        result = ExecutionResult(*[str(path) for path in paths])
    except DataError as error:
        raise ValueError(f"Cannot read {', '.join(map(str, paths))} as Robot Framework results: {error}") from None
    except RecursionError:
        raise ValueError(
            f"Cannot read {', '.join(map(str, paths))} as Robot Framework results: it is nested too deeply to be a run's output."
        ) from None
    sources = [str(path) for path in paths]
    collector = _Collector(sources, result.suite.full_name if len(paths) > 1 else None)
    try:
        result.suite.visit(collector)
    except RecursionError:
        raise ValueError(
            f"Cannot read {', '.join(map(str, paths))} as Robot Framework results: it is nested too deeply to be a run's output."
        ) from None
    errors = [(message.level, plain_message(message.message)) for message in result.errors.messages]
    return Run(
        tests=collector.tests,
        metadata=collector.metadata,
        suite_failures=collector.suite_failures,
        findings=_unique(collector.findings),
        finding_texts={str(finding.get("text", "")) for finding in collector.findings},
        source_metadata=collector.source_metadata,
        errors=errors,
        start=_start_time(result.suite),
        generator=str(getattr(result, "generator", "") or ""),
        sources=sources,
        setup_records=collector.setup_records,
        diagnosed=collector.diagnosed,
        guards={str(path): (guards or {}).get(str(path)) or guard_record(path) for path in paths},
    )


def _start_time(suite) -> datetime | None:
    times = [suite.start_time] if suite.start_time else []
    times += [child.start_time for child in suite.suites if child.start_time]
    times += [test.start_time for test in suite.all_tests if test.start_time]
    return min(times) if times else None


def _fingerprint(records: list[Record]) -> str | None:
    for record in records:
        if record.kind in ("token_generated", "token"):
            value = record.value("fingerprint")
            if value:
                return str(value)
    return None


SEVERITIES = {"failure": 3, "warning": 2, "info": 1}


def _severity(finding: dict) -> int:
    return SEVERITIES.get(str(finding.get("severity", "info")).lower(), 0)


def _unique(findings: list[dict]) -> list[dict]:
    """Each finding once; of a finding reported with several severities, only the most severe."""
    worst: dict[str, int] = {}
    for finding in findings:
        name = str(finding.get("finding"))
        worst[name] = max(worst.get(name, 0), _severity(finding))
    seen, unique = set(), []
    for finding in findings:
        key = (str(finding.get("finding")), str(finding.get("text")))
        if _severity(finding) < worst[key[0]]:
            continue
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def plain_message(text: str) -> str:
    """A test or error message as plain text: Robot's ``*HTML*`` messages (rebot --merge) flattened."""
    text = str(text or "")
    if text.startswith("*HTML*"):
        text = text[len("*HTML*") :]
        text = re.sub(r"<hr\s*/?>", " — ", text, flags=re.IGNORECASE)
        text = re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE)
        text = html.unescape(_TAG.sub("", text))
    return " ".join(text.split())


def _normal(text) -> str:
    return re.sub(r"[\s_]+", "", str(text or "")).lower()
