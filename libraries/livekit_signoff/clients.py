"""The Clients part of Server Acceptance: which real clients joined the server, and what each was
allowed, refused and received.

Two clients can join in a run: LiveKit's Python real-time SDK (``LiveKitClient``, its records under
``server_acceptance``) and a real browser running ``livekit-client`` (``LiveKitBrowser``, its
records under ``browser_client``). Both are read by the stable keys of their records, never by the
titles or labels shown in the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from livekit_signoff.document import Block, Inline, bullets, code, heading, mark, paragraph, text
from livekit_signoff.results import Run, TestRun
from livekit_signoff.rules import acceptance
from livekit_signoff.steps import FAIL, PASS, SKIP
from livekit_signoff.wording import bounded

BROWSER_KEY = "browser_client"  # the stable key of the browser client's evidence records (LiveKitBrowser)
BROWSER_TAG = "browser"
_ALLOWED_NAMES = ("canSubscribe", "canPublish", "canPublishData")


@dataclass
class ClientSeen:
    """One client of the run and what the server did with it."""

    name: str
    status: str
    joined: list[Inline] = field(default_factory=list)
    allowed: list[Inline] = field(default_factory=list)
    refused: list[Inline] = field(default_factory=list)
    received: list[Inline] = field(default_factory=list)
    data_crossed: bool = False
    skipped: str | None = None


def _status(tests: list[TestRun]) -> str:
    statuses = {test.status for test in tests}
    return FAIL if FAIL in statuses else (PASS if PASS in statuses else SKIP)


def _facts(tests: list[TestRun], key: str) -> dict[str, list[tuple[TestRun, dict]]]:
    found: dict[str, list[tuple[TestRun, dict]]] = {}
    seen_records = set()
    for test in tests:
        for record in test.records + test.suite_records:
            kind, facts = record.data.get(key), record.data.get("facts")
            if isinstance(kind, str) and isinstance(facts, dict) and id(record) not in seen_records:
                seen_records.add(id(record))
                found.setdefault(kind, []).append((test, facts))
    return found


def python_client(run: Run) -> ClientSeen | None:
    seen = acceptance(run)
    if seen is None:
        return None
    joined = seen.joined or {}
    name = joined.get("client") or "LiveKit Python real-time SDK"
    client = ClientSeen(name, _status(seen.tests))
    if joined:
        client.joined.append(text(f"as {joined.get('identity')} in {joined.get('room')}"))
    applied = (seen.permissions or {}).get("permissions") or {}
    shown = ", ".join(f"{name} {str(bool(applied[name])).lower()}" for name in _ALLOWED_NAMES if name in applied)
    if shown:
        agreement = "as Step 4 decided" if seen.permissions.get("matches") else "NOT as Step 4 decided"
        client.allowed.append(text(f"{shown} ({agreement})"))
    if seen.publish and seen.publish.get("refused"):
        client.refused.append(text(f"publishing its track (server: {seen.publish.get('answer')})"))
    if seen.data and seen.data.get("received"):
        client.received.append(text(f"data from {seen.data.get('sender')}"))
        client.data_crossed = seen.transport
    if client.status == SKIP:
        client.skipped = next((test.message for test in seen.tests if test.message), None)
    return client


def browser_client(run: Run) -> ClientSeen | None:
    tests = [test for test in run.tagged(BROWSER_TAG) if test.has_tag("live")]
    if not tests:
        return None
    facts = _facts(tests, BROWSER_KEY)
    started = next((found for _, found in facts.get("browser", [])), {})
    name = "Browser"
    if started:
        name = f"{started.get('browser')} with livekit-client {started.get('client')}"
    client = ClientSeen(name, _status(tests))
    for _, joined in facts.get("joined", []):
        if joined.get("alias") == "browser":
            client.joined.append(
                text(f"as {joined.get('identity')} in {joined.get('room')}, {joined.get('seconds')} s from launch")
            )
    for _, permissions in facts.get("permissions", []):
        received = permissions.get("permissions") or {}
        shown = ", ".join(f"{name} {str(bool(received.get(name))).lower()}" for name in _ALLOWED_NAMES)
        agreement = "as Step 4 decided" if permissions.get("matches") else "NOT as Step 4 decided"
        client.allowed.append(text(f"{shown} ({agreement})"))
    for _, publish in facts.get("publish", []):
        if publish.get("client_refused") is not None:
            by = ["livekit-client itself"] if publish.get("client_refused") else []
            if publish.get("server_refused"):
                by.append("the server when the page forced it")
            if by:
                client.refused.append(text(f"publishing the observer's camera, by {' and by '.join(by)}"))
        elif publish.get("allowed"):
            client.allowed.append(text(f"{publish.get('alias')} published its camera"))
    for _, refusal in facts.get("refused", []):
        if refusal.get("refused"):
            reason = bounded(str(refusal.get("reason")))
            case = f" ({refusal.get('case')})" if refusal.get("case") else ""
            client.refused.append(text(f"a token{case}: {refusal.get('status')} {reason}"))
    for _, data in facts.get("data", []):
        if data.get("received"):
            client.received.append(text(f"data {data.get('sender')} → {data.get('receiver')}"))
            client.data_crossed = True
    if client.status == SKIP:
        client.skipped = next((test.message for test in tests if test.message), None)
    return client


def clients_seen(run: Run) -> list[ClientSeen]:
    return [client for client in (python_client(run), browser_client(run)) if client is not None]


def transport_clients(run: Run) -> list[str]:
    """The clients whose data crossed the real transport in this run."""
    return [client.name for client in clients_seen(run) if client.data_crossed]


def clients_section(run: Run) -> list[Block]:
    """Which clients joined, and what each was allowed, refused and received."""
    clients = clients_seen(run)
    if not clients:
        return []
    blocks = [heading(4, text("Clients"), css="step")]
    for client in clients:
        blocks.append(paragraph(mark(client.status), text(" "), code(client.name)))
        if client.skipped:
            blocks.append(paragraph(text("Not checked: " + bounded(client.skipped)), css="skipped"))
            continue
        items: list[Inline] = []
        for label, parts in (
            ("Joined", client.joined),
            ("Allowed", client.allowed),
            ("Refused", client.refused),
            ("Received", client.received),
        ):
            if parts:
                line: Inline = [text(f"{label}: ")]
                for index, part in enumerate(parts):
                    line += ([text("; ")] if index else []) + [part]
                items.append(line)
        blocks.append(bullets(items))
    return blocks
