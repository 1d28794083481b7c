"""Whether every node of a cluster gave a token the same answer, and which node did not.

A node's answer is its HTTP status and the stable part of its message (the wording up to a colon,
as ``token signature is invalid``). The odd nodes are those outside the largest group of equal
answers; when two groups are as large (two nodes), the odd ones are those whose answer is not the
one the check expected.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import requests

from livekit_diagnosis import cluster as diagnoses
from livekit_diagnosis.model import Diagnosis
from livekit_http import deadline, tls
from livekit_http.answers import scrub

from . import nodes as cluster_nodes
from .nodes import ClusterNode


@dataclass(frozen=True)
class NodeAnswer:
    node: ClusterNode
    status: int
    text: str  # scrubbed, short

    @property
    def gist(self) -> tuple[int, str]:
        first = re.split(r"[:\n]", self.text.strip().lower(), maxsplit=1)[0]
        return self.status, " ".join(first.split())[:80]

    def shown(self) -> str:
        return f"{self.status} {self.gist[1]}".strip() if self.status else self.gist[1] or "no answer"


def odd_answers(answers: list[NodeAnswer], expected_status: int | None = None) -> list[NodeAnswer]:
    """The answers that differ from the others' (empty when every node answered alike)."""
    groups = Counter(answer.gist for answer in answers)
    if len(groups) <= 1:
        return []
    ranked = groups.most_common()
    top = ranked[0][1]
    leaders = [gist for gist, count in ranked if count == top]
    if len(leaders) > 1 and expected_status is not None:
        expected = [gist for gist in leaders if gist[0] == int(expected_status)]
        if len(expected) == 1:
            return [answer for answer in answers if answer.gist != expected[0]]
    if len(leaders) > 1:
        return [answer for answer in answers if answer.gist != leaders[0]]
    return [answer for answer in answers if answer.gist != leaders[0]]


def difference(answers: list[NodeAnswer], what: str, key: str | None, expected_status: int | None = None):
    """``(message, diagnosis)`` when the nodes answered ``what`` differently; else None.

    An odd node that gave no HTTP answer at all (status 0) is a node gone, not a key difference.
    """
    odd = odd_answers(answers, expected_status)
    if not odd:
        return None
    alike = [answer for answer in answers if answer not in odd]
    listed = "; ".join(f"{answer.node.label} answered {answer.shown()}" for answer in answers)
    first = odd[0]
    if first.status == 0:
        message = f"{_capital(first.node.label)} gave no answer to {what} while the other nodes did ({listed})."
        return message, diagnoses.node_gone(first.node.label, first.shown())
    names = ", ".join(answer.node.label for answer in odd)
    message = f"The nodes answered {what} differently, {diagnoses.NOT_THE_SAME_KEYS}: {listed}. Odd one: {names}."
    diagnosis: Diagnosis = diagnoses.keys_differ(first.node.label, [answer.node.label for answer in alike], key)
    return message, diagnosis


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def validate_everywhere(token: str, scheme: str = "Bearer") -> list[NodeAnswer]:
    """Each node's answer to ``token`` at ``/rtc/validate`` (status 0: no answer), in node order."""
    answers = []
    session = deadline.Session()  # the whole exchange within LIVEKIT_HTTP_DEADLINE
    session.verify = tls.verify_setting()
    session.trust_env = False
    try:
        for node in cluster_nodes.current_nodes():
            try:
                reply = session.get(f"{node.http_url}/rtc/validate", headers={"Authorization": f"{scheme} {token}"}, timeout=10)
                answers.append(NodeAnswer(node, reply.status_code, scrub(reply.text.strip(), tokens=(token,))[:200]))
            except requests.RequestException as error:
                answers.append(NodeAnswer(node, 0, f"no answer ({type(error).__name__})"))
    finally:
        session.close()
    return answers
