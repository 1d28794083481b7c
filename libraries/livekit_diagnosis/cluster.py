"""Diagnoses of the failures only a LiveKit cluster has: each names the node by its URL and gives the
operator's fix (make that node's ``keys`` match the others'), never a change of the secret the user
holds, which the other nodes accept.

The five families, as seen with livekit-server v1.13.5 nodes sharing one Redis:

- ``cluster-keys-differ``: one node holds another secret for a key, or lacks the key: the same
  token gets 200 from one node and 401 from another (behind a load balancer: intermittent).
- ``cluster-stale-node-admits``: the room's node never checks a token again: a client admitted by
  the node with the stale key joins a room hosted on another node.
- ``cluster-refresh-key``: the room's node re-issues each participant's token with one of its own
  keys; a reconnect through a node without that key is refused with 401.
- ``cluster-webhook-key``: webhooks come only from the room's node, signed with its key.
- ``cluster-look-alike``: Redis unreachable (``/rtc/validate`` still 200, joins 500), a stopped node
  still listed, a node that exits with 0 because it cannot reach Redis.
"""

from __future__ import annotations

from .model import Diagnosis

KEYS_DIFFER = "cluster-keys-differ"
STALE_NODE = "cluster-stale-node-admits"
REFRESH_KEY = "cluster-refresh-key"
WEBHOOK_KEY = "cluster-webhook-key"
LOOK_ALIKE = "cluster-look-alike"
CAUSES = (KEYS_DIFFER, STALE_NODE, REFRESH_KEY, WEBHOOK_KEY, LOOK_ALIKE)

NOT_THE_SAME_KEYS = "the nodes do not hold the same keys"
_KEEP_YOURS = "Do not change the secret this run holds: the other nodes accept it."


def _node(label: str) -> str:
    return label


def keys_differ(odd: str, others: list[str], key: str | None) -> Diagnosis:
    """``odd`` answered a token otherwise than ``others`` did: its ``keys`` differ from theirs."""
    named = f"API key '{key}'" if key else "the token's API key"
    return Diagnosis.certain(
        KEYS_DIFFER,
        f"{_node(odd)} holds another secret for {named} than {', '.join(others)}, or does not hold that key: "
        f"{NOT_THE_SAME_KEYS}, so the same token is accepted or refused depending on the node a client reaches.",
        f"Make the keys of {odd} match the other nodes' (the keys: section of its configuration, or its "
        f"LIVEKIT_KEYS) and restart it. {_KEEP_YOURS}",
    )


def stale_node_admits(odd: str, room_node: str, key: str | None) -> Diagnosis:
    """A token refused elsewhere was admitted by ``odd`` into a room hosted on ``room_node``."""
    named = f"API key '{key}'" if key else "its API key"
    return Diagnosis.certain(
        STALE_NODE,
        f"{_node(odd)} admitted a client whose token the other nodes refuse ({named}), into a room hosted on "
        f"{room_node}, which never checks the token again: one node with stale keys opens every room of the cluster.",
        f"Make the keys of {odd} match the other nodes' and restart it. {_KEEP_YOURS}",
    )


def refresh_key(room_node: str, refused_by: str, key: str, odd: str = "extra") -> Diagnosis:
    """``refused_by`` refused a refresh token that ``room_node`` signed with ``key``.

    ``odd`` says which node differs: ``room`` (its secret for ``key`` is not the one this run and the
    other nodes hold), ``refuser`` (the refusing node's is not), ``extra`` (``key`` is one this run
    does not hold: the room's node has a key the refusing node lacks).
    """
    if odd == "room":
        fix = f"Make the keys of {room_node} match the other nodes' (its secret for '{key}') and restart it."
    elif odd == "refuser":
        fix = f"Give {refused_by} the same secret for '{key}' as the other nodes (its keys: section) and restart it."
    else:
        fix = (
            f"Make the keys of {room_node} and {refused_by} the same on every node (remove '{key}' from {room_node}, or "
            "give every node the same secret for it) and restart them."
        )
    return Diagnosis.certain(
        REFRESH_KEY,
        f"{_node(room_node)}, the node of the room, re-issued the participant's token with API key '{key}', "
        f"which {refused_by} does not hold (or holds with another secret): {NOT_THE_SAME_KEYS}, so a client that "
        "reconnects through that node after the first minutes is refused with 401, while every first join works.",
        f"{fix} {_KEEP_YOURS}",
    )


def webhook_key(room_node: str, reason: str) -> Diagnosis:
    """Webhooks of rooms on ``room_node`` do not verify with the keys the other nodes hold."""
    return Diagnosis.certain(
        WEBHOOK_KEY,
        f"The webhooks of rooms hosted on {room_node} do not verify ({reason}): only the room's node sends them, signed "
        "with its own webhook key and secret, so only the rooms that land on that node fail verification.",
        f"Make the keys and webhook.api_key of {room_node} match the other nodes' and restart it. {_KEEP_YOURS}",
    )


def redis_unreachable(node: str, answer: str) -> Diagnosis:
    """``node`` accepts tokens at /rtc/validate but a join fails with 5xx: it cannot reach Redis."""
    return Diagnosis.certain(
        LOOK_ALIKE,
        f"{_node(node)} accepted the token at /rtc/validate but refused the join with {answer}: this is not a key "
        "problem; the node cannot reach the cluster's Redis (/rtc/validate does not need it, a join does).",
        f"Start Redis again, or correct redis.address in the configuration of {node}, and check that every node "
        "reaches it; keys and secrets are not the cause.",
    )


def node_gone(node: str, answer: str) -> Diagnosis:
    """A node does not answer: stopped, or it exited (with 0 when it could not reach Redis)."""
    return Diagnosis.certain(
        LOOK_ALIKE,
        f"{_node(node)} did not answer ({answer}): it stopped, or exited because it could not reach Redis (it exits "
        "with code 0 then); the other nodes keep listing it and its participants for over a minute.",
        f"Start {node} again with the cluster's redis.address, or remove it from the load balancer; keys and secrets are "
        "not the cause.",
    )


# The single-server diagnoses that would tell the user to change the key pair they hold.
_KEY_CAUSES = ("secret-mismatch", "key-unknown-to-server", "secret-whitespace")


def instead_in_a_cluster(found: Diagnosis | None) -> Diagnosis | None:
    """In a cluster whose nodes answer a fresh token differently, the odd node's diagnosis instead of ``found``.

    A key diagnosis of one node would tell the user to take that node's secret, which the other
    nodes refuse; when every node answers alike, ``found`` stands (the user's key pair is not the
    cluster's).
    """
    if found is None or not set(found.causes) & set(_KEY_CAUSES):
        return found
    try:
        from livekit_cluster.started import odd_node_diagnosis

        return odd_node_diagnosis() or found
    except Exception:  # a diagnosis explains a failure; it must never replace it
        return found
