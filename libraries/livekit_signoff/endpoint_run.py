"""The sign-off of a run that checked a token endpoint alone (every test tagged ``endpoint``).

Its sections: the endpoint and the shape it answered in, the security findings first (most severe
first, each with its evidence), every check, the five steps as the endpoint's token showed them
(tests tagged ``endpoint-step-1`` ... ``endpoint-step-5``), key findings and the environment. Its
status is PASSED when every check passed and each of the five steps ran, INCOMPLETE when a step
was skipped or not run, FAILED when a check failed, and the leak guard's status when it found a
secret or a token.
"""

from __future__ import annotations

from livekit_signoff.document import Block, Inline, bullets, code, heading, mark, paragraph, strong, text
from livekit_signoff.execution import environment_section, execution_section
from livekit_signoff.findings import findings_section
from livekit_signoff.results import Record, Run
from livekit_signoff.rules import FAILED, INCOMPLETE, LEAKED, PASSED, StepResult
from livekit_signoff.step_sections import outcome_blocks, step_section
from livekit_signoff.steps import FAIL, NOT_RUN, PASS, SKIP, STATUS_WORDS, STEPS, Step
from livekit_signoff.wording import bounded, counted_tests, leak_places

TITLE = "LiveKit Token Endpoint Test Results"
OBJECTIVE = (
    "Show that a token endpoint hands LiveKit's clients a valid token for the right participant and room, "
    "and that it leaves none of the holes apps leave open.",
)
AREA_TAG = "endpoint"
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def applies(run: Run) -> bool:
    """True for a run whose every test is an endpoint check."""
    return bool(run.tests) and all(test.has_tag(AREA_TAG) for test in run.tests)


def step_results(run: Run) -> list[StepResult]:
    results = []
    for step in STEPS:
        tests = run.tagged(f"endpoint-{step.tag}")
        statuses = {test.status for test in tests}
        status = FAIL if FAIL in statuses else PASS if PASS in statuses else SKIP if tests else NOT_RUN
        results.append(StepResult(Step(step.number, step.name, step.flow), status, tests))
    return results


def overall_status(run: Run, steps: list[StepResult]) -> str:
    if run.leaks():
        return LEAKED
    if any(test.status == FAIL for test in run.tests):
        return FAILED
    if any(result.status in (SKIP, NOT_RUN) for result in steps) or run.unsearched():
        return INCOMPLETE
    return PASSED


def build(run: Run, command: str | None, test_date: str, status_css: dict) -> tuple[str, list[Block]]:
    steps = step_results(run)
    status = overall_status(run, steps)
    blocks: list[Block] = [heading(1, text(TITLE))]
    blocks += [heading(2, text("Test Date")), paragraph(text(test_date))]
    blocks += [heading(2, text("Objective")), *[paragraph(text(line)) for line in OBJECTIVE]]
    blocks.append(heading(2, text(f"Status: {status} "), mark(status), css=f"status {status_css[status]}"))
    blocks.append(paragraph(text(status_sentence(run, steps, status))))
    blocks += execution_section(run, command)
    blocks += endpoint_section(run)
    blocks += security_section(run)
    blocks += checks_section(run)
    blocks.append(heading(3, text("The Five Steps On The Endpoint's Token")))
    for result in steps:
        blocks += _step_blocks(result, run)
    blocks += findings_section(run, steps)
    blocks += environment_section(run, command)
    return status, blocks


def status_sentence(run: Run, steps: list[StepResult], status: str) -> str:
    counts = {word: sum(1 for test in run.tests if test.status == word) for word in (PASS, FAIL, SKIP)}
    tally = f"{counted_tests(len(run.tests))}: {counts[PASS]} passed, {counts[FAIL]} failed, {counts[SKIP]} skipped."
    failing = [item for item in security_findings(run) if item.get("severity") in ("critical", "high")]
    if status == LEAKED:
        return f"The leak guard found a secret or a token of this run in {leak_places(run)}: do not share these results. {tally}"
    if status == PASSED:
        return f"The endpoint passed every check and each of the five steps on its token. {tally}"
    if status == FAILED:
        holes = f" {len(failing)} security finding(s) of critical or high severity." if failing else ""
        return f"{counts[FAIL]} check(s) failed.{holes} {tally}"
    missing = [f"Step {result.step.number}" for result in steps if result.status in (SKIP, NOT_RUN)]
    if missing:
        return f"No check failed, but {', '.join(missing)} did not run on the endpoint's token (skipped or not run). {tally}"
    return f"No check failed, but the leak guard could not read every file. {tally}"


