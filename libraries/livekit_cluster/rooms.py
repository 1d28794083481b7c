"""Rooms across a cluster's nodes: one hosted on each node, and what a refused join through a node says."""

from __future__ import annotations

from livekit_client import signal
from livekit_client.loop import run as run_on_loop
from livekit_diagnosis import cluster as diagnoses
from livekit_diagnosis import recording
from livekit_http.answers import scrub
from livekit_tokens.robot_context import run_context

from . import calls, tokens
from .joins import join_through


def rooms_on_every_node(found, room: str, room_node: str) -> dict[str, str]:
    """A room hosted on each node (room name -> node ID), ``room`` (hosted on ``room_node``) first.

    The suite's own cluster pins them with CreateRoom's ``node_id``; on your cluster new rooms are
    created through each node in turn until each node hosts one, or 4 per node were made (your
    cluster chooses where they live).
    """
    hosted = {room: room_node}
    hosts = {room_node}
    if all(node.node_id for node in found):
        for node in found:
            if node.node_id not in hosts:
                name = f"{room}-{node.number}"
                calls.twirp(found[0], "CreateRoom", {"name": name, "node_id": node.node_id}, tokens.admin_token(name))
                hosted[name] = node.node_id
        return hosted
    for attempt in range(4 * len(found)):
        if len(hosts) >= len(found):
            break
        name = f"{room}-{attempt}"
        through = found[attempt % len(found)]  # a new room tends to live on the node it was first joined through
        token = tokens.participant_token("cluster-room-probe", name)
        try:
            join = run_on_loop(
                join_through(through.number, through.ws_url, through.http_url, token), 20, f"Joining through {through.label}"
            )
        except signal.SignalRefused:  # a node that refuses the run's token: the joins through every node name it
            continue
        run_on_loop(join.leave(), 10, "Leaving")
        if join.room_node_id not in hosts:
            hosts.add(join.room_node_id)
            hosted[name] = join.room_node_id
    return hosted


def refused_join_failure(refused, joins, room: str) -> str:
    """The failure message, diagnosed, of the first node that refused a join other nodes admitted."""
    node, refusal = refused[0]
    others = [f"node {join.through}" for join in joins]
    label = node.label[:1].upper() + node.label[1:]
    message = f"{label} refused the join into room '{room}' with {refusal.status}: {scrub(refusal.reason)}"
    if joins:
        message += f", while {', '.join(others)} admitted the same kind of token."
    if refusal.status >= 500:
        diagnosis = diagnoses.redis_unreachable(node.label, f"{refusal.status}")
    elif refusal.status == 0:
        diagnosis = diagnoses.node_gone(node.label, scrub(refusal.reason))
    elif joins:
        diagnosis = diagnoses.keys_differ(node.label, others, run_context().keyring.primary.key)
    else:
        diagnosis = None
    return recording.failure(message, diagnosis)
