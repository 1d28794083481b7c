"""Command-line options the project's example servers share."""

from __future__ import annotations

import argparse


def port_number(text: str) -> int:
    """An ``--port`` value: a whole number from 0 (any free port) to 65535."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 5 or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 65535 (0 picks a free port), not '{text[:40]}'")
    return int(value)
