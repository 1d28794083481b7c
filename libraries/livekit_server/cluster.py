"""A real LiveKit cluster for one run: one Redis and N nodes of the pinned ``livekit-server`` on loopback.

Each node has the configuration of a single server the suite starts (``process.server_configuration``:
127.0.0.1 only, its own free HTTP, UDP and STUN ports) plus ``redis: {address: 127.0.0.1:port}``. All
nodes share ``node_ip: 127.0.0.1``. The cluster is ready when every node answers HTTP and every node
has registered itself in Redis (the hash ``nodes`` holds its node ID, which the node logs as it
starts). A node that exits before that is a failure whatever its exit code: a node that cannot
reach Redis exits with 0 (livekit-server v1.13.5).

The nodes are stopped before Redis, so that none of them sees Redis go away; a cluster left
running when the interpreter exits (a run stopped by the user, a teardown that never ran) is
stopped the same way.
"""

from __future__ import annotations

import atexit
import contextlib
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from livekit_http.processes import StartFailure

from . import process, redis

NODES_HASH = "nodes"  # where livekit-server v1.13.5 registers each node (pkg/routing/redisrouter.go)
ROOM_NODE_HASH = "room_node_map"  # room name -> the ID of the node that hosts it
_NODE_ID = re.compile(r'"nodeID": "(ND_[A-Za-z0-9]+)"')
_RUNNING: list[RunningCluster] = []
_NODES: list[process.RunningServer] = []  # every node started, stopped again at exit (stopping twice is harmless)
_LOCK = threading.Lock()


@dataclass
class Node:
    """One node of the cluster: its 1-based number, its server, and its ID once it logged it."""

    number: int
    server: process.RunningServer
    node_id: str | None = None

    @property
    def http_url(self) -> str:
        return self.server.http_url

    @property
    def ws_url(self) -> str:
        return self.server.ws_url

    @property
    def running(self) -> bool:
        return self.server.running

    def logged_node_id(self) -> str | None:
        if self.node_id is None:
            found = _NODE_ID.search(self.server._raw_log())
            self.node_id = found.group(1) if found else None
        return self.node_id


@dataclass
class RunningCluster:
    """Redis and the nodes this run started; node 1 is the one the single-server checks use."""

    redis: redis.RunningRedis
    nodes: list[Node]
    ready_seconds: float = 0.0
    secrets: tuple[str, ...] = field(default=(), repr=False)
    collectors: list = field(default_factory=list, repr=False)  # webhook collectors of each node, when used

    # What the single-server code reads of a started server, answered by node 1.
    @property
    def first(self) -> process.RunningServer:
        return self.nodes[0].server

    @property
    def managed(self):
        return self.first.managed

    @property
    def udp_port(self) -> int:
        return self.first.udp_port

    @property
    def http_url(self) -> str:
        return self.first.http_url

    @property
    def ws_url(self) -> str:
        return self.first.ws_url

    @property
    def running(self) -> bool:
        return all(node.running for node in self.nodes) and self.redis.running

    def reported_weak_secret(self) -> bool:
        return any(node.server.reported_weak_secret() for node in self.nodes)

    def node_for_id(self, node_id: str) -> Node | None:
        return next((node for node in self.nodes if node.logged_node_id() == node_id), None)

    def registered_node_ids(self) -> list[str]:
        return redis_hash_keys(self.redis, NODES_HASH)

    def room_node(self, room: str) -> Node | None:
        """The node Redis says hosts ``room``, or None."""
        try:
            node_id = redis.command(self.redis.port, "HGET", ROOM_NODE_HASH, room)
        except redis.RedisFailure:
            return None
        return self.node_for_id(node_id.decode()) if isinstance(node_id, bytes) else None

    def log_text(self) -> str:
        """Every node's output and Redis's, each under a heading, scrubbed of secrets and tokens."""
        parts = [f"=== node {node.number} ({node.http_url}) ===\n{node.server.log_text()}" for node in self.nodes]
        parts.append(f"=== redis ({self.redis.address}) ===\n{self.redis.output_excerpt()}\n")
        return "\n".join(parts)

    def keep_log(self, folder: Path) -> Path | None:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / process.LOG_NAME
        target.write_text(self.log_text(), encoding="utf-8")
        return target

    def stop_node(self, number: int) -> int | None:
        """Stop one node (its configuration folder goes with it); the others and Redis keep running."""
        return self.nodes[number - 1].server.stop()

    def stop(self, at_once: bool = True) -> int | None:
        """Stop every node (``at_once``: side by side), then Redis; the exit code of node 1."""
        with _LOCK:
            if self in _RUNNING:
                _RUNNING.remove(self)
        servers = [node.server for node in self.nodes]
        codes = _each(servers, lambda server: server.stop()) if at_once else [server.stop() for server in servers]
        self.redis.stop()
        for collector in self.collectors:
            collector.stop()
        return codes[0] if codes else None


