"""The sections of the five steps, of Server Acceptance and of the authentication flow."""

from __future__ import annotations

import re

from livekit_signoff.document import Block, Inline, bullets, code, heading, mark, paragraph, show, strong, text
from livekit_signoff.results import Record, Run, TestRun
from livekit_signoff.rules import StepResult, acceptance, observed_grants, observer_sentence, server_checked, signature_result
from livekit_signoff.servers import server_sentence
from livekit_signoff.steps import FAIL, NOT_RUN, PASS, SKIP, STATUS_WORDS
from livekit_signoff.wording import bounded, grouped_skips
from livekit_tokens import environment


def step_section(result: StepResult, run: Run) -> list[Block]:
    step = result.step
    blocks = [heading(4, text(f"Step {step.number}: {step.name} "), mark(result.status), css="step")]
    if not result.tests:
        blocks.append(paragraph(text(f"Not run: no test tagged {step.tag} is in these results."), css="missing"))
        return blocks
    for test in result.tests:
        if len(result.tests) > 1:
            blocks.append(paragraph(*instance_label(test, result, run), text(f" — {STATUS_WORDS[test.status]}")))
        items = STEP_ITEMS[step.number](test, run)
        if items:
            blocks.append(bullets(items))
        elif test.status != SKIP:
            blocks.append(paragraph(text("No values were recorded for this step."), css="missing"))
        blocks += outcome_blocks(test)
    return blocks


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


def skipped_blocks(tests: list[TestRun]) -> list[Block]:
    """One paragraph per reason the ``tests`` were skipped, with how many it skipped when more than one."""
    blocks = []
    for reason, count in grouped_skips(tests):
        label = "Skipped:" if count == 1 else f"Skipped ({count} tests):"
        blocks.append(paragraph(strong(label), text(" " + bounded(reason)), css="skipped"))
    return blocks


def outcome_blocks(test: TestRun) -> list[Block]:
    if test.status == FAIL:
        causes = test.causes()
        why = [text(f" (cause: {', '.join(causes)})")] if causes else []
        shown = without_diagnoses(test.message or "") or "no message"
        return [paragraph(strong("Failed"), *why, text(": " + bounded(shown)), css="failure")]
    if test.status == SKIP:
        return skipped_blocks([test])
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


def step_five(test: TestRun, run: Run) -> list[Inline]:
    validity = test.tables("validity")
    checked = tuple(str(row.get("key")) for record in validity for row in record.rows)
    return fact_items(test.tables("expiration"), skip=checked) + fact_items(validity)


STEP_ITEMS = {1: step_one, 2: step_two, 3: step_three, 4: step_four, 5: step_five}


def only_reported(result: StepResult) -> bool:
    """True when the step's checks were all reported without an expected value (nothing was compared)."""
    rows = [row for test in result.tests for record in test.records for row in record.rows]
    checks = [row for row in rows if "expected" in row or "actual" in row]
    return bool(checks) and all(row.get("ok") not in (True, False) for row in checks)


def flow_section(steps: list[StepResult]) -> list[Block]:
    rows = []
    for result in steps:
        outcome: Inline = [("status", result.status)]
        if result.status == PASS and only_reported(result):
            outcome.append(text(" (values reported; no expected values were set)"))
        rows.append([[text(result.step.flow)], outcome])
    return [heading(3, text("Authentication Flow Verified")), Block("table", header=["Check", "Result"], rows=rows)]


# The permissions the summary names, in the order of the original document's Step 4.
SHOWN_PERMISSIONS = ("canSubscribe", "canPublish", "canPublishData", "hidden")


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
            blocks.append(paragraph(text(f"Not checked. {server_sentence(run)}"), css="missing"))
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
        if test.status != SKIP:
            blocks += outcome_blocks(test)
    return blocks + skipped_blocks([test for test in seen.tests if test.status == SKIP])
