"""How far a server's clock is from this machine's, read from the HTTP ``Date`` header.

``Date`` has whole seconds and is written between the moment the request was sent and the moment
the answer arrived, so the estimate compares the middle of both and states its uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime

from livekit_tokens.timeutil import SERVER_LEEWAY_SECONDS, format_utc

WARN_FRACTION = 0.5  # warn from half the server's leeway on


@dataclass(frozen=True)
class ClockSkew:
    """``seconds`` > 0: the server's clock is ahead of this machine's."""

    seconds: float
    uncertainty: float
    server_date: float
    local_time: float

    @property
    def magnitude(self) -> float:
        return abs(self.seconds)

    def describe(self) -> str:
        if self.magnitude <= self.uncertainty:
            return f"the clocks agree within {self.uncertainty:.1f} s"
        side = "ahead of" if self.seconds > 0 else "behind"
        return f"the server's clock is {self.magnitude:.1f} s {side} this machine's (± {self.uncertainty:.1f} s)"

    def severity(self, leeway: float = SERVER_LEEWAY_SECONDS) -> str:
        """``info`` while the skew is small, ``warning`` from half the leeway, ``failure`` beyond it."""
        worst = self.magnitude - self.uncertainty
        if worst > leeway:
            return "failure"
        if self.magnitude + self.uncertainty >= leeway * WARN_FRACTION:
            return "warning"
        return "info"

    def consequence(self) -> str:
        """What the skew does to tokens minted on this machine, in one clause."""
        if self.seconds < 0:
            return "the server refuses tokens minted here as not yet valid"
        return "the server ends tokens minted here that much early"

    def sentence(self, leeway: float = SERVER_LEEWAY_SECONDS) -> str:
        """The finding as one sentence, by severity."""
        severity = self.severity(leeway)
        if severity == "failure":
            return f"Clock skew: {self.describe()}, beyond the server's {leeway:g} s leeway: {self.consequence()}."
        if severity == "warning":
            return f"Clock skew: {self.describe()}, close to the server's {leeway:g} s leeway on nbf and exp."
        return f"Clock skew: {self.describe()}."

    def rows(self) -> list[dict]:
        return [
            {"key": "server_date", "label": "Server Date header", "value": format_utc(self.server_date)},
            {"key": "local_clock", "label": "Local clock", "value": format_utc(self.local_time)},
            {"key": "skew", "label": "Skew (server - local)", "value": f"{self.seconds:+.1f} s (± {self.uncertainty:.1f} s)"},
            {"key": "leeway", "label": "Server leeway on exp and nbf", "value": f"{SERVER_LEEWAY_SECONDS} s"},
        ]


def parse_http_date(value) -> float:
    """Epoch seconds from an HTTP ``Date`` header, or ``ValueError`` with a sentence."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("the answer has no Date header")
    try:
        moment = parsedate_to_datetime(value.strip())
        if moment.tzinfo is None:  # RFC 9110 dates are GMT
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: an offset such as +99999999999
        raise ValueError(f"the Date header {value[:40]!r} is not an HTTP date") from None


def skew_from_date(date_header, sent_at: float, received_at: float) -> ClockSkew:
    """Estimate the skew from a ``Date`` header and the local send and receive times."""
    server = parse_http_date(date_header)
    local_middle = (sent_at + received_at) / 2
    # The server wrote a time in [server, server + 1) somewhere between sending and receiving.
    seconds = (server + 0.5) - local_middle
    uncertainty = 0.5 + max(0.0, received_at - sent_at) / 2
    return ClockSkew(seconds=seconds, uncertainty=uncertainty, server_date=server, local_time=local_middle)