def redis_hash_keys(running: redis.RunningRedis, name: str) -> list[str]:
    try:
        return running.hash_keys(name)
    except redis.RedisFailure:
        return []


def _each(items: Sequence, action) -> list:
    """``action`` on every item at once (each node starts and stops in about half a second)."""
    if len(items) <= 1:
        return [action(item) for item in items]
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(action, items))


def start_cluster(
    binary: str,
    redis_binary: str,
    count: int,
    keys: Mapping[str, str],
    node_keys: Sequence[Mapping[str, str] | None] = (),
    webhook_urls: Iterable[str] = (),
    node_webhook_urls: Sequence[Iterable[str]] = (),
    webhook_key: str | None = None,
    timeout: float = 30.0,
) -> RunningCluster:
    """Start Redis and ``count`` nodes; return once every node answers and is registered in Redis.

    ``node_keys[i]``, when given, replaces ``keys`` for node i+1 (a node with another secret, or an
    extra key); ``node_webhook_urls[i]`` are webhook URLs of node i+1 beside ``webhook_urls``.
    Anything started is stopped again when the cluster does not become ready.
    """
    if count < 1:
        raise ValueError("A cluster has at least one node.")
    started_at = time.monotonic()
    deadline = started_at + timeout
    store = redis.start_redis(redis_binary, timeout=min(timeout, 10.0))  # stops itself when interrupted
    shared = [url for url in webhook_urls if url]
    configs = []
    for index in range(count):
        own = node_keys[index] if index < len(node_keys) and node_keys[index] is not None else keys
        urls = shared + [url for url in (node_webhook_urls[index] if index < len(node_webhook_urls) else ()) if url]
        configs.append((index + 1, dict(own), urls))
    results: list = []
    started: list[process.RunningServer] = []  # every node that started, also while an interruption stops the start

    def start_node(config) -> Node | BaseException:
        number, own, urls = config
        try:
            server = process.start_server(
                binary,
                own,
                webhook_urls=urls,
                webhook_key=webhook_key if webhook_key in own else None,
                timeout=max(1.0, deadline - time.monotonic()),
                redis_address=store.address,
            )
        except StartFailure as failure:
            return StartFailure(f"Node {number} of the LiveKit cluster did not start: {failure}")
        except BaseException as error:  # handed back, so that every started node is stopped
            return error
        started.append(server)
        _NODES.append(server)
        return Node(number, server)

    try:
        results = _each(configs, start_node)
        failures = [result for result in results if isinstance(result, BaseException)]
        if failures:
            raise failures[0]
        cluster = RunningCluster(store, list(results), secrets=_secrets(keys, node_keys))
        _wait_until_registered(cluster, deadline, timeout)
    except BaseException:  # a node that failed, or Ctrl-C: nothing of this start keeps running
        for server in started:
            server.stop()
        store.stop()
        raise
    cluster.ready_seconds = time.monotonic() - started_at
    with _LOCK:
        _RUNNING.append(cluster)
    return cluster


def _secrets(keys: Mapping[str, str], node_keys: Sequence[Mapping[str, str] | None]) -> tuple[str, ...]:
    every = [*keys.values(), *(secret for own in node_keys if own for secret in own.values())]
    return tuple(dict.fromkeys(secret for secret in every if secret))


def _wait_until_registered(cluster: RunningCluster, deadline: float, timeout: float) -> None:
    while True:
        for node in cluster.nodes:
            if not node.running:
                code = node.server.managed.process.returncode
                raise StartFailure(
                    f"Node {node.number} of the LiveKit cluster ({node.http_url}) exited with code {code} before it "
                    f"was registered in Redis at {cluster.redis.address}: {node.server.managed.output_excerpt()}"
                )
        if not cluster.redis.running:
            raise StartFailure(f"Redis at {cluster.redis.address} stopped before every node was registered in it.")
        registered = set(cluster.registered_node_ids())
        missing = [node for node in cluster.nodes if node.logged_node_id() not in registered]
        if not missing:
            return
        if time.monotonic() >= deadline:
            named = ", ".join(f"node {node.number} ({node.http_url})" for node in missing)
            raise StartFailure(f"Not registered in Redis at {cluster.redis.address} within {timeout:g} s: {named}.")
        time.sleep(0.05)


@atexit.register
def _stop_leftovers() -> None:  # registered after livekit_http.processes', so it runs first: nodes before Redis
    for cluster in list(_RUNNING):
        with contextlib.suppress(BaseException):  # what is left is stopped below
            cluster.stop(at_once=False)  # no new threads while the interpreter exits
    for server in list(_NODES):  # nodes of a start that was interrupted: their configuration folders hold secrets
        with contextlib.suppress(BaseException):  # the next one is still stopped
            server.stop()
