#!/usr/bin/env python3
"""Write the sign-off summary of a run: ``signoff.md`` and ``signoff.html``, read from ``output.xml``.

    python tools/signoff.py results/output.xml [more output.xml ...] [--outdir DIR] [--command TEXT]

Several files are combined as ``rebot`` combines them; a file merged with ``rebot --merge`` or a run
of a subset works as well. Every value in the summary comes from the results: the evidence tables
the keywords log (their ``data-lk-evidence`` records), the test statuses and messages, and the suite
metadata (the environment recorded by ``Record Test Environment``). Exit code: 0 when the summary
was written (whatever the run's status), 1 with ``--require-passed`` when the status is not PASSED
(``PASSED (offline only)``, no LiveKit server contacted, is accepted with ``--allow-offline``), 2 when
the results cannot be read.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "libraries") not in sys.path:
    sys.path.insert(0, str(ROOT / "libraries"))

from robot.api import ExecutionResult, ResultVisitor  # noqa: E402
from robot.errors import DataError  # noqa: E402

from livekit_evidence.record import CONSOLE_NAME, file_digest  # noqa: E402
from livekit_evidence.record import RECORD_NAME as GUARD_RECORD  # noqa: E402
from livekit_tokens import environment  # noqa: E402
from livekit_tokens.evidence import EVIDENCE_ATTRIBUTE  # noqa: E402

TITLE = "LiveKit Client Authentication Test Results"
OBJECTIVE = (
    "Show that a client can obtain a valid LiveKit access token and that LiveKit accepts it for the "
    "room and permissions it was issued for.",
    "Control plane and authentication only: no audio or video, no speech services.",
)

PASS, FAIL, SKIP, NOT_RUN = "PASS", "FAIL", "SKIP", "NOT RUN"
PASSED, FAILED, INCOMPLETE = "PASSED", "FAILED", "INCOMPLETE"
# Every test passed, but no LiveKit server answered one: the token is valid as a server would verify it,
# not shown to be accepted by one. Its own wording and colour, and --require-passed refuses it.
PASSED_OFFLINE = "PASSED (offline only)"
# The leak guard found a secret or a token of the run in its results: whatever the tests say, the
# evidence cannot be shared, and --require-passed refuses it.
LEAKED = "FAILED (secret or token found)"
STATUS_CSS = {PASSED: "passed", FAILED: "failed", INCOMPLETE: "incomplete", PASSED_OFFLINE: "offline", LEAKED: "failed"}
ACCEPTANCE_KEY = "server_acceptance"  # the stable key of the real client's evidence records (LiveKitClient)
DIAGNOSIS_FINDING = "diagnosis"  # the finding id of a failure's diagnosis (livekit_diagnosis.recording)


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    flow: str

    @property
    def tag(self) -> str:
        return f"step-{self.number}"


STEPS = (
    Step(1, "Token Generation", "Token generation"),
    Step(2, "Signature Validation", "Signature validation"),
    Step(3, "Token Claims", "Claims verification"),
    Step(4, "Access Grants", "Grant configuration"),
    Step(5, "Token Expiration", "Expiration check"),
)

# Suites of other areas, found by tag, summarised under Key findings.
AREAS = (
    ("live", "LiveKit server"),
    ("endpoint", "Token endpoint"),
    ("security", "Security catalogue"),
    ("interop", "SDK interoperability"),
    ("diagnosis", "Diagnosis catalogue"),
)

ENVIRONMENT_ROWS = (
    environment.ROBOT,
    environment.PYTHON,
    environment.PYJWT,
    environment.LIVEKIT_API,
    environment.NODE_SDK_NAME,
    environment.NODE,
    environment.OS,
    environment.COMMIT,
)

_EVIDENCE = re.compile(EVIDENCE_ATTRIBUTE + r'="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")
_STATUS_WORDS = {PASS: "PASS", FAIL: "FAIL", SKIP: "SKIPPED", NOT_RUN: "NOT RUN"}


# ---------------------------------------------------------------- reading the results


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
    if not isinstance(record, dict) or record.get("output") != output.name:
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
    sources = [str(path) for path in paths]
    collector = _Collector(sources, result.suite.full_name if len(paths) > 1 else None)
    result.suite.visit(collector)
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


# ---------------------------------------------------------------- what the run shows


@dataclass
class StepResult:
    step: Step
    status: str
    tests: list[TestRun]


@dataclass
class AreaResult:
    tag: str
    name: str
    tests: list[TestRun]

    def count(self, status: str) -> int:
        return sum(1 for test in self.tests if test.status == status)


def step_results(run: Run) -> list[StepResult]:
    results = []
    for step in STEPS:
        tests = run.tagged(step.tag)
        statuses = {test.status for test in tests}
        if FAIL in statuses:
            status = FAIL
        elif PASS in statuses:
            status = PASS
        elif tests:
            status = SKIP
        else:
            status = NOT_RUN
        results.append(StepResult(step, status, tests))
    return results


def overall_status(run: Run, steps: list[StepResult]) -> str:
    if run.leaks():
        return LEAKED
    if any(test.status == FAIL for test in run.tests):
        return FAILED
    if any(result.status in (SKIP, NOT_RUN) for result in steps) or run.unsearched():
        return INCOMPLETE
    return PASSED if server_checked(run) else PASSED_OFFLINE


def server_checked(run: Run) -> bool:
    """True when a LiveKit server answered the live checks: some passed and none failed."""
    live = run.tagged("live")
    return any(test.status == PASS for test in live) and not any(test.status == FAIL for test in live)


@dataclass
class Acceptance:
    """What the real client observed, read from its evidence records by their stable keys."""

    joined: dict | None
    permissions: dict | None
    listed: dict | None
    publish: dict | None
    data: dict | None
    tests: list[TestRun]

    @property
    def transport(self) -> bool:
        """Observed in this run: the client's transport connected and carried the data packet."""
        joined = self.joined or {}
        return bool(joined.get("transport")) and bool((self.data or {}).get("received"))

    @property
    def transport_problem(self) -> str | None:
        return (self.joined or {}).get("transport_problem")


def acceptance(run: Run) -> Acceptance | None:
    """The real client's observations, or None when no client test is in the results."""
    tests = [test for test in run.tagged("client") if test.has_tag("live")]
    if not tests:
        return None
    facts: dict[str, list[tuple[TestRun, dict]]] = {}
    for test in tests:
        for record in test.records + test.suite_records:
            kind = record.data.get(ACCEPTANCE_KEY)
            found = record.data.get("facts")
            if isinstance(kind, str) and isinstance(found, dict):
                facts.setdefault(kind, []).append((test, found))

    def first(kind: str, alias: str | None = "observer", passed: bool = True) -> dict | None:
        for test, found in facts.get(kind, []):
            if (alias is None or found.get("alias") == alias) and (test.status == PASS or not passed):
                return found
        return None

    joined = next((found for _, found in facts.get("joined", []) if found.get("alias") == "observer"), None)
    return Acceptance(joined, first("permissions"), first("listed"), first("publish"), first("data", None), tests)


