"""The Conclusion: what the results show, and nothing more; when something failed, what and why."""

from __future__ import annotations

from livekit_signoff.clients import transport_clients
from livekit_signoff.document import Block, Inline, bullets, code, heading, paragraph, show, strong, text
from livekit_signoff.results import Run
from livekit_signoff.rules import FAILED, LEAKED, PASSED, PASSED_OFFLINE, StepResult, acceptance, server_lacks_key_pair
from livekit_signoff.servers import server_sentence
from livekit_signoff.steps import FAIL, NOT_RUN, PASS, SKIP
from livekit_signoff.wording import KEY_PAIR_CAUSE, bounded, failure_names, grouped, leak_places
from livekit_tokens import environment


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
            crossed = transport_clients(run)
            if crossed:
                verdict = f"Control plane verified. Transport verified ({' and '.join(crossed)})."
            elif seen is not None and seen.transport_problem:
                verdict = f"Control plane verified. Transport not checked: {seen.transport_problem}."
            else:
                verdict = "Control plane verified. Transport not checked in this run."
            blocks.append(paragraph(strong(verdict), css="verdict"))
        else:
            blocks.append(
                paragraph(
                    text(
                        f"{server_sentence(run)} This summary shows that the token is valid as the server would verify "
                        "it, not that a particular server accepted it."
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
