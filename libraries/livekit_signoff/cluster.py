"""The sign-off's Cluster section: the nodes of a LiveKit cluster, which answered alike, and the
reconnect across nodes, read from the evidence tables of the tests tagged ``cluster``."""

from __future__ import annotations

from livekit_signoff.document import Block, Inline, bullets, code, heading, mark, paragraph, text
from livekit_signoff.results import Run
from livekit_signoff.step_sections import outcome_blocks
from livekit_signoff.steps import FAIL, PASS, SKIP


def cluster_section(run: Run) -> list[Block]:
    """Nothing when no cluster test ran; else the nodes, their agreement and the reconnect, with the failures."""
    tests = run.tagged("cluster")
    if not tests:
        return []
    statuses = {test.status for test in tests}
    status = FAIL if FAIL in statuses else (PASS if PASS in statuses else SKIP)
    blocks: list[Block] = [heading(4, text("Cluster "), mark(status), css="step")]
    records = [record for test in tests for record in test.records] + list(run.setup_records)
    described = next((record for record in records if record.kind == "cluster_nodes"), None)
    items: list[Inline] = []
    if described is None:
        blocks.append(paragraph(text("Not checked: no LiveKit cluster was in use in these results."), css="missing"))
        return blocks + [block for test in tests for block in outcome_blocks(test)]
    nodes = described.facts.get("nodes") or []
    source = described.facts.get("source") or ""
    items.append([text(f"Nodes ({len(nodes)}, {source}): "), code(", ".join(str(node) for node in nodes))])
    if described.facts.get("ready_seconds") is not None:
        items.append(
            [text(f"Start to ready: {described.facts['ready_seconds']} s (every node answering and registered in Redis)")]
        )
    alike = [record for record in records if record.kind == "cluster_alike"]
    differing = [test for test in tests if test.status == FAIL and "do not hold the same keys" in test.message]
    if alike and not differing:
        items.append([text(f"Every node answered alike: {len(alike)} token checks, each against all {len(nodes)} nodes")])
    elif differing:
        items.append([text(f"The nodes did NOT answer alike in {len(differing)} checks: the nodes do not hold the same keys")])
    reconnect = next((record for record in records if record.kind == "cluster_reconnect"), None)
    if reconnect is not None:
        keys = ", ".join(str(key) for key in reconnect.facts.get("keys") or [])
        verdict = "every other node admitted them" if reconnect.facts.get("ok") else "a node refused one"
        items.append(
            [
                text(f"Reconnect across nodes: refresh tokens of key(s) {keys} from {reconnect.facts.get('room_node')}, "),
                text(f"{reconnect.facts.get('joins')} joins; {verdict}"),
            ]
        )
    webhooks = next((record for record in records if record.kind == "cluster_webhooks"), None)
    if webhooks is not None:
        verdict = "only from it, every one verified" if webhooks.facts.get("ok") else "NOT only from it, or not verified"
        items.append([text(f"Webhooks of the room on {webhooks.facts.get('room_node')}: {verdict}")])
    failover = next((record for record in records if record.kind == "cluster_failover"), None)
    if failover is not None:
        items.append(
            [text(f"A node stopped: its room was joined again through another node after {failover.facts.get('seconds')} s")]
        )
    blocks.append(bullets(items))
    for test in tests:
        if test.status == FAIL:
            blocks += outcome_blocks(test)
    return blocks
