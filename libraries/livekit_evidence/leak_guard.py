"""Search every file of a results folder, and the run's console output, for secrets and tokens.

    python tools/leak_guard.py results [--tokens FILE] [--console FILE] [--also PATH ...]

What is searched for:

- the configured API secrets (``LIVEKIT_API_SECRET``, ``LIVEKIT_KEYS``) and the other secrets the
  run noted in its token log (the file named by ``LIVEKIT_AUTH_TOKEN_LOG``; ``run.py`` creates it):
  each line is a JSON string, a token minted or received, or a JSON object ``{"secret": value}``,
  a token endpoint's request header value or an API secret a test added. A header value
  ``Bearer X`` is also searched as ``X``, and ``Basic X`` as the user and password ``X`` encodes;
- every token of the token log and ``LIVEKIT_TOKEN``, by its signed part and its signature, so that
  a token cut short is still found;
- every string shaped like a signed JWT that a configured or noted secret signs, whoever minted
  it (a token carried inside another token's claim, a token given under another name).

Each value is looked for as written; HTML-, XML-, JSON-, JavaScript-, Markdown- and URL-escaped;
in base64 (either alphabet, at any alignment) and hex; split over several lines or with its white
space and control characters changed or dropped; inside the compressed text blocks of Robot
Framework's ``log.html``, ``report.html`` and split log files; and in gzip- or zlib-compressed
files. Every file of any name is read once and searched for all values at once.

A hit prints the names of the files (never the value) and exits with 1; a clean folder prints one
line with the counts and exits with 0; a folder or file that cannot be read exits with 2.

Secrets of 8 characters or more (white space and control characters not counted) are always
searched. A shorter one is not: text that short is found in ordinary words of any results folder
("grants", "server" and "publish" are words of the suite's own documentation), so a hit would say
nothing about a leak, while missing every real one would not be safer. The summary line counts such
secrets as not searchable; the run itself reports them as weak secrets (HS256 needs 32 bytes). The
public development secret of ``livekit-server --dev`` is not searched either: it is the ordinary
word "secret" (tokens it signs are still found).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import hashlib
import hmac
import html
import json
import os
import re
import sys
import urllib.parse
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from robot.utils.markuputils import html_escape, html_format

from livekit_evidence import accidental
from livekit_evidence.record import CONSOLE_NAME, file_digest
from livekit_tokens import supplied
from livekit_tokens.evidence import TOKEN_LOG_VARIABLE, credential_parts
from livekit_tokens.keys import DEV_API_SECRET, ConfigurationError, load_keyring, secret_key_bytes

MIN_SEARCHABLE = 8  # characters; shorter secrets and token parts cannot be told apart from ordinary text
MIN_TOKEN_PART = 32  # characters of a signed part or a signature searched on its own
SECRET, TOKEN = "secret", "token"  # the kinds of value the guard names
UNCONFIRMED_SECRET = "secret, to confirm"  # found without white space; confirmed with it

# What the writers of the results change or drop: white space (Robot Framework turns "\r\n" into a
# space, the sign-off collapses runs of it, a long value is wrapped over lines) and control
# characters (not allowed in XML). Both the files and the values are searched without them.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]+")  # the control characters that are not white space
_LINE_BREAK = re.compile(r"[ \t]*[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*")
_SEPARATOR = "\ufdd0"  # between the views of one file: a noncharacter no value contains
_BACKSLASH_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_ESCAPED_CHARACTERS = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "0": "\0"}
# Robot Framework's compressed strings: base64 of zlib data, whose first byte 0x78 encodes as "e".
_COMPRESSED = re.compile(r'"(e[A-Za-z0-9+/]{14,}={0,2})"')
_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_UNPRINTABLE = re.compile(r"[^\t\n\r\x20-\x7e\u00a0-\ufffc]")
_SIGNATURE_SEGMENT = re.compile(r"\.([A-Za-z0-9_-]{43,})")
_BASE64URL_RUN = re.compile(r"[A-Za-z0-9_-]*")
# HS256, HS384 and HS512 signatures in base64url without padding, by their length.
_HMACS = ((43, hashlib.sha256), (64, hashlib.sha384), (86, hashlib.sha512))
HEADER_READ = 4096  # characters of a header read to find its first character
MAX_HEADER = 131072  # characters of a header (10,000 levels of nesting take about 27,000)
MAX_SIGNED_CHARACTERS = 64 * 1024 * 1024  # hashed at most to try the possible headers before one signature
_HEADER_START = re.compile(r"[eICD]")
_ENCODED_RUN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{100,}={0,2}")  # long enough to hold a token; from a run's start
_HEX = re.compile(r"[0-9a-fA-F]+")
_SIGNATURE_BYTES = re.compile(rb"\.[A-Za-z0-9_-]{43}")
MAX_INFLATED = 64 * 1024 * 1024  # bytes of one decompressed file or block; more is not read

# The index finds many long values in one pass: every value of at least _INDEXED characters has, at
# one of its first _STRIDE offsets, a _GRAM-character piece that starts at a multiple of _STRIDE in
# any text holding the value; only those pieces of the text are looked up.
_GRAM = 12
_STRIDE = 32
_INDEXED = _GRAM + _STRIDE - 1


def lines_joined(text: str) -> str:
    """``text`` without line breaks (and the spaces around them) and control characters."""
    return _LINE_BREAK.sub("", _CONTROL.sub("", text) if _CONTROL.search(text) else text)


def canonical(text: str) -> str:
    """``text`` without white space and control characters, as every file and value is compared."""
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return "".join(text.split())


def escaped_forms(value: str) -> tuple[str, ...]:
    """The value as written and as HTML, XML, JSON, URL and Robot's JavaScript encoding would write it."""
    forms = {
        value,
        html.escape(value, quote=True),
        html.escape(value, quote=False),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        urllib.parse.quote(value.encode("utf-8", "surrogateescape"), safe=""),  # a secret read from bytes that are not UTF-8
        urllib.parse.quote_plus(value.encode("utf-8", "surrogateescape"), safe=""),
        _UNPRINTABLE.sub("?", value),  # how the answer excerpts show characters they cannot print
    }
    forms |= {html.escape(form, quote=True) for form in list(forms)}
    forms |= {form.replace("</", "\\x3c/") for form in list(forms) if "</" in form}
    return tuple(sorted(form for form in forms if form))


