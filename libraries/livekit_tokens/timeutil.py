"""Times and durations as testers write them and as tokens carry them (integer epoch seconds, UTC)."""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta, timezone

from robot.utils import timestr_to_secs

DEFAULT_TTL_SECONDS = 6 * 60 * 60  # every LiveKit server SDK
SERVER_LEEWAY_SECONDS = 60  # livekit/protocol auth: jwt.WithLeeway(time.Minute)
_MAX_EPOCH_DIGITS = 300  # a 64-bit float ends near 1.8e308


def now() -> float:
    return time.time()


def to_seconds(value, name: str = "duration") -> float:
    """Seconds from ``6 hours``, ``1h 30min``, ``90``, ``90.5`` or a ``timedelta``."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a duration such as '6 hours', got {value!r}.")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        try:
            seconds = timestr_to_secs(value)
        except (ValueError, TypeError):
            raise ValueError(f"{name} must be a duration such as '6 hours' or '90 seconds', got {value!r}.") from None
    if not math.isfinite(seconds):
        raise ValueError(f"{name} must be a finite duration, got {value!r}.")
    return seconds


def to_epoch(value, name: str = "time") -> int:
    """Integer epoch seconds from an int, a ``datetime`` (naive means UTC) or a date text.

    Accepted texts: epoch seconds (``1768871337``), ISO 8601 (``2026-01-20T01:08:57Z``) and the
    document's form (``2026-01-20 01:08:57``, read as UTC), or ``now``/``now + 5 min``/``now - 2 h``.
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a date or epoch seconds, got {value!r}.")
    if isinstance(value, (int, float)):
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int beyond a 64-bit float
            finite = False
        if not finite:
            shown = repr(value) if isinstance(value, float) else "a larger number than a 64-bit float holds"
            raise ValueError(f"{name} must be a finite time, got {shown}.")
        return math.floor(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return math.floor(moment.timestamp())
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            if len(text) > _MAX_EPOCH_DIGITS:
                raise ValueError(f"{name} must be a finite time, got a number of {len(text):,} digits.")
            return int(text)
        if text.lower().startswith("now"):
            rest = text[3:].strip()
            if not rest:
                return math.floor(now())
            sign = {"+": 1, "-": -1}.get(rest[0])
            if sign is not None:
                return math.floor(now() + sign * to_seconds(rest[1:].strip(), name))
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return to_epoch(parsed, name)
    raise ValueError(f"{name} must be a date such as '2026-01-20 01:08:57' (UTC) or epoch seconds, got {value!r}.")


def format_utc(epoch: float) -> str:
    """``2026-01-20 01:08:57 UTC``."""
    try:
        return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{epoch:.0f} (outside the calendar)"


def format_duration(seconds: float) -> str:
    """A readable duration: ``5 h 59 min``, ``42 s``, ``3 d 2 h``; negative values read as 'ago'."""
    if not math.isfinite(seconds):
        return "forever"
    if seconds < 0:
        return f"{format_duration(-seconds)} ago"
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"
