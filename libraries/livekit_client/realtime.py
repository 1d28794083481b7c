"""Participants of LiveKit's Python real-time SDK (``livekit.rtc``): join, try to publish, send and
receive data over the real WebRTC transport, leave.

The SDK logs through Python's ``livekit`` logger, also what its native library says; those lines
are kept at WARNING and above, and every token-shaped text in them is replaced by its fingerprint,
so no log level of a run can carry a token out through them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets as random_source
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from livekit.protocol import models as proto_models

from livekit_http import tls
from livekit_http.answers import scrub

from .joined import REALTIME, Joined
from .loop import ClientTimeout, run
from .signal import permission_dict

CONNECT_TIMEOUT = 15.0  # seconds for the signal join and the WebRTC transport together
# The server's HTTP status as the SDK quotes it: "client error: 401 Unauthorized - permissions denied".
_STATUS = re.compile(r"\b([1-5]\d\d) (?=[A-Z][a-z])")


class _ScrubTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = scrub(message), ()
        return True


def _quiet_sdk_logging() -> None:
    sdk = logging.getLogger("livekit")
    if not any(isinstance(existing, _ScrubTokens) for existing in sdk.filters):
        sdk.addFilter(_ScrubTokens())
    sdk.setLevel(logging.WARNING)


class JoinRefused(AssertionError):
    """The server (or the transport) did not let the client join; ``status`` when the server said one."""

    ROBOT_SUPPRESS_NAME = True

    def __init__(self, message: str, status: int | None, transport: bool = False, certificate: bool = False):
        super().__init__(message)
        self.status = status
        self.transport = transport  # True: the signal join worked, WebRTC did not connect
        self.certificate = certificate  # True: the server's TLS certificate did not verify (the message says why)


@dataclass
class Participant:
    """One joined participant of the real-time SDK."""

    alias: str
    room: object = field(repr=False)
    received: list = field(default_factory=list, repr=False)
    data_event: asyncio.Event | None = field(default=None, repr=False)

    @property
    def identity(self) -> str:
        return self.room.local_participant.identity

    @property
    def room_name(self) -> str:
        return self.room.name

    @property
    def connected(self) -> bool:
        from livekit import rtc

        return self.room.connection_state == rtc.ConnectionState.CONN_CONNECTED

    def permission(self) -> dict:
        """The permissions of the SDK's local participant, as the server's join answer gave them."""
        return sdk_permission_dict(self.room.local_participant.permissions)

    def joined(self) -> Joined:
        return Joined(self.identity, self.room_name, self.permission(), REALTIME)


def sdk_permission_dict(permission) -> dict:
    """The SDK's ``ParticipantPermission`` as a dict named like LiveKit's protocol, of the fields it carries.

    The SDK's message holds the server's fields under the same names except ``recorder`` and
    ``agent``, which it leaves out (and which are therefore absent here); its track sources are its
    own enum (``SOURCE_SCREENSHARE``) with the protocol's numbers (``SCREEN_SHARE``).
    """
    carried = {field.name for field in permission.DESCRIPTOR.fields}
    server = proto_models.ParticipantPermission()
    for name in carried & set(server.DESCRIPTOR.fields_by_name):
        if name == "can_publish_sources":
            server.can_publish_sources.extend(int(source) for source in permission.can_publish_sources)
        else:
            setattr(server, name, getattr(permission, name))
    return {name: value for name, value in permission_dict(server).items() if name in carried}


def _import_rtc():
    try:
        from livekit import rtc
    except ImportError as error:  # the wheel's native library cannot load on this machine
        raise JoinRefused(f"LiveKit's real-time SDK cannot be loaded here: {error}.", None, transport=True) from None
    _quiet_sdk_logging()
    return rtc


def join(alias: str, ws_url: str, token: str, timeout: float = CONNECT_TIMEOUT) -> Participant:
    """Connect a real-time SDK participant with ``token``; :class:`JoinRefused` says why it could not."""
    rtc = _import_rtc()

    async def connect() -> Participant:
        room = rtc.Room(loop=asyncio.get_running_loop())
        participant = Participant(alias, room, data_event=asyncio.Event())

        @room.on("data_received")
        def _on_data(packet) -> None:
            sender = packet.participant.identity if packet.participant is not None else ""
            participant.received.append({"data": bytes(packet.data), "topic": packet.topic, "sender": sender})
            participant.data_event.set()

        try:
            await room.connect(ws_url, token, rtc.RoomOptions(auto_subscribe=True, connect_timeout=timeout))
        except rtc.ConnectError as error:
            raise _refusal(str(error), token, ws_url) from None
        return participant

    try:
        return run(connect(), timeout + 5, f"Joining the room as {alias}")
    except ClientTimeout:
        # The signal join answers at once; what takes this long is the WebRTC transport, which the SDK
        # retries for about a minute before it gives up.
        raise JoinRefused(f"the WebRTC transport did not connect within {timeout + 5:g} s", None, transport=True) from None


def _refusal(message: str, token: str, ws_url: str = "") -> JoinRefused:
    text = scrub(message, tokens=(token,))
    if "certificate" in text.lower():
        # rustls: "invalid peer certificate: UnknownIssuer", "certificate not valid for name ..."
        parts = urlsplit(ws_url)
        host = f"{parts.hostname}:{parts.port or 443}" if parts.hostname else "its address"
        sentence = tls.certificate_failure(host, text)
        if sentence is not None:
            return JoinRefused(sentence, None, certificate=True)
    status = _STATUS.search(text)
    if status:
        return JoinRefused(f"the server refused the join: {text}", int(status.group(1)))
    return JoinRefused(f"the WebRTC transport did not connect: {text}", None, transport=True)


def try_to_publish_silent_track(participant: Participant, wait: float = 2.0) -> str | None:
    """Ask to publish a silent microphone track (no media is sent); the track's sid, or None if refused.

    The SDK waits for the server's announcement of the track; the server answers a track the token
    may not publish with ``NOT_ALLOWED`` and never announces it, so no sid within ``wait`` seconds
    means it was not published.
    """
    rtc = _import_rtc()

    async def publish() -> str | None:
        source = rtc.AudioSource(48000, 1)
        track = rtc.LocalAudioTrack.create_audio_track("silence", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        try:
            publication = await asyncio.wait_for(participant.room.local_participant.publish_track(track, options), wait)
        except (asyncio.TimeoutError, TimeoutError):
            return None
        except Exception:  # the SDK's PublishTrackError: refused before the server answered
            return None
        return publication.sid

    return run(publish(), wait + 5, f"Publishing a track as {participant.alias}")


def update_own_metadata(participant: Participant, metadata: str, timeout: float = 10.0) -> str | None:
    """Ask the server to set ``participant``'s own metadata; the server's refusal as the SDK's native
    library reports it, or None when it was not refused.

    The Python wrapper of the pinned SDK (1.2.1, ``LocalParticipant.set_metadata``) drops the error of
    the native callback, where the server's ``RequestResponse`` arrives ("request error: NotAllowed -
    does not have permission to update own metadata"); the same request is therefore made through the
    wrapper's FFI client, and that error read.
    """
    _import_rtc()
    from livekit.rtc._ffi_client import FfiClient
    from livekit.rtc._proto import ffi_pb2

    async def update() -> str | None:
        request = ffi_pb2.FfiRequest()
        request.set_local_metadata.local_participant_handle = participant.room.local_participant._ffi_handle.handle
        request.set_local_metadata.metadata = metadata
        queue = FfiClient.instance.queue.subscribe()
        try:
            response = FfiClient.instance.request(request)
            event = await queue.wait_for(lambda item: item.set_local_metadata.async_id == response.set_local_metadata.async_id)
        finally:
            FfiClient.instance.queue.unsubscribe(queue)
        answer = event.set_local_metadata
        return scrub(answer.error) if answer.HasField("error") else None

    return run(update(), timeout, f"Updating the metadata of {participant.alias}")


def remote_identities(participant: Participant) -> list[str]:
    """The identities of the other participants the server has told ``participant`` about."""

    async def read() -> list[str]:
        return sorted(remote.identity for remote in participant.room.remote_participants.values())

    return run(read(), 5, f"Reading the participants {participant.alias} sees")


def subscribed_tracks(participant: Participant) -> int:
    """How many tracks of other participants ``participant`` is subscribed to."""

    async def read() -> int:
        return sum(
            1
            for remote in participant.room.remote_participants.values()
            for publication in remote.track_publications.values()
            if publication.subscribed
        )

    return run(read(), 5, f"Reading the subscriptions of {participant.alias}")


def send_data(participant: Participant, topic: str) -> bytes:
    """Send a reliable data packet of random bytes on ``topic``; returns the bytes sent."""
    payload = b"livekit-auth " + random_source.token_hex(8).encode()

    async def send() -> None:
        await participant.room.local_participant.publish_data(payload, reliable=True, topic=topic)

    run(send(), 10, f"Sending data as {participant.alias}")
    return payload


def wait_for_data(participant: Participant, topic: str, payload: bytes, timeout: float = 10.0) -> dict | None:
    """The packet ``participant`` received on ``topic`` with ``payload``, or None within ``timeout`` s."""

    async def wait() -> dict | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for packet in participant.received:
                if packet["topic"] == topic and packet["data"] == payload:
                    return packet
            left = deadline - loop.time()
            if left <= 0:
                return None
            participant.data_event.clear()
            try:
                await asyncio.wait_for(participant.data_event.wait(), left)
            except (asyncio.TimeoutError, TimeoutError):
                return None

    return run(wait(), timeout + 5, f"Waiting for data as {participant.alias}")


def leave(participant: Participant) -> None:
    """Disconnect ``participant``; a participant already gone is fine."""

    async def disconnect() -> None:
        await participant.room.disconnect()

    with contextlib.suppress(AssertionError):  # a participant already gone is fine
        run(disconnect(), 10, f"Leaving the room as {participant.alias}")
