"""One client's join as the server answered it: where it put the participant and what it applied.

The real-time SDK's join is the client's one connection; the signal-level join stands in for it
only when the SDK's WebRTC transport cannot connect. Both are read into a :class:`Joined`.
"""

from __future__ import annotations

from dataclasses import dataclass

REALTIME = "real-time SDK"
SIGNAL = "signal-level join"


@dataclass
class Joined:
    """Where the server put a client, the permissions it applied, and through which join it said so.

    ``permission`` holds the ``ParticipantPermission`` fields the client was told, by their names
    in LiveKit's protocol (``can_publish``, ...). The real-time SDK does not carry ``recorder`` and
    ``agent``, nor the server's version: they are absent (``server_version`` is None).
    """

    identity: str
    room: str
    permission: dict
    through: str
    server_version: str | None = None


def where_row(label: str, expected: str | None, actual: str) -> dict:
    """A row of where the server put a client: checked against ``expected``, or reported when it is not set."""
    if expected in (None, ""):
        return {"label": label, "expected": "not set", "actual": actual, "ok": None}
    return {"label": label, "expected": expected, "actual": actual, "ok": actual == expected}