def area_results(run: Run) -> list[AreaResult]:
    return [AreaResult(tag, name, tests) for tag, name in AREAS if (tests := run.tagged(tag))]


# ---------------------------------------------------------------- a small document model

# Inline content is a list of (kind, text) pairs; kinds: text, code, strong, mark (a status or a
# check result, drawn as an emoji in Markdown and as a label in HTML) and status (a step's status
# with its word).
Inline = list[tuple[str, str]]

_CHECKS = {True: "ok", False: "wrong", None: "reported"}
MARKDOWN_MARKS = {
    PASS: "✅",
    FAIL: "❌",
    SKIP: "⏭️",
    NOT_RUN: "⬜",
    PASSED: "✅",
    FAILED: "❌",
    INCOMPLETE: "⚠️",
    PASSED_OFFLINE: "☑️",
    LEAKED: "❌",
    "ok": "✓",
    "wrong": "✗",
    "reported": "—",
}
# Emoji fonts are often missing where pages are printed: HTML uses coloured words and plain symbols.
HTML_MARKS = {
    PASS: '<span class="label pass">PASS</span>',
    FAIL: '<span class="label fail">FAIL</span>',
    SKIP: '<span class="label skip">SKIPPED</span>',
    NOT_RUN: '<span class="label skip">NOT RUN</span>',
    PASSED: "",
    FAILED: "",
    INCOMPLETE: "",
    PASSED_OFFLINE: "",
    LEAKED: "",
    "ok": '<span class="ok">&#10003;</span>',
    "wrong": '<span class="wrong">&#10007;</span>',
    "reported": "&#8212;",
}


@dataclass
class Block:
    kind: str  # heading, paragraph, bullets, table, code
    level: int = 0
    content: Inline = field(default_factory=list)
    items: list[Inline] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[Inline]] = field(default_factory=list)
    css: str = ""


def text(value) -> tuple[str, str]:
    return ("text", str(value))


def code(value) -> tuple[str, str]:
    return ("code", show(value))


def strong(value) -> tuple[str, str]:
    return ("strong", str(value))


def mark(value) -> tuple[str, str]:
    return ("mark", _CHECKS[value] if value is None or isinstance(value, bool) else value)


def heading(level: int, *content, css: str = "") -> Block:
    return Block("heading", level=level, content=list(content), css=css)


def paragraph(*content, css: str = "") -> Block:
    return Block("paragraph", content=list(content), css=css)


def bullets(items: list[Inline], css: str = "") -> Block:
    return Block("bullets", items=items, css=css)


def show(value) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------- building the summary


def build(run: Run, command: str | None) -> tuple[str, list[Block]]:
    steps = step_results(run)
    status = overall_status(run, steps)
    blocks: list[Block] = [heading(1, text(TITLE))]
    blocks += [heading(2, text("Test Date")), paragraph(text(test_date(run)))]
    blocks += [heading(2, text("Objective")), *[paragraph(text(line)) for line in OBJECTIVE]]
    blocks.append(heading(2, text(f"Status: {status} "), mark(status), css=f"status {STATUS_CSS[status]}"))
    blocks.append(paragraph(text(status_sentence(run, steps, status))))
    blocks += execution_section(run, command)
    blocks.append(heading(3, text("Results")))
    for result in steps:
        blocks += step_section(result, run)
    blocks += acceptance_section(run)
    blocks += flow_section(steps)
    blocks += findings_section(run, steps)
    blocks += conclusion_section(run, steps, status)
    blocks += environment_section(run, command)
    return status, blocks


def test_date(run: Run) -> str:
    if run.start is None:
        return "not recorded in the results"
    offset = _recorded_offset((run.metadata.get(environment.UTC_OFFSET) or [None])[0])
    if offset is not None:
        moment = (run.start - offset).replace(tzinfo=timezone.utc)
        note = ""
    else:
        moment = run.start.astimezone(timezone.utc)
        note = " (converted with the time zone of the machine that wrote this summary)"
    return f"{moment:%B} {moment.day}, {moment:%Y}, run started {moment:%H:%M:%S} UTC{note}"


def _recorded_offset(value: str | None) -> timedelta | None:
    match = re.fullmatch(r"([+-])(\d\d):?(\d\d)", (value or "").strip())
    if not match:
        return None
    sign = 1 if match.group(1) == "+" else -1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))


def status_sentence(run: Run, steps: list[StepResult], status: str) -> str:
    counts = {word: sum(1 for test in run.tests if test.status == word) for word in (PASS, FAIL, SKIP)}
    tally = f"{_tests(len(run.tests))}: {counts[PASS]} passed, {counts[FAIL]} failed, {counts[SKIP]} skipped."
    if status == LEAKED:
        return f"The leak guard found a secret or a token of this run in {leak_places(run)}: do not share these results. {tally}"
    if status == PASSED:
        return f"All five steps passed and no test failed. {tally}"
    if status == PASSED_OFFLINE:
        return (
            f"All five steps passed and no test failed, but no LiveKit server was contacted: the token was checked "
            f"offline only, by the server's rules. {tally}"
        )
    if status == FAILED:
        failed = [test for test in run.tests if test.status == FAIL]
        return f"{len(failed)} test{'s' if len(failed) != 1 else ''} failed. {tally}"
    missing = [f"Step {result.step.number}" for result in steps if result.status in (SKIP, NOT_RUN)]
    if not missing:
        return f"No test failed, but the leak guard could not read {unsearched_places(run)}. {tally}"
    return f"No test failed, but {', '.join(missing)} did not run to completion (skipped or not run). {tally}"


def _place(run: Run, source: str, name: str) -> str:
    return f"{run.source_label(source)}: {name}" if len(run.sources) > 1 else name


def leak_places(run: Run) -> str:
    """The files the leak guard found a secret or a token in, each with what it found: ``log.html (token)``."""
    return ", ".join(f"{_place(run, source, name)} ({' and '.join(kinds)})" for source, name, kinds in run.leaks())


def unsearched_places(run: Run) -> str:
    return ", ".join(_place(run, source, name) for source, name in run.unsearched())


def _tests(count: int) -> str:
    return f"{count} test" if count == 1 else f"{count} tests"


