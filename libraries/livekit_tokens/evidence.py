"""What the log shows instead of a token: readable tables, a fingerprint, and structured records.

Every table carries its values as JSON in a ``data-lk-evidence`` attribute, so that the sign-off
summary can be rebuilt from ``output.xml`` alone (see ``livekit_signoff``).
"""

from __future__ import annotations

import base64
import binascii
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


# Runs of base64url characters and dots, where a compact JWS can hide (see mask_tokens).
_DOTTED_RUN = re.compile(r"[A-Za-z0-9_.-]+")


def mask_tokens(text: str) -> str:
    """``text`` with every substring shaped like a compact JWS replaced by ``<token sha256:...>``.

    Whoever minted it, a token never shows: one carried inside a claim, an answer or a message is
    named by its fingerprint only.
    """
    if text.count(".") < 2:
        return text
    return _DOTTED_RUN.sub(lambda match: _mask_run(match.group(0)), text)


def _mask_run(run: str) -> str:
    """Replace each compact JWS in a run of base64url characters and dots by its fingerprint.

    A JWS is a first segment from ``ey`` on (base64url JSON starts so) of at least 8 characters,
    a second one of at least 2 and a third one; the first ``ey`` of a segment starts it. Reading
    the run segment by segment takes time in proportion to its length, whatever it holds.
    """
    if run.count(".") < 2:
        return run
    segments = run.split(".")
    out: list[str] = []
    index = 0
    while index < len(segments):
        segment = segments[index]
        start = segment.find("ey")
        if index + 2 < len(segments) and start != -1 and len(segment) - start >= 8 and len(segments[index + 1]) >= 2:
            token = ".".join((segment[start:], segments[index + 1], segments[index + 2]))
            out.append(segment[:start] + f"<token {fingerprint(token)}>")
            index += 3
        else:
            out.append(segment)
            index += 1
    return ".".join(out)


_AUTH_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)[ \t]+(\S.*)", re.DOTALL)


def credential_parts(value: str) -> list[str]:
    """A header value and the parts of it that are secret on their own, longest first.

    ``Bearer X`` (any scheme) is also ``X``: an answer may echo the credential without its scheme.
    ``Basic X`` is also the ``user:password`` that ``X`` encodes, and the password.
    """
    parts = [value]
    match = _AUTH_SCHEME.fullmatch(value.strip())
    if match:
        credential = match.group(2).strip()
        parts.append(credential)
        if match.group(1).lower() == "basic":
            try:
                decoded = base64.b64decode(credential, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                decoded = ""
            parts += [decoded, decoded.partition(":")[2]]
    return sorted({part for part in parts if part.strip()}, key=len, reverse=True)


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
        return mask_tokens(value)
    try:
        return mask_tokens(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))
    except (RecursionError, ValueError):  # nested too deeply to encode whole
        return mask_tokens(json.dumps(shallow(value), ensure_ascii=False, separators=(", ", ": ")))


def table(title: str, rows: list[dict], record: dict | None = None, kind: str | None = None, facts: dict | None = None) -> str:
    """An HTML table of ``rows`` (dicts with label/value or label/expected/actual/ok).

    ``record`` is the structured form stored with it; rows are stored when it is not given. The
    title and the labels are for readers and may change; what the sign-off reads has stable names:
    ``kind`` names the table, each row's ``key`` names its value (a claim, a grant, ``fingerprint``),
    a failed check carries its ``cause``, and ``facts`` holds the table's conclusions (a signature's
    ``outcome`` and ``cause``).
    """
    data = record if record is not None else {"title": title, "rows": rows}
    if kind is not None:
        data = {**data, "kind": kind}
    if facts is not None:
        data = {**data, "facts": facts}
    try:
        encoded = json.dumps(data)  # ASCII only; the shared default encoder is the fast path
    except TypeError:  # a value JSON has no type for: shown as its text
        encoded = json.dumps(data, default=str)
    except (RecursionError, ValueError):  # a claim nested too deeply to encode whole
        encoded = json.dumps(shallow(data, MAX_SHOWN_DEPTH + 4), default=str)
    payload = _escape(mask_tokens(encoded))  # a token inside a claim value is stored by its fingerprint only
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
    """Note another secret value of this run for the leak guard: a request header's value, an API secret a test adds."""
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
