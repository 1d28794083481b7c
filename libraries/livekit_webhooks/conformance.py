"""Judge a webhook receiver's answers: a signed event must be accepted, every forged one refused.

A receiver *accepts* with a 2xx and *refuses* with a 4xx; a 5xx, a redirect or no answer is
neither, and fails every row. The ``Bearer `` form is only required to be refused when the
receiver claims to be strict: the server never sends it, so a receiver that takes it lets no
forged event in, it only reads the header loosely.
"""

from __future__ import annotations

from dataclasses import dataclass

from .hostile import CASES

EXPECTATIONS = ("accepted", "refused", "refused if strict")

# A stable part of the reason each refusal of the reference receiver gives (its error sentence).
REASONS = {
    "no-authorization": "authorization header could not be found",
    "malformed": "token is malformed",
    "algorithm": "signing method",
    "unknown-api-key": "invalid API key",
    "signature": "signature is invalid",
    "expired": "token is expired",
    "not-yet-valid": "token is not valid yet",
    "checksum": "could not verify authenticity of message",
    "oversized-body": "larger than",
}


def expectation(text: str) -> str:
    """The expectation ``text`` names (``accepted``, ``refused``, ``refused if strict``); ``ValueError`` otherwise."""
    wanted = " ".join(str(text).split()).lower()
    if wanted not in EXPECTATIONS:
        raise ValueError(f"Expect one of {', '.join(EXPECTATIONS)} from the receiver, not '{str(text)[:40]}'.")
    return wanted


def outcome_of(status: int | None) -> str:
    """``accepted`` (2xx), ``refused`` (4xx), ``server error`` (5xx), ``no answer`` (None) or ``other``."""
    if status is None:
        return "no answer"
    if 200 <= status < 300:
        return "accepted"
    if 400 <= status < 500:
        return "refused"
    if 500 <= status < 600:
        return "server error"
    return "other"


@dataclass(frozen=True)
class Judgement:
    """What a row found: whether it passes, whether it was only reported, and one sentence."""

    case: str
    expected: str
    outcome: str
    status: int | None
    ok: bool
    reported_only: bool
    sentence: str
    reason_ok: bool | None = None

    @property
    def forged(self) -> bool:
        return CASES[self.case][1] is not None

    def record(self) -> dict:
        """The stable keys the sign-off summary and later tools read."""
        return {
            "case": self.case,
            "forged": self.forged,
            "expected": self.expected,
            "outcome": self.outcome,
            "status": self.status,
            "ok": self.ok,
            "reported_only": self.reported_only,
        }


def judge(
    case: str,
    expected: str,
    status: int | None,
    strict: bool,
    answer: str = "",
    failure: str | None = None,
    reason: str | None = None,
) -> Judgement:
    """Judge one answer of the receiver.

    ``answer`` is a token-free excerpt of the body; ``failure`` the sentence of a transport failure
    (no answer); ``reason`` a stable part of the reason a refusal must give (checked against
    ``answer`` when given, for a receiver whose messages are known).
    """
    wanted = expectation(expected)
    outcome = outcome_of(status)
    shown = f"{status}" if status is not None else "no answer"
    if wanted == "accepted":
        ok = outcome == "accepted"
        sentence = (
            "The receiver accepted the correctly signed event."
            if ok
            else f"The receiver did not accept the correctly signed event ({case}): {_what(outcome, status, answer, failure)}."
        )
        return Judgement(case, wanted, outcome, status, ok, False, sentence)
    description = CASES[case][0]
    if wanted == "refused if strict" and not strict:
        sentence = (
            f"Reported, not required ({case}): the receiver {_verb(outcome)} {description} ({shown}); "
            "LiveKit's server never sends this form, so it is checked only for a receiver that claims to be strict."
        )
        return Judgement(case, wanted, outcome, status, True, True, sentence)
    if outcome == "refused":
        reason_ok = None if reason is None else reason.lower() in answer.lower()
        if reason_ok is False:
            sentence = (
                f"The receiver refused {description} ({case}) with {status}, but not for the expected reason "
                f"('{reason}'): {answer or 'empty answer'}."
            )
            return Judgement(case, wanted, outcome, status, False, False, sentence, reason_ok)
        return Judgement(
            case, wanted, outcome, status, True, False, f"The receiver refused {description} with {status}.", reason_ok
        )
    if outcome == "accepted":
        sentence = (
            f"The receiver accepted a forged webhook ({case}: {description}) with {status}: anyone can send it such events."
        )
    else:
        sentence = f"The receiver did not refuse {description} ({case}) with a 4xx: {_what(outcome, status, answer, failure)}."
    return Judgement(case, wanted, outcome, status, False, False, sentence)


def _verb(outcome: str) -> str:
    return {"accepted": "accepted", "refused": "refused"}.get(outcome, f"gave {outcome} to")


def _what(outcome: str, status: int | None, answer: str, failure: str | None) -> str:
    if outcome == "no answer":
        if not failure:
            return "it gave no answer"
        return (failure[:1].lower() + failure[1:]).rstrip(".")  # the transport's sentence, inside this one
    return (
        f"it answered {status}" + (f" '{answer}'" if answer else "") + (", a server error" if outcome == "server error" else "")
    )


def summary(judgements: list[Judgement], receiver: str, reference: bool) -> tuple[str, str]:
    """The sign-off's ``Webhooks`` finding for one receiver: ``(severity, sentence)``.

    Every forged webhook the receiver accepted, and every row it answered with a server error or
    not at all, is named and makes the finding a warning: each needs attention.
    """
    forged = [item for item in judgements if item.forged and not item.reported_only]
    accepted = [item for item in forged if item.outcome == "accepted"]
    broken = [item for item in judgements if not item.ok and item.outcome not in ("accepted", "refused")]
    wrong_reason = [item for item in forged if item.outcome == "refused" and item.reason_ok is False]
    signed = [item for item in judgements if not item.forged]
    reported = [item for item in judgements if item.reported_only]
    who = "The reference webhook receiver" if reference else f"The webhook receiver at {receiver}"
    parts = []
    if accepted:
        listed = "; ".join(f"{item.case} ({item.status})" for item in accepted)
        parts.append(
            f"{who} accepted {len(accepted)} of {len(forged)} forged or hostile webhooks, each a finding that needs attention: {listed}."
        )
    if broken:
        listed = "; ".join(f"{item.case} ({item.outcome if item.status is None else item.status})" for item in broken)
        parts.append(f"{'It' if parts else who} answered {len(broken)} request(s) with neither 2xx nor 4xx: {listed}.")
    if wrong_reason:
        listed = ", ".join(item.case for item in wrong_reason)
        parts.append(f"{'It' if parts else who} refused {listed} for another reason than expected.")
    signed_ok = all(item.ok for item in signed)
    if not parts:
        parts.append(
            f"{who} refused all {len(forged)} forged or hostile webhooks, as it should"
            + (", and accepted the correctly signed event." if signed and signed_ok else ".")
        )
    elif signed:
        parts.append("It accepted the correctly signed event." if signed_ok else "It did not accept the correctly signed event.")
    for item in reported:
        parts.append(f"Reported, not required: it {_verb(item.outcome)} the {item.case} form ({item.status}).")
    severity = "warning" if accepted or broken or wrong_reason or (signed and not signed_ok) else "info"
    return severity, " ".join(parts)
