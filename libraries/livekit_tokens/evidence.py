"""What the log shows instead of a token: readable tables, a fingerprint, and structured records.

Every table carries its values as JSON in a ``data-lk-evidence`` attribute, so that the sign-off
summary can be rebuilt from ``output.xml`` alone (see ``tools/signoff.py``).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from typing import Any

EVIDENCE_ATTRIBUTE = "data-lk-evidence"
TOKEN_LOG_VARIABLE = "LIVEKIT_AUTH_TOKEN_LOG"  # set by run.py: where the leak guard finds what to look for


_NEEDS_ESCAPE = re.compile(r"[&<>\"']")


def _escape(text: str) -> str:
    return html.escape(text, quote=True) if _NEEDS_ESCAPE.search(text) else text


def fingerprint(token: str) -> str:
    """A short, non-reversible name for a token: the first 12 hex digits of its SHA-256."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:12]


MAX_SHOWN_DEPTH = 64


def shallow(value: Any, depth: int = MAX_SHOWN_DEPTH) -> Any:
    """``value`` with lists and objects nested deeper than ``depth`` replaced by a short note.

    A token may carry JSON nested thousands of levels deep (the server accepts up to 10,000);
    logging and returning such a value would exhaust Python's recursion limit.
    """
    if isinstance(value, (dict, list)) and depth <= 0:
        return f"(JSON nested deeper than {MAX_SHOWN_DEPTH} levels, not shown)"
    if isinstance(value, dict):
        return {key: shallow(item, depth - 1) for key, item in value.items()}
    if isinstance(value, list):
        return [shallow(item, depth - 1) for item in value]
    return value


def show(value: Any) -> str:
    """A claim value as a tester reads it: text as is, everything else as compact JSON."""
    if value is None:
        return "(not set)"
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    except (RecursionError, ValueError):  # nested too deeply to encode whole
        return json.dumps(shallow(value), ensure_ascii=False, separators=(", ", ": "))


def table(title: str, rows: list[dict], record: dict | None = None) -> str:
    """An HTML table of ``rows`` (dicts with label/value or label/expected/actual/ok).

    ``record`` is the structured form stored with it; rows are stored when it is not given.
    """
    data = record if record is not None else {"title": title, "rows": rows}
    try:
        encoded = json.dumps(data)  # ASCII only; the shared default encoder is the fast path
    except TypeError:  # a value JSON has no type for: shown as its text
        encoded = json.dumps(data, default=str)
    except (RecursionError, ValueError):  # a claim nested too deeply to encode whole
        encoded = json.dumps(shallow(data, MAX_SHOWN_DEPTH + 4), default=str)
    payload = _escape(encoded)
    checks = any("expected" in row for row in rows)
    head = "<tr><th>Item</th><th>Expected</th><th>Observed</th><th></th></tr>" if checks else ""
    body = []
    for row in rows:
        label = _escape(str(row.get("label", "")))
        if checks:
            mark = {True: "&#10004;", False: "&#10008;", None: "&#8212;"}[row.get("ok")]
            body.append(
                f"<tr><td>{label}</td><td>{_escape(show(row.get('expected')))}</td>"
                f"<td>{_escape(show(row.get('actual')))}</td><td>{mark}</td></tr>"
            )
        else:
            body.append(f"<tr><td>{label}</td><td>{_escape(show(row.get('value')))}</td></tr>")
    return (
        f'<table class="lk-evidence" {EVIDENCE_ATTRIBUTE}="{payload}">'
        f'<caption style="text-align:left"><b>{_escape(title)}</b></caption>{head}{"".join(body)}</table>'
    )


def remember_token(token: str) -> None:
    """Note a token minted or received in this run for the end-of-run leak guard (never logged)."""
    if token:
        _note(token)  # a JSON string


def remember_secret(value: str) -> None:
    """Note another secret value this run sends (an endpoint's request header) for the leak guard."""
    if value:
        _note({"secret": value})  # a JSON object, told apart from the tokens


def _note(entry) -> None:
    path = os.environ.get(TOKEN_LOG_VARIABLE)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")  # one JSON value a line
    except OSError:
        pass
