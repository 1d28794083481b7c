"""The nodes a run checks: those of the cluster the suite started (``LIVEKIT_CLUSTER_NODES``), else those
``LIVEKIT_NODE_URLS`` lists, else none (a single server)."""

from __future__ import annotations

from dataclasses import dataclass

from livekit_http.urls import normalise_server_url
from livekit_server import current as current_server
from livekit_server.cluster import RunningCluster
from livekit_settings import cluster as settings


@dataclass(frozen=True)
class ClusterNode:
    """One node: its 1-based number, where it answers, and its node ID when the suite started it."""

    number: int
    http_url: str
    ws_url: str
    node_id: str | None = None

    @property
    def label(self) -> str:
        """How every sentence names the node: by its number and URL."""
        return f"node {self.number} ({self.ws_url})"


_stopped: set[str] = set()  # HTTP URLs of nodes the suite itself stopped (the failover check)


def started_cluster() -> RunningCluster | None:
    chosen = current_server.chosen()
    started = chosen.started if chosen is not None else None
    return started if isinstance(started, RunningCluster) else None


def current_nodes(include_stopped: bool = False) -> list[ClusterNode]:
    """The nodes of this run, in order; an empty list when the run checks a single server."""
    cluster = started_cluster()
    if cluster is not None:
        nodes = [ClusterNode(node.number, node.http_url, node.ws_url, node.logged_node_id()) for node in cluster.nodes]
    else:
        nodes = []
        for number, given in enumerate(settings.node_urls(), 1):
            url = normalise_server_url(given, settings.URLS_SETTING)
            nodes.append(ClusterNode(number, url.http_base, url.ws_base))
    return nodes if include_stopped else [node for node in nodes if node.http_url not in _stopped]


def mark_stopped(node: ClusterNode) -> None:
    _stopped.add(node.http_url)


def stopped_nodes() -> list[str]:
    return sorted(_stopped)


def node_for_id(node_id: str) -> ClusterNode | None:
    return next((node for node in current_nodes(include_stopped=True) if node.node_id and node.node_id == node_id), None)