def reproduction_settings(run: Run) -> list[str]:
    """The settings outside the command line that the run used and a re-run needs, by name only."""
    needed = []
    if any(test.token_source == "supplied" for test in run.tests) or "supplied" in run.metadata.get("Token source", []):
        settings = {record.facts.get("setting") for record in run.setup_records if record.kind == "supplied_token"}
        if "LIVEKIT_TOKEN_FILE" in settings:
            needed.append("LIVEKIT_TOKEN_FILE naming a file that holds the same token (not shown here)")
        if settings - {"LIVEKIT_TOKEN_FILE"} or not settings:
            needed.append("LIVEKIT_TOKEN set to the same token (not shown here)")
    keys = {str(value) for t in run.tagged("step-1") for r in t.tables("token") if (value := r.value("api_key"))}
    if keys - {"devkey"}:
        needed.append("the same API key and secret (LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or LIVEKIT_KEYS)")

    def setup(kind: str) -> list[dict]:
        return [record.facts for record in run.setup_records if record.kind == kind]

    if any(facts.get("setting") == "LIVEKIT_URL" for facts in setup("livekit_server")):
        needed.append("LIVEKIT_URL")
    if any(facts.get("setting") == "LIVEKIT_TOKEN_ENDPOINT" for facts in setup("token_endpoint")):
        needed.append("LIVEKIT_TOKEN_ENDPOINT")
    if any(_count(facts.get("extra_headers")) for facts in setup("token_endpoint")):
        needed.append("TOKEN_ENDPOINT_HEADERS in the same variable file (--variablefile)")
    if any(facts.get("setting") == "LIVEKIT_WEBHOOK_URL" for facts in setup("webhook_receiver")):
        needed.append("LIVEKIT_WEBHOOK_URL")
    if any(_count(facts.get("extra_headers")) for facts in setup("webhook_receiver")):
        needed.append("WEBHOOK_RECEIVER_HEADERS in the same variable file (--variablefile)")
    return needed


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# The Robot Framework command line ``python run.py`` builds: its own options, then the user's arguments,
# then the suites folder when no data source was given.
_RUN_PY_ROBOT = re.compile(
    r'python -m robot (?:--name "LiveKit Authentication" )?--outputdir (?:"[^"]*"|\S+) --output output\.xml '
    r'--log log\.html --report report\.html --xunit xunit\.xml --pythonpath ("[^"]*"|\S+)(.*)'
)


def run_command(run: Run) -> str | None:
    """The ``python run.py ...`` command of the run, read from the Robot Framework command line it recorded.

    A command line that ``python run.py`` did not build is returned as it is; ``None`` when none was recorded.
    """
    recorded = run.meta(environment.COMMAND)
    if not recorded:
        return None
    match = _RUN_PY_ROBOT.fullmatch(recorded.strip())
    if not match:
        return recorded
    libraries, arguments = match.group(1).strip('"'), match.group(2)
    if libraries.endswith("libraries"):
        suites = libraries[: -len("libraries")] + "suites"
        for written in (f' "{suites}"', f" {suites}"):
            if arguments.endswith(written):
                arguments = arguments[: -len(written)]
                break
    return f"python run.py{arguments}"


def execution_section(run: Run, command: str | None) -> list[Block]:
    items: list[Inline] = []
    if len(run.sources) == 1:
        items.append([text("Command: "), code(command or run_command(run) or "not recorded")])
        if needed := reproduction_settings(run):
            items.append([text("The command reproduces the run only with the same settings: " + "; ".join(needed) + ".")])
    else:
        if command:
            items.append([text("Command: "), code(command)])
        for source in run.sources:
            part = run.part(source)
            item = [text("Command of "), code(run.source_label(source)), text(": "), code(run_command(part) or "not recorded")]
            if needed := reproduction_settings(part):
                item.append(text(" — reproduces that run only with the same settings: " + "; ".join(needed) + "."))
            items.append(item)
    items.append([text("Results: "), *_joined([code(source) for source in run.sources])])
    suites = sorted({test.suite for test in run.tests})
    items.append([text("Suites: "), *_joined([code(name) for name in suites] or [text("none")])])
    sources = sorted({value for test in run.tests if (value := test.token_source)})
    if sources:
        items.append([text("Token under test: "), text(", ".join(sources))])
    merged = [test.name for test in run.tests if test.merged]
    if merged:
        items.append([strong("Merged results"), text(" (rebot --merge): re-executed and merged in: " + ", ".join(merged) + ".")])
    tokens = run.tokens
    if len(tokens) > 1:
        where = (
            " were examined in these combined results: each step's values belong to the token of its own run ("
            if run.combined
            else " were examined by the five steps in this run: each step's values belong to the token of its own suite ("
        )
        items.append(
            [strong(f"{len(tokens)} different tokens"), text(where), *_joined([code(token) for token in tokens]), text(").")]
        )
    return [heading(3, text("Test Execution")), bullets(items)]


def _joined(parts: list[tuple[str, str]]) -> Inline:
    joined: Inline = []
    for index, part in enumerate(parts):
        if index:
            joined.append(text(", "))
        joined.append(part)
    return joined


def step_section(result: StepResult, run: Run) -> list[Block]:
    step = result.step
    blocks = [heading(4, text(f"Step {step.number}: {step.name} "), mark(result.status), css="step")]
    if not result.tests:
        blocks.append(paragraph(text(f"Not run: no test tagged {step.tag} is in these results."), css="missing"))
        return blocks
    for test in result.tests:
        if len(result.tests) > 1:
            blocks.append(paragraph(*instance_label(test, result, run), text(f" — {_STATUS_WORDS[test.status]}")))
        items = STEP_ITEMS[step.number](test, run)
        if items:
            blocks.append(bullets(items))
        elif test.status != SKIP:
            blocks.append(paragraph(text("No values were recorded for this step."), css="missing"))
        blocks += outcome_blocks(test)
    return blocks


