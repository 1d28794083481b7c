"""A webhook receiver that runs in the background on 127.0.0.1 and keeps what it received, in order.

Give a LiveKit server its URL (``webhook: {api_key: <key>, urls: [<collector.url>]}`` in the
server's config, with the same key among the collector's keys), let the server work, then read
``collector.events()``: every verified event with its type, room, participant identity and the
verification facts, in the order received. Requests it refused are in ``collector.received()``.

    collector = start_collector(keyring)
    ...
    collector.wait_for(lambda event: event["event"] == "room_finished", timeout=30)
    collector.stop()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from livekit_tokens.keys import Keyring

from .receiver import DEFAULT_MAX_BODY_BYTES, DEFAULT_PATH, ReceivedWebhook, ReceiverSettings, serve

POLL_SECONDS = 0.05


class Collector:
    """A running webhook receiver and what it received; create it with :func:`start_collector`."""

    def __init__(self, keyring: Keyring, host: str, port: int, path: str, max_body_bytes: int):
        self._received: list[ReceivedWebhook] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        settings = ReceiverSettings(keyring, path=path, max_body_bytes=max_body_bytes, on_webhook=self._keep)
        self._server = serve(settings, host, port)
        bound_host, bound_port = self._server.server_address[:2]
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        self.url = f"http://{shown}:{bound_port}{path}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, name="webhook-collector", daemon=True
        )
        self._thread.start()
        self._stopped = False

    def _keep(self, received: ReceivedWebhook) -> None:
        with self._arrived:
            self._received.append(received)
            self._arrived.notify_all()

    def received(self) -> list[dict]:
        """Every POST answered so far, verified or refused, in order (see ``ReceivedWebhook.as_dict``)."""
        with self._lock:
            return [item.as_dict() for item in self._received]

    def request(self, order: int) -> tuple[str | None, bytes] | None:
        """The ``Authorization`` header and body of the POST numbered ``order``, as received; None if unknown."""
        with self._lock:
            for item in self._received:
                if item.order == order:
                    return item.authorization, item.body
        return None

    def events(self) -> list[dict]:
        """The verified events received so far, in order."""
        return [item for item in self.received() if item["verified"]]

    def wait_for(self, matches: Callable[[dict], bool], timeout: float = 10.0) -> dict | None:
        """The first verified event for which ``matches`` is true, waiting up to ``timeout`` seconds; else None."""
        deadline = time.monotonic() + max(0.0, float(timeout))
        with self._arrived:
            while True:
                for item in self._received:
                    event = item.as_dict()
                    if item.verified and matches(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._arrived.wait(min(left, 0.5))

    def clear(self) -> None:
        """Forget what was received so far (the order goes on counting)."""
        with self._lock:
            self._received.clear()

    def stop(self) -> None:
        """Stop listening; what was received stays readable. Stopping twice does nothing."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def running(self) -> bool:
        return not self._stopped

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_collector(
    keyring: Keyring,
    host: str = "127.0.0.1",
    port: int = 0,
    path: str = DEFAULT_PATH,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Collector:
    """Start a webhook collector on ``host``:``port`` (0: a free port) verifying with ``keyring``; returns it running."""
    if not str(path).startswith("/"):
        raise ValueError(f"The collector's path must start with '/', got {str(path)[:60]!r}.")
    return Collector(keyring, host, port, path, max_body_bytes)
