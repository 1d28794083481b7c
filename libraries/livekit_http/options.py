"""Command-line options the project's example servers share."""

from __future__ import annotations

import argparse


def port_number(text: str) -> int:
    """An ``--port`` value: a whole number from 0 (any free port) to 65535."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 5 or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 65535 (0 picks a free port), not '{text[:40]}'")
    return int(value)


def serve_until_stopped(httpd, what: str, exposed: str) -> int:
    """Announce ``what`` is served at ``httpd``'s address, serve until Ctrl-C, close; 0.

    ``exposed`` is what the warning adds when the address is reachable from other machines.
    """
    import sys

    from .urls import is_loopback

    host, port = httpd.server_address[:2]
    if not is_loopback(str(host)):
        print(f"Warning: listening on {host}, reachable from other machines{exposed}.", file=sys.stderr)
    shown = f"[{host}]" if ":" in str(host) else host
    print(what.format(address=f"http://{shown}:{port}"), flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0
