"""The HTTP and signal calls the cluster checks make through a chosen node."""

from __future__ import annotations

import asyncio

import jwt
import requests
from robot.api import logger

from livekit_diagnosis import cluster as diagnoses
from livekit_diagnosis import recording
from livekit_http import deadline, tls
from livekit_http.answers import scrub

from .joins import NodeJoin, join_through


def issuer(token: str) -> str | None:
    try:
        return str(jwt.decode(token, options={"verify_signature": False}).get("iss") or "") or None
    except jwt.PyJWTError:
        return None


def twirp(node, method: str, body: dict, token: str, check: bool = True):
    session = deadline.Session()  # the whole exchange within LIVEKIT_HTTP_DEADLINE
    session.verify = tls.verify_setting()
    session.trust_env = False
    try:
        reply = session.post(
            f"{node.http_url}/twirp/livekit.RoomService/{method}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
    except requests.RequestException as error:
        if check:
            raise AssertionError(
                recording.failure(f"{node.label} did not answer {method}.", diagnoses.node_gone(node.label, type(error).__name__))
            ) from None
        return 0, None
    finally:
        session.close()
    try:
        answer = reply.json()
    except ValueError:
        answer = None
    if check and reply.status_code != 200:
        message = f"{node.label} answered {method} with {reply.status_code}: {scrub(reply.text, tokens=(token,))[:160]}"
        diagnosis = diagnoses.redis_unreachable(node.label, str(reply.status_code)) if reply.status_code >= 500 else None
        raise AssertionError(recording.failure(message, diagnosis))
    logger.debug(f"{method} through {node.label}: {reply.status_code}")
    return reply.status_code, answer


async def join_all(node, tokens: list[str]) -> list[NodeJoin]:
    got = await asyncio.gather(
        *(join_through(node.number, node.ws_url, node.http_url, token) for token in tokens), return_exceptions=True
    )
    joins = [join for join in got if isinstance(join, NodeJoin)]
    await leave_all(joins)
    refused = [error for error in got if isinstance(error, BaseException)]
    if refused and not joins:
        raise AssertionError(f"{node.label} refused every participant: {scrub(str(refused[0]))}.")
    return joins


async def leave_all(joins: list[NodeJoin]) -> None:
    await asyncio.gather(*(join.leave() for join in joins), return_exceptions=True)


def odd_signer(refresh_token: str, key: str, known: set[str]) -> str:
    """Which node differs when a refresh token is refused: ``room`` when the run's secret for ``key`` does
    not verify it (the room's node signed with another), ``refuser`` when it does, ``extra`` for a key
    this run does not hold."""
    if key not in known:
        return "extra"
    from livekit_tokens.robot_context import run_context

    keyring = run_context().keyring
    try:
        jwt.decode(
            refresh_token,
            keyring.prepared_secret(key),
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
        )
    except jwt.PyJWTError:
        return "room"
    return "refuser"
