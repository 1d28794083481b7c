"""What livekit-server v1.13.5 lets a participant do, read from the effective video grant of its token.

Each answer is the server's rule, with where it is written (livekit/protocol ``auth/grants.go`` at the
pin, livekit-server ``pkg/rtc`` and ``pkg/service``):

- publishing a track of a source: ``canPublish``, and ``canPublishSources`` empty or naming the source
  in lower case exactly (``GetCanPublishSource``; ``sourceToString`` lower-cases the enum's name);
- publishing data: ``canPublishData``, which follows ``canPublish`` when the token leaves it out
  (``GetCanPublishData``; ``participant.go`` drops the packets of a participant without it);
- being seen by the other participants: not ``hidden`` (``room.go`` leaves hidden participants out of
  the join answers and updates others get; ListParticipants still lists them);
- subscribing to others' tracks: ``canSubscribe``, true when left out (``GetCanSubscribe``);
- updating its own metadata: ``canUpdateOwnMetadata`` (``participant.go`` answers ``NOT_ALLOWED``);
- RoomService: ``ListParticipants`` needs ``roomAdmin`` for the token's own room, ``ListRooms`` needs
  ``roomList`` (``pkg/service/auth.go`` ``EnsureAdminPermission``, ``EnsureListPermission``).

``grants`` is what :func:`livekit_tokens.grants.effective_video_grant` returns: every field, defaults
filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

# The track sources a token can name, with the protocol's enum name and the kind of track each carries.
SOURCES = {
    "camera": ("CAMERA", "VIDEO"),
    "microphone": ("MICROPHONE", "AUDIO"),
    "screen_share": ("SCREEN_SHARE", "VIDEO"),
    "screen_share_audio": ("SCREEN_SHARE_AUDIO", "AUDIO"),
}
# The source the real-time SDK publishes a silent track from.
SDK_SOURCE = "microphone"


def may_publish(grants: dict, source: str) -> bool:
    """Whether the server lets a participant publish a track of ``source`` (``microphone``, ...)."""
    if not grants.get("canPublish"):
        return False
    sources = grants.get("canPublishSources") or []
    return not sources or source in sources


def publishing(grants: dict) -> dict[str, bool]:
    """For every track source, whether the server lets the participant publish it."""
    return {source: may_publish(grants, source) for source in SOURCES}


def may_publish_data(grants: dict) -> bool:
    return bool(grants.get("canPublishData"))


def visible(grants: dict) -> bool:
    """Whether the other participants of the room are told about this participant."""
    return not grants.get("hidden")


def may_subscribe(grants: dict) -> bool:
    return bool(grants.get("canSubscribe"))


def may_update_metadata(grants: dict) -> bool:
    return bool(grants.get("canUpdateOwnMetadata"))


@dataclass(frozen=True)
class RoomServiceCall:
    """One RoomService call the token itself makes, and whether the server allows it."""

    method: str
    grant: str
    allowed: bool


def room_service_calls(grants: dict, room: str) -> list[RoomServiceCall]:
    """The read-only RoomService calls a participant's own token is checked with, for the room it joined."""
    admin = bool(grants.get("roomAdmin")) and grants.get("room") == room
    return [
        RoomServiceCall("ListParticipants", "roomAdmin", admin),
        RoomServiceCall("ListRooms", "roomList", bool(grants.get("roomList"))),
    ]


def word(allowed: bool, yes: str = "allowed", no: str = "refused") -> str:
    return yes if allowed else no
