"""Webhook event bodies: written as the LiveKit server writes them, read as its receivers read them.

The server encodes a ``livekit.WebhookEvent`` with protojson (protocol ``webhook/url_notifier.go``
267, ``utils/protojson/protojson.go`` 31-35): JSON field names in lowerCamelCase, 64-bit integers
as strings, fields at their default value left out. Receivers decode it with protojson and
``DiscardUnknown`` (``webhook/verifier.go`` 75-80), so unknown fields are ignored. Go's protojson
adds random whitespace on purpose, which is why the signature covers the exact body bytes and a
receiver must hash what it received, never a re-encoding.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from livekit_tokens.timeutil import now as current_time

# protocol webhook/consts.go 27-40
EVENT_TYPES = (
    "room_started",
    "room_finished",
    "participant_joined",
    "participant_left",
    "participant_connection_aborted",
    "track_published",
    "track_unpublished",
    "egress_started",
    "egress_updated",
    "egress_ended",
    "ingress_started",
    "ingress_ended",
)
_WITH_PARTICIPANT = (
    "participant_joined",
    "participant_left",
    "participant_connection_aborted",
    "track_published",
    "track_unpublished",
)
_WITH_TRACK = ("track_published", "track_unpublished")
MAX_SHOWN_CHARS = 256


class UnreadableEvent(ValueError):
    """The body is not a ``WebhookEvent`` as protojson reads it; the message says why, without quoting it."""


@dataclass(frozen=True)
class EventSummary:
    """What a tester wants to know of an event: its type, room, participant and id."""

    event: str
    room: str
    participant: str
    event_id: str
    created_at: int | None
    track: str = ""

    def as_dict(self) -> dict:
        return {
            "event": self.event,
            "room": self.room,
            "participant": self.participant,
            "id": self.event_id,
            "created_at": self.created_at,
            "track": self.track,
        }


def new_event_id() -> str:
    """An event id in the server's form (``EV_`` and random characters), different for every event."""
    return "EV_" + secrets.token_hex(6)


def build_event(
    event: str,
    room: str = "test_room",
    participant: str | None = None,
    *,
    event_id: str | None = None,
    at: float | None = None,
    room_metadata: str = "",
) -> bytes:
    """The protojson body of a ``WebhookEvent`` of type ``event``, compact as the server writes it.

    Participant and track events carry ``participant`` (``client_test`` when not given); room,
    participant and track get ids in the server's form. ``room_metadata`` pads a body when a
    test needs a large one.
    """
    from google.protobuf import json_format
    from livekit.protocol.webhook import WebhookEvent

    name = str(event).strip()
    if name not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event '{str(event)[:40]}'; use one of: {', '.join(EVENT_TYPES)}.")
    moment = int(current_time() if at is None else at)
    message = WebhookEvent(event=name, id=event_id or new_event_id(), created_at=moment)
    message.room.sid = "RM_" + secrets.token_hex(6)
    message.room.name = room
    message.room.creation_time = moment
    if room_metadata:
        message.room.metadata = room_metadata
    if name in _WITH_PARTICIPANT:
        message.participant.sid = "PA_" + secrets.token_hex(6)
        message.participant.identity = participant or "client_test"
        message.participant.joined_at = moment
    if name in _WITH_TRACK:
        message.track.sid = "TR_" + secrets.token_hex(6)
        message.track.name = "camera"
    document = json_format.MessageToDict(message)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def read_event(body: bytes) -> EventSummary:
    """Decode ``body`` as receivers do (protojson, unknown fields discarded) and summarise it.

    Raises :class:`UnreadableEvent` for a body that is not a JSON ``WebhookEvent``.
    """
    from google.protobuf import json_format
    from livekit.protocol.webhook import WebhookEvent

    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableEvent("the body is not UTF-8 text") from None
    message = WebhookEvent()
    try:
        document = json.loads(text, object_pairs_hook=_Object.from_pairs)
        problem = _shape_problem(document, WebhookEvent.DESCRIPTOR)
        if problem:
            raise UnreadableEvent(f"the body is not a WebhookEvent: {problem}")
        json_format.Parse(text, message, ignore_unknown_fields=True)
    except UnreadableEvent:
        raise
    except json.JSONDecodeError:
        raise UnreadableEvent("the body is not a WebhookEvent: it is not JSON") from None
    except json_format.ParseError as error:
        reason = "it is not JSON" if "Failed to load JSON" in str(error) else "a field does not have the type WebhookEvent needs"
        raise UnreadableEvent(f"the body is not a WebhookEvent: {reason}") from None
    except (RecursionError, ValueError, TypeError, AttributeError):
        raise UnreadableEvent(
            "the body is not a WebhookEvent: it is nested too deeply or holds values protojson refuses"
        ) from None
    return EventSummary(
        event=_shown(message.event),
        room=_shown(message.room.name),
        participant=_shown(message.participant.identity),
        event_id=_shown(message.id),
        created_at=int(message.created_at) if message.created_at else None,
        track=_shown(message.track.sid),
    )


class _Object(dict):
    """A JSON object that remembers the names it held more than once."""

    duplicates: frozenset = frozenset()

    @classmethod
    def from_pairs(cls, pairs):
        made = cls(pairs)
        if len(made) != len(pairs):
            names = [name for name, _ in pairs]
            made.duplicates = frozenset(name for name in names if names.count(name) > 1)
        return made


def _shape_problem(document, descriptor) -> str | None:
    """Where ``document`` has a shape Go's protojson refuses and Python's parser lets through, or None.

    Go refuses a message field that is not an object, a list field that is not a list and a known
    field given twice; Python's ``json_format`` reads a string given for a message as its field
    names, and keeps the last of duplicate fields. Field names only are reported, never values.
    """
    if not isinstance(document, dict):
        return "it is not a JSON object"
    stack = [(document, descriptor, "")]
    while stack:
        value, message, where = stack.pop()
        for name, item in value.items():
            field = message.fields_by_camelcase_name.get(name) or message.fields_by_name.get(name)
            if field is None or item is None:
                continue
            path = f"{where}{field.json_name}"
            if name in getattr(value, "duplicates", ()):
                return f"{path} is given twice"
            entry = field.message_type
            if entry is not None and entry.GetOptions().map_entry:
                if not isinstance(item, dict):
                    return f"{path} must be a JSON object"
                continue
            if field.is_repeated:
                if not isinstance(item, list):
                    return f"{path} must be a list"
                items = item
            else:
                items = [item]
            if entry is None or entry.full_name.startswith("google.protobuf."):
                continue
            for child in items:
                if not isinstance(child, dict):
                    return f"{path} must be a JSON object ({entry.name})"
                stack.append((child, entry, path + "."))
    return None


def _shown(value: str) -> str:
    return value if len(value) <= MAX_SHOWN_CHARS else value[:MAX_SHOWN_CHARS] + "…"
