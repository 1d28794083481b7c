"""The Agents part of Server Acceptance: the worker registered with which key, the dispatch seen, and
the agent's token as the server minted it.

Read from the evidence records ``LiveKitAgents`` logs, by their stable names only: the record's
``agents`` fact (``registered``, ``dispatched``, ``agent_token``, ``key_pairs``) and its ``facts``.
"""

from __future__ import annotations

from livekit_signoff.document import Block, Inline, bullets, code, heading, mark, paragraph, text
from livekit_signoff.results import Run, TestRun
from livekit_signoff.step_sections import outcome_blocks
from livekit_signoff.steps import FAIL, PASS, SKIP
from livekit_tokens.timeutil import format_duration

AGENTS_KEY = "agents"  # the stable key of the agent records (LiveKitAgents.AGENTS_KEY)
AGENTS_TAG = "agents"


def agent_facts(tests: list[TestRun]) -> dict[str, list[tuple[TestRun, dict]]]:
    """Each kind of agent record with the test it belongs to, in the order the run logged them."""
    found: dict[str, list[tuple[TestRun, dict]]] = {}
    seen: set[int] = set()
    for test in tests:
        for record in test.suite_records + test.records:
            kind, facts = record.data.get(AGENTS_KEY), record.data.get("facts")
            if isinstance(kind, str) and isinstance(facts, dict) and id(record) not in seen:
                seen.add(id(record))
                found.setdefault(kind, []).append((test, facts))
    return found


def agents_section(run: Run) -> list[Block]:
    """Server Acceptance: Agents, or nothing when no agent test is in the results."""
    tests = run.tagged(AGENTS_TAG)
    if not tests:
        return []
    statuses = {test.status for test in tests}
    status = FAIL if FAIL in statuses else (PASS if PASS in statuses else SKIP)
    blocks = [heading(4, text("Server Acceptance: Agents "), mark(status), css="step")]
    facts = agent_facts(tests)
    items: list[Inline] = []
    registered = _first(facts, "registered", lambda found: found.get("alias") == "tester")
    if registered:
        items.append(
            [
                text("Worker registered with API key "),
                code(registered.get("api_key")),
                text(" as agent "),
                code(registered.get("agent_name") or "(automatic dispatch)"),
            ]
        )
    dispatched = _first(facts, "dispatched")
    if dispatched:
        items.append(
            [
                text("Dispatch seen: agent "),
                code(dispatched.get("identity")),
                text(" joined room "),
                code(dispatched.get("room")),
                text(" as kind AGENT (ListParticipants)"),
            ]
        )
    token = _first(facts, "agent_token")
    if token:
        items.append(_token_item(token))
    pairs = _first(facts, "key_pairs")
    if pairs:
        items.append(
            [
                text("Key pairs are not tenants: a caller of key "),
                code(pairs.get("caller_key")),
                text(" dispatched the worker of key "),
                code(pairs.get("worker_key")),
                text(", whose agent token the server signed with "),
                code(pairs.get("agent_token_key")),
            ]
        )
    if items:
        blocks.append(bullets(items))
    elif status != FAIL:
        blocks.append(paragraph(text("No agent was seen in these results."), css="missing"))
    for test in tests:
        blocks += outcome_blocks(test)
    return blocks


def _token_item(token: dict) -> Inline:
    lifetime = token.get("lifetime")
    valid = format_duration(float(lifetime)) if isinstance(lifetime, (int, float)) else "(not read)"
    return [
        text("Agent token as the server minted it: signed with "),
        code(token.get("api_key")),
        text(" (the worker's key: "),
        code(token.get("worker_key")),
        text("), kind "),
        code(token.get("kind")),
        text(", agent grant "),
        code(token.get("agent")),
        text(", room "),
        code(token.get("room")),
        text(f", valid {valid}, "),
        code(token.get("fingerprint")),
    ]


def _first(facts: dict, kind: str, wanted=lambda found: True) -> dict | None:
    """The first record of ``kind`` of a passed test, else of any test."""
    entries = facts.get(kind, [])
    for test, found in entries:
        if test.status == PASS and wanted(found):
            return found
    return next((found for _, found in entries if wanted(found)), None)
