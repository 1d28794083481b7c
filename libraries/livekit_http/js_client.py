"""LiveKit's JS client (``TokenSource.endpoint`` of ``livekit-client``) fetching a token from an endpoint,
run with Node.js from ``interop/node/token_source_client.mjs``; it prints a token-free summary."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from livekit_tokens import grants as model

from . import tls
from .answers import TOO_DEEP, UnreadableJson, load_json

NODE_PROJECT = Path(__file__).resolve().parents[2] / "interop" / "node"
SCRIPT = NODE_PROJECT / "token_source_client.mjs"
HEADERS_ENVIRONMENT = "LIVEKIT_TOKEN_ENDPOINT_HEADERS"  # how the script receives an app's own request headers


def fetch_token(
    node: str,
    endpoint: str,
    headers: dict[str, str],
    options: dict,
    timeout: float,
    excerpt: Callable[..., str],
    method: str = "POST",
) -> dict:
    """The JS client's summary of the token it fetched; ``AssertionError`` with one sentence otherwise.

    ``excerpt`` shows what the script printed with every token and secret replaced.
    """
    environment = tls.node_environment(os.environ)
    environment["LIVEKIT_TOKEN_ENDPOINT"] = endpoint
    environment[HEADERS_ENVIRONMENT] = json.dumps(headers)
    environment["LIVEKIT_TOKEN_ENDPOINT_METHOD"] = method
    try:
        finished = subprocess.run(
            [node, str(SCRIPT), json.dumps(options)],
            cwd=NODE_PROJECT,
            env=environment,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"LiveKit's JS client did not finish fetching a token within {timeout:g} s.") from None
    if finished.returncode != 0:
        raise AssertionError(f"LiveKit's JS client could not fetch a token: {excerpt(finished.stderr, limit=300)}")
    try:
        summary = load_json(finished.stdout)
    except UnreadableJson as unreadable:
        if unreadable.too_deep:
            raise AssertionError(f"The JS client script printed a summary {TOO_DEEP}.") from None
        raise AssertionError(f"The JS client script printed no JSON summary: {excerpt(finished.stdout)}") from None
    if not isinstance(summary, dict):
        raise AssertionError(f"The JS client script printed JSON {model.json_kind(summary)} instead of a summary object.")
    return summary