def _records(run: Run, kind: str) -> list[Record]:
    found = [record for record in run.setup_records if record.kind == kind]
    for test in run.tests:
        found += [record for record in test.records + test.suite_records if record.kind == kind]
    unique, seen = [], set()
    for record in found:
        key = repr(record.data)
        if key not in seen:
            seen.add(key)
            unique.append(record)
    return unique


def endpoint_section(run: Run) -> list[Block]:
    items: list[Inline] = []
    for record in _records(run, "token_endpoint")[:1]:
        items.append([text("URL: "), code(record.value("url")), text(f" ({record.value('source')})")])
    shapes = _records(run, "endpoint_shape")
    for record in shapes[:1]:
        facts = record.facts
        chooses = facts.get("caller_chooses")
        chosen = "every field given" if chooses is None else (", ".join(chooses) or "nothing: the app chooses")
        items.append(
            [
                text("Shape detected: "),
                strong(str(facts.get("shape"))),
                text(f" ({facts.get('method')}, answer in {facts.get('answer')})"),
            ]
        )
        items.append([text(f"Shape setting: {facts.get('configured')}; the caller chooses: {chosen}")])
    if not shapes:
        items.append([text("Shape: not recorded (no token was read from the endpoint).")])
    return [heading(3, text("Token Endpoint")), bullets(items)]


def security_findings(run: Run) -> list[dict]:
    found = []
    for record in _records(run, "endpoint_security"):
        found += [item for item in record.facts.get("findings") or [] if isinstance(item, dict)]
    unique = {(item.get("finding"), item.get("text")): item for item in found}
    return sorted(unique.values(), key=lambda item: SEVERITY_ORDER.get(str(item.get("severity")), 9))


def security_section(run: Run) -> list[Block]:
    found = security_findings(run)
    judged = _records(run, "endpoint_security")
    if not judged:
        return [heading(3, text("Security Findings")), paragraph(text("No security check ran."), css="missing")]
    if not found:
        return [heading(3, text("Security Findings")), paragraph(text(f"None: {len(judged)} security check(s) found no hole."))]
    items: list[Inline] = []
    for item in found:
        line: Inline = [
            strong(f"{str(item.get('finding')).replace('-', ' ').capitalize()} ({item.get('severity')})"),
            text(": " + bounded(str(item.get("text")), 600)),
        ]
        server = (item.get("evidence") or {}).get("server") if isinstance(item.get("evidence"), dict) else None
        if server:
            line.append(text(f" Shown against the real server: {server}."))
        items.append(line)
    return [heading(3, text("Security Findings")), bullets(items)]


def checks_section(run: Run) -> list[Block]:
    rows = []
    for test in run.tests:
        rows.append([[text(test.name)], [mark(test.status), text(" " + STATUS_WORDS.get(test.status, test.status))]])
    blocks = [heading(3, text("Checks")), Block("table", header=["Check", "Result"], rows=rows)]
    for test in run.tests:
        if test.status in (FAIL, SKIP):
            blocks.append(paragraph(strong(test.name)))
            blocks += outcome_blocks(test)
    return blocks


def _step_blocks(result: StepResult, run: Run) -> list[Block]:
    if result.tests:
        return step_section(result, run)
    return [
        heading(4, text(f"Step {result.step.number}: {result.step.name} "), mark(result.status), css="step"),
        paragraph(text(f"Not run: no test tagged endpoint-{result.step.tag} is in these results."), css="missing"),
    ]
