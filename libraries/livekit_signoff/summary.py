"""The summary of a run, section by section, in the order of the hand-written test-results document."""

from __future__ import annotations

import re
from datetime import timedelta, timezone

from livekit_signoff import endpoint_run
from livekit_signoff.agents import agents_section
from livekit_signoff.clients import clients_section
from livekit_signoff.cluster import cluster_section
from livekit_signoff.conclusion import conclusion_section
from livekit_signoff.document import TITLE, Block, heading, mark, paragraph, text
from livekit_signoff.execution import environment_section, execution_section
from livekit_signoff.findings import findings_section
from livekit_signoff.parts import part_sentence
from livekit_signoff.results import Run
from livekit_signoff.rules import (
    FAILED,
    INCOMPLETE,
    LEAKED,
    PASSED,
    PASSED_OFFLINE,
    StepResult,
    overall_status,
    step_results,
)
from livekit_signoff.servers import server_sentence
from livekit_signoff.step_sections import acceptance_section, flow_section, step_section
from livekit_signoff.steps import FAIL, NOT_RUN, PASS, SKIP
from livekit_signoff.wording import counted_tests, leak_places, unsearched_places
from livekit_tokens import environment

OBJECTIVE = (
    "Show that a client can obtain a valid LiveKit access token and that LiveKit accepts it for the "
    "room and permissions it was issued for.",
    "Control plane and authentication only: no audio or video, no speech services.",
)
STATUS_CSS = {PASSED: "passed", FAILED: "failed", INCOMPLETE: "incomplete", PASSED_OFFLINE: "offline", LEAKED: "failed"}


def build(run: Run, command: str | None) -> tuple[str, list[Block]]:
    if endpoint_run.applies(run):
        return endpoint_run.build(run, command, test_date(run), STATUS_CSS)
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
    blocks += clients_section(run)
    blocks += agents_section(run)
    blocks += cluster_section(run)
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
    tally = f"{counted_tests(len(run.tests))}: {counts[PASS]} passed, {counts[FAIL]} failed, {counts[SKIP]} skipped."
    if status == LEAKED:
        return f"The leak guard found a secret or a token of this run in {leak_places(run)}: do not share these results. {tally}"
    if status == PASSED:
        return f"All five steps passed and no test failed. {tally}"
    if status == PASSED_OFFLINE:
        return (
            f"All five steps passed and no test failed, but the token was checked offline only, by the server's rules. "
            f"{server_sentence(run)} {tally}"
        )
    if status == FAILED:
        failed = [test for test in run.tests if test.status == FAIL]
        part = part_sentence(run)
        return f"{len(failed)} test{'s' if len(failed) != 1 else ''} failed. {tally}" + (f" {part}" if part else "")
    missing = [f"Step {result.step.number}" for result in steps if result.status in (SKIP, NOT_RUN)]
    if not missing:
        return f"No test failed, but the leak guard could not read {unsearched_places(run)}. {tally}"
    return f"No test failed, but {', '.join(missing)} did not run to completion (skipped or not run). {tally}"
