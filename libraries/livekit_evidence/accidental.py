"""Forms a token or a secret takes by accident, searched by the leak guard beside the escaped ones.

- **Invisible characters between the characters**: zero-width spaces, joiners, the word joiner,
  the byte order mark and soft hyphens, and HTML's ``<wbr>``: a view of the text without them.
- **A hexdump** (``xxd``, ``hexdump -C``, ``od -A x -t x1``): lines of an offset and bytes in hex;
  the bytes of consecutive lines joined again, as a view.
- **A token in pieces** (a step that logs it 25 characters at a time, a wrapped table cell): any
  run of 20 characters of a known token's signature, which is random, is that token. The
  signature of HS256 is 43 characters long, so any cut into pieces of 22 characters or more
  leaves one such run whole.
- **A secret with a character Robot Framework drops** (U+FFFE, U+FFFF and the other characters
  XML does not allow): the secret without them; a secret read from bytes that are not UTF-8, also
  as a reader shows those bytes (U+FFFD).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FRAGMENT = 20  # characters of a token's signature that name it on their own (120 bits)
_INVISIBLE = re.compile(
    r"<wbr\s*/?>|&(?:#8203|#x200[bBcCdD]|#820[45]|#8288|#x2060|#65279|#x[fF][eE][fF][fF]|#173|#x[aA][dD]|shy|ZeroWidthSpace);"
    r"|[\u200b-\u200d\u2060\ufeff\u00ad]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")  # os.environ's form of bytes that are not UTF-8
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# An offset (hex, optionally followed by a colon), then bytes in hex: pairs, or groups of two or four
# pairs (xxd), each group separated by white space.
_HEXDUMP_LINE = re.compile(r"^[ \t]*[0-9a-fA-F]{4,16}:?((?:[ \t]{1,3}(?:[0-9a-fA-F]{2}){1,4}){1,32})(?=[ \t]|$)", re.MULTILINE)
_HEX_GROUP = re.compile(r"(?:[0-9a-fA-F]{2})+")
_BASE64URL_RUN = re.compile(rf"[A-Za-z0-9_-]{{{FRAGMENT},}}")


def without_invisible(text: str) -> str | None:
    """``text`` without invisible characters and ``<wbr>`` between its characters, or None when it has none."""
    if not _INVISIBLE.search(text):
        return None
    return _INVISIBLE.sub("", text)


def hexdump_bytes(text: str) -> str | None:
    """The bytes of the hexdumps in ``text``, as Latin-1 text (one line per dump), or None when it has none."""
    if "\n" not in text:
        return None
    dumps: list[str] = []
    current: list[str] = []
    last_end = -1
    for match in _HEXDUMP_LINE.finditer(text):
        if current and match.start() != last_end + 1:  # not the next line: another dump
            dumps.append("".join(current))
            current = []
        current.append("".join(_HEX_GROUP.findall(match.group(1))))
        last_end = text.find("\n", match.end())
        last_end = len(text) if last_end == -1 else last_end
    if current:
        dumps.append("".join(current))
    found = [bytes.fromhex(dump).decode("latin-1") for dump in dumps if len(dump) >= 2 * FRAGMENT]
    return "\n".join(found) if found else None


def extra_views(views: Iterable[str]) -> list[str]:
    """The views of a file's text without invisible characters, and the bytes of its hexdumps."""
    extra = []
    for view in views:
        for form in (without_invisible(view), hexdump_bytes(view)):
            if form is not None:
                extra.append(form)
    return extra


def secret_variants(secret: str) -> set[str]:
    """The secret as written by a writer that drops the characters XML does not allow (Robot Framework's),
    and, for one read from bytes that are not UTF-8, as a reader that replaces those bytes shows it."""
    variants = {_XML_INVALID.sub("", secret), _SURROGATE.sub("\ufffd", secret)}
    return {variant for variant in variants if variant != secret and variant.strip()}


class Fragments:
    """Every run of FRAGMENT characters of the signatures of known tokens."""

    def __init__(self, tokens: Iterable[str]):
        self.windows: set[str] = set()
        for token in tokens:
            signature = token.strip().rpartition(".")[2]
            if len(signature) >= 2 * FRAGMENT:  # an HMAC signature, not a stub
                self.windows.update(signature[start : start + FRAGMENT] for start in range(len(signature) - FRAGMENT + 1))

    def found_in(self, text: str) -> bool:
        if not self.windows:
            return False
        windows = self.windows
        for match in _BASE64URL_RUN.finditer(text):
            run = match.group()
            if any(run[start : start + FRAGMENT] in windows for start in range(len(run) - FRAGMENT + 1)):
                return True
        return False
