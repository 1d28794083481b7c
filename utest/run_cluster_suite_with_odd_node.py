"""Run the cluster suite on a cluster started here with one node that holds other keys, as an operator's is.

    python utest/run_cluster_suite_with_odd_node.py COUNT ODD KIND [robot options]

Starts COUNT nodes of the real livekit-server and a real Redis; node ODD holds, for the run's key,
another secret (KIND ``secret``) or the run's key and one more (KIND ``extra``). The suite then checks
that cluster as one it started: it knows every node's ID, so it pins its rooms on chosen nodes.
The run's key pair comes from LIVEKIT_API_KEY and LIVEKIT_API_SECRET; the cluster is stopped at the end.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import robot

from livekit_server import binary, cluster, current, redis

ROOT = Path(__file__).resolve().parent.parent


def odd_keys(kind: str, key: str, secret: str) -> dict[str, str]:
    if kind == "secret":
        return {key: "odd-" + secrets.token_hex(20)}
    return {key: secret, "extrakey": "extra-" + secrets.token_hex(20)}


if __name__ == "__main__":
    count, odd, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    key, secret = os.environ["LIVEKIT_API_KEY"], os.environ["LIVEKIT_API_SECRET"]
    node_keys = [odd_keys(kind, key, secret) if number == odd else None for number in range(1, count + 1)]
    server = binary.find_source(dict(os.environ, LIVEKIT_URL="")).binary
    started = cluster.start_cluster(server, redis.find_redis_server(), count, {key: secret}, node_keys=node_keys)
    try:
        current.choose(current.ChosenServer(started.http_url, started.ws_url, binary.PINNED_VERSION, "started here", started))
        print("\n".join(f"node {node.number}: {node.ws_url}" for node in started.nodes), flush=True)
        code = robot.run_cli([*sys.argv[4:], str(ROOT / "suites" / "cluster")], exit=False)
    finally:
        started.stop()
    sys.exit(code)
