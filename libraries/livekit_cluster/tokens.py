"""The short-lived tokens the cluster checks mint with the run's first key pair: participants and an admin."""

from __future__ import annotations

from livekit_tokens import evidence, minting
from livekit_tokens.robot_context import run_context

# What each participant of the cluster checks may do: join, subscribe and send data, not publish.
PARTICIPANT_GRANTS = {"room_join": True, "can_subscribe": True, "can_publish": False, "can_publish_data": True}


def _signed(claims: dict) -> str:
    keyring = run_context().keyring
    token = minting.encode(claims, keyring.prepared_secret(keyring.primary.key))
    evidence.remember_token(token)  # the leak guard searches every file of the run for it
    return token


def participant_token(identity: str, room: str) -> str:
    key = run_context().keyring.primary.key
    return _signed(minting.build_claims(key, identity, room, ttl="10 minutes", **PARTICIPANT_GRANTS))


def admin_token(room: str) -> str:
    key = run_context().keyring.primary.key
    claims = minting.build_claims(
        key, "livekit-auth-cluster-admin", room, ttl="5 minutes", room_admin=True, room_create=True, room_list=True
    )
    return _signed(claims)
