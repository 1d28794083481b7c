"""The version of a LiveKit server the suite did not start, read from its join answer.

A running livekit-server names no version in its HTTP answers (``/`` answers ``OK``), but every
join answer carries ``server_info.version`` (livekit-server v1.13.5 ``pkg/service/roommanager.go``
154 fills it from ``version.Version``). A one-minute token of the run's first key joins a room of its
own as a hidden participant that neither publishes nor subscribes, reads the answer and leaves at
once. A server that refuses the token, or that does not answer in time, gives no version: the
current rules then decide, and the run says so.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from livekit_tokens import evidence, minting
from livekit_tokens.keys import Keyring

PROBE_IDENTITY = "livekit-auth-version"
PROBE_ROOM = "livekit-auth-version"
_READ: dict[str, str | None] = {}  # per client URL: one join per run, whichever suite asks first


def probe_token(keyring: Keyring) -> str:
    """A one-minute token of the first key that joins the probe room hidden, without publishing or subscribing."""
    claims = minting.build_claims(
        keyring.primary.key,
        PROBE_IDENTITY,
        PROBE_ROOM,
        room_join=True,
        can_publish=False,
        can_publish_data=False,
        can_subscribe=False,
        hidden=True,
        ttl="1 minute",
    )
    token = minting.encode(claims, keyring.prepared_secret(keyring.primary.key))
    evidence.remember_token(token)  # the leak guard searches the run's results for it too
    return token


def version_from_join(ws_url: str, http_url: str, keyring: Keyring, timeout: float = 5.0) -> str | None:
    """The version the server at ``ws_url`` names in its join answer (``1.13.5``), else None."""
    if ws_url in _READ:
        return _READ[ws_url]
    from livekit_client import signal

    token = probe_token(keyring)

    async def join() -> str | None:
        joined, _ = await asyncio.wait_for(
            signal.join_and_ask_to_publish(ws_url, http_url, token, publish=False, timeout=timeout, secrets=keyring.secrets()),
            timeout + 2,
        )
        return joined.server_version or None

    # A thread of its own: the calling thread may already run an event loop (the real-time SDK's).
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            version = pool.submit(asyncio.run, join()).result(timeout + 5)
        except (AssertionError, OSError, TimeoutError, asyncio.TimeoutError, RuntimeError, ValueError):
            version = None
    _READ[ws_url] = version
    return version
