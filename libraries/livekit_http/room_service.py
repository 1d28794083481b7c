"""LiveKit's Twirp RoomService: the grant each call needs, as livekit-server v1.13.5 checks it
(``pkg/service/roomservice.go``), and whether that grant counts only for the room the token names."""

from __future__ import annotations

PATH = "/twirp/livekit.RoomService/"

# The calls that need roomAdmin for the request's room.
ADMIN_CALLS = (
    "ListParticipants",
    "GetParticipant",
    "RemoveParticipant",
    "MutePublishedTrack",
    "UpdateParticipant",
    "UpdateSubscriptions",
    "SendData",
    "UpdateRoomMetadata",
)
GRANTS: dict[str, tuple[str, bool]] = {
    "CreateRoom": ("roomCreate", False),
    "DeleteRoom": ("roomCreate", False),
    "ListRooms": ("roomList", False),
    **{method: ("roomAdmin", True) for method in ADMIN_CALLS},
}
