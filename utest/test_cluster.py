"""Real LiveKit clusters (the pinned livekit-server, a real Redis) checked by the cluster suite: matching
keys pass; one node with another secret, one node with an extra key, and Redis stopped each fail with
the node named and the operator's fix."""

from __future__ import annotations

import os

import pytest
from http_test_support import SUITES, clean_environment, run_robot
from server_support import real_server

from livekit_server import cluster, redis

SECRET = "cluster-test-secret-4c1f0e9a7b2d8e6f5a3c"
OTHER = "cluster-test-other-secret-0a9b8c7d6e5f4a3b"
EXTRA = "cluster-test-extra-secret-1b2c3d4e5f6a7b8c"
KEYS = {"clusterkey": SECRET}


def _redis() -> str:
    found = redis.find_redis_server()
    if found is None:
        if os.environ.get("LIVEKIT_REQUIRE_SERVER") == "1":
            pytest.fail(f"LIVEKIT_REQUIRE_SERVER=1 but no Redis server was found. {redis.HOW_TO_GET_REDIS}")
        pytest.skip(redis.HOW_TO_GET_REDIS)
    return found


@pytest.fixture
def start():
    started = []

    def _start(count, node_keys=()):
        running = cluster.start_cluster(real_server(), _redis(), count, KEYS, node_keys=node_keys)
        started.append(running)
        return running

    yield _start
    for running in started:
        running.stop()
        assert not running.redis.running and not any(node.running for node in running.nodes)


def _suite(tmp_path, running, *extra):
    environment = clean_environment(
        LIVEKIT_API_KEY="clusterkey",
        LIVEKIT_API_SECRET=SECRET,
        LIVEKIT_NODE_URLS=",".join(node.ws_url for node in running.nodes),
        LIVEKIT_CLUSTER_REFRESH_JOINS="48",
    )
    return run_robot(tmp_path / "out", *extra, str(SUITES / "cluster"), environment=environment, timeout=180)


def test_a_cluster_becomes_ready_with_every_node_registered_and_stops_nodes_before_redis(start):
    running = start(3)
    assert running.ready_seconds < 30
    assert sorted(running.registered_node_ids()) == sorted(node.node_id for node in running.nodes)
    running.stop()
    assert not running.redis.running
    assert all(node.server.managed.process.returncode is not None for node in running.nodes)


def test_a_node_that_cannot_reach_redis_is_a_failure_though_it_exits_with_0(monkeypatch):
    store = redis.start_redis(_redis())
    store.stop()  # nothing listens on its port now
    monkeypatch.setattr(redis, "start_redis", lambda binary, timeout=10.0: store)
    with pytest.raises(AssertionError) as failure:
        cluster.start_cluster(real_server(), _redis(), 2, KEYS, timeout=20)
    assert "exit code 0" in str(failure.value) or "exited with code 0" in str(failure.value)


def test_a_cluster_whose_nodes_hold_the_same_keys_passes(tmp_path, start):
    running = start(2)
    result = _suite(tmp_path, running)
    statuses = result.statuses()
    assert result.returncode == 0, statuses
    assert len(statuses) == 7 and all(status == "PASS" for status, _ in statuses.values())


def test_a_node_with_another_secret_is_named_with_the_operators_fix(tmp_path, start):
    running = start(3, node_keys=[None, {"clusterkey": OTHER}, None])
    result = _suite(tmp_path, running, "--test", "Every node answers the observer token alike")
    status, message = result.statuses()["Every node answers the observer token alike"]
    odd = running.nodes[1].ws_url
    assert status == "FAIL"
    assert "the nodes do not hold the same keys" in message
    assert f"Odd one: node 2 ({odd})" in message
    assert f"Make the keys of node 2 ({odd}) match the other nodes'" in message
    assert "Do not change the secret this run holds" in message
    assert "LIVEKIT_API_SECRET" not in message


def test_a_node_with_an_extra_key_fails_the_reconnect_through_another_node(tmp_path, start):
    running = start(2, node_keys=[None, {"clusterkey": SECRET, "extrakey": EXTRA}])
    result = _suite(tmp_path, running)
    statuses = result.statuses()
    status, message = statuses["A client reconnects through another node with its refresh token"]
    assert status == "FAIL", statuses
    assert "(API key 'extrakey')" in message
    assert f"the room's node ({running.nodes[1].node_id}), the node of the room, re-issued" in message
    assert f"which node 1 ({running.nodes[0].ws_url}) does not hold" in message
    assert statuses["Every node answers the observer token alike"][0] == "PASS"


def test_redis_stopped_mid_run_is_not_taken_for_a_key_problem(tmp_path, start):
    running = start(2)
    running.redis.stop()
    result = _suite(tmp_path, running, "--test", "A room on one node is joined through every node")
    status, message = result.statuses()["A room on one node is joined through every node"]
    assert status == "FAIL"
    assert "cannot reach the cluster's Redis" in message
    assert "keys and secrets are not the cause" in message
