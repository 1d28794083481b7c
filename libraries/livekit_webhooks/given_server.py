"""The webhooks of a LiveKit server the suite did not start: received when the operator points the
server's ``webhook.urls`` at the collector the run starts at ``LIVEKIT_WEBHOOK_COLLECTOR``, otherwise
not checked, and said so in one sentence (never failed: the suite cannot see a server's configuration).
"""

from __future__ import annotations

from livekit_tokens import environment
from livekit_tokens.keys import Keyring
from livekit_tokens.robot_context import robot_is_running

from .collector import Collector, start_collector
from .receiver import DEFAULT_PATH

EXAMPLE_ADDRESS = "127.0.0.1:7890"
_COLLECTORS: dict[tuple[str, int], Collector] = {}  # one per address for the whole run, shared by the suites


def config_lines(address: str, api_key: str) -> str:
    """The lines an operator adds to the server's configuration so that its webhooks reach the collector."""
    return f"webhook:\n  api_key: {api_key}\n  urls:\n    - http://{address}{DEFAULT_PATH}\n"


def not_checked_sentence(server_url: str) -> str:
    """Why the server's webhooks are not checked, and what checks them."""
    return (
        f"Server webhooks not checked: the LiveKit server at {server_url} was not started by this run; to check them, "
        "set LIVEKIT_WEBHOOK_COLLECTOR and point the server's webhook.urls at it (README: Checking your own LiveKit)."
    )


def checked_sentence(collector_url: str, started: bool) -> str:
    """How the server's webhooks reached the run, when they were checked."""
    if started:
        return f"Server webhooks checked: the server this run started sends them to its collector at {collector_url}."
    return f"Server webhooks checked: the server's webhook.urls sends them to this run's collector at {collector_url}."


def collector_at(address: tuple[str, int], keyring: Keyring) -> Collector:
    """The run's collector at ``address``, started on first use; ``OSError`` when the port cannot be had."""
    collector = _COLLECTORS.get(address)
    if collector is None or not collector.running:
        collector = start_collector(keyring, address[0], address[1], DEFAULT_PATH)
        _COLLECTORS[address] = collector
    return collector


def record(state: str) -> None:
    """Note for the sign-off whether the server's webhooks were checked (``state`` in words)."""
    if robot_is_running():
        from robot.libraries.BuiltIn import BuiltIn

        BuiltIn().set_suite_metadata(environment.SERVER_WEBHOOKS, state, top=True)
