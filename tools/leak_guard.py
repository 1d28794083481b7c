#!/usr/bin/env python3
"""Search every file of a results folder for the configured API secrets and for the run's tokens.

    python tools/leak_guard.py results [--tokens FILE]

Secrets come from the same settings as the suite (``LIVEKIT_API_SECRET``, ``LIVEKIT_KEYS``) and from
the token log the libraries write while they run (the file named by ``LIVEKIT_AUTH_TOKEN_LOG``;
``run.py`` creates it): each line is a JSON string, a token minted or received, or a JSON object
``{"secret": value}``, another secret the run sent (a token endpoint's request header value).
``LIVEKIT_TOKEN`` is searched as a token. Each value is looked for as written and in its HTML-,
JSON- and URL-escaped forms, and inside the compressed text blocks of Robot Framework's
``log.html`` and ``report.html``.

A hit prints the names of the files (never the value) and exits with 1; a clean folder prints one
line with the counts and exits with 0; an unreadable folder exits with 2.

Secrets of 8 characters or more are always searched. A shorter one is not: text that short is
found in ordinary words of any results folder ("grants", "server" and "publish" are words of the
suite's own documentation), so a hit would say nothing about a leak, while missing every real one
would not be safer. The summary line counts such secrets as not searchable; the run itself reports
them as weak secrets (HS256 needs 32 bytes). The public development secret of
``livekit-server --dev`` is not searched either: it is the ordinary word "secret".
"""

from __future__ import annotations

import argparse
import base64
import binascii
import html
import json
import os
import re
import sys
import urllib.parse
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "libraries") not in sys.path:
    sys.path.insert(0, str(ROOT / "libraries"))

from livekit_tokens.evidence import TOKEN_LOG_VARIABLE  # noqa: E402
from livekit_tokens.keys import DEV_API_SECRET, ConfigurationError, load_keyring  # noqa: E402

MIN_SEARCHABLE = 8  # characters; shorter secrets and token parts cannot be told apart from ordinary text
_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_JSON_STRING = re.compile(r'"((?:[^"\\\n]|\\.){8,})"')
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


@dataclass(frozen=True)
class Needle:
    kind: str  # "secret" or "token"
    forms: tuple[str, ...]

    def found_in(self, haystack: str) -> bool:
        return any(form in haystack for form in self.forms)


def escaped_forms(value: str) -> tuple[str, ...]:
    """The value as written and as HTML, XML, JSON and URL encoding would write it."""
    forms = {
        value,
        html.escape(value, quote=True),
        html.escape(value, quote=False),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value, safe=""),
    }
    forms |= {html.escape(form, quote=True) for form in list(forms)}
    return tuple(sorted(form for form in forms if form))


def configured_secrets(environ: Mapping[str, str]) -> list[str]:
    """Every API secret the suite would use; the raw settings when they do not load as a keyring."""
    try:
        return load_keyring(environ=environ).secrets()
    except ConfigurationError:
        secrets = [environ.get("LIVEKIT_API_SECRET", "")]
        for line in environ.get("LIVEKIT_KEYS", "").splitlines():
            secrets.append(line.partition(":")[2].strip())
        return [secret for secret in secrets if secret.strip()]


def recorded_values(path: Path | None) -> tuple[list[str], list[str]]:
    """``(tokens, secrets)`` noted in the token log: JSON strings, and objects ``{"secret": value}``."""
    tokens: list[str] = []
    secrets: list[str] = []
    if path is None or not path.is_file():
        return tokens, secrets
    for line in path.read_text(encoding="utf-8", errors="surrogatepass").splitlines():
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, str):
            tokens.append(value)
        elif isinstance(value, dict) and isinstance(value.get("secret"), str) and value["secret"].strip():
            secrets.append(value["secret"])
    return tokens, secrets


def recorded_tokens(path: Path | None) -> list[str]:
    return recorded_values(path)[0]


def is_token(value: str) -> bool:
    """A compact JWS whose header is a JSON object: a value that could authenticate somewhere."""
    if not _JWS.fullmatch(value):
        return False
    header = value.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, RecursionError, binascii.Error):
        return False
    return isinstance(decoded, dict)


def token_parts(token: str) -> list[str]:
    """The token, its signed part and its signature: a token cut short in a log still shows one of them."""
    signed, _, signature = token.rpartition(".")
    return [part for part in (token, signed, signature) if len(part) >= 32]


@dataclass
class Plan:
    needles: list[Needle]
    secrets: int
    tokens: int
    public_secret_skipped: bool
    values_skipped: int
    secrets_not_searchable: int = 0  # shorter than MIN_SEARCHABLE
    secrets_noted: int = 0  # of ``secrets``: values the run noted in the token log (request headers)


