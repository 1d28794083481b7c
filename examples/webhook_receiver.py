#!/usr/bin/env python3
"""A reference LiveKit webhook receiver on the Python standard library.

    python examples/webhook_receiver.py --port 8090    serves POST http://127.0.0.1:8090/webhook

Point a LiveKit server at it (``webhook: {api_key: <key>, urls: [http://127.0.0.1:8090/webhook]}``
in the server's config). Every POST is checked as LiveKit's own receiver checks it (livekit/protocol
``webhook/verifier.go``), and refused unless all of this holds:

- the body is at most ``--max-body`` bytes (1 MiB; a larger one gets 413 and is never kept) and
  is sent with a ``Content-Length`` (a chunked body gets 411);
- the ``Authorization`` header holds the token itself, without ``Bearer `` (the server never sends
  a scheme, so this receiver is strict about it);
- the token names, in ``iss``, a configured API key, is signed with that key's secret using
  HS256 (``none``, HS512 and every other algorithm are refused), and is valid now (``exp`` and
  ``nbf`` with the server's 60 s of leeway);
- its ``sha256`` claim is the standard base64 of the SHA-256 of the exact body bytes, compared in
  constant time;
- the body is a ``WebhookEvent`` as protojson reads it (unknown fields are ignored).

A refused POST gets 401 (400 for a verified body that is not an event) with one sentence in
``{"error": ...}``; a verified event gets 200 and is handed to :func:`handle_event`, where an
application puts its own work. The checks themselves live in ``libraries/livekit_webhooks`` so that
the acceptance suite, this receiver and the event collector apply the very same rules.

Keys come from the same settings as the acceptance suite: ``LIVEKIT_API_KEY`` and
``LIVEKIT_API_SECRET``, or ``LIVEKIT_KEYS`` (several pairs, as the server takes them), else the
``livekit-server --dev`` pair. It binds 127.0.0.1 unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

try:
    from livekit_http.options import port_number, serve_until_stopped
    from livekit_tokens.keys import ConfigurationError, load_keyring
    from livekit_webhooks.receiver import DEFAULT_MAX_BODY_BYTES, DEFAULT_PATH, ReceivedWebhook, ReceiverSettings, serve
except ModuleNotFoundError:  # started by a Python without the project's packages: run again in run.py's environment
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "run.py"))["rerun_in_environment"](Path(__file__), sys.argv[1:])

MAX_BODY_LIMIT = 64 * 1024 * 1024


def handle_event(received: ReceivedWebhook) -> None:
    """Do the application's work for one verified event; called before the 200 answer is sent.

    ``received.verdict.facts`` holds the event type, room, participant identity and event id. The
    reference receiver only prints them; the server retries on a 5xx or no answer, so work that
    may fail belongs in a queue rather than here.
    """
    facts = received.verdict.facts
    print(
        f"event {received.order}: {facts.get('event')} room={facts.get('room')!r} "
        f"participant={facts.get('participant')!r} id={facts.get('event_id')}",
        flush=True,
    )


def body_limit(text: str) -> int:
    """A ``--max-body`` value: a whole number of bytes from 1 KiB to 64 MiB."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or not 1024 <= int(value) <= MAX_BODY_LIMIT:
        raise argparse.ArgumentTypeError(f"must be a number of bytes from 1024 to {MAX_BODY_LIMIT}, not '{text[:40]}'")
    return int(value)


def path(text: str) -> str:
    """A ``--path`` value: an absolute URL path such as ``/webhook``, without a query."""
    value = text.strip()
    if not value.startswith("/") or "?" in value or "#" in value or not all(33 <= ord(ch) < 127 for ch in value):
        raise argparse.ArgumentTypeError(f"must be a URL path such as /webhook, not {text[:60]!r}")
    return value


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reference LiveKit webhook receiver (POST /webhook).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=port_number, default=8090, help="port to listen on (default 8090; 0 picks a free one)")
    parser.add_argument("--path", type=path, default=DEFAULT_PATH, help=f"URL path to serve (default {DEFAULT_PATH})")
    parser.add_argument(
        "--max-body",
        type=body_limit,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"largest body read, in bytes (default {DEFAULT_MAX_BODY_BYTES}: 1 MiB)",
    )
    options = parser.parse_args(argv)
    try:
        keyring = load_keyring()
    except ConfigurationError as error:
        print(f"Cannot start the webhook receiver: {error}", file=sys.stderr)
        return 2
    settings = ReceiverSettings(keyring, path=options.path, max_body_bytes=options.max_body, on_webhook=_handled, log=_log)
    try:
        httpd = serve(settings, options.host, options.port)
    except (OSError, ValueError, OverflowError) as error:  # a host name that does not resolve or cannot be encoded
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        print(f"Cannot listen on {options.host[:80]}:{options.port}: {reason.rstrip('.')}.", file=sys.stderr)
        return 2
    keys = ", ".join(api_key.key for api_key in keyring)
    return serve_until_stopped(httpd, f"Serving POST {{address}}{options.path} (webhooks signed with: {keys})", "")


def _handled(received: ReceivedWebhook) -> None:
    if received.verified:
        handle_event(received)


if __name__ == "__main__":
    sys.exit(main())
