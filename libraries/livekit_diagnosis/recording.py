"""A diagnosis joins its failure: added to the failure message after its first sentence(s), and kept
as a ``diagnosis`` finding for the sign-off's Key Findings, in the same words.

A check that induces a fault on purpose (the diagnosis catalogue) runs inside :func:`collected`:
the diagnoses made there are handed to it instead of becoming findings, so that a passing catalogue
leaves no failure finding behind. Robot Framework is imported only while a run is going on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from livekit_tokens import evidence

from .model import Diagnosis

FINDING = "diagnosis"  # the stable id of the finding the sign-off reads
SEVERITY = "failure"

_collecting: list[list[Diagnosis]] = []


@contextlib.contextmanager
def collected():
    """Keep the diagnoses made inside the block in the list it yields, instead of recording them as findings."""
    found: list[Diagnosis] = []
    _collecting.append(found)
    try:
        yield found
    finally:
        _collecting.remove(found)


def failure(message: str, diagnosis: Diagnosis | Callable[[], Diagnosis | None] | None) -> str:
    """``message`` with ``diagnosis`` added after it; the diagnosis is recorded (or collected) as well.

    ``diagnosis`` may be a function that makes it: whatever goes wrong while it reads the
    observations, the failure itself is never hidden, and ``message`` comes back alone.
    """
    if callable(diagnosis):
        try:
            diagnosis = diagnosis()
        except Exception:  # a diagnosis explains a failure; it must never replace it
            diagnosis = None
    if diagnosis is None:
        return message
    record(diagnosis)
    return f"{message} {diagnosis.text}"


def record(diagnosis: Diagnosis) -> None:
    """Record ``diagnosis`` as a finding of the running test, or hand it to the enclosing :func:`collected`."""
    if _collecting:
        _collecting[-1].append(diagnosis)
        return
    if not _robot_is_running():
        return
    from robot.api import logger

    data = {"finding": FINDING, "severity": SEVERITY, "text": diagnosis.text, **diagnosis.record()}
    logger.info(evidence.table("Diagnosis", rows(diagnosis), data), html=True)


def rows(diagnosis: Diagnosis) -> list[dict]:
    """The diagnosis as the rows of an evidence table."""
    if diagnosis.single:
        return [
            {"label": "Likely cause", "value": f"{diagnosis.sentence} ({diagnosis.cause})"},
            {"label": "Fix", "value": diagnosis.fix},
        ]
    listed = [
        {"label": f"Candidate {number}", "value": f"{candidate.sentence} Fix: {candidate.fix} ({candidate.cause})"}
        for number, candidate in enumerate(diagnosis.candidates, 1)
    ]
    return [*listed, {"label": "Deciding observation", "value": diagnosis.decider}]


def _robot_is_running() -> bool:
    try:
        from robot.running.context import EXECUTION_CONTEXTS
    except ImportError:  # pragma: no cover - Robot Framework is a requirement
        return False
    return EXECUTION_CONTEXTS.current is not None