def acceptance_section(run: Run) -> list[Block]:
    """Server acceptance: what the real server answered the real client, in the steps' style."""
    seen = acceptance(run)
    url, version = run.meta(environment.SERVER_URL), run.meta(environment.SERVER_VERSION)
    if seen is None:
        status = PASS if server_checked(run) else (SKIP if run.tagged("live") else NOT_RUN)
        blocks = [heading(4, text("Server Acceptance "), mark(status), css="step")]
        if server_checked(run):
            blocks.append(paragraph(text("The live checks passed, but no real client joined in these results."), css="missing"))
        else:
            blocks.append(paragraph(text("Not checked: no LiveKit server answered in these results."), css="missing"))
        return blocks
    statuses = {test.status for test in seen.tests}
    status = FAIL if FAIL in statuses else (PASS if PASS in statuses else SKIP)
    blocks = [heading(4, text("Server Acceptance "), mark(status), css="step")]
    items: list[Inline] = []
    if url:
        server: Inline = [text("Server: "), code(url)]
        if version:
            server += [text(", version "), code(version)]
        items.append(server)
    joined = seen.joined
    if joined:
        items.append([text("Participant joined as "), code(joined.get("identity")), text(" in "), code(joined.get("room"))])
        if seen.transport:
            items.append([text("Transport: WebRTC connected (UDP on 127.0.0.1)")])
        else:
            items.append([text(f"Transport: not checked ({seen.transport_problem or 'no data crossed it in this run'})")])
    if seen.permissions:
        applied = seen.permissions.get("permissions") or {}
        shown = ", ".join(f"{name} {show(value)}" for name, value in applied.items() if name in SHOWN_PERMISSIONS)
        agreement = "as Step 4 decided" if seen.permissions.get("matches") else "NOT as Step 4 decided"
        items.append([text(f"Permissions as the server applied them ({agreement}): {shown}")])
    if seen.listed:
        items.append([text("RoomService ListParticipants shows the same participant with the same permissions")])
    if seen.publish:
        if seen.publish.get("refused"):
            items.append([text("Publish refused by the server: "), code(str(seen.publish.get("answer")))])
        elif seen.publish.get("expected") == "allowed" and seen.publish.get("matches"):
            items.append([text("Publish allowed by the server, as the token grants canPublish")])
    if seen.data and seen.data.get("received"):
        items.append([text("Data received by "), code(seen.data.get("receiver")), text(" from "), code(seen.data.get("sender"))])
    skew = next((record for test in run.tagged("live") for record in test.tables("clock_skew")), None)
    if skew is not None:
        items.append([text("Clock skew against the server's Date header: "), text(show(skew.value("skew")))])
    blocks.append(bullets(items))
    for test in seen.tests:
        blocks += outcome_blocks(test)
    return blocks


# The permissions the summary names, in the order of the original document's Step 4.
SHOWN_PERMISSIONS = ("canSubscribe", "canPublish", "canPublishData", "hidden")


def instance_label(test: TestRun, result: StepResult, run: Run) -> Inline:
    """Which of a step's several tests this is: its file and token when several files were read, else its full name."""
    if len(run.sources) == 1:
        return [strong(test.full_name)]
    label: Inline = [strong(run.source_label(test.source))]
    if test.token:
        label += [text(", token "), code(test.token)]
    if sum(1 for other in result.tests if other.source == test.source) > 1:
        label.append(text(f", {test.full_name}"))
    return label


_DIAGNOSIS_IN_MESSAGE = re.compile(r" Diagnosis: .*?(?=\s+\d+\) |\Z)", re.DOTALL)  # up to the next numbered failure


def without_diagnoses(message: str) -> str:
    """A failure message without the diagnoses added to it: Key Findings lists them, in the same words."""
    return _DIAGNOSIS_IN_MESSAGE.sub("", message)


def outcome_blocks(test: TestRun) -> list[Block]:
    if test.status == FAIL:
        causes = test.causes()
        why = [text(f" (cause: {', '.join(causes)})")] if causes else []
        shown = without_diagnoses(test.message or "") or "no message"
        return [paragraph(strong("Failed"), *why, text(": " + bounded(shown)), css="failure")]
    if test.status == SKIP:
        return [paragraph(strong("Skipped:"), text(" " + bounded(test.message or "no reason given")), css="skipped")]
    if test.merged:
        return [paragraph(strong("Re-executed:"), text(" " + test.message), css="skipped")]
    return []


def fact_items(records: list[Record], skip: tuple[str, ...] = ()) -> list[Inline]:
    """Every row of ``records``, except those whose key is in ``skip``."""
    return [row_item(row) for record in records for row in record.rows if row.get("key") not in skip]


def row_item(row: dict) -> Inline:
    label = str(row.get("label", ""))
    if "expected" in row or "actual" in row:
        ok = row.get("ok") if row.get("ok") in (True, False) else None
        if ok is None:
            return [strong(label), text(": "), code(row.get("actual")), text(" (reported, not checked)")]
        content = [strong(label), text(": "), code(row.get("actual")), text(" "), mark(ok)]
        if not ok:
            content += [text(" — expected "), code(row.get("expected"))]
        elif show(row.get("expected")) != show(row.get("actual")):
            content += [text(" (expected "), code(row.get("expected")), text(")")]
        return content
    return [text(f"{label}: "), code(row.get("value"))]


def step_one(test: TestRun, run: Run) -> list[Inline]:
    tables = test.tables("token") or [record for record in test.suite_records if record.kind == "token_generated"]
    items = []
    for record in tables:
        for row in record.rows:
            if row.get("key") == "length":
                verb = {"supplied": "Token supplied", "minted": "Token generated"}.get(test.token_source, "Token length")
                items.append([text(f"{verb}: "), code(row.get("value"))])
            else:
                items.append(row_item(row))
    return items


def step_two(test: TestRun, run: Run) -> list[Inline]:
    items = fact_items(test.tables("signature"))
    for record in test.tables("tampering"):
        rows = record.rows
        refused = sum(1 for row in rows if row.get("ok") is True)
        summary = "no signature tampering went undetected" if refused == len(rows) else "some tampering went undetected"
        items.append([text(f"Altered copies refused: {refused} of {len(rows)} — {summary}")])
        for row in rows:
            if row.get("ok") is True:
                items.append([strong(str(row.get("label"))), text(": refused for its signature "), mark(True)])
            else:
                items.append(row_item(row))
    return items


def step_three(test: TestRun, run: Run) -> list[Inline]:
    rows = [row for record in test.tables("claims") for row in record.rows]
    items = [row_item(row) for row in rows]
    checked = [row.get("ok") for row in rows if row.get("ok") in (True, False)]
    if checked and all(checked):
        items.append([text(f"All {len(checked)} checked claims match the expected values")])
    return items


def step_four(test: TestRun, run: Run) -> list[Inline]:
    rows = [row for record in test.tables("grants") for row in record.rows]
    items = [row_item(row) for row in rows]
    sentence = observer_sentence(observed_grants(rows), signature_result(test, run))
    if sentence:
        items.append([text(sentence)])
    return items


# Grants that go beyond an observer's.
ADMIN_GRANTS = ("roomAdmin", "roomCreate", "roomList", "roomRecord")


def observed_grants(rows: list[dict]) -> dict[str, object]:
    """The effective value of each grant the rows checked or reported, by its grant name (``roomJoin``, ...)."""
    return {str(row["key"]): row.get("value") for row in rows if row.get("key") and "value" in row}


