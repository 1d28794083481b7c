"""The cluster's settings, which node answered otherwise, and the diagnoses' words, without a cluster."""

from __future__ import annotations

import pytest
from livekit_cluster.alike import NodeAnswer, difference, odd_answers
from livekit_cluster.nodes import ClusterNode

from livekit_diagnosis import cluster as diagnoses
from livekit_settings.cluster import configuration_problem

NODES = [ClusterNode(number, f"http://127.0.0.1:{7880 + number}", f"ws://127.0.0.1:{7880 + number}") for number in (1, 2, 3)]


@pytest.mark.parametrize(
    ("settings", "sentence"),
    [
        ({"LIVEKIT_CLUSTER_NODES": "1"}, "LIVEKIT_CLUSTER_NODES must be a number of nodes from 2 to 8, got '1'."),
        ({"LIVEKIT_CLUSTER_NODES": "three"}, "LIVEKIT_CLUSTER_NODES must be a number of nodes from 2 to 8, got 'three'."),
        (
            {"LIVEKIT_CLUSTER_NODES": "3", "LIVEKIT_NODE_URLS": "ws://a:7880,ws://b:7880"},
            "Set either LIVEKIT_CLUSTER_NODES (a cluster the suite starts) or LIVEKIT_NODE_URLS (yours), not both.",
        ),
        (
            {"LIVEKIT_NODE_URLS": "ws://a:7880, ws://a:7880/"},
            "LIVEKIT_NODE_URLS must list at least two different nodes, comma-separated, such as ws://node1:7880,ws://node2:7880.",
        ),
        (
            {"LIVEKIT_NODE_URLS": "ws://a:7880,ws://b:7880", "LIVEKIT_URL": "ws://c:7880"},
            "LIVEKIT_URL is not one of the nodes LIVEKIT_NODE_URLS lists; unset it or make it one of them.",
        ),
        (
            {"LIVEKIT_CLUSTER_REFRESH_JOINS": "0"},
            "LIVEKIT_CLUSTER_REFRESH_JOINS must be a number of joins from 1 to 1000, got '0'.",
        ),
    ],
)
def test_an_unusable_cluster_setting_is_one_sentence(settings, sentence):
    assert configuration_problem(settings) == sentence


@pytest.mark.parametrize(
    "settings",
    [{}, {"LIVEKIT_CLUSTER_NODES": "3"}, {"LIVEKIT_NODE_URLS": "ws://a:7880,http://b:7880", "LIVEKIT_URL": "ws://b:7880"}],
)
def test_usable_cluster_settings_pass(settings):
    assert configuration_problem(settings) is None


def test_the_odd_node_is_the_one_outside_the_largest_group():
    answers = [
        NodeAnswer(NODES[0], 200, "success"),
        NodeAnswer(NODES[1], 401, "token signature is invalid: go-jose/go-jose: error in cryptographic primitive"),
        NodeAnswer(NODES[2], 200, "success"),
    ]
    assert odd_answers(answers) == [answers[1]]
    message, diagnosis = difference(answers, "the same token", "devkey", 200)
    assert "the nodes do not hold the same keys" in message
    assert "Odd one: node 2 (ws://127.0.0.1:7882)." in message
    assert diagnosis.cause == diagnoses.KEYS_DIFFER
    assert "Make the keys of node 2 (ws://127.0.0.1:7882) match the other nodes'" in diagnosis.fix


def test_of_two_nodes_the_odd_one_answered_otherwise_than_expected():
    answers = [NodeAnswer(NODES[0], 401, "token signature is invalid"), NodeAnswer(NODES[1], 200, "success")]
    assert odd_answers(answers, expected_status=200) == [answers[0]]
    assert odd_answers(answers, expected_status=401) == [answers[1]]


def test_nodes_that_answer_alike_have_no_odd_one():
    answers = [NodeAnswer(node, 401, "token is expired: exp 2 hours ago") for node in NODES]
    assert odd_answers(answers) == []
    assert difference(answers, "the token", "devkey", 401) is None


def test_a_node_that_gives_no_answer_is_gone_not_a_key_problem():
    answers = [
        NodeAnswer(NODES[0], 200, "success"),
        NodeAnswer(NODES[1], 0, "no answer (ConnectionError)"),
        NodeAnswer(NODES[2], 200, "success"),
    ]
    message, diagnosis = difference(answers, "the token", "devkey", 200)
    assert message.startswith("Node 2 (ws://127.0.0.1:7882) gave no answer")
    assert diagnosis.cause == diagnoses.LOOK_ALIKE


@pytest.mark.parametrize(
    "diagnosis",
    [
        diagnoses.keys_differ("node 2 (ws://b)", ["node 1 (ws://a)"], "devkey"),
        diagnoses.stale_node_admits("node 2 (ws://b)", "node 1 (ws://a)", "devkey"),
        diagnoses.refresh_key("node 2 (ws://b)", "node 1 (ws://a)", "extra"),
        diagnoses.webhook_key("node 2 (ws://b)", "signature is invalid"),
        diagnoses.redis_unreachable("node 2 (ws://b)", "500"),
        diagnoses.node_gone("node 2 (ws://b)", "ConnectionError"),
    ],
)
def test_every_cluster_diagnosis_names_the_node_and_never_tells_the_user_to_change_their_secret(diagnosis):
    assert "node 2 (ws://b)" in diagnosis.text
    assert "Set LIVEKIT_API_SECRET" not in diagnosis.text
    assert diagnosis.cause in diagnoses.CAUSES


def test_a_refresh_token_refused_for_a_key_the_run_holds_asks_for_that_nodes_secret_not_to_remove_the_key():
    held = diagnoses.refresh_key("node 3 (ws://c)", "node 2 (ws://b)", "devkey", odd="refuser")
    assert held.fix.startswith("Give node 2 (ws://b) the same secret for 'devkey' as the other nodes")
    stale_room = diagnoses.refresh_key("node 3 (ws://c)", "node 2 (ws://b)", "devkey", odd="room")
    assert stale_room.fix.startswith("Make the keys of node 3 (ws://c) match the other nodes' (its secret for 'devkey')")
    extra = diagnoses.refresh_key("node 3 (ws://c)", "node 1 (ws://a)", "extrakey")
    assert "remove 'extrakey' from node 3 (ws://c)" in extra.fix
