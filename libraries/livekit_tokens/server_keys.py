"""``LIVEKIT_KEYS`` read as the LiveKit server reads it: a YAML mapping, decoded by gopkg.in/yaml.v3.

livekit-server v1.13.5 (``pkg/config/config.go`` 948-961, ``unmarshalKeys``) decodes the text with
``yaml.Unmarshal`` into ``map[string]any`` and keeps only the values that decode to a Go string:
a number, a boolean, a date, ``null`` or an empty value drops its key without a word. A text that
is no YAML mapping, or that names a key twice, stops the server ("Could not parse keys"). No key
left stops it too ("one of key-file or keys must be provided").

PyYAML parses the text into nodes; which plain scalar is a string is then decided by yaml.v3's
own rules (``resolve.go`` of v3.0.1, the version livekit-server v1.13.5 builds with), not by
PyYAML's YAML 1.1 ones: ``yes`` and ``on`` stay text, ``1e3`` and ``0o17`` are numbers, a date is a
timestamp. Quoted and block scalars are always text, as is anything tagged ``!!str``.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass, field

import yaml

_PLAIN = "!livekit-auth-plain"  # the tag PyYAML gives a scalar without an explicit one (see _Loader)
_STR, _BINARY = "tag:yaml.org,2002:str", "tag:yaml.org,2002:binary"
_RESOLVABLE = {f"tag:yaml.org,2002:{name}" for name in ("str", "bool", "int", "float", "null", "timestamp")}
_MAP = {
    **dict.fromkeys(("true", "True", "TRUE", "false", "False", "FALSE"), "a boolean"),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), "empty"),
    **dict.fromkeys((".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), "a number"),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), "a number"),
}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d{1,9})?(?:Z|[-+]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d{1,9})?))?"
)
_DIGITS = {"x": "0123456789abcdefABCDEF", "o": "01234567", "b": "01"}


_BREAKS = "\r\n\x85\u2028\u2029"


class _Loader(yaml.SafeLoader):
    """PyYAML's parser without its YAML 1.1 guesses (every untagged scalar keeps its text), and with
    yaml.v3's tabs: PyYAML refuses every tab outside quotes, yaml.v3 (scannerc.go 1550-1558) takes a
    tab as a blank wherever no simple key may start (after ``key:``, after a scalar) and inside a
    plain scalar (``scan_plain_scalar`` consumes blanks, tabs included)."""

    DEFAULT_SCALAR_TAG = _PLAIN
    yaml_implicit_resolvers: dict = {}  # noqa: RUF012 - the resolver's class attribute, emptied on purpose

    def scan_to_next_token(self):
        if self.index == 0 and self.peek() == "\ufeff":
            self.forward()
        while True:
            while self.peek() == " " or (self.peek() == "\t" and (self.flow_level or not self.allow_simple_key)):
                self.forward()
            if self.peek() == "#":
                while self.peek() not in "\0" + _BREAKS:
                    self.forward()
            if not self.scan_line_break():
                return
            if not self.flow_level:
                self.allow_simple_key = True

    def scan_plain_spaces(self, indent, start_mark):
        blanks = 0
        while self.peek(blanks) in " \t":
            blanks += 1
        if "\t" in self.prefix(blanks) and self.peek(blanks) not in "\0#" + _BREAKS:
            run = self.prefix(blanks)  # blanks between two words of one line: part of the scalar
            self.forward(blanks)
            return [run]
        return super().scan_plain_spaces(indent, start_mark)


@dataclass
class ServerKeys:
    """The key pairs the server keeps, in order, and the keys it drops with the reason in words."""

    kept: dict[str, str] = field(default_factory=dict)
    dropped: list[tuple[str, str]] = field(default_factory=list)


class KeysRefused(ValueError):
    """The server would not start with this text; the message says why, as a sentence."""


def _go_integer(text: str) -> bool:
    """Whether Go's ``strconv.ParseInt(text, 0, 64)`` or ``ParseUint`` reads ``text`` (underscores already gone)."""
    body = text[1:] if text[:1] in "+-" else text
    prefix = body[:2].lower()
    if prefix in ("0x", "0o", "0b"):
        digits, base = body[2:], {"0x": 16, "0o": 8, "0b": 2}[prefix]
        if not digits or any(char not in _DIGITS[prefix[1]] for char in digits):
            return False
    elif len(body) > 1 and body[0] == "0":
        digits, base = body[1:], 8
        if any(char not in _DIGITS["o"] for char in digits):
            return False
    else:
        digits, base = body, 10
        if not digits or not (digits.isascii() and digits.isdigit()):
            return False
    value = int(digits, base)
    if text[:1] == "-":
        return value <= 2**63
    return value < 2**64 if text[:1] != "+" else value < 2**63


