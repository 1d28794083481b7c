"""What the browser client observed, as evidence records, and what it reads from the rest of the run:
the chosen server, its log, and the Python real-time SDK's participants (through ``LiveKitClient``)."""

from __future__ import annotations

import time

from robot.api import logger

from livekit_client import realtime
from livekit_server import current as current_server
from livekit_tokens import evidence

BROWSER_KEY = "browser_client"  # the stable key of the browser's evidence records, read by the sign-off
# The server's ParticipantPermission fields as livekit-client names them, and the token grants they carry.
GRANT_OF_FIELD = {
    "canSubscribe": "canSubscribe",
    "canPublish": "canPublish",
    "canPublishData": "canPublishData",
    "canPublishSources": "canPublishSources",
    "hidden": "hidden",
    "recorder": "recorder",
    "canUpdateMetadata": "canUpdateOwnMetadata",
    "agent": "agent",
    "canSubscribeMetrics": "canSubscribeMetrics",
    "canManageAgentSession": "canManageAgentSession",
}
# livekit/protocol TrackSource numbers, as the browser receives canPublishSources.
TRACK_SOURCES = {0: "UNKNOWN", 1: "CAMERA", 2: "MICROPHONE", 3: "SCREEN_SHARE", 4: "SCREEN_SHARE_AUDIO"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SERVER_REFUSED_PUBLISH_LINE = "no permission to publish track"  # livekit-server pkg/rtc/participant.go


def record(fact: str, title: str, rows: list[dict], **facts) -> None:
    """Log an evidence table whose record carries ``fact`` and ``facts`` under stable keys."""
    logger.info(evidence.table(title, rows, {"title": title, "rows": rows, BROWSER_KEY: fact, "facts": facts}), html=True)


def sources(value) -> list[str]:
    names = []
    for item in value or []:
        name = TRACK_SOURCES.get(item, str(item)) if isinstance(item, int) else str(item)
        names.append(name.upper().removeprefix("SOURCE_").replace("SCREENSHARE", "SCREEN_SHARE"))
    return sorted(names)


def compare_permissions(offline: dict, received: dict) -> tuple[list[dict], list[str]]:
    """Rows comparing Step 4's effective grants with the permissions the browser received, and the differences."""
    rows, different = [], []
    for field, grant in GRANT_OF_FIELD.items():
        expected, actual = offline.get(grant), received.get(field)
        if grant == "canPublishSources":
            ok = sources(expected) == sources(actual)
            actual = sources(actual)
        else:
            ok = bool(expected) == bool(actual)
        rows.append({"label": f"{grant} ({field})", "expected": expected, "actual": actual, "ok": ok})
        if not ok:
            different.append(f"{grant}: token {evidence.show(expected)}, browser {evidence.show(actual)}")
    return rows, different


def evidence_rows(title: str, rows: list[dict]) -> None:
    from livekit_tokens.robot_context import log_table

    log_table(title, rows)


def server_host() -> str | None:
    """The host name of the chosen server's URL (``127.0.0.1`` for one this run started)."""
    from urllib.parse import urlsplit

    return urlsplit(current_server_ws()).hostname


def current_server_ws() -> str:
    server = current_server.chosen()
    if server is None:
        raise AssertionError("No LiveKit server is chosen yet; call Use LiveKit Server first (in Suite Setup).")
    return server.ws_url


def python_participant(alias: str) -> realtime.Participant:
    """The Python real-time SDK participant that LiveKitClient joined as ``alias``."""
    from robot.libraries.BuiltIn import BuiltIn

    return BuiltIn().get_library_instance("LiveKitClient").connected_participant(alias)


def listed_tracks(room, identity) -> int:
    """How many tracks RoomService ListParticipants shows for ``identity`` in ``room`` (through ``LiveKitClient``)."""
    from robot.libraries.BuiltIn import BuiltIn

    return BuiltIn().get_library_instance("LiveKitClient").listed_track_count(room, identity)


def server_log_says(line: str) -> bool | None:
    """Whether the server this run started logged ``line``; None for a server it did not start."""
    server = current_server.chosen()
    if server is None or server.started is None:
        return None
    deadline = time.monotonic() + 2
    while True:
        if line in server.started.log_text():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
