"""The cluster a run starts in place of one server when ``LIVEKIT_CLUSTER_NODES`` asks for one, and the
check every token and refusal check of the live suite makes against each node of a cluster."""

from __future__ import annotations

import jwt

from livekit_diagnosis import recording
from livekit_server import cluster as server_cluster
from livekit_server import redis as redis_server
from livekit_settings import cluster as settings
from livekit_tokens.robot_context import log_table

from . import nodes as cluster_nodes
from .alike import NodeAnswer, difference, validate_everywhere


def start_for_run(binary: str, keys: dict, webhook_urls=(), webhook_key: str | None = None):
    """The started cluster, or None when no cluster is asked for or no Redis server is found.

    Every node sends its webhooks to the run's collector and to a collector of its own, so that a
    webhook's node is known.
    """
    count = settings.nodes_to_start()
    if count < 2:
        return None
    redis_binary = redis_server.find_redis_server()
    if redis_binary is None:
        return None
    from livekit_tokens.robot_context import run_context
    from livekit_webhooks.collector import start_collector

    keyring = run_context().keyring
    collectors = [start_collector(keyring) for _ in range(count)]
    try:
        cluster = server_cluster.start_cluster(
            binary,
            redis_binary,
            count,
            keys,
            webhook_urls=webhook_urls,
            node_webhook_urls=[[collector.url] for collector in collectors],
            webhook_key=webhook_key,
        )
    except BaseException:
        for collector in collectors:
            collector.stop()
        raise
    cluster.collectors = collectors
    return cluster


def described(started) -> str:
    """What the server's source says of a cluster: its nodes, Redis and time to ready."""
    if not isinstance(started, server_cluster.RunningCluster):
        return ""
    others = ", ".join(str(node.server.managed.port) for node in started.nodes[1:])
    return (
        f"; node 1 of a cluster of {len(started.nodes)} (HTTP ports of the others: {others}) sharing Redis at "
        f"{started.redis.address}, ready in {started.ready_seconds:.2f} s"
    )


def every_node_alike(token: str, scheme: str, expected_status: int) -> None:
    """With a cluster, fail naming the node that answers ``token`` otherwise than the others."""
    if not cluster_nodes.current_nodes():
        return
    answers = validate_everywhere(token, scheme)
    found = difference(answers, "the same token", _issuer(token), expected_status)
    if found is not None:
        message, diagnosis = found
        raise AssertionError(recording.failure(message, diagnosis))


def _issuer(token: str) -> str | None:
    try:
        return str(jwt.decode(token, options={"verify_signature": False}).get("iss") or "") or None
    except jwt.PyJWTError:
        return None


def odd_node_diagnosis():
    """The diagnosis of the node that answers a fresh observer token otherwise than the others, or None."""
    if len(cluster_nodes.current_nodes()) < 2:
        return None
    import time

    from livekit_http import server_checks
    from livekit_tokens import evidence
    from livekit_tokens.robot_context import run_context

    token, _claims = server_checks.mint_case("observer", run_context().keyring, "client_test", "test_room", int(time.time()))
    evidence.remember_token(token)
    found = difference(validate_everywhere(token), "the same token", _issuer(token), 200)
    return found[1] if found is not None else None


def check_alike(token: str, what: str, status: int | None, text: str | None, scheme: str = "Bearer") -> list[NodeAnswer]:
    """Validate ``token`` at every node; a difference fails naming the odd node; returns the answers."""
    answers = validate_everywhere(token, scheme)
    key = _issuer(token)
    found = difference(answers, what, key, status)
    if found is not None:
        message, diagnosis = found
        raise AssertionError(recording.failure(message, diagnosis))
    rows = [
        {
            "key": f"node_{answer.node.number}",
            "label": answer.node.label,
            "expected": f"{status} {text or ''}".strip(),
            "actual": answer.shown(),
            "ok": True,
        }
        for answer in answers
    ]
    log_table(f"Every node's answer to {what}", rows, kind="cluster_alike", facts={"alike": True, "nodes": len(answers)})
    if status is not None and answers and (answers[0].status != status or (text or "").lower() not in answers[0].text.lower()):
        raise AssertionError(
            f"Every node answered {what} with {answers[0].shown()}, not {status} {text or ''}.".replace("  ", " ")
        )
    return answers