def observer_sentence(observed: dict[str, object], signature: str | None) -> str | None:
    """What the observed grants give, said only as far as the evidence goes (``None`` when it does not say)."""
    reasons = []
    if observed.get("roomJoin") is False:
        reasons.append("the token cannot join")
    if observed.get("canPublish") is True:
        reasons.append("it may publish")
    if observed.get("canSubscribe") is False:
        reasons.append("it may not subscribe")
    extra = [name for name in ADMIN_GRANTS if observed.get(name) is True]
    if extra:
        reasons.append("it also grants " + ", ".join(extra))
    if reasons:
        return "Observed grants do not give observer-only access: " + "; ".join(reasons)
    observer = (observed.get("roomJoin"), observed.get("canPublish"), observed.get("canSubscribe")) == (True, False, True)
    if not observer or any(observed.get(name, False) is not False for name in ADMIN_GRANTS):
        return None
    if signature == PASS:
        return "Observed grants give observer-only access: may join and subscribe, may not publish"
    if signature == FAIL:
        return (
            "Observed grants do not give observer-only access: the token's signature was refused in Step 2, "
            "so a LiveKit server refuses the token"
        )
    return (
        "The grants read as observer-only (may join and subscribe, may not publish), but no passed signature "
        "check of this token is in these results"
    )


def signature_result(test: TestRun, run: Run) -> str | None:
    """``PASS`` when Step 2 verified the signature of the token ``test`` examined, ``FAIL`` when it refused it."""
    results = set()
    for other in run.tagged("step-2"):
        if not _same_token(test, other):
            continue
        outcomes = [record.facts.get("outcome") for record in other.tables("signature")]
        if "refused" in outcomes:
            results.add(FAIL)
        elif other.status == PASS and "verified" in outcomes:
            results.add(PASS)
    return FAIL if FAIL in results else PASS if PASS in results else None


def _same_token(test: TestRun, other: TestRun) -> bool:
    own = test.token
    seen = next((str(value) for record in other.tables("signature") if (value := record.facts.get("fingerprint"))), other.token)
    if own and seen:
        return own == seen
    return (
        own is None and seen is None and (test.source, test.suite_id, test.merged) == (other.source, other.suite_id, other.merged)
    )


def step_five(test: TestRun, run: Run) -> list[Inline]:
    validity = test.tables("validity")
    checked = tuple(str(row.get("key")) for record in validity for row in record.rows)
    return fact_items(test.tables("expiration"), skip=checked) + fact_items(validity)


def only_reported(result: StepResult) -> bool:
    """True when the step's checks were all reported without an expected value (nothing was compared)."""
    rows = [row for test in result.tests for record in test.records for row in record.rows]
    checks = [row for row in rows if "expected" in row or "actual" in row]
    return bool(checks) and all(row.get("ok") not in (True, False) for row in checks)


STEP_ITEMS = {1: step_one, 2: step_two, 3: step_three, 4: step_four, 5: step_five}


def flow_section(steps: list[StepResult]) -> list[Block]:
    rows = []
    for result in steps:
        outcome: Inline = [("status", result.status)]
        if result.status == PASS and only_reported(result):
            outcome.append(text(" (values reported; no expected values were set)"))
        rows.append([[text(result.step.flow)], outcome])
    return [heading(3, text("Authentication Flow Verified")), Block("table", header=["Check", "Result"], rows=rows)]


def guard_item(run: Run) -> Inline:
    """What the leak guard searched in these results and found, from its record."""
    if run.leaks():
        return [strong("Leak guard"), text(f" (failure): a secret or a token of the run is written in {leak_places(run)}.")]
    records = [record for record in run.guards.values() if record]
    if not records:
        return [
            strong("Leak guard"),
            text(
                ": no search of these results is recorded (python run.py searches every file it writes; "
                "python tools/leak_guard.py searches a results folder)."
            ),
        ]
    searched = [name for record in records for name in record.get("searched") or []]
    files = sum(1 for name in searched if name != CONSOLE_NAME)
    item = [strong("Leak guard"), text(f": {files} file(s) this run wrote")]
    if CONSOLE_NAME in searched:
        item.append(text(" and its console output"))
    item.append(text(" searched"))
    if len(records) < len(run.guards):
        item.append(text(f" (for {len(records)} of the {len(run.guards)} output files read)"))
    if run.unsearched():
        return [*item, text(f"; could not read {unsearched_places(run)}.")]
    return [*item, text(": no secret or token found.")]


def findings_section(run: Run, steps: list[StepResult]) -> list[Block]:
    items: list[Inline] = [guard_item(run)]
    for finding in run.findings:
        name = str(finding.get("finding", "finding")).replace("-", " ").replace("_", " ").capitalize()
        severity = str(finding.get("severity", "info"))
        body = str(finding.get("text", ""))
        # A text that opens with its own label ("Clock skew: ...") is shown without repeating it.
        body = re.sub(rf"^{re.escape(name)}\s*[:—-]\s*", "", body, flags=re.IGNORECASE) or body
        if finding.get("finding") == DIAGNOSIS_FINDING:
            items.append(diagnosis_item(finding, body, run))
            continue
        items.append([strong(name), text(f" ({severity}): {bounded(body, FINDING_LIMIT)}")])
    ids = " ".join(str(finding.get("finding", "")).lower() for finding in run.findings)
    if "clock" not in ids:
        items.append(clock_item(run))
    if "aud" not in ids:
        audience = audience_item(run)
        if audience:
            items.append(audience)
    for area in area_results(run):
        items.append(area_item(area, run))
    known = run.finding_texts | {str(finding.get("text", "")) for finding in run.findings}
    for level, message in run.errors:
        if level == "ERROR" or (level == "WARN" and message not in known):
            items.append([strong(f"Run {level.lower()}"), text(f": {bounded(message)}")])
    return [heading(3, text("Key Findings")), bullets(items)]


def diagnosis_item(finding: dict, body: str, run: Run) -> Inline:
    """A failure's diagnosis, in the words the failure message carries, with the failures it explains."""
    names = run.diagnosed.get(str(finding.get("text", "")), [])
    shown = ", ".join(names[:NAMES_SHOWN]) + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")
    where = [text(" of "), strong(shown)] if names else []
    return [strong("Diagnosis"), *where, text(f": {bounded(body, FINDING_LIMIT)}")]


def clock_item(run: Run) -> Inline:
    checked = [record.value("checked_at") for test in run.tagged("step-5") for record in test.tables("expiration")]
    checked = [value for value in checked if value]
    if not checked:
        return [strong("Clock skew"), text(": not measured, and no token times were checked in these results.")]
    return [
        strong("Clock skew"),
        text(
            ": not measured, no LiveKit server clock was compared in this run. The token times were checked "
            f"against this machine's clock at {checked[0]}, with the server's 60 s leeway on exp and nbf."
        ),
    ]


