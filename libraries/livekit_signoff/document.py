"""The document a sign-off is made of: blocks of inline content, drawn by the Markdown and HTML writers.

The sections build a list of :class:`Block`; ``markdown`` and ``html_page`` draw the same list, so
that both files say the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

TITLE = "LiveKit Client Authentication Test Results"

# Inline content is a list of (kind, text) pairs; kinds: text, code, strong, mark (a status or a
# check result, drawn as an emoji in Markdown and as a label in HTML) and status (a step's status
# with its word).
Inline = list[tuple[str, str]]

_CHECKS = {True: "ok", False: "wrong", None: "reported"}


@dataclass
class Block:
    kind: str  # heading, paragraph, bullets, numbered, table
    level: int = 0
    content: Inline = field(default_factory=list)
    items: list[Inline] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[Inline]] = field(default_factory=list)
    css: str = ""


def text(value) -> tuple[str, str]:
    return ("text", str(value))


def code(value) -> tuple[str, str]:
    return ("code", show(value))


def strong(value) -> tuple[str, str]:
    return ("strong", str(value))


def mark(value) -> tuple[str, str]:
    return ("mark", _CHECKS[value] if value is None or isinstance(value, bool) else value)


def heading(level: int, *content, css: str = "") -> Block:
    return Block("heading", level=level, content=list(content), css=css)


def paragraph(*content, css: str = "") -> Block:
    return Block("paragraph", content=list(content), css=css)


def bullets(items: list[Inline], css: str = "") -> Block:
    return Block("bullets", items=items, css=css)


def show(value) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