def encoded_forms(value: str) -> set[str]:
    """The value's UTF-8 bytes in hex and in base64 as they appear inside a longer encoded text.

    Base64 writes three bytes as four characters, so the encoding of a value depends on where it
    starts in the encoded text: the value is encoded from each of its first three bytes, whole
    groups of three only, in the standard and the URL-safe alphabets.
    """
    data = value.encode("utf-8", "surrogatepass")
    forms = {data.hex(), data.hex().upper()}
    for start in range(3):
        chunk = data[start : start + (len(data) - start) // 3 * 3]
        if chunk:
            encoded = base64.b64encode(chunk).decode("ascii")
            forms |= {encoded, encoded.replace("+", "-").replace("/", "_")}
    return forms


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


def known_secrets(environ: Mapping[str, str], token_log: Path | None) -> list[str]:
    """Every secret the run knows: configured, and noted in its token log (a library's own key pair, header values)."""
    noted = recorded_values(token_log)[1]
    return list(
        dict.fromkeys([*configured_secrets(environ), *noted, *(part for value in noted for part in credential_parts(value))])
    )


def recorded_tokens(path: Path | None) -> list[str]:
    return recorded_values(path)[0]


def _header_starts_an_object(segment: str) -> bool:
    """Whether base64url ``segment`` decodes to text whose first character besides white space is ``{``.

    Only the start is decoded: 64 characters, more only while they decode to white space.
    """
    for size in (64, HEADER_READ):
        head = segment if len(segment) <= size else segment[:size]
        try:
            decoded = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
        except (binascii.Error, ValueError):
            return False
        stripped = decoded.lstrip(b" \t\r\n")
        if stripped or len(segment) <= size:
            return stripped[:1] == b"{"
    return False


def is_token(value: str) -> bool:
    """A compact JWS whose header is a JSON object: a value that could authenticate somewhere.

    Only the header's first character is read: a header nested thousands of levels deep (the
    server's JSON reader allows 10,000) is a token like any other.
    """
    return bool(_JWS.fullmatch(value)) and _header_starts_an_object(value.split(".", 1)[0])


def token_parts(token: str) -> list[str]:
    """The token's signed part and its signature: a token cut short in a log still shows one of them."""
    signed, _, signature = token.rpartition(".")
    return [part for part in (signed, signature) if len(part) >= MIN_TOKEN_PART]


class Index:
    """Many values, each with a kind, found in a text in one pass over it."""

    def __init__(self, forms: Mapping[str, str]):
        self.short: list[tuple[str, str]] = []
        self.pieces: dict[str, list[tuple[str, str]]] = {}
        for form, kind in forms.items():
            if len(form) < _INDEXED:
                self.short.append((form, kind))
                continue
            for offset in range(_STRIDE):
                self.pieces.setdefault(form[offset : offset + _GRAM], []).append((form, kind))

    def kinds_in(self, text: str) -> set[str]:
        found: set[str] = set()
        for form, kind in self.short:
            if kind not in found and form in text:
                found.add(kind)
        if not self.pieces:
            return found
        sampled = {text[start : start + _GRAM] for start in range(0, len(text), _STRIDE)}
        for piece in sampled.intersection(self.pieces):
            for form, kind in self.pieces[piece]:
                if kind not in found and form in text:
                    found.add(kind)
        return found


@dataclass
class Plan:
    index: Index
    secrets: int
    tokens: int
    public_secret_skipped: bool
    values_skipped: int
    secrets_not_searchable: int = 0  # shorter than MIN_SEARCHABLE
    secrets_noted: int = 0  # of ``secrets``: values the run noted in the token log
    signing_keys: list[bytes] = field(default_factory=list)  # tokens these sign are found whoever minted them
    known_tokens: set[str] = field(default_factory=set)
    unconfirmed: list[str] = field(default_factory=list)  # forms of secrets without white space
    fragments: accidental.Fragments = field(default_factory=lambda: accidental.Fragments(()))  # tokens in pieces


def robot_forms(value: str) -> set[str]:
    """The value as Robot Framework writes it into a log: as a message (URLs made links) and as documentation."""
    formatted = html_format(value)
    if formatted.startswith("<p>") and formatted.endswith("</p>"):
        formatted = formatted[3:-4]
    forms = {html_escape(value), formatted}
    return forms | {html.unescape(form) for form in forms}


def secret_forms(secret: str) -> set[str]:
    """Every form of a secret that is searched, without white space; empty when it is too short."""
    if len(canonical(secret)) < MIN_SEARCHABLE:
        return set()
    values = {secret, secret.strip()}
    values |= {variant for value in list(values) for variant in accidental.secret_variants(value)}
    values |= {form for value in list(values) for form in robot_forms(value)}
    forms = {canonical(form) for value in values for form in escaped_forms(value)}
    forms |= encoded_forms(secret) | encoded_forms(secret.strip())
    return {form for form in forms if len(form) >= MIN_SEARCHABLE}


def token_forms(token: str, given: bool = False) -> set[str]:
    """Every form of a token that is searched: its parts as written, in base64 and in hex."""
    parts = token_parts(token.strip())
    if not parts and given and len(canonical(token)) >= MIN_SEARCHABLE:
        parts = [token.strip()]  # LIVEKIT_TOKEN is searched whatever its shape
    forms = set()
    for part in parts:
        forms |= {canonical(form) for form in escaped_forms(part)} | encoded_forms(part)
    return {form for form in forms if len(form) >= MIN_SEARCHABLE}


def supplied_tokens(environ: Mapping[str, str]) -> list[str]:
    """``LIVEKIT_TOKEN`` and the token in the file ``LIVEKIT_TOKEN_FILE`` names, without the white space around them."""
    found = [environ.get(supplied.TOKEN_SETTING, "").strip()]
    path = environ.get(supplied.FILE_SETTING, "").strip()
    if path:
        with contextlib.suppress(ConfigurationError):  # the run stopped before any test, saying what to set
            found.append(supplied.read_token_file(Path(path)).strip())
    return [token for token in found if token]


def plan(environ: Mapping[str, str], token_log: Path | None) -> Plan:
    forms: dict[str, str] = {}
    secrets = noted = not_searchable = 0
    public_skipped = False
    values, recorded_secrets = recorded_values(token_log)
    configured = configured_secrets(environ)
    signing = dict.fromkeys(secret_key_bytes(secret) for secret in [*configured, *recorded_secrets])
    wanted = [*configured, *(part for value in recorded_secrets for part in credential_parts(value))]
    for secret in dict.fromkeys(wanted):
        if secret == DEV_API_SECRET:
            public_skipped = True
            continue
        found_as = secret_forms(secret)
        if not found_as:
            not_searchable += 1
            continue
        secrets += 1
        noted += secret not in configured
        # A secret without white space is confirmed where only line breaks were taken out: a secret
        # "tokenendpoint" is not the words "token endpoint" of the keyword manuals.
        kind = SECRET if any(char.isspace() for char in secret) else UNCONFIRMED_SECRET
        for form in found_as:
            if forms.get(form) != SECRET:
                forms[form] = kind
    given_tokens = supplied_tokens(environ)
    skipped = tokens = 0
    known = set()
    for value in dict.fromkeys([*values, *given_tokens]):
        given = value in given_tokens
        if not given and not is_token(value):
            skipped += 1  # hostile test input that is not a token at all (empty, raw text, broken base64)
            continue
        found_as = token_forms(value, given)
        if not found_as:
            skipped += 1
            continue
        tokens += 1
        known.add(value.strip())
        for form in found_as:
            forms.setdefault(form, TOKEN)
    unconfirmed = [form for form, kind in forms.items() if kind == UNCONFIRMED_SECRET]
    return Plan(
        Index(forms), secrets, tokens, public_skipped, skipped, not_searchable, noted, list(signing), known, unconfirmed,
        accidental.Fragments(known),
    )  # fmt: skip


# ---------------------------------------------------------------- reading the files


def _inflate(data: bytes, wbits: int) -> bytes | None:
    """``data`` decompressed (zlib or gzip), or None when it is not compressed so.

    A stream cut short (a log still being written) gives what it holds; one that expands beyond
    MAX_INFLATED gives its first MAX_INFLATED bytes.
    """
    try:
        inflated = zlib.decompressobj(wbits).decompress(data, MAX_INFLATED)
    except zlib.error:
        return None
    return inflated or None


def _text(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")


def _file_texts(data: bytes) -> list[str]:
    """The file's text, and the text inside it when the file is gzip- or zlib-compressed."""
    texts = [_text(data)]
    if data[:2] == b"\x1f\x8b" or (len(data) > 2 and data[0] == 0x78 and (data[0] * 256 + data[1]) % 31 == 0):
        inflated = _inflate(data, 47)  # 32 + 15: a zlib or gzip header
        if inflated is not None:
            texts.append(_text(inflated))
    return texts


def _unescape_one(match: re.Match) -> str:
    escaped = match.group(1)
    if len(escaped) > 1:
        return chr(int(escaped[1:], 16))
    return _ESCAPED_CHARACTERS.get(escaped, escaped)  # \" \\ \/ and Markdown's \* \_ \| ... are the character


def _decompressed_blocks(text: str) -> list[str]:
    """Robot Framework stores long log texts as base64 of zlib data (``robot.utils.compress_text``)."""
    blocks = []
    for literal in dict.fromkeys(_COMPRESSED.findall(text)):
        try:
            data = base64.b64decode(literal, validate=True)
        except (binascii.Error, ValueError):
            continue
        inflated = _inflate(data, 15)
        if inflated is not None:
            blocks.append(inflated.decode("utf-8", errors="replace"))
    return blocks


def _views(text: str, blocks: bool = True) -> list[str]:
    """The text in every form a value may take in it: raw, unescaped, and Robot's compressed strings.

    Writers escape in layers (Robot's log: HTML, then JavaScript; the sign-off: Markdown; HTML
    inside XML), so the layers are undone in that order; a value escaped once is also searched in
    its escaped forms, in the raw text.
    """
    views = [text]
    decoded = _BACKSLASH_ESCAPE.sub(_unescape_one, text) if "\\" in text else text  # JSON, JavaScript, Markdown
    if "&" not in decoded and decoded is not text:
        views.append(decoded)
    for _ in range(2):  # HTML, and HTML written inside XML
        if "&" not in decoded:
            break
        decoded = html.unescape(decoded)
        views.append(decoded)
    if "%" in text:
        views.append(urllib.parse.unquote(text))
    for block in _decompressed_blocks(text) if blocks else []:
        views.extend(_views(block, blocks=False))  # escaped as any text is: HTML, JavaScript, URL
    return views + accidental.extra_views(views) if blocks else views


def readable_text(data: bytes) -> str:
    """All views of a file's text, joined: what a reader of the file can see in it, escaped or not."""
    return _SEPARATOR.join(view for text in _file_texts(data) for view in _views(text))


# ---------------------------------------------------------------- tokens a configured secret signs


def _run_before(text: str, end: int) -> str:
    """The run of base64url characters that ends at ``end``."""
    size = 256
    while True:
        start = max(0, end - size)
        run = _BASE64URL_RUN.match(text[start:end][::-1]).group()
        if len(run) < end - start or start == 0:
            return text[end - len(run) : end]
        size *= 16


def _header_starts(run: str) -> Iterable[int]:
    """Where in ``run`` a JWS header may start: the whole run first, then from its end backwards.

    Base64url of ``{`` starts with e, and of white space with I, C or D; a header is searched for
    within its last MAX_HEADER characters.
    """
    first = max(0, len(run) - MAX_HEADER)
    starts = [0, *reversed([match.start() for match in _HEADER_START.finditer(run, first)])]
    return (start for start in dict.fromkeys(starts) if _header_starts_an_object(run[start : start + HEADER_READ]))


class SignedTokenFinder:
    """Finds strings shaped like a signed JWT that one of ``keys`` signs; remembers what it checked."""

    def __init__(self, keys: list[bytes], known: set[str]):
        self.keys = keys
        self.known = known
        self.checked: dict[str, bool] = {}

    def signs(self, signing_input: str, signature: str, digest) -> bool:
        data = signing_input.encode("ascii")
        for key in self.keys:
            mac = base64.urlsafe_b64encode(hmac.new(key, data, digest).digest()).rstrip(b"=").decode("ascii")
            if hmac.compare_digest(mac, signature):
                return True
        return False

    def found_in(self, text: str) -> bool:
        if not self.keys:
            return False
        for match in _SIGNATURE_SEGMENT.finditer(text):
            second_dot = match.start()
            payload = _run_before(text, second_dot)
            first_dot = second_dot - len(payload) - 1
            if len(payload) < 2 or first_dot < 1 or text[first_dot] != ".":
                continue
            run = match.group(1)
            header_run = _run_before(text, first_dot)
            budget = MAX_SIGNED_CHARACTERS
            for start in _header_starts(header_run):
                budget -= (len(header_run) - start + len(payload)) * len(self.keys)
                if budget < 0:
                    break
                signing_input = f"{header_run[start:]}.{payload}"
                for length, digest in _HMACS:
                    if len(run) < length:
                        break
                    token = f"{signing_input}.{run[:length]}"
                    if token in self.known:
                        continue
                    if token not in self.checked:
                        self.checked[token] = self.signs(signing_input, run[:length], digest)
                    if self.checked[token]:
                        return True
        return False


# ---------------------------------------------------------------- searching


@dataclass
class Outcome:
    files: int = 0
    hits: dict[str, set[str]] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    searched: list[str] = field(default_factory=list)  # the names of the files read, in order

    def add(self, other: Outcome) -> Outcome:
        """This outcome and ``other`` together (a file searched twice counts once)."""
        for name in other.searched:
            if name not in self.searched:
                self.searched.append(name)
                self.files += 1
        for name, kinds in other.hits.items():
            self.hits.setdefault(name, set()).update(kinds)
        self.unreadable.update(other.unreadable)
        return self


def search_data(data: bytes, work: Plan, finder: SignedTokenFinder) -> set[str]:
    """The kinds of value (``secret``, ``token``) found in one file's bytes."""
    text = readable_text(data)
    haystack = canonical(text)
    kinds = work.index.kinds_in(haystack)
    if UNCONFIRMED_SECRET in kinds:
        kinds.discard(UNCONFIRMED_SECRET)
        if SECRET not in kinds:
            joined = lines_joined(text)
            if any(form in joined for form in work.unconfirmed):
                kinds.add(SECRET)
    if TOKEN not in kinds and (finder.found_in(haystack) or any(map(finder.found_in, _encoded_texts(haystack)))):
        kinds.add(TOKEN)
    if TOKEN not in kinds and work.fragments.found_in(text):
        kinds.add(TOKEN)
    return kinds


def _encoded_texts(text: str) -> Iterable[str]:
    """The text that each long run of base64 (either alphabet, from any of its first four characters) or hex encodes."""
    for run in dict.fromkeys(match.group().rstrip("=") for match in _ENCODED_RUN.finditer(text)):  # once per view
        decoded = []
        if len(run) % 2 == 0 and _HEX.fullmatch(run):
            decoded.append(bytes.fromhex(run))
        standard = run.replace("-", "+").replace("_", "/")
        for start in range(4):
            piece = standard[start:]
            piece = piece[: len(piece) - 1] if len(piece) % 4 == 1 else piece
            try:
                decoded.append(base64.b64decode(piece + "=" * (-len(piece) % 4)))
            except (binascii.Error, ValueError):
                continue
        yield from (data.decode("latin-1") for data in decoded if _SIGNATURE_BYTES.search(data))


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def search(
    folder: Path,
    work: Plan,
    skip: Iterable[Path] = (),
    console: Path | None = None,
    also: Iterable[Path] = (),
) -> Outcome:
    """Search every file under ``folder``, the files and folders ``also`` names, and ``console``."""
    named: list[tuple[str, Path]] = [(path.relative_to(folder).as_posix(), path) for path in _files(folder)]
    seen = {path.resolve() for _, path in named}
    for extra in also:
        for path in _files(extra) if extra.is_dir() else [extra] if extra.exists() else []:
            if path.resolve() not in seen:
                seen.add(path.resolve())
                named.append((str(path), path))
    if console is not None:
        named.append((CONSOLE_NAME, console))
    skipped = {path.resolve() for path in skip}
    return search_files([(name, path) for name, path in named if path.resolve() not in skipped], work)


def search_files(named: Iterable[tuple[str, Path]], work: Plan, finder: SignedTokenFinder | None = None) -> Outcome:
    """Search exactly the files ``named`` (``(name shown, path)`` pairs); ``finder`` may be shared between searches."""
    finder = finder or SignedTokenFinder(work.signing_keys, work.known_tokens)
    outcome = Outcome()
    for name, path in named:
        try:
            data = path.read_bytes()
        except OSError as error:
            outcome.unreadable[name] = error.strerror or type(error).__name__
            continue
        outcome.files += 1
        outcome.searched.append(name)
        kinds = search_data(data, work, finder)
        if kinds:
            outcome.hits[name] = kinds
    return outcome


def hit_sentence(outcome: Outcome, where: str) -> str:
    """The sentence naming where a secret or a token was found (never the value)."""
    files = len(outcome.hits) - (CONSOLE_NAME in outcome.hits)
    place = f"{files} file(s) of {where}" + (" and in the console output" if CONSOLE_NAME in outcome.hits else "")
    if files == 0:
        place = "the console output"
    listed = ", ".join(f"{name} ({' and '.join(sorted(kinds))})" for name, kinds in sorted(outcome.hits.items()))
    return (
        f"Leak guard: a secret or a token of this run is written in {place}: {listed}. "
        "Do not share these results; find what logged it and run again."
    )


def unreadable_sentence(outcome: Outcome) -> str:
    listed = ", ".join(f"{name} ({reason})" for name, reason in sorted(outcome.unreadable.items()))
    return f"Leak guard: cannot read {listed}: not searched; make it readable and run the guard again."


def clean_sentence(outcome: Outcome, work: Plan, token_log: Path | None) -> str:
    """The one line of a search that found nothing, with the counts and the exceptions it made."""
    notes = []
    if work.secrets_noted:
        notes.append(f"{work.secrets_noted} of the secrets noted by the run (request header values, API keys added by tests)")
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
    return (
        f"Leak guard: {outcome.files} file(s) searched for {work.secrets} secret(s) and {work.tokens} token(s): none found{note}."
    )


def report(outcome: Outcome, work: Plan, where: str, token_log: Path | None) -> int:
    """Print what the search found and return the exit code: 0 clean, 1 a hit, 2 a file not read."""
    if outcome.hits:
        print(hit_sentence(outcome, where), file=sys.stderr)
    if outcome.unreadable:
        print(unreadable_sentence(outcome), file=sys.stderr)
    if outcome.hits:
        return 1
    if outcome.unreadable:
        return 2
    print(clean_sentence(outcome, work, token_log))
    return 0


def verdict(outcome: Outcome, output: Path) -> dict:
    """What a search of one run's files found, tied to that run's output.xml by its digest (names only, never a value)."""
    return {
        "output": output.name,
        "output_sha256": file_digest(output),
        "searched": list(outcome.searched),
        "found": {name: sorted(kinds) for name, kinds in sorted(outcome.hits.items())},
        "unreadable": dict(sorted(outcome.unreadable.items())),
    }


def write_record(record: dict, path: Path) -> None:
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="leak_guard.py", description="Fail when results contain a secret or a token.")
    parser.add_argument("results", type=Path, help="the results folder to search")
    parser.add_argument("--tokens", type=Path, help=f"token log to read (default: the file named by {TOKEN_LOG_VARIABLE})")
    parser.add_argument("--console", type=Path, help="a copy of the run's console output to search as well")
    parser.add_argument("--also", type=Path, action="append", default=[], help="another output file or folder of the run")
    options = parser.parse_args(argv)
    if not options.results.is_dir():
        print(f"Leak guard: {options.results} is not a folder; give the results folder of a run.", file=sys.stderr)
        return 2
    token_log = options.tokens or (Path(os.environ[TOKEN_LOG_VARIABLE]) if os.environ.get(TOKEN_LOG_VARIABLE) else None)
    work = plan(os.environ, token_log)
    outcome = search(options.results, work, [token_log] if token_log else [], options.console, options.also)
    return report(outcome, work, str(options.results), token_log)
