"""Key Findings: what the leak guard found, the diagnoses, warnings, clock skew, audience and the other areas."""

from __future__ import annotations

import re

from livekit_evidence.record import CONSOLE_NAME
from livekit_signoff.document import Block, Inline, bullets, code, heading, strong, text
from livekit_signoff.results import DIAGNOSIS_FINDING, Run
from livekit_signoff.rules import AreaResult, StepResult, area_results, server_lacks_key_pair
from livekit_signoff.servers import NO_SERVER
from livekit_signoff.steps import FAIL, PASS, SKIP
from livekit_signoff.wording import (
    FINDING_LIMIT,
    KEY_PAIR_CAUSE,
    NAMES_SHOWN,
    bounded,
    counted_tests,
    failure_names,
    grouped,
    grouped_skips,
    leak_places,
    unsearched_places,
)
from livekit_tokens import environment


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
    tally = f"{counted_tests(len(area.tests))}: {area.count(PASS)} passed, {area.count(FAIL)} failed, {area.count(SKIP)} skipped"
    content: Inline = [strong(area.name), text(f" ({area.tag}): {tally}.")]
    if area.tag == "live" and (url := run.meta(environment.SERVER_URL)):
        content += [text(" Server: "), code(url)]
        if version := run.meta(environment.SERVER_VERSION):
            content += [text(f", version {version}")] if version.startswith("not ") else [text(", version "), code(version)]
        content.append(text("."))
        if webhooks := run.meta(environment.SERVER_WEBHOOKS):
            content.append(text(f" Server webhooks: {webhooks.removeprefix('Server webhooks ')}"))
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
        reasons = [
            "no LiveKit server (the Environment section says why)" if reason.startswith(NO_SERVER) else bounded(reason)
            for reason, _ in grouped_skips(area.tests)
        ]
        content.append(text(" Not checked: " + "; ".join(reasons[:3])))
    return content
