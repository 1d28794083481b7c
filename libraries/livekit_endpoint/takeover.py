"""An impersonation shown with the real server and the real client: the victim joins with its token,
the second caller joins with the token it obtained for the victim's identity, and the server
disconnects the victim (``DUPLICATE_IDENTITY``, as livekit-server v1.13.5 does)."""

from __future__ import annotations

import asyncio

from livekit.protocol import models as proto_models

from livekit_client import realtime
from livekit_client.loop import ClientTimeout, event_loop, run


def _reason_name(reason) -> str:
    try:
        return proto_models.DisconnectReason.Name(int(reason))
    except (ValueError, TypeError):
        return str(reason)


def show(ws_url: str, victim_token: str, attacker_token: str, wait: float = 10.0) -> dict:
    """Join as the victim, then as the attacker; what the server did, as a token-free dict.

    ``joined_as`` is the identity the server gave the attacker, ``victim_reason`` the reason the
    server gave the victim for its disconnection (``None`` when it stayed connected).
    """
    victim = realtime.join("victim", ws_url, victim_token)
    attacker = None
    try:
        loop = event_loop()
        gone = asyncio.run_coroutine_threadsafe(_watch(victim), loop).result(5)
        attacker = realtime.join("second caller", ws_url, attacker_token)
        try:
            reason = run(_wait(gone, wait), wait + 5, "Waiting for the server to disconnect the first participant")
        except ClientTimeout:
            reason = None
        return {
            "victim": victim.identity,
            "joined_as": attacker.identity,
            "victim_reason": reason,
            "victim_connected": victim.connected,
        }
    finally:
        if attacker is not None:
            realtime.leave(attacker)
        realtime.leave(victim)


async def _watch(participant) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()

    def on_disconnected(reason=None) -> None:
        if not future.done():
            future.set_result(_reason_name(reason))

    participant.room.on("disconnected", on_disconnected)
    return future


async def _wait(future: asyncio.Future, wait: float):
    try:
        return await asyncio.wait_for(asyncio.shield(future), wait)
    except (asyncio.TimeoutError, TimeoutError):
        return None
