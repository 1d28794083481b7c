#!/usr/bin/env python3
"""Check a LiveKit set-up in a few seconds and say what is wrong with it, and how to fix it.

    python run.py diagnose [--timeout SECONDS]
    python tools/diagnose.py [--timeout SECONDS]

Reads ``LIVEKIT_URL`` (the server, ``ws(s)://`` or ``http(s)://``) and the key pair
(``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET``, or the first pair of ``LIVEKIT_KEYS``). It asks the
server whether it answers, knows the key and accepts the secret, compares the clocks and calls the
RoomService, then prints one line per check and a diagnosis of each problem. Nothing is minted that
outlives the check: the tokens it signs live one minute, grant only ``roomList`` and are never
printed or stored. Exit code: 0 when the set-up works, 1 when a check found a problem, 2 when a
setting is missing or unusable.
"""

from __future__ import annotations

import argparse
import os
import sys

from livekit_diagnosis.setup_check import check_setup
from livekit_http.urls import UrlError
from livekit_tokens.keys import ConfigurationError, load_keyring

NO_URL = (
    "Set LIVEKIT_URL to the LiveKit server to check (for example ws://127.0.0.1:7880 or wss://myproject.livekit.cloud), "
    "and LIVEKIT_API_KEY and LIVEKIT_API_SECRET to its key pair."
)


def main(argv: list[str] | None = None, environ: dict | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python run.py diagnose",
        description="Check LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET against the LiveKit server and "
        "print what is wrong, with the fix.",
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for each answer (default 5)")
    options = parser.parse_args(argv)
    env = os.environ if environ is None else environ
    url = str(env.get("LIVEKIT_URL", "")).strip()
    if not url:
        print(f"Configuration error: {NO_URL}", file=sys.stderr)
        return 2
    try:
        keyring = load_keyring(environ=env)
    except ConfigurationError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    if keyring.primary.origin == "dev default":
        print("LIVEKIT_API_KEY and LIVEKIT_API_SECRET are not set: checking the development pair 'devkey'.")
    try:
        report = check_setup(url, keyring.primary, timeout=options.timeout)
    except UrlError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