def audience_item(run: Run) -> Inline | None:
    rows = [
        row for test in run.tagged("step-3") for record in test.tables("claims") for row in record.rows if row.get("key") == "aud"
    ]
    if not rows:
        return None
    actual = rows[-1].get("actual")
    if actual is None:
        return [
            strong("Audience"),
            text(": the token carries no aud claim, as tokens from LiveKit's SDKs; the server ignores aud."),
        ]
    return [
        strong("Audience"),
        text(": the token carries aud "),
        code(actual),
        text(
            ". The LiveKit server does not check aud, so it neither limits nor breaks authentication there; "
            "livekit-api's Python TokenVerifier refuses every token that carries aud."
        ),
    ]


def area_item(area: AreaResult, run: Run) -> Inline:
    tally = f"{_tests(len(area.tests))}: {area.count(PASS)} passed, {area.count(FAIL)} failed, {area.count(SKIP)} skipped"
    content: Inline = [strong(area.name), text(f" ({area.tag}): {tally}.")]
    if area.tag == "live" and (url := run.meta(environment.SERVER_URL)):
        content += [text(" Server: "), code(url)]
        if version := run.meta(environment.SERVER_VERSION):
            content += [text(f", version {version}")] if version.startswith("not ") else [text(", version "), code(version)]
        content.append(text("."))
    failed = [test for test in area.tests if test.status == FAIL]
    groups = grouped(failed)
    for tests, message in groups[:10]:
        content += [text(" Failed: "), *failure_names(tests, run, short=True), text(f" — {bounded(message or 'no message')}")]
    if len(groups) > 10:
        rest = sum(len(tests) for tests, _ in groups[10:])
        content.append(text(f" … and {rest} more failures (see report.html)."))
    if area.tag == "live" and server_lacks_key_pair(run):
        content.append(text(f" Likely cause: {KEY_PAIR_CAUSE}."))
    if area.tests and area.count(SKIP) == len(area.tests):
        reasons = sorted({bounded(test.message) for test in area.tests if test.message})
        content.append(text(" Not checked: " + ("; ".join(reasons[:3]) or "skipped without a reason")))
    return content


MESSAGE_LIMIT = 300  # characters of a message shown in the summary; log.html and report.html keep it whole
# A finding is written by the libraries, not quoted from a failure: it may list what it found (the
# forged webhooks a receiver accepted), so it is shown longer.
FINDING_LIMIT = 1200
NAMES_SHOWN = 10
KEY_PAIR_CAUSE = "the server does not share this suite's key pair (LIVEKIT_API_KEY/LIVEKIT_API_SECRET)"


