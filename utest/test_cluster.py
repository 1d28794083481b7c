"""Real LiveKit clusters (the pinned livekit-server, a real Redis) checked by the cluster suite: matching
keys pass; one node with another secret, one node with an extra key, and Redis stopped each fail with
the node named and the operator's fix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, section, written_signoff
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
    assert len(statuses) == 9 and all(
        status == "PASS" for name, (status, _) in statuses.items() if "webhooks" not in name and "rejoins" not in name
    )
    # The suite never stops a node of a cluster it did not start, and cannot see where that cluster sends its webhooks.
    assert statuses["A room rejoins through another node when its node stops"][0] == "SKIP"
    assert statuses["The room's webhooks come from its node and verify"][0] == "SKIP"
    cluster_section = section(written_signoff(tmp_path / "out"), "Cluster")
    assert f"Nodes (2, given by LIVEKIT_NODE_URLS): `{running.nodes[0].ws_url}, {running.nodes[1].ws_url}`" in cluster_section
    assert "Every node answered alike: 3 token checks, each against all 2 nodes" in cluster_section
    assert "Reconnect across nodes: refresh tokens of key(s) clusterkey" in cluster_section


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


def _running_under(folder) -> list[str]:
    """Processes whose arguments or working folder name ``folder`` (Redis's folder), or whose temporary folder it is (a node)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            where = os.readlink(entry / "cwd")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(folder) in arguments or where.startswith(str(folder)) or f"TMPDIR={folder}".encode() in environ:
            found.append(f"{arguments.strip()} (in {where})")
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads the running processes from /proc")
@pytest.mark.parametrize(("nodes_seen", "then"), [(1, 0.0), (2, 1.0)], ids=["while it starts", "once it runs"])
def test_a_started_cluster_is_stopped_when_the_run_is_interrupted(tmp_path, nodes_seen, then):
    real_server(), _redis()
    private = tmp_path / "tmp"
    private.mkdir()
    environment = clean_environment(
        LIVEKIT_CLUSTER_NODES="2", LIVEKIT_SERVER_BINARY=real_server(), LIVEKIT_REDIS_SERVER=_redis(), TMPDIR=str(private)
    )
    command = [sys.executable, "-m", "robot", "--outputdir", str(tmp_path / "out"), str(SUITES / "cluster")]
    run = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while (
            len([line for line in _running_under(private) if "livekit-server" in line]) < nodes_seen
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        assert len([line for line in _running_under(private) if "redis" in line]) == 1, _running_under(private)
        time.sleep(then)
        run.send_signal(signal.SIGINT)
        time.sleep(0.3)
        run.send_signal(signal.SIGINT)  # the second Ctrl-C stops Robot Framework at once
        run.wait(60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    time.sleep(0.5)
    assert _running_under(private) == []
    assert list(private.iterdir()) == []


def _suite_on_started_cluster(tmp_path, count: int, odd: int, kind: str, *tests: str):
    """The cluster suite on a cluster started as the suite starts its own, with node ``odd`` holding other keys."""
    environment = clean_environment(
        LIVEKIT_API_KEY="clusterkey",
        LIVEKIT_API_SECRET=SECRET,
        LIVEKIT_SERVER_BINARY=real_server(),
        LIVEKIT_REDIS_SERVER=_redis(),
        LIVEKIT_CLUSTER_REFRESH_JOINS="96",
    )
    selected = [option for name in tests for option in ("--test", name)]
    command = [
        sys.executable,
        str(ROOT / "utest" / "run_cluster_suite_with_odd_node.py"),
        str(count),
        str(odd),
        kind,
        "--outputdir",
        str(tmp_path / "out"),
        *selected,
    ]
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180, check=False)
    urls = dict(line.split(": ", 1) for line in done.stdout.splitlines() if line.startswith("node "))
    from http_test_support import RobotRun

    return RobotRun(done.returncode, done.stdout, done.stderr, tmp_path / "out").statuses(), urls


def test_a_started_cluster_with_one_node_of_another_secret_names_that_node(tmp_path):
    statuses, urls = _suite_on_started_cluster(
        tmp_path, 3, 2, "secret", "Every node answers the observer token alike", "A room on one node is joined through every node"
    )
    status, message = statuses["Every node answers the observer token alike"]
    assert status == "FAIL"
    assert f"Odd one: node 2 ({urls['node 2']})" in message
    assert f"Make the keys of node 2 ({urls['node 2']}) match the other nodes'" in message
    status, message = statuses["A room on one node is joined through every node"]
    assert status == "FAIL"
    assert message.startswith(f"Node 2 ({urls['node 2']}) refused the join into room")
    assert "while node 1, node 3 admitted the same kind of token" in message


def test_a_started_cluster_with_an_extra_key_on_the_rooms_node_fails_the_reconnect_naming_both(tmp_path):
    statuses, urls = _suite_on_started_cluster(
        tmp_path,
        3,
        3,
        "extra",
        "A room on one node is joined through every node",
        "A client reconnects through another node with its refresh token",
    )
    status, message = statuses["A client reconnects through another node with its refresh token"]
    assert status == "FAIL", statuses
    assert (
        f"node 3 ({urls['node 3']}), the node of the room, re-issued the participant's token with API key 'extrakey'" in message
    )
    assert f"which node 1 ({urls['node 1']}) does not hold" in message
    assert "Do not change the secret this run holds" in message
