"""Robot Framework library for a LiveKit cluster: several nodes sharing one Redis, checked node by node,
with every failure naming the node by its URL and the operator's fix."""

from __future__ import annotations

import time

from livekit_cluster import calls, rooms, tokens
from livekit_cluster import nodes as cluster_nodes
from livekit_cluster import started as started_cluster
from livekit_cluster.joins import NodeJoin, join_through, refusal_of
from robot.api import SkipExecution
from robot.api.deco import keyword, library

from livekit_client import realtime, signal
from livekit_client.loop import run as run_on_loop
from livekit_diagnosis import cluster as diagnoses
from livekit_diagnosis import recording
from livekit_http.answers import scrub
from livekit_server import redis as redis_server
from livekit_settings import cluster as settings
from livekit_tokens import evidence
from livekit_tokens.robot_context import log_table, run_context

__version__ = "1.0.0"

DATA_TOPIC = "livekit-auth-cluster"
CLUSTER_METADATA = "LiveKit cluster"
JOIN_BATCH = 16  # refresh-token joins at once


def _record(kind: str, title: str, rows: list[dict], **facts) -> None:
    log_table(title, rows, kind=kind, facts=facts)


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
class LiveKitCluster:
    """Check a LiveKit cluster: the one the suite starts (``LIVEKIT_CLUSTER_NODES``) or yours (``LIVEKIT_NODE_URLS``).

    A room lives on one node; a client's signal connection stays on the node it dialled, which
    checks its token; RoomService calls are routed through Redis. So every node must hold the same
    keys: a node with another secret, or an extra key, fails only some clients, some reconnects
    and the webhooks of some rooms. Each keyword names the node by its URL when one differs, and
    the diagnosis gives the operator's fix: make that node's ``keys`` match the others'.
    """

    def __init__(self):
        self._joins: list[NodeJoin] = []
        self._participants: list = []
        self._room: str | None = None
        self._room_node: str | None = None  # the ID of the node that hosts the checked room

    # ------------------------------------------------------------------ where

    @keyword
    def use_livekit_cluster(self) -> int:
        """Take the nodes of this run's cluster and return how many there are; skip without a cluster.

        The cluster is the one `Use LiveKit Server` started with ``LIVEKIT_CLUSTER_NODES``, else
        the nodes ``LIVEKIT_NODE_URLS`` lists. Without either the calling suite is skipped with one
        sentence saying what to set; without a Redis server to start, with the ways to get one.

        Example:
        | ${count} = | Use LiveKit Cluster |
        """
        found = cluster_nodes.current_nodes()
        if not found:
            if settings.nodes_to_start() and redis_server.find_redis_server() is None:
                raise SkipExecution(redis_server.HOW_TO_GET_REDIS)
            raise SkipExecution(
                f"The cluster checks need a cluster: set {settings.NODES_SETTING}=3 to let the suite start one "
                f"(a real Redis and the pinned livekit-server), or {settings.URLS_SETTING} to your nodes, comma-separated."
            )
        started = cluster_nodes.started_cluster()
        rows = [
            {
                "key": f"node_{node.number}",
                "label": f"Node {node.number}",
                "value": node.ws_url + (f" ({node.node_id})" if node.node_id else ""),
            }
            for node in found
        ]
        if started is not None:
            rows.append({"key": "redis", "label": "Redis", "value": f"{started.redis.address} ({started.redis.binary})"})
            rows.append({"key": "ready", "label": "Start to ready", "value": f"{started.ready_seconds:.2f} s"})
        source = "started by the suite" if started is not None else f"given by {settings.URLS_SETTING}"
        _record(
            "cluster_nodes",
            "LiveKit cluster",
            rows,
            nodes=[node.ws_url for node in found],
            source=source,
            ready_seconds=round(started.ready_seconds, 2) if started is not None else None,
        )
        from robot.libraries.BuiltIn import BuiltIn

        BuiltIn().set_suite_metadata(CLUSTER_METADATA, f"{len(found)} nodes, {source}", top=True)
        return len(found)

    # ------------------------------------------------------------------ every node alike

    @keyword
    def every_node_should_answer_alike(self, case: str, status: int = 200, text: str = "success") -> None:
        """Send the token of ``case`` (see `Create Token For Server Check`) to ``/rtc/validate`` of every node.

        Every node must give the same answer, and that answer must be ``status`` with ``text``. A node
        that answers otherwise fails the keyword with "the nodes do not hold the same keys", naming it.

        Example:
        | Every Node Should Answer Alike | signed with another secret | 401 | token signature is invalid |
        """
        from livekit_http import server_checks

        keyring = run_context().keyring
        chosen = server_checks.case_named(case)
        token, _claims = server_checks.mint_case(chosen, keyring, "client_test", "test_room", int(time.time()))
        evidence.remember_token(token)
        started_cluster.check_alike(token, f"the '{chosen}' token", int(status), text)

    # ------------------------------------------------------------------ a room across nodes

    @keyword
    def a_room_pinned_on_one_node_is_joined_through_every_node(self) -> str:
        """Pin a new room on the last node, join it through every node, and check each join answer.

        The suite's own cluster pins the room with CreateRoom's ``node_id``; on your cluster the room
        lands where your cluster puts it. Each participant must be admitted with the permissions its
        token grants (subscribe and publish data, no publish) into that room, and every join answer
        must name the same node of the room. Returns the room's name.

        Example:
        | ${room} = | A Room Pinned On One Node Is Joined Through Every Node |
        """
        found = self._nodes()
        room = f"livekit-auth-cluster-{int(time.time() * 1000) % 10**8}"
        self._room = room
        target = found[-1]
        body = {"name": room}
        if target.node_id:
            body["node_id"] = target.node_id
        calls.twirp(found[0], "CreateRoom", body, self._admin(room))
        joins, refused = [], []
        for node in found:
            token = self._participant_token(f"cluster-via-node-{node.number}", room)
            try:
                joins.append(
                    run_on_loop(join_through(node.number, node.ws_url, node.http_url, token), 20, f"Joining through {node.label}")
                )
            except signal.SignalRefused as refusal:
                refused.append((node, refusal))
        self._joins += joins
        if refused:
            self._fail_refused_joins(refused, joins)
        room_nodes = {join.room_node_id for join in joins}
        self._room_node = next(iter(room_nodes))
        rows = []
        for join in joins:
            permission = join.joined.permission
            wrong = [
                name
                for name, wanted in (("can_subscribe", True), ("can_publish", False), ("can_publish_data", True))
                if bool(permission.get(name)) != wanted
            ]
            ok = join.joined.room == room and not wrong
            rows.append(
                {
                    "key": f"node_{join.through}",
                    "label": f"Through node {join.through}",
                    "expected": f"{room}, subscribe and data, no publish",
                    "actual": f"{join.joined.room} as {join.joined.participant_sid}, room on {join.room_node_id}",
                    "ok": ok,
                }
            )
        _record("cluster_joins", "Joins through every node", rows, room=room, room_node=self._room_node, nodes=len(found))
        if len(room_nodes) != 1:
            raise AssertionError(f"The join answers name different nodes for room '{room}': {', '.join(sorted(room_nodes))}.")
        if target.node_id and self._room_node != target.node_id:
            raise AssertionError(f"Room '{room}' was pinned on {target.label} ({target.node_id}) but lives on {self._room_node}.")
        bad = [row["label"] for row in rows if not row["ok"]]
        if bad:
            raise AssertionError(f"The server did not apply the token's room and permissions for: {', '.join(bad)}.")
        return room

    @keyword
    def room_service_should_list_every_participant_through_every_node(self) -> None:
        """ListParticipants through every node lists every participant joined, matched by participant SID.

        A stopped node's participants can stay listed for a minute: other entries are allowed.

        Example:
        | Room Service Should List Every Participant Through Every Node |
        """
        room = self._checked_room()
        wanted = {join.joined.participant_sid for join in self._joins}
        rows, missing_any, statuses = [], [], {}
        for node in self._nodes():
            status, answer = calls.twirp(node, "ListParticipants", {"room": room}, self._admin(room), check=False)
            statuses[node] = status
            listed = {entry.get("sid") for entry in (answer or {}).get("participants", [])} if status == 200 else set()
            missing = sorted(wanted - listed)
            rows.append(
                {
                    "key": f"node_{node.number}",
                    "label": f"Through {node.label}",
                    "expected": f"{len(wanted)} SIDs",
                    "actual": f"{len(wanted & listed)} listed (status {status})",
                    "ok": not missing,
                }
            )
            if missing:
                missing_any.append(f"{node.label} (status {status}, missing {', '.join(missing)})")
        _record("cluster_listing", "ListParticipants through every node", rows, ok=not missing_any)
        if missing_any:
            message = f"ListParticipants did not list every participant through: {'; '.join(missing_any)}."
            refused = [node for node, status in statuses.items() if status in (401, 403)]
            alike = [node.label for node, status in statuses.items() if status == 200]
            diagnosis = (
                diagnoses.keys_differ(refused[0].label, alike, run_context().keyring.primary.key) if refused and alike else None
            )
            raise AssertionError(recording.failure(message, diagnosis))

    @keyword
    def data_should_cross_between_nodes_both_ways(self) -> None:
        """Two real-time SDK clients, joined through the first and the last node, send each other data.

        Without a WebRTC transport here the test is skipped (failed with ``LIVEKIT_REQUIRE_TRANSPORT=1``).

        Example:
        | Data Should Cross Between Nodes Both Ways |
        """
        room = self._checked_room()
        first, last = self._nodes()[0], self._nodes()[-1]
        try:
            left = realtime.join("data via first node", first.ws_url, self._participant_token("cluster-data-first", room))
            self._participants.append(left)
            right = realtime.join("data via last node", last.ws_url, self._participant_token("cluster-data-last", room))
            self._participants.append(right)
        except realtime.JoinRefused as refused:
            if refused.transport and not _transport_required():
                raise SkipExecution(f"No data check: {refused}.") from None
            raise AssertionError(f"A client could not join room '{room}': {refused}.") from None
        rows = []
        for sender, receiver, via in (
            (left, right, f"node {first.number} to node {last.number}"),
            (right, left, f"node {last.number} to node {first.number}"),
        ):
            payload = realtime.send_data(sender, DATA_TOPIC)
            arrived = realtime.wait_for_data(receiver, DATA_TOPIC, payload, timeout=10)
            rows.append(
                {
                    "key": via,
                    "label": f"Data from {via}",
                    "expected": "received",
                    "actual": "received" if arrived else "not received within 10 s",
                    "ok": arrived is not None,
                }
            )
        _record("cluster_data", "Data across nodes", rows, ok=all(row["ok"] for row in rows))
        lost = [row["label"] for row in rows if not row["ok"]]
        if lost:
            raise AssertionError(f"{'; '.join(lost)}: not received within 10 s.")

    @keyword
    def reconnecting_through_every_other_node_should_work(self, joins: int | None = None) -> None:
        """Rejoin through every node with the refresh tokens the room's node issued, one per key it used.

        The room's node signs each participant's refresh token with one of its keys, chosen anew
        each time (a second key about 1 time in 8), so up to ``joins`` participants (default
        ``LIVEKIT_CLUSTER_REFRESH_JOINS``, 64) join through the first node, stopping early at a key
        this run does not hold. A rejoin that a node refuses fails with the room's node, the key and
        the refusing node named.

        Example:
        | Reconnecting Through Every Other Node Should Work |
        """
        self._checked_room()
        found = self._nodes()
        first = found[0]
        limit = int(joins) if joins else settings.refresh_joins()
        known = {pair.key for pair in run_context().keyring}
        by_key: dict[str, tuple[str, str]] = {}  # key -> (a refresh token signed with it, the room node's ID)
        made = 0
        for room, host in self._rooms_on_every_node(found).items():
            done = 0
            while done < limit:
                batch = min(JOIN_BATCH, limit - done)
                tokens = [self._participant_token(f"cluster-refresh-{made + index}", room) for index in range(batch)]
                got = run_on_loop(calls.join_all(first, tokens), 60, f"Joining {batch} participants through {first.label}")
                done += batch
                made += batch
                for join in got:
                    if join.refresh_token and join.refresh_key and join.refresh_key not in by_key:
                        by_key[join.refresh_key] = (join.refresh_token, join.room_node_id or host)
                        evidence.remember_token(join.refresh_token)
                if any(key not in known for key in by_key):
                    break
            if any(key not in known for key in by_key):
                break
        if not by_key:
            raise AssertionError(f"The room's node sent no refresh token to {made} participants joined through {first.label}.")
        rows, failures = [], []
        for key, (refresh, host) in by_key.items():
            room_node = cluster_nodes.node_for_id(host)
            room_label = room_node.label if room_node else f"the room's node ({host})"
            for node in found:
                refused = run_on_loop(
                    refusal_of(node.number, node.ws_url, node.http_url, refresh), 20, f"Rejoining through {node.label}"
                )
                answer = "admitted" if refused is None else f"refused with {refused.status}: {scrub(refused.reason)}"
                rows.append(
                    {
                        "key": f"{key}@{node.number}",
                        "label": f"Refresh token of key '{key}' through {node.label}",
                        "expected": "admitted",
                        "actual": answer,
                        "ok": refused is None,
                    }
                )
                if refused is not None:
                    failures.append((key, node, answer, room_label))
        _record(
            "cluster_reconnect",
            "Reconnect across nodes",
            rows,
            joins=made,
            keys=sorted(by_key),
            room_node=room_label,
            ok=not failures,
        )
        if failures:
            key, node, answer, room_label = failures[0]
            message = (
                f"A reconnect through {node.label} with the refresh token {room_label} issued (API key '{key}') was {answer}."
            )
            raise AssertionError(
                recording.failure(
                    message, diagnoses.refresh_key(room_label, node.label, key, calls.odd_signer(by_key[key][0], key, known))
                )
            )

    @keyword
    def webhooks_of_the_room_should_come_from_its_node_and_verify(self, timeout: float = 10.0) -> None:
        """The webhooks of the checked room come only from the node that hosts it, and each verifies.

        Each node of a cluster the suite starts also sends its webhooks to a receiver of its own, so the
        sender is known. A webhook that does not verify fails with the room's node named; one from
        another node fails too. On your cluster (``LIVEKIT_NODE_URLS``) the test is skipped: its
        webhooks go where its configuration says.

        Example:
        | Webhooks Of The Room Should Come From Its Node And Verify |
        """
        room = self._checked_room()
        started = cluster_nodes.started_cluster()
        if started is None or not started.collectors:
            raise SkipExecution(
                "Which node sent a webhook is known only for a cluster the suite starts (LIVEKIT_CLUSTER_NODES); "
                "your cluster's webhooks go where its configuration says."
            )
        host = cluster_nodes.node_for_id(self._room_node or "")
        if host is None:
            raise AssertionError(f"The node that hosts room '{room}' ({self._room_node}) is not a node of this cluster.")
        deadline = time.monotonic() + float(timeout)
        while True:
            seen = {
                node.number: [event for event in collector.received() if event.get("room") == room or not event.get("verified")]
                for node, collector in zip(started.nodes, started.collectors, strict=True)
            }
            if seen[host.number] or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        rows = [
            {
                "key": f"node_{number}",
                "label": f"From node {number}",
                "expected": "the room's webhooks, verified" if number == host.number else "none",
                "actual": f"{len(events)} ({sum(1 for event in events if event.get('verified'))} verified)",
                "ok": (bool(events) and all(event.get("verified") for event in events)) if number == host.number else not events,
            }
            for number, events in seen.items()
        ]
        _record(
            "cluster_webhooks", "Webhooks of the room", rows, room=room, room_node=host.label, ok=all(row["ok"] for row in rows)
        )
        if not seen[host.number]:
            raise AssertionError(
                f"No webhook of room '{room}' came from {host.label}, the node of the room, within {timeout:g} s."
            )
        unverified = [event for event in seen[host.number] if not event.get("verified")]
        if unverified:
            reason = str(unverified[0].get("reason") or unverified[0].get("cause") or "not verified")
            message = f"{len(unverified)} webhook(s) from {host.label}, the node of room '{room}', did not verify: {reason}."
            raise AssertionError(recording.failure(message, diagnoses.webhook_key(host.label, reason)))
        strays = [number for number, events in seen.items() if number != host.number and events]
        if strays:
            raise AssertionError(
                f"Webhooks of room '{room}' came from node(s) {', '.join(map(str, strays))}, not only from {host.label}."
            )

    @keyword
    def a_room_should_move_to_another_node_when_its_node_stops(self, within: float = 20.0) -> float:
        """Stop the last node of the suite's cluster and rejoin its room through the first node within ``within`` s.

        A room is pinned on the last node and joined through the first; the last node is stopped (as an
        operator stops one); a new participant must then be admitted into the same room name, hosted
        by another node. Returns the seconds from the stop to that join. Skipped for your cluster:
        the suite never stops a node it did not start.

        Example:
        | ${seconds} = | A Room Should Move To Another Node When Its Node Stops | within=20 |
        """
        started = cluster_nodes.started_cluster()
        found = self._nodes()
        if started is None or len(found) < 2:
            raise SkipExecution("Stopping a node is checked only on a cluster the suite starts (LIVEKIT_CLUSTER_NODES).")
        first, last = found[0], found[-1]
        room = f"{self._checked_room()}-moved"
        calls.twirp(first, "CreateRoom", {"name": room, "node_id": last.node_id}, self._admin(room))
        before = run_on_loop(
            join_through(first.number, first.ws_url, first.http_url, self._participant_token("cluster-before-stop", room)),
            20,
            f"Joining through {first.label}",
        )
        self._joins.append(before)
        started.stop_node(last.number)
        cluster_nodes.mark_stopped(last)
        stopped_at = time.monotonic()
        attempt, answer = 0, "no attempt"
        while time.monotonic() - stopped_at < float(within):
            attempt += 1
            token = self._participant_token(f"cluster-after-stop-{attempt}", room)
            try:
                after = run_on_loop(
                    join_through(first.number, first.ws_url, first.http_url, token), 10, f"Rejoining through {first.label}"
                )
            except (signal.SignalRefused, AssertionError) as refused:
                answer = scrub(str(refused))
                time.sleep(0.2)
                continue
            self._joins.append(after)
            if after.room_node_id and after.room_node_id != last.node_id:
                seconds = time.monotonic() - stopped_at
                rows = [
                    {"key": "stopped", "label": "Stopped", "value": f"{last.label}, which hosted room '{room}'"},
                    {
                        "key": "rejoined",
                        "label": "Rejoined through",
                        "value": f"{first.label} after {seconds:.2f} s, {attempt} attempt(s)",
                    },
                ]
                _record("cluster_failover", "A node stopped", rows, seconds=round(seconds, 2), ok=True)
                return seconds
            answer = f"still hosted by the stopped node {last.node_id}"
            time.sleep(0.2)
        message = f"No participant could rejoin room '{room}' through {first.label} within {within:g} s after {last.label} stopped ({answer})."
        raise AssertionError(recording.failure(message, diagnoses.node_gone(last.label, "stopped by the suite")))

    @keyword
    def every_cluster_client_leaves(self) -> None:
        """Every participant this library joined leaves.

        Example:
        | Suite Teardown | Every Cluster Client Leaves |
        """
        joins, self._joins = self._joins, []
        if joins:
            run_on_loop(calls.leave_all(joins), 30, "Leaving the cluster's room")
        participants, self._participants = self._participants, []
        for participant in participants:
            realtime.leave(participant)

    # ------------------------------------------------------------------ helpers

    def _rooms_on_every_node(self, found) -> dict[str, str]:
        return rooms.rooms_on_every_node(found, self._checked_room(), self._room_node or "")

    def _fail_refused_joins(self, refused, joins) -> None:
        raise AssertionError(rooms.refused_join_failure(refused, joins, self._room or ""))

    def _nodes(self):
        found = cluster_nodes.current_nodes()
        if not found:
            raise AssertionError("No LiveKit cluster is in use; call Use LiveKit Cluster first (in Suite Setup).")
        return found

    def _checked_room(self) -> str:
        if self._room is None:
            raise AssertionError(
                "No room of the cluster checks yet; use A Room Pinned On One Node Is Joined Through Every Node first."
            )
        return self._room

    _participant_token = staticmethod(tokens.participant_token)
    _admin = staticmethod(tokens.admin_token)


def _transport_required() -> bool:
    import os

    return os.environ.get("LIVEKIT_REQUIRE_TRANSPORT", "").strip().lower() in ("1", "true", "yes")
