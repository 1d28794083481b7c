"""The signal-level join: LiveKit's WebSocket at ``/rtc``, spoken with the protocol messages of
``livekit-protocol`` (the package livekit-api and the real-time SDK use).

It shows the server's own answers where the real-time SDK cannot: the ``RequestResponse`` to a
request, such as ``NOT_ALLOWED`` for a track an observer asks to publish (livekit-server v1.13.5
``pkg/rtc/participant.go`` 1328-1339), which the SDK never reports; and the join answer (room,
participant, the ``ParticipantPermission`` the server applied, the server's version) when the SDK's
WebRTC transport cannot connect. The token travels in the ``Authorization: Bearer`` header, never
in the URL, so no error message can quote it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
import requests
from google.protobuf.json_format import MessageToDict
from livekit.protocol import models as proto_models
from livekit.protocol import rtc as proto_rtc

from livekit_http import deadline, tls
from livekit_http.answers import scrub

from . import decisions
from .joined import SIGNAL, Joined

PROTOCOL_VERSION = "16"  # a protocol the pinned server answers with RequestResponse (pkg/rtc/clientinfo.go 105-111)
SILENT_TRACK_CID = "livekit-auth-silent-track"


class SignalCertificate(AssertionError):
    """The server's TLS certificate did not verify; the message names the host and the reason."""

    ROBOT_SUPPRESS_NAME = True