def plan(environ: Mapping[str, str], token_log: Path | None) -> Plan:
    needles: list[Needle] = []
    secrets = 0
    noted = 0
    not_searchable = 0
    public_skipped = False
    values, recorded_secrets = recorded_values(token_log)
    configured = configured_secrets(environ)
    for secret in dict.fromkeys([*configured, *recorded_secrets]):
        if secret == DEV_API_SECRET:
            public_skipped = True
            continue
        if len(secret) < MIN_SEARCHABLE:
            not_searchable += 1
            continue
        secrets += 1
        noted += secret not in configured
        needles.append(Needle("secret", escaped_forms(secret)))
    supplied = environ.get("LIVEKIT_TOKEN", "").strip()
    skipped = 0
    tokens = 0
    for value in dict.fromkeys([*values, *([supplied] if supplied else [])]):
        given = bool(supplied) and value == supplied  # LIVEKIT_TOKEN is searched whatever its shape
        if not given and not is_token(value):
            skipped += 1  # hostile test input that is not a token at all (empty, raw text, broken base64)
            continue
        parts = token_parts(value) or ([value] if len(value) >= MIN_SEARCHABLE else [])
        if not parts:
            skipped += 1
            continue
        tokens += 1
        needles.append(Needle("token", tuple(form for part in parts for form in escaped_forms(part))))
    return Plan(needles, secrets, tokens, public_skipped, skipped, not_searchable, noted)


def readable_text(data: bytes) -> str:
    """The file's text in every form a value may take in it: raw, unescaped, and Robot's compressed strings."""
    raw = data.decode("utf-8", errors="replace")
    views = [raw, html.unescape(raw), html.unescape(html.unescape(raw)), urllib.parse.unquote(raw)]
    for match in _JSON_STRING.finditer(raw):
        try:
            literal = json.loads(f'"{match.group(1)}"')
        except ValueError:
            continue
        views.append(literal)
        expanded = _decompressed(literal)
        if expanded is not None:
            views += [expanded, html.unescape(expanded)]
    return "\n\0\n".join(views)


def _decompressed(literal: str) -> str | None:
    """Robot Framework stores long log texts as base64 of zlib data (``robot.utils.compress_text``)."""
    if literal.startswith("*") or not _BASE64.fullmatch(literal):
        return None
    try:
        return zlib.decompress(base64.b64decode(literal, validate=True)).decode("utf-8", errors="replace")
    except (binascii.Error, zlib.error, ValueError):
        return None


def search(folder: Path, needles: list[Needle], skip: Iterable[Path] = ()) -> tuple[int, dict[str, set[str]]]:
    skipped = {path.resolve() for path in skip}
    hits: dict[str, set[str]] = {}
    files = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.resolve() in skipped:
            continue
        files += 1
        haystack = readable_text(path.read_bytes())
        kinds = {needle.kind for needle in needles if needle.found_in(haystack)}
        if kinds:
            hits[path.relative_to(folder).as_posix()] = kinds
    return files, hits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="leak_guard.py", description="Fail when results contain a secret or a token.")
    parser.add_argument("results", type=Path, help="the results folder to search")
    parser.add_argument("--tokens", type=Path, help=f"token log to read (default: the file named by {TOKEN_LOG_VARIABLE})")
    options = parser.parse_args(argv)
    if not options.results.is_dir():
        print(f"Leak guard: {options.results} is not a folder; give the results folder of a run.", file=sys.stderr)
        return 2
    token_log = options.tokens or (Path(os.environ[TOKEN_LOG_VARIABLE]) if os.environ.get(TOKEN_LOG_VARIABLE) else None)
    work = plan(os.environ, token_log)
    files, hits = search(options.results, work.needles, [token_log] if token_log else [])
    if hits:
        listed = ", ".join(f"{name} ({' and '.join(sorted(kinds))})" for name, kinds in sorted(hits.items()))
        print(
            f"Leak guard: a configured secret or a token of this run is written in {len(hits)} file(s) of "
            f"{options.results}: {listed}. Do not share these results; find what logged it and run again.",
            file=sys.stderr,
        )
        return 1
    notes = []
    if work.secrets_noted:
        notes.append(f"{work.secrets_noted} of the secrets noted by the run (request header values)")
    if work.secrets_not_searchable:
        notes.append(
            f"{work.secrets_not_searchable} secret(s) shorter than {MIN_SEARCHABLE} characters not searchable: "
            "ordinary words of any results folder would match them (the run reports them as weak secrets)"
        )
    if work.public_secret_skipped:
        notes.append("the public development secret is not searched")
    if token_log is None:
        notes.append(f"no token log ({TOKEN_LOG_VARIABLE} not set)")
    if work.values_skipped:
        notes.append(f"{work.values_skipped} recorded test input(s) that are not tokens skipped")
    note = f" ({'; '.join(notes)})" if notes else ""
    print(f"Leak guard: {files} file(s) searched for {work.secrets} secret(s) and {work.tokens} token(s): none found{note}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
