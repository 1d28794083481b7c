"""Robot Framework variable file: the LiveKit cluster the suite starts or checks.

``LIVEKIT_CLUSTER_NODES=N`` (2 to 8) makes the suite start N nodes of the pinned ``livekit-server``
and one Redis on loopback instead of one server; ``LIVEKIT_NODE_URLS`` lists the nodes of a cluster
you run (comma-separated, each ``ws://``, ``wss://``, ``http://`` or ``https://``), which the suite
checks without starting or stopping anything. ``LIVEKIT_CLUSTER_REFRESH_JOINS`` is how many joins
the reconnect check makes at most to see every key the room's node signs refresh tokens with.

:func:`configuration_problem` is part of the project's check of every setting before a run.
"""

from __future__ import annotations

import os

NODES_SETTING = "LIVEKIT_CLUSTER_NODES"
URLS_SETTING = "LIVEKIT_NODE_URLS"
JOINS_SETTING = "LIVEKIT_CLUSTER_REFRESH_JOINS"
MAX_NODES = 8
DEFAULT_REFRESH_JOINS = 64  # the room's node picks each refresh token's key anew: 1 in 8 for a second key


def nodes_to_start(environ=None) -> int:
    """How many nodes the suite starts (0: no cluster of its own)."""
    environ = os.environ if environ is None else environ
    raw = str(environ.get(NODES_SETTING, "")).strip()
    return int(raw) if raw.isdigit() else 0


def node_urls(environ=None) -> list[str]:
    """The nodes of the user's cluster as written, in order, without duplicates."""
    environ = os.environ if environ is None else environ
    parts = [part.strip() for part in str(environ.get(URLS_SETTING, "")).split(",")]
    return list(dict.fromkeys(part for part in parts if part))


def refresh_joins(environ=None) -> int:
    environ = os.environ if environ is None else environ
    raw = str(environ.get(JOINS_SETTING, "")).strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_REFRESH_JOINS


def configuration_problem(environ=None) -> str | None:
    """One sentence saying what to set when a cluster setting is unusable; else None."""
    from livekit_http.urls import UrlError, normalise_server_url

    environ = os.environ if environ is None else environ
    count = str(environ.get(NODES_SETTING, "")).strip()
    if count and (not count.isdigit() or not 2 <= int(count) <= MAX_NODES):
        return f"{NODES_SETTING} must be a number of nodes from 2 to {MAX_NODES}, got {count[:40]!r}."
    joins = str(environ.get(JOINS_SETTING, "")).strip()
    if joins and (not joins.isdigit() or not 1 <= int(joins) <= 1000):
        return f"{JOINS_SETTING} must be a number of joins from 1 to 1000, got {joins[:40]!r}."
    raw_urls = str(environ.get(URLS_SETTING, "")).strip()
    url = str(environ.get("LIVEKIT_URL", "")).strip()
    if count and raw_urls:
        return f"Set either {NODES_SETTING} (a cluster the suite starts) or {URLS_SETTING} (yours), not both."
    if count and url:
        return f"{NODES_SETTING} starts a cluster of the suite's own; unset LIVEKIT_URL, or set {URLS_SETTING} to your cluster's nodes."
    if not raw_urls:
        return None
    urls = node_urls(environ)
    normalised = []
    for given in urls:
        try:
            normalised.append(normalise_server_url(given).http_base)
        except UrlError as error:
            return f"{URLS_SETTING} holds an unusable URL: {error}"
    if len(set(normalised)) < 2:
        return f"{URLS_SETTING} must list at least two different nodes, comma-separated, such as ws://node1:7880,ws://node2:7880."
    if url:
        try:
            chosen = normalise_server_url(url).http_base
        except UrlError:
            return None  # the LIVEKIT_URL check says what to set
        if chosen not in normalised:
            return f"LIVEKIT_URL is not one of the nodes {URLS_SETTING} lists; unset it or make it one of them."
    return None


def get_variables(environ=None) -> dict:
    environ = os.environ if environ is None else environ
    return {
        "CLUSTER_NODES": nodes_to_start(environ),
        "NODE_URLS": node_urls(environ),
        "CLUSTER_REFRESH_JOINS": refresh_joins(environ),
    }
