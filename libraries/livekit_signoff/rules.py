"""What the results must show for each step, for Server Acceptance and for the status of the sign-off.

A step passes when one of its tests passed and none failed; the sign-off says PASSED only when
every step passed, no test of the run failed, the leak guard searched every file and found nothing,
and a LiveKit server answered the live checks (PASSED (offline only) without one). Step 4 calls a
token observer-only only as far as its grants and Step 2's verdict on the same token go.
"""

from __future__ import annotations

from dataclasses import dataclass

from livekit_signoff.results import Run, TestRun
from livekit_signoff.steps import AREAS, FAIL, NOT_RUN, PASS, SKIP, STEPS, Step

PASSED, FAILED, INCOMPLETE = "PASSED", "FAILED", "INCOMPLETE"
# Every test passed, but no LiveKit server answered one: the token is valid as a server would verify it,
# not shown to be accepted by one. Its own wording and colour, and --require-passed refuses it.
PASSED_OFFLINE = "PASSED (offline only)"
# The leak guard found a secret or a token of the run in its results: whatever the tests say, the
# evidence cannot be shared, and --require-passed refuses it.
LEAKED = "FAILED (secret or token found)"
ACCEPTANCE_KEY = "server_acceptance"  # the stable key of the real client's evidence records (LiveKitClient)


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
    # The browser client's tests have a part of their own (livekit_signoff.clients).
    tests = [test for test in run.tagged("client") if test.has_tag("live") and not test.has_tag("browser")]
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