def _go_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))  # Go's ParseFloat refuses what overflows float64
    except ValueError:
        return False


def _timestamp(text: str) -> bool:
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return False
    year, month, day = (int(part) for part in match.groups()[:3])
    clock = [int(part) for part in match.groups()[3:] if part is not None]
    import datetime

    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return not clock or (clock[0] < 24 and clock[1] < 60 and clock[2] < 60)


def plain_kind(text: str) -> str:
    """What yaml.v3 decodes an untagged plain scalar into: ``text``, ``empty``, ``a boolean``, ``a number`` or ``a date``."""
    first = text[:1]
    if first and first not in "+-0123456789yYnNtTfFoO~.":
        return "text"
    if text in _MAP:
        return _MAP[text]
    if first == ".":
        return "a number" if _DOT_FLOAT.fullmatch(text) and _go_float(text) else "text"
    if first in "+-0123456789":
        if _timestamp(text):
            return "a date"
        plain = text.replace("_", "")
        if _go_integer(plain):
            return "a number"
        if _YAML_FLOAT.fullmatch(plain) and _go_float(plain):
            return "a number"
        for sign, prefix, digits in (("", "0b", "01"), ("-", "0b", "01"), ("", "0o", "01234567"), ("-", "0o", "01234567")):
            rest = plain[len(sign) + 2 :]
            if plain.startswith(sign + prefix) and rest and all(char in digits for char in rest):
                return "a number"
    return "text"


def _value(node) -> tuple[str | None, str]:
    """The text the server keeps for a value node, or None and what it decoded to instead."""
    if not isinstance(node, yaml.ScalarNode):
        return None, "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
    if node.tag == _BINARY:
        try:
            return base64.b64decode(node.value, validate=True).decode("utf-8", "surrogateescape"), "text"
        except (binascii.Error, ValueError):
            raise KeysRefused("a !!binary value in LIVEKIT_KEYS is no base64; the server would not start.") from None
    if node.tag == _STR or (node.tag in (_PLAIN, "!") and node.style in ("'", '"', "|", ">")):
        return node.value, "text"
    if node.tag == _PLAIN:
        kind = plain_kind(node.value)
        return (node.value, kind) if kind == "text" else (None, kind)
    if node.tag not in _RESOLVABLE:
        return node.value, "text"  # a tag of its own: yaml.v3 keeps the text as it is
    kind = plain_kind(node.value)
    named = node.tag.rsplit(":", 1)[-1]
    expected = {"bool": "a boolean", "int": "a number", "float": "a number", "null": "empty", "timestamp": "a date"}[named]
    if kind != expected and not (named == "float" and kind == "a number"):
        raise KeysRefused(f"LIVEKIT_KEYS tags {node.value[:40]!r} as !!{named}, which it is not; the server would not start.")
    return None, expected


def read_server_keys(text: str) -> ServerKeys:
    """The key pairs livekit-server v1.13.5 keeps from ``LIVEKIT_KEYS``; ``KeysRefused`` when it would not start."""
    try:
        document = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise KeysRefused(
            f"LIVEKIT_KEYS is no YAML the server reads ({problem}{where}); write one 'key: secret' pair per line."
        ) from None
    keys = ServerKeys()
    if document is None:
        return keys
    if not isinstance(document, yaml.MappingNode):
        raise KeysRefused("LIVEKIT_KEYS is no mapping of keys to secrets; write one 'key: secret' pair per line.")
    lines: dict[str, int] = {}
    for key_node, value_node in document.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise KeysRefused("LIVEKIT_KEYS has a key that is no text; write one 'key: secret' pair per line.")
        line = key_node.start_mark.line + 1
        if key_node.value in lines:
            raise KeysRefused(
                f"LIVEKIT_KEYS names the key {key_node.value[:60]!r} twice (lines {lines[key_node.value]} and {line}); "
                "the server would not start: keep one."
            )
        lines[key_node.value] = line
        name = (
            "" if key_node.tag == _PLAIN and key_node.style is None and plain_kind(key_node.value) == "empty" else key_node.value
        )
        secret, kind = _value(value_node)
        if secret is None:
            keys.dropped.append((name, kind))
        else:
            keys.kept[name] = secret
    return keys
