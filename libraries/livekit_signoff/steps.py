"""The five steps of the client authentication document, and the other areas of a run.

The results name a step's tests by their tag (``step-1`` ... ``step-5``) and an area's by its tag
(``live``, ``endpoint``, ...), never by their names. A step's status is the status of its tests
as Robot Framework writes it, or NOT RUN when no test of the step is in the results.
"""

from __future__ import annotations

from dataclasses import dataclass

PASS, FAIL, SKIP, NOT_RUN = "PASS", "FAIL", "SKIP", "NOT RUN"
STATUS_WORDS = {PASS: "PASS", FAIL: "FAIL", SKIP: "SKIPPED", NOT_RUN: "NOT RUN"}  # how a step's status reads


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    flow: str

    @property
    def tag(self) -> str:
        return f"step-{self.number}"


STEPS = (
    Step(1, "Token Generation", "Token generation"),
    Step(2, "Signature Validation", "Signature validation"),
    Step(3, "Token Claims", "Claims verification"),
    Step(4, "Access Grants", "Grant configuration"),
    Step(5, "Token Expiration", "Expiration check"),
)


# Suites of other areas, found by tag, summarised under Key findings.
AREAS = (
    ("live", "LiveKit server"),
    ("endpoint", "Token endpoint"),
    ("security", "Security catalogue"),
    ("interop", "SDK interoperability"),
    ("diagnosis", "Diagnosis catalogue"),
    ("agents", "Agents"),
)