def bounded(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """``message`` cut to ``limit`` characters (``MESSAGE_LIMIT``), ending in "…" when it was longer."""
    return message if len(message) <= limit else message[:limit].rstrip() + "…"


def display_name(test: TestRun, run: Run, short: bool = False) -> str:
    """The test's name (``short``) or full name, with its file when several files were read."""
    name = test.name if short else test.full_name
    return f"{name} ({run.source_label(test.source)})" if len(run.sources) > 1 else name


def grouped(tests: list[TestRun]) -> list[tuple[list[TestRun], str]]:
    """Tests grouped by their message, in order of first appearance."""
    groups: dict[str, list[TestRun]] = {}
    for test in tests:
        groups.setdefault(test.message, []).append(test)
    return [(members, message) for message, members in groups.items()]


def failure_names(tests: list[TestRun], run: Run, short: bool = False) -> Inline:
    """One test by its name, or several as a count with their names (the first ``NAMES_SHOWN``)."""
    if len(tests) == 1:
        return [strong(display_name(tests[0], run, short))]
    names = [display_name(test, run, short=True) for test in tests]
    listed = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        listed += f" and {len(names) - NAMES_SHOWN} more"
    return [strong(f"{len(names)} tests"), text(f" ({listed})")]


def server_lacks_key_pair(run: Run) -> bool:
    """True when the server refused the documented token and every refusal a live check did not expect was for the signature.

    Read from the server answers the live checks recorded (their ``refusal`` cause), never from messages.
    """
    answers = [
        record.facts
        for test in run.tagged("live")
        if test.status == FAIL
        for record in test.tables("server_answer")
        if record.facts.get("ok") is False
    ]
    refusals = [facts for facts in answers if facts.get("refusal")]
    if not refusals or not all(facts.get("refusal") == "signature" for facts in refusals):
        return False
    return any(facts.get("path") == "/rtc/validate" and facts.get("expected_status") == 200 for facts in refusals)


def conclusion_section(run: Run, steps: list[StepResult], status: str) -> list[Block]:
    blocks = [heading(3, text("Conclusion"))]
    if status == LEAKED:
        blocks.append(
            paragraph(
                text(
                    f"The results of this run hold a secret or a token: the leak guard found one in {leak_places(run)}. "
                    "Whatever the tests showed, these results cannot be filed or shared."
                )
            )
        )
        failed = [test for test in run.tests if test.status == FAIL]
        if failed:
            blocks.append(
                bullets(
                    [
                        [*failure_names(tests, run), text(f": {bounded(message or 'no message')}")]
                        for tests, message in grouped(failed)
                    ]
                )
            )
        blocks.append(
            paragraph(
                strong("Not verified: find the keyword or setting that wrote the value, fix it and run again before sign-off."),
                css="verdict",
            )
        )
        return blocks
    if status in (PASSED, PASSED_OFFLINE):
        scope = "these results" if run.combined else "this run"
        opening = f"The five authentication steps passed in {scope}. "
        if len(run.tokens) > 1:
            own = "run" if run.combined else "suite"
            opening += f"Each step ran on the token of its own {own} ({len(run.tokens)} different tokens). "
        blocks.append(paragraph(text(opening), *_token_facts(run)))
        blocks.append(Block("numbered", items=passed_facts(run)))
        if status == PASSED:
            url = run.meta(environment.SERVER_URL)
            where = f" at {url}" if url else ""
            blocks.append(paragraph(text(f"A LiveKit server{where} was contacted and the live checks passed.")))
            seen = acceptance(run)
            if seen is not None and seen.transport:
                verdict = "Control plane verified. Transport verified."
            elif seen is not None and seen.transport_problem:
                verdict = f"Control plane verified. Transport not checked: {seen.transport_problem}."
            else:
                verdict = "Control plane verified. Transport not checked in this run."
            blocks.append(paragraph(strong(verdict), css="verdict"))
        else:
            blocks.append(
                paragraph(
                    text(
                        "No LiveKit server accepted the token in this run (the live suite did not run or was skipped), "
                        "so this summary shows that the token is valid as the server would verify it, not that a "
                        "particular server accepted it."
                    )
                )
            )
            blocks.append(paragraph(strong("Control plane verified. Server acceptance not checked."), css="verdict"))
        warnings = [finding for finding in run.findings if finding.get("severity") in ("warning", "failure")]
        if warnings:
            blocks.append(paragraph(text(f"{len(warnings)} finding(s) need attention before production: see Key Findings.")))
        return blocks
    if status == FAILED:
        failed = [test for test in run.tests if test.status == FAIL]
        failed_steps = [result for result in steps if result.status == FAIL]
        first = (
            f"The run failed at Step {failed_steps[0].step.number}: {failed_steps[0].step.name}."
            if failed_steps
            else "The five steps did not fail, but other tests of the run did."
        )
        blocks.append(paragraph(text(first + " What failed, and why:")))
        causes = [[strong(where), text(f": {bounded(message or 'no message')}")] for where, message in run.suite_failures]
        for tests, message in grouped(failed):
            causes.append([*failure_names(tests, run), text(f": {bounded(message or 'no message')}")])
        blocks.append(bullets(causes))
        if server_lacks_key_pair(run):
            blocks.append(
                paragraph(
                    text(f"The LiveKit server refused the documented token for its signature; likely cause: {KEY_PAIR_CAUSE}.")
                )
            )
        passed = [f"Step {result.step.number}" for result in steps if result.status == PASS]
        missing = [f"Step {result.step.number}" for result in steps if result.status in (SKIP, NOT_RUN)]
        notes = []
        if passed:
            notes.append(f"Passed: {', '.join(passed)}.")
        if missing:
            notes.append(f"Not completed: {', '.join(missing)}.")
        if notes:
            blocks.append(paragraph(text(" ".join(notes))))
        blocks.append(paragraph(strong("Not verified: fix the failures above and run again before sign-off."), css="verdict"))
        return blocks
    missing = [result for result in steps if result.status in (SKIP, NOT_RUN)]
    described = []
    for result in missing:
        if result.status == NOT_RUN:
            described.append([strong(f"Step {result.step.number}: {result.step.name}"), text(" was not run in these results.")])
        else:
            reasons = sorted({bounded(test.message) for test in result.tests if test.message}) or ["no reason given"]
            described.append(
                [strong(f"Step {result.step.number}: {result.step.name}"), text(" was skipped: " + "; ".join(reasons))]
            )
    blocks.append(paragraph(text("No test failed, but the evidence is incomplete:")))
    blocks.append(bullets(described))
    blocks.append(
        paragraph(strong("Not verified: the steps above are missing. Run all five steps before sign-off."), css="verdict")
    )
    return blocks


def _token_facts(run: Run) -> Inline:
    first = next((test for test in run.tagged("step-1") if test.tables("token")), None)
    if first is None:
        return [text("The token:")]
    record = first.tables("token")[-1]
    source = {"supplied": "supplied", "minted": "generated"}.get(first.token_source, "examined")
    return [
        text(f"The token {source} for participant "),
        code(record.value("participant")),
        text(" in room "),
        code(record.value("room")),
        text(" with API key "),
        code(record.value("api_key")),
        text(":"),
    ]


def _checked_rows(run: Run, tag: str, kind: str) -> tuple[list[str], list[str]]:
    rows = [row for test in run.tagged(tag) for record in test.tables(kind) for row in record.rows]
    checked = [str(row.get("label")) for row in rows if row.get("ok") is True]
    reported = [str(row.get("label")) for row in rows if row.get("ok") not in (True, False)]
    return checked, reported


def passed_facts(run: Run) -> list[Inline]:
    """What the passed steps showed, each sentence limited to what their evidence records."""
    facts: list[Inline] = []
    algorithms = {str(r.value("algorithm")) for t in run.tagged("step-1") for r in t.tables("token") if r.value("algorithm")}
    facts.append([text(f"is a JWT signed with {', '.join(sorted(algorithms)) or 'the expected algorithm'};")])
    tampering = [row for t in run.tagged("step-2") for r in t.tables("tampering") for row in r.rows]
    sentence = "has a signature that verifies with the configured API secret"
    if tampering:
        sentence += f", and all {len(tampering)} altered copies that were tried were refused"
    facts.append([text(sentence + ";")])
    for tag, kind, what in (("step-3", "claims", "claims"), ("step-4", "grants", "grants")):
        checked, reported = _checked_rows(run, tag, kind)
        if checked:
            sentence = f"matches the expected value for {len(checked)} {what} ({', '.join(checked)})"
            if reported:
                sentence += f", and {len(reported)} more were only reported ({', '.join(reported)})"
        elif reported:
            sentence = (
                f"carries the {what} reported above ({', '.join(reported)}); none was compared, as no expected value was set"
            )
        else:
            sentence = f"has no {what} recorded in these results"
        facts.append([text(sentence + ";")])
    expiry = [r for t in run.tagged("step-5") for r in t.tables("expiration")]
    if expiry:
        record = expiry[-1]
        facts.append(
            [
                text("was valid when checked at "),
                code(record.value("checked_at")),
                text(", until "),
                code(record.value("expires_at")),
                text(f" ({show(record.value('time_remaining'))} left)."),
            ]
        )
    else:
        facts.append([text("was within its validity period when it was checked.")])
    return facts


def environment_section(run: Run, command: str | None) -> list[Block]:
    fallback: dict[str, str] | None = None
    rows: list[list[Inline]] = []
    for name in ENVIRONMENT_ROWS:
        value = run.meta(name)
        if value is None and name in (environment.ROBOT, environment.PYTHON):
            value = _from_generator(run.generator, name)
        if value is None:
            if name in (environment.NODE_SDK_NAME, environment.NODE):
                continue  # only runs with the Node.js interop project record these
            if fallback is None:
                fallback = environment.collect()
            if name not in fallback:
                continue
            value = f"{fallback[name]} (not recorded by the run; read when this summary was written)"
        rows.append([[text(name)], [code(value)]])
    for name in (environment.SERVER_URL, environment.SERVER_VERSION, environment.SERVER_RULES):
        if run.meta(name):
            rows.append([[text(name)], [code(run.meta(name))]])
    if not run.meta(environment.SERVER_URL):
        rows.append([[text("LiveKit server")], [text("none contacted in this run")]])
    if len(run.sources) == 1:
        rows += command_rows(run, command, "")
    else:
        if command:
            rows.append([[text("Command")], [code(command)]])
        for source in run.sources:
            rows += command_rows(run.part(source), None, f" ({run.source_label(source)})")
    return [heading(3, text("Environment")), Block("table", header=["Item", "Value"], rows=rows)]


def command_rows(run: Run, command: str | None, which: str) -> list[list[Inline]]:
    """The command of one run, the settings a re-run needs, and the Robot Framework command line when it differs."""
    shown = command or run_command(run)
    rows = [[[text(f"Command{which}")], [code(shown or "not recorded")]]]
    if needed := reproduction_settings(run):
        rows.append([[text(f"Settings the command needs{which}")], [text("; ".join(needed))]])
    recorded = run.meta(environment.COMMAND)
    if shown and recorded and recorded != shown:
        rows.append([[text(f"Robot Framework command line{which}")], [code(recorded)]])
    return rows


def _from_generator(generator: str, name: str) -> str | None:
    match = re.fullmatch(r"Robot (\S+) \((\w+) (\S+) on (.+)\)", generator.strip())
    if not match:
        return None
    if name == environment.ROBOT:
        return match.group(1)
    # Robot Framework names CPython "Python"; the run records the implementation as CPython.
    implementation = "CPython" if match.group(2) == "Python" else match.group(2)
    return f"{match.group(3)} ({implementation})"


# ---------------------------------------------------------------- rendering


def _md_text(value: str) -> str:
    value = re.sub(r"([\\`*\[\]<>|#])", r"\\\1", value)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", value)


def _md_code(value: str) -> str:
    value = " ".join(value.split())
    fence = "`"
    while fence in value:
        fence += "`"
    padding = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{padding}{value}{padding}{fence}"


def _md_inline(content: Inline) -> str:
    parts = []
    for kind, value in content:
        if kind == "code":
            parts.append(_md_code(value))
        elif kind == "strong":
            parts.append(f"**{_md_text(value)}**")
        elif kind == "mark":
            parts.append(MARKDOWN_MARKS[value])
        elif kind == "status":
            parts.append(f"{MARKDOWN_MARKS[value]} **{_STATUS_WORDS[value]}**")
        else:
            parts.append(_md_text(value))
    return "".join(parts)


def to_markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            lines += ["#" * block.level + " " + _md_inline(block.content).rstrip(), ""]
        elif block.kind == "paragraph":
            lines += [_md_inline(block.content), ""]
        elif block.kind == "bullets":
            lines += [f"- {_md_inline(item)}" for item in block.items] + [""]
        elif block.kind == "numbered":
            lines += [f"{number}. {_md_inline(item)}" for number, item in enumerate(block.items, start=1)] + [""]
        elif block.kind == "table":
            lines.append("| " + " | ".join(block.header) + " |")
            lines.append("|" + "---|" * len(block.header))
            for row in block.rows:
                lines.append("| " + " | ".join(_md_inline(cell) for cell in row) + " |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _html_inline(content: Inline) -> str:
    parts = []
    for kind, value in content:
        escaped = html.escape(value)
        if kind == "code":
            parts.append(f"<code>{escaped}</code>")
        elif kind == "strong":
            parts.append(f"<strong>{escaped}</strong>")
        elif kind in ("mark", "status"):
            parts.append(HTML_MARKS[value])
        else:
            parts.append(escaped)
    return "".join(parts)


STYLE = """
:root { --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 52rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; border-bottom: 2px solid var(--line); padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 1.6rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
h2.status { display: inline-block; padding: .3rem .9rem; border-radius: .4rem; color: #fff; }
h2.passed { background: var(--pass); } h2.failed { background: var(--fail); } h2.incomplete { background: var(--warn); }
h2.offline { background: #0969da; }
.label { display: inline-block; font-size: .75rem; font-weight: 700; padding: .05rem .45rem; border-radius: .3rem;
         color: #fff; vertical-align: middle; letter-spacing: .03em; }
.label.pass { background: var(--pass); } .label.fail { background: var(--fail); } .label.skip { background: var(--warn); }
.ok { color: var(--pass); font-weight: 700; } .wrong { color: var(--fail); font-weight: 700; }
code { font: .9em ui-monospace, SFMono-Regular, Consolas, monospace; background: #f6f8fa; padding: .05rem .3rem;
       border-radius: .25rem; overflow-wrap: anywhere; }
ul, ol { margin: .3rem 0 .6rem; padding-left: 1.4rem; } li { margin: .15rem 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
p.failure { border-left: 4px solid var(--fail); padding: .3rem .6rem; background: #fff5f5; }
p.skipped, p.missing { border-left: 4px solid var(--warn); padding: .3rem .6rem; background: #fff8e5; }
p.verdict { font-size: 1.05rem; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); padding-top: .5rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2.status, .label, p.failure, p.skipped, p.missing { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h3, h4 { break-after: avoid; }
  li, tr, p { break-inside: avoid; }
  code { background: none; padding: 0; }
  @page { margin: 18mm 16mm; }
}
"""


def to_html(blocks: list[Block], status: str) -> str:
    body = []
    for block in blocks:
        css = f' class="{block.css}"' if block.css else ""
        if block.kind == "heading":
            body.append(f"<h{block.level}{css}>{_html_inline(block.content)}</h{block.level}>")
        elif block.kind == "paragraph":
            body.append(f"<p{css}>{_html_inline(block.content)}</p>")
        elif block.kind in ("bullets", "numbered"):
            tag = "ul" if block.kind == "bullets" else "ol"
            items = "".join(f"<li>{_html_inline(item)}</li>" for item in block.items)
            body.append(f"<{tag}{css}>{items}</{tag}>")
        elif block.kind == "table":
            head = "".join(f"<th>{html.escape(cell)}</th>" for cell in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_html_inline(cell)}</td>" for cell in row) + "</tr>" for row in block.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(TITLE)}: {status}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n<footer>Written by tools/signoff.py from the run's output.xml; every value above was recorded by that run."
        "</footer>\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------- command line


class SummaryNotWritten(Exception):
    """The summary was built but its folder or files could not be written; the message is one sentence."""


def write_summary(
    outputs: list[Path], outdir: Path, command: str | None = None, guard: dict | None = None
) -> tuple[str, Path, Path]:
    """Write ``signoff.md`` and ``signoff.html`` into ``outdir``; ``guard`` is the leak guard's verdict on the first output."""
    paths = [output_file(path) for path in outputs]
    run = read_results(paths, {str(paths[0]): guard} if guard is not None else None)
    status, blocks = build(run, environment.hide_secret_variables(command) if command else None)
    markdown, page = outdir / "signoff.md", outdir / "signoff.html"
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        markdown.write_text(to_markdown(blocks), encoding="utf-8")
        page.write_text(to_html(blocks, status), encoding="utf-8")
    except OSError as error:
        raise SummaryNotWritten(f"Cannot write the summary into {outdir}: {error.strerror or error}.") from None
    return status, markdown, page


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
        status, markdown, page = write_summary(outputs, outdir, options.command)
    except SummaryNotWritten as error:
        print(error, file=sys.stderr)
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
        if status == PASSED_OFFLINE:
            print(
                "No LiveKit server was contacted in this run: set LIVEKIT_URL or let the suite start one, "
                "or pass --allow-offline to accept offline evidence.",
                file=sys.stderr,
            )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
