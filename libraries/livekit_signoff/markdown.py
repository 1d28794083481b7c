"""The summary as Markdown (``signoff.md``): statuses and checks drawn as emoji."""

from __future__ import annotations

import re

from livekit_signoff.document import Block, Inline
from livekit_signoff.rules import FAILED, INCOMPLETE, LEAKED, PASSED, PASSED_OFFLINE
from livekit_signoff.steps import FAIL, NOT_RUN, PASS, SKIP, STATUS_WORDS

MARKDOWN_MARKS = {
    PASS: "✅",
    FAIL: "❌",
    SKIP: "⏭️",
    NOT_RUN: "⬜",
    PASSED: "✅",
    FAILED: "❌",
    INCOMPLETE: "⚠️",
    PASSED_OFFLINE: "☑️",
    LEAKED: "❌",
    "ok": "✓",
    "wrong": "✗",
    "reported": "—",
}


def escape_text(value: str) -> str:
    """``value`` as Markdown text: every character that would format it escaped."""
    value = re.sub(r"([\\`*\[\]<>|#])", r"\\\1", value)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", value)


def code_span(value: str) -> str:
    """``value`` as a code span on one line, fenced with more backticks than it holds in a row."""
    value = " ".join(value.split())
    fence = "`"
    while fence in value:
        fence += "`"
    padding = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{padding}{value}{padding}{fence}"


def _inline(content: Inline) -> str:
    parts = []
    for kind, value in content:
        if kind == "code":
            parts.append(code_span(value))
        elif kind == "strong":
            parts.append(f"**{escape_text(value)}**")
        elif kind == "mark":
            parts.append(MARKDOWN_MARKS[value])
        elif kind == "status":
            parts.append(f"{MARKDOWN_MARKS[value]} **{STATUS_WORDS[value]}**")
        else:
            parts.append(escape_text(value))
    return "".join(parts)


def to_markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            lines += ["#" * block.level + " " + _inline(block.content).rstrip(), ""]
        elif block.kind == "paragraph":
            lines += [_inline(block.content), ""]
        elif block.kind == "bullets":
            lines += [f"- {_inline(item)}" for item in block.items] + [""]
        elif block.kind == "numbered":
            lines += [f"{number}. {_inline(item)}" for number, item in enumerate(block.items, start=1)] + [""]
        elif block.kind == "table":
            lines.append("| " + " | ".join(block.header) + " |")
            lines.append("|" + "---|" * len(block.header))
            for row in block.rows:
                lines.append("| " + " | ".join(_inline(cell) for cell in row) + " |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
