"""Tokens written with breaks inside them: found and masked as the leak guard finds them.

A server log writes what a client sent, and a token sent with a line break or a tab inside it comes
out split: ``eyJ...eyJ\\n2aW...`` (livekit-server v1.13.5 logs the refused token in the JSON of its
``error handling request`` line, where a newline is the escape ``\\n``). The leak guard reads every
file with white space, control characters and such escapes taken out (``leak_guard.canonical``), so a
token split this way is still a token in the results. :func:`mask_split_tokens` reads the text the
same way, finds every run that holds a token (a known one, one of its parts, or anything shaped
like a compact JWS) and masks the whole stretch of the original text that run came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from livekit_tokens.evidence import fingerprint, mask_tokens

MIN_PART = 32  # characters of a token's signed part or signature searched on its own (as the leak guard does)
# What a writer may put between two characters of a token: white space, control characters, and the
# JSON, JavaScript and URL escapes of them.
_BREAK = re.compile(
    r"\s+|[\x00-\x1f\x7f]+"
    r"|\\[nrtfvb0]"
    r"|\\u00[01][0-9a-fA-F]|\\u0020|\\x[01][0-9a-fA-F]|\\x20"
    r"|%(?:[01][0-9a-fA-F]|20)"
)
_RUN = re.compile(r"[A-Za-z0-9_.-]+")


def _joined(text: str) -> tuple[str, list[int]]:
    """``text`` without breaks, and for each of its characters the position it came from."""
    kept: list[str] = []
    origin: list[int] = []
    position = 0
    for match in _BREAK.finditer(text):
        kept.append(text[position : match.start()])
        origin.extend(range(position, match.start()))
        position = match.end()
    kept.append(text[position:])
    origin.extend(range(position, len(text)))
    return "".join(kept), origin


def _parts(token: str) -> list[str]:
    signed, _, signature = token.rpartition(".")
    return [part for part in (token, signed, signature) if len(part) >= MIN_PART]


def mask_split_tokens(text: str, tokens: Iterable[str] = ()) -> str:
    """``text`` with every token, also one split by breaks or escapes, replaced by ``<token sha256:...>``."""
    if not _BREAK.search(text):
        return text  # nothing can be split: the usual masking does the rest
    joined, origin = _joined(text)
    spans: list[tuple[int, int, str]] = []
    parts = {part: token for token in tokens if token for part in _parts(token)}
    for run in _RUN.finditer(joined):
        value = run.group(0)
        known = next((token for part, token in parts.items() if part in value), None)
        if known is None and mask_tokens(value) == value:
            continue
        start, end = origin[run.start()], origin[run.end() - 1] + 1
        if text[start:end] == value:
            continue  # not split: masked where the text is read as it is
        spans.append((start, end, fingerprint(known if known is not None else value)))
    for start, end, shown in sorted(spans, reverse=True):
        text = f"{text[:start]}<token {shown}>{text[end:]}"
    return text
