"""Signal-level joins through a chosen node: the join answer (room, participant SID, permissions, the ID
of the node that hosts the room) and the refresh token the room's node sends right after the join.

A participant's signal connection stays on the node it dialled; the room lives on one node, which
checks nothing again and re-issues the participant's token (the refresh token a client reconnects
with) signed with one of its own keys, chosen anew for each participant (livekit-server v1.13.5).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import jwt

from livekit_client import signal

REFRESH_WAIT = 3.0  # seconds to wait for the refresh token after the join answer (it came within 0.05 s)


@dataclass
class NodeJoin:
    """A signal join kept open through one node."""

    through: int  # the node number dialled
    joined: signal.SignalJoin
    room_node_id: str
    refresh_token: str | None = field(default=None, repr=False)
    session: object = field(default=None, repr=False)
    ws: object = field(default=None, repr=False)
    reader: asyncio.Task | None = field(default=None, repr=False)

    @property
    def refresh_key(self) -> str | None:
        """The API key (``iss``) the room's node signed the refresh token with."""
        if not self.refresh_token:
            return None
        try:
            return str(jwt.decode(self.refresh_token, options={"verify_signature": False}).get("iss") or "") or None
        except jwt.PyJWTError:
            return None

    async def leave(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader
        try:
            if self.ws is not None:
                await signal._leave(self.ws)
        finally:
            if self.session is not None:
                await self.session.close()


async def join_through(
    number: int, ws_url: str, http_url: str, token: str, timeout: float = 10.0, secrets: tuple[str, ...] = ()
) -> NodeJoin:
    """Join through the node at ``ws_url`` and stay; raises ``signal.SignalRefused`` when it refuses."""
    session = signal._session()
    try:
        ws, joined, room_node_id = await _join(session, ws_url, http_url, token, timeout, secrets)
        node_join = NodeJoin(number, joined, room_node_id, session=session, ws=ws)
        node_join.refresh_token = await _refresh_token(ws, REFRESH_WAIT)
        node_join.reader = asyncio.get_running_loop().create_task(signal._drain(ws))
        return node_join
    except BaseException:
        await session.close()
        raise


async def _join(session, ws_url, http_url, token, timeout, secrets):
    try:
        ws = await signal._open(session, ws_url, token, timeout)
    except signal.aiohttp.WSServerHandshakeError as error:
        reason = await asyncio.to_thread(signal._refusal_reason, http_url, token, secrets)
        raise signal.SignalRefused(error.status, reason) from None
    except (signal.aiohttp.ClientError, OSError) as error:
        raise signal.SignalRefused(0, f"no connection ({type(error).__name__})") from None
    try:
        first = await signal._receive(ws, timeout)
        if first.WhichOneof("message") != "join":
            kind = first.WhichOneof("message") or "an empty message"
            raise signal.SignalRefused(0, f"the server answered {kind}")
    except BaseException:
        await signal._leave(ws)
        raise
    answer = first.join
    joined = signal.SignalJoin(
        room=answer.room.name,
        identity=answer.participant.identity,
        permission=signal.permission_dict(answer.participant.permission),
        server_version=answer.server_info.version,
        server_protocol=answer.server_info.protocol,
        participant_sid=answer.participant.sid,
        other_participants=[other.identity for other in answer.other_participants],
    )
    return ws, joined, answer.server_info.node_id


async def _refresh_token(ws, wait: float) -> str | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        left = deadline - loop.time()
        if left <= 0:
            return None
        try:
            response = await signal._receive(ws, left)
        except (asyncio.TimeoutError, TimeoutError, signal.SignalRefused):
            return None
        if response.WhichOneof("message") == "refresh_token":
            return response.refresh_token


async def join_and_leave(number, ws_url, http_url, token, timeout=10.0, secrets=()) -> NodeJoin:
    """Join through a node, read the join answer and the refresh token, and leave at once."""
    joined = await join_through(number, ws_url, http_url, token, timeout, secrets)
    await joined.leave()
    return joined


async def refusal_of(number, ws_url, http_url, token, timeout=10.0, secrets=()) -> signal.SignalRefused | None:
    """None when the node lets ``token`` join (the participant leaves at once); else the refusal."""
    try:
        await join_and_leave(number, ws_url, http_url, token, timeout, secrets)
    except signal.SignalRefused as refused:
        return refused
    return None
