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
# What a writer may put inside a token: line breaks, tabs, control characters, and the JSON,
# JavaScript and URL escapes of them. A plain space is not among them unless it follows or leads a
# line break: it separates words.
_BREAK = re.compile(
    r"[ \t]*[\n\r\v\f\x85\u2028\u2029]+[ \t]*|\t+|[\x00-\x08\x0e-\x1f\x7f]+"
    r"|\\[nrtfvb0]"
    r"|\\u00[01][0-9a-fA-F]|\\x[01][0-9a-fA-F]"
    r"|%(?:[01][0-9a-fA-F])"
)
_SHAPED = re.compile(r"ey[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
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
    """``text`` with every token, also one split by breaks or escapes, replaced by ``<token sha256:...>``.

    A token the run knows (``tokens``) is masked exactly, by its own fingerprint; a part of it (the
    signed part, the signature) by the token's. Anything else shaped like a compact JWS is masked
    from its ``ey`` to the end of the run of token characters it is in.
    """
    if not _BREAK.search(text):
        return text  # nothing can be split: the usual masking does the rest
    joined, origin = _joined(text)
    parts = sorted(
        ((part, token) for token in dict.fromkeys(token for token in tokens if token) for part in _parts(token)),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    found: list[tuple[int, int, str]] = []  # spans of ``joined``
    for run in _RUN.finditer(joined):
        value, offset = run.group(0), run.start()
        covered: list[tuple[int, int]] = []
        for part, token in parts:
            start = value.find(part)
            while start >= 0:
                end = start + len(part)
                if not any(start < other_end and other_start < end for other_start, other_end in covered):
                    covered.append((start, end))
                    found.append((offset + start, offset + end, fingerprint(token)))
                start = value.find(part, end)
        if covered:
            continue
        shaped = _SHAPED.search(value)
        if shaped is not None and mask_tokens(value[shaped.start() :]) != value[shaped.start() :]:
            found.append((offset + shaped.start(), run.end(), fingerprint(value[shaped.start() :])))
    spans = []
    for start, end, shown in found:
        first, last = origin[start], origin[end - 1] + 1
        if text[first:last] != joined[start:end]:  # split: the usual masking cannot see it
            spans.append((first, last, shown))
    for start, end, shown in sorted(spans, reverse=True):
        text = f"{text[:start]}<token {shown}>{text[end:]}"
    return text
