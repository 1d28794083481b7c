"""Derive altered tokens from a good one, so that suites never hand-write base64.

Each function returns a new compact token; none of them checks anything.
"""

from __future__ import annotations

import json

from jwt.utils import base64url_decode, base64url_encode


def _split(token: str) -> list[str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(f"A token to alter must have 3 segments, this one has {len(parts)}.")
    return parts


def _segment_json(segment: str) -> dict:
    value = json.loads(base64url_decode(segment))
    if not isinstance(value, dict):
        raise ValueError("A token to alter must carry JSON objects in its header and payload.")
    return value


def _encode_json(value: dict) -> str:
    return base64url_encode(json.dumps(value, separators=(",", ":")).encode("utf-8")).decode("ascii")


def decoded_parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = _split(token)
    return _segment_json(header), _segment_json(payload)


def set_path(document: dict, path: str, value) -> dict:
    """Set ``video.roomAdmin``-style dotted paths; a value of ``REMOVE`` deletes the field."""
    target = document
    *parents, last = path.split(".")
    for name in parents:
        child = target.get(name)
        if not isinstance(child, dict):
            child = {}
            target[name] = child
        target = child
    if value is REMOVE:
        target.pop(last, None)
    else:
        target[last] = value
    return document


REMOVE = object()


def with_claims(token: str, changes: dict) -> str:
    """Change payload fields (dotted paths allowed) and keep the old signature."""
    header, payload, signature = _split(token)
    claims = _segment_json(payload)
    for path, value in changes.items():
        set_path(claims, path, value)
    return f"{header}.{_encode_json(claims)}.{signature}"


def with_header(token: str, changes: dict) -> str:
    """Change header fields and keep the old signature."""
    header, payload, signature = _split(token)
    fields = _segment_json(header)
    for path, value in changes.items():
        set_path(fields, path, value)
    return f"{_encode_json(fields)}.{payload}.{signature}"


def with_flipped_signature_byte(token: str, index: int = 0) -> str:
    """Flip every bit of one byte of the signature."""
    header, payload, signature = _split(token)
    raw = bytearray(base64url_decode(signature))
    if not raw:
        raise ValueError("The token has no signature to alter.")
    raw[index % len(raw)] ^= 0xFF
    return f"{header}.{payload}.{base64url_encode(bytes(raw)).decode('ascii')}"