class SignalRefused(AssertionError):
    """The server refused the signal connection: ``status`` and the server's reason."""

    ROBOT_SUPPRESS_NAME = True

    def __init__(self, status: int, reason: str):
        super().__init__(f"the server refused the signal connection with {status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass
class SignalJoin:
    """What the server's join answer said."""

    room: str
    identity: str
    permission: dict
    server_version: str
    server_protocol: int
    participant_sid: str
    other_participants: list[str] = field(default_factory=list)

    def joined(self) -> Joined:
        return Joined(self.identity, self.room, self.permission, SIGNAL, self.server_version)


@dataclass
class PublishAnswer:
    """The server's answer to a request to publish a track: ``NOT_ALLOWED``, ``OK``/published, ..."""

    reason: str
    published: bool
    detail: str = ""


def permission_dict(permission) -> dict:
    """A ``ParticipantPermission`` message as a dict of every field, defaults included."""
    return MessageToDict(permission, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def _read(data: bytes) -> proto_rtc.SignalResponse:
    response = proto_rtc.SignalResponse()
    response.ParseFromString(data)
    return response


async def _receive(ws, timeout: float) -> proto_rtc.SignalResponse:
    message = await ws.receive(timeout=timeout)
    if message.type != aiohttp.WSMsgType.BINARY:
        raise SignalRefused(0, f"the server closed the signal connection ({message.type.name.lower()})")
    return _read(message.data)


def _refusal_reason(http_url: str, token: str, secrets: tuple[str, ...]) -> str:
    """The server's reason for refusing ``token``, read from ``/rtc/validate`` (scrubbed, short)."""
    session = deadline.Session()
    session.trust_env = False
    session.verify = tls.verify_setting()
    try:
        answer = session.get(f"{http_url}/rtc/validate", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        text = answer.text.strip()
    except requests.RequestException:
        return "no reason given"
    finally:
        session.close()
    return scrub(text, tokens=(token,), secrets=secrets)[:200] or "no reason given"


async def _open(session: aiohttp.ClientSession, ws_url: str, token: str, timeout: float):
    return await session.ws_connect(
        f"{ws_url}/rtc",
        params={"protocol": PROTOCOL_VERSION, "sdk": "python", "auto_subscribe": "0"},
        headers={"Authorization": f"Bearer {token}"},
        ssl=tls.ssl_context() if ws_url.lower().startswith("wss:") else None,
        timeout=aiohttp.ClientWSTimeout(ws_receive=timeout, ws_close=2),
        max_msg_size=16 * 1024 * 1024,
    )


async def _join_over(session: aiohttp.ClientSession, ws_url: str, http_url: str, token: str, timeout: float, secrets):
    """Open the signal WebSocket and read the server's join answer; :class:`SignalRefused` when it refuses."""
    try:
        ws = await _open(session, ws_url, token, timeout)
    except aiohttp.WSServerHandshakeError as error:
        reason = await asyncio.to_thread(_refusal_reason, http_url, token, secrets)
        raise SignalRefused(error.status, reason) from None
    except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as error:
        host = f"{urlsplit(ws_url).hostname}:{urlsplit(ws_url).port or 443}"
        sentence = tls.certificate_failure(host, f"{error} {error.__cause__ or ''} {getattr(error, 'certificate_error', '')}")
        raise SignalCertificate(sentence or f"The TLS handshake with the LiveKit server at {host} failed.") from None
    except (aiohttp.ClientError, OSError) as error:
        raise SignalRefused(0, f"no connection ({type(error).__name__})") from None
    try:
        first = await _receive(ws, timeout)
        if first.WhichOneof("message") != "join":
            kind = first.WhichOneof("message") or "an empty message"
            detail = first.leave.reason if kind == "leave" else ""
            raise SignalRefused(0, f"the server answered {kind} {detail}".strip())
    except BaseException:
        await _leave(ws)
        raise
    answer = first.join
    joined = SignalJoin(
        room=answer.room.name,
        identity=answer.participant.identity,
        permission=permission_dict(answer.participant.permission),
        server_version=answer.server_info.version,
        server_protocol=answer.server_info.protocol,
        participant_sid=answer.participant.sid,
        other_participants=[other.identity for other in answer.other_participants],
    )
    return ws, joined


async def _leave(ws) -> None:
    leave = proto_rtc.SignalRequest(leave=proto_rtc.LeaveRequest(reason=proto_models.DisconnectReason.CLIENT_INITIATED))
    with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
        await ws.send_bytes(leave.SerializeToString())
    await ws.close()


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True), trust_env=False)


async def join_and_ask_to_publish(
    ws_url: str,
    http_url: str,
    token: str,
    publish: bool,
    timeout: float = 10.0,
    secrets: tuple[str, ...] = (),
    sources: tuple[str, ...] = ("microphone",),
) -> tuple[SignalJoin, dict[str, PublishAnswer] | None]:
    """Join over the signal WebSocket; with ``publish``, also ask to publish one silent track of each of
    ``sources`` (``camera``, ``microphone``, ...; no media is sent); then leave.

    The answers are keyed by source. Raises :class:`SignalRefused` when the server refuses the connection.
    """
    async with _session() as session:
        ws, joined = await _join_over(session, ws_url, http_url, token, timeout, secrets)
        try:
            if not publish:
                return joined, None
            for source in sources:
                await ws.send_bytes(_add_track(source).SerializeToString())
            return joined, await _publish_answers(ws, sources, timeout)
        finally:
            await _leave(ws)


def _add_track(source: str) -> proto_rtc.SignalRequest:
    name, kind = decisions.SOURCES[source]
    request = proto_rtc.AddTrackRequest(
        cid=f"{SILENT_TRACK_CID}-{source}",
        name=f"silent {source}",
        type=proto_models.TrackType.Value(kind),
        source=proto_models.TrackSource.Value(name),
    )
    if kind == "VIDEO":
        request.width, request.height = 640, 360
    return proto_rtc.SignalRequest(add_track=request)


@dataclass
class HeldJoin:
    """A signal-level join kept open: the server keeps the participant in its room until it leaves.

    What the server sends meanwhile is read and dropped (its WebSocket pings are answered); a
    participant whose WebRTC transport never connects is removed by the server after a minute
    (livekit-server v1.13.5 ``pkg/rtc/room.go`` 498-502).
    """

    joined: SignalJoin
    session: aiohttp.ClientSession = field(repr=False)
    ws: aiohttp.ClientWebSocketResponse = field(repr=False)
    reader: asyncio.Task = field(repr=False)

    async def leave(self) -> None:
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader
        try:
            await _leave(self.ws)
        finally:
            await self.session.close()


async def join_and_stay(ws_url: str, http_url: str, token: str, timeout: float = 10.0, secrets: tuple[str, ...] = ()) -> HeldJoin:
    """Join over the signal WebSocket and stay until :meth:`HeldJoin.leave`.

    Raises :class:`SignalRefused` when the server refuses the connection.
    """
    session = _session()
    try:
        ws, joined = await _join_over(session, ws_url, http_url, token, timeout, secrets)
    except BaseException:
        await session.close()
        raise
    return HeldJoin(joined, session, ws, asyncio.get_running_loop().create_task(_drain(ws)))


async def _drain(ws) -> None:
    """Read what the server sends until the connection closes; receiving also answers its pings."""
    while not ws.closed:
        try:
            message = await ws.receive()
        except (asyncio.TimeoutError, TimeoutError):
            continue
        if message.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSING,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.ERROR,
        ):
            return


async def _publish_answers(ws, sources: tuple[str, ...], timeout: float) -> dict[str, PublishAnswer]:
    """The server's answer to each track asked for, by source: published, refused with a reason, or none in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    source_of = {f"{SILENT_TRACK_CID}-{source}": source for source in sources}
    answers: dict[str, PublishAnswer] = {}
    while len(answers) < len(sources):
        left = deadline - loop.time()
        try:
            if left <= 0:
                raise TimeoutError
            response = await _receive(ws, left)
        except (asyncio.TimeoutError, TimeoutError):
            for source in sources:
                answers.setdefault(source, PublishAnswer("no answer", False, f"no answer within {timeout:g} s"))
            break
        kind = response.WhichOneof("message")
        if kind == "track_published" and response.track_published.cid in source_of:
            answers[source_of[response.track_published.cid]] = PublishAnswer(
                "OK", True, "the server announced the track as published"
            )
        elif kind == "request_response" and response.request_response.WhichOneof("request") == "add_track":
            source = source_of.get(response.request_response.add_track.cid)
            if source is not None:
                reason = proto_rtc.RequestResponse.Reason.Name(response.request_response.reason)
                answers[source] = PublishAnswer(reason, reason == "OK", response.request_response.message)
    return {source: answers[source] for source in sources}
