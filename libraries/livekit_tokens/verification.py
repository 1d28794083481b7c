"""Verify a token the way the LiveKit server does, and say in one sentence why it refuses one.

The order of checks and the outcomes follow the server (``pkg/service/auth.go`` and livekit/protocol
``auth/verifier.go``): parse without the signature (the registered claims typed, the signature
segment decoded), look up the secret by ``iss``, decode every claim the server knows, allow HS256
only, check the signature, then ``exp`` and ``nbf`` with 60 s leeway. ``aud`` is never checked.
Where LiveKit release lines differ (``exp`` required or not, ``iat``, the grant fields, ...), a
:class:`~livekit_tokens.profiles.ServerProfile` says which rule applies; without one, the current
rules apply and a refusal says which older release lines would accept the token. Plain
``jwt.decode`` differs from this in several places; each is handled here and named where it is.

Any input, of any type and size, ends in a :class:`ParsedToken` or a :class:`TokenRejected` (an
``AssertionError`` with one sentence that never quotes the token or a claim value): the size is
checked first, JSON nested deeper than Python's recursion limit is read without recursion, and
numbers of any length are read in bounded time. A bad ``at`` or ``leeway`` raises
:class:`InvalidArgument` instead.
"""

from __future__ import annotations

import binascii
import codecs
import hmac
import json
import math
import re
from dataclasses import dataclass, field

from . import grants as model
from . import profiles
from .keys import ApiKey, Keyring
from .profiles import AUDIENCE, CURRENT, DATE, REGISTERED_CLAIMS, ROOM_CONFIGURATION, ServerProfile
from .timeutil import SERVER_LEEWAY_SECONDS, format_duration, format_utc
from .timeutil import now as current_time

# Go's net/http reads at most DefaultMaxHeaderBytes (1 MiB) + 4096 bytes of request line and
# headers (net/http server.go initialReadLimitSize) and answers 431 beyond, so no larger token can
# reach the server in a header; refusing earlier keeps verification time bounded. (A token a few
# hundred characters shorter may still not fit beside the client's other headers.)
MAX_TOKEN_CHARS = (1 << 20) + 4096

# Go's encoding/json refuses JSON nested deeper than this (scanner.go, maxNestingDepth), anywhere
# in the document, known field or not. (go-jose's copy of it, from Go 1.6, has no limit.)
GO_MAX_JSON_DEPTH = 10_000

# golang-jwt v5 registers these; any other `alg` fails while parsing, before the key lookup.
KNOWN_ALGORITHMS = frozenset(
    ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "none"]
)

CAUSES = {
    "not-text": "the token is not text",
    "oversized": "the token is too large",
    "malformed": "the token is malformed",
    "algorithm": "the signing algorithm is not allowed",
    "claims": "the claims do not decode",
    "unknown-api-key": "the API key is unknown",
    "signature": "the signature is invalid",
    "exp-required": "the exp claim is missing",
    "expired": "the token is expired",
    "not-yet-valid": "the token is not valid yet",
    "issued-in-the-future": "the token is issued in the future",
}

# Where the server refused the token, which decides its answer (see server_oracle.py): while
# parsing it without a key (401 "invalid authorization token"), at the key lookup (401 "invalid
# API key"), or while verifying it with the secret (401 "invalid token: ..., error: ...").
PARSE, KEY, VERIFY = "parse", "key", "verify"

# Every claim the current rules decode, for callers that read claims without a profile.
CLAIM_FIELDS: dict[str, str] = CURRENT.claim_fields
# Fields that Go decodes into a pointer to a struct or into a map: a second JSON value for the
# same field is decoded into what the first one left, so duplicates merge instead of replacing.
_MAP_FIELDS = frozenset(["attributes"])

_URL_TO_STANDARD = str.maketrans("-_", "+/")
_STANDARD_TO_URL = bytes.maketrans(b"+/", b"-_")
_SEGMENT = re.compile(r"[A-Za-z0-9_\-\r\n]*\Z")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_GO_REPLACE = "livekit-tokens-go-replace"

# Go's time.Time counts seconds from year 1; time.Unix adds this without an overflow check.
_UNIX_TO_INTERNAL = 62_135_596_800
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


class TokenRejected(AssertionError):
    """The server would refuse the token; ``cause`` is a key of :data:`CAUSES`.

    ``stage`` is :data:`PARSE`, :data:`KEY` or :data:`VERIFY`: where the server refuses it.
    ``accepted_by`` lists the older release lines that would accept a token the current rules
    refuse (only when no profile was chosen); the message then says so.
    """

    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message alone, without the class name

    def __init__(self, cause: str, detail: str, stage: str = PARSE):
        self.cause = cause
        self.detail = detail
        self.stage = stage
        self.accepted_by: tuple[ServerProfile, ...] = ()
        super().__init__(f"Token refused: {detail}.")

    def also_accepted_by(self, older: list[ServerProfile]) -> None:
        """Say in the message that the release lines ``older`` would accept the token."""
        self.accepted_by = tuple(older)
        if older:
            self.args = (f"Token refused: {self.detail} ({self.note}).",)

    @property
    def note(self) -> str:
        """``accepted by ... servers, refused by current ones``, or empty."""
        if not self.accepted_by:
            return ""
        return f"accepted by {' and '.join(profile.versions for profile in self.accepted_by)} servers, refused by current ones"


class InvalidArgument(ValueError):
    """``at`` or ``leeway`` is not a usable number of seconds; the message is one sentence."""


def _seconds_argument(value, name: str, meaning: str):
    """``value`` when it is a finite int or float (not a bool); else :class:`InvalidArgument`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(f"{name} must be {meaning} as an int or a float, got {_type_name(value)}.")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int beyond a 64-bit float
        raise InvalidArgument(f"{name} must be {meaning} within the range of a 64-bit float, got a larger number.") from None
    if not finite:
        raise InvalidArgument(f"{name} must be {meaning} as a finite number, got {value!r}.")
    return value


def _moment_and_leeway(at, leeway) -> tuple[float, float]:
    moment = current_time() if at is None else _seconds_argument(at, "at", "epoch seconds")
    slack = _seconds_argument(leeway, "leeway", "seconds")
    if slack < 0:
        raise InvalidArgument(f"leeway must be zero or more seconds, got {slack!r}.")
    return moment, slack


@dataclass
class ParsedToken:
    """A token split and decoded, nothing verified yet."""

    text: str
    header: dict
    claims: dict
    signing_input: bytes
    signature_segment: str
    server_claims: dict = field(default_factory=dict)
    nesting_bound: int = 0  # at least the deepest JSON nesting of header and claims (brackets counted)
    profile: ServerProfile = CURRENT  # the rules it was read with
    signature: bytes = b""
    claims_problem: TokenRejected | None = None  # a claim the server refuses only once it has the key

    @property
    def algorithm(self):
        return self.header.get("alg")

    @property
    def issuer(self):
        return self.server_claims.get("iss")


# ---------------------------------------------------------------- JSON as Go's encoding/json reads it


class _Pairs(dict):
    """A JSON object that had duplicate keys; ``pairs`` keeps every one in order, as Go reads them."""

    pairs: list


def _object_hook(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        obj = _Pairs(obj)
        obj.pairs = pairs
    return obj


def _fix_string(value):
    # Go's decoder turns an escaped lone surrogate (\ud800) into U+FFFD; Python keeps it.
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def _fix_list(items: list) -> list:
    # Objects inside were fixed by their own hook (hooks run innermost first); lists have no hook.
    stack = [items]
    while stack:
        current = stack.pop()
        for index, item in enumerate(current):
            if isinstance(item, str):
                current[index] = _fix_string(item)
            elif isinstance(item, list):
                stack.append(item)
    return items


def _object_hook_fixing_surrogates(pairs):
    fixed = [(_fix_string(key), _fix_list(value) if isinstance(value, list) else _fix_string(value)) for key, value in pairs]
    return _object_hook(fixed)


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _header_number(text: str):
    # Go decodes header values into interface{}: every number becomes a float64, and one beyond
    # its range makes json.Unmarshal fail.
    value = float(text)
    if math.isinf(value):
        raise ValueError("a number is too large for a 64-bit float")
    if len(text) <= 18 and _is_integer_literal(text):
        return int(text)
    return value


def _claim_int(text: str):
    # Python refuses to convert integers of more than 4300 digits; Go skips unknown fields
    # whatever their size, and a known date field reads them as float64 (infinite, refused later).
    return int(text) if len(text) <= 1000 else float(text)


def _is_integer_literal(text: str) -> bool:
    return "." not in text and "e" not in text and "E" not in text


def _decoder(number, integer, fix_surrogates: bool) -> json.JSONDecoder:
    return json.JSONDecoder(
        object_pairs_hook=_object_hook_fixing_surrogates if fix_surrogates else _object_hook,
        parse_constant=_refuse_constant,
        parse_float=number,
        parse_int=integer,
    )


_DECODERS = {
    (part, fix): _decoder(_header_number if part == "header" else float, _header_number if part == "header" else _claim_int, fix)
    for part in ("header", "payload")
    for fix in (False, True)
}

_TOKEN = re.compile(
    r"""[ \t\n\r]*(?:
        (?P<punct>[{}\[\],:])
      | (?P<string>"(?:[^"\\\x00-\x1f]|\\.)*")
      | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
      | (?P<literal>true|false|null)
    )""",
    re.VERBOSE | re.DOTALL,
)
_LITERALS = {"true": True, "false": False, "null": None}
_END = object()


class _DeepJsonError(ValueError):
    pass


def _decode_without_recursion(text: str, decoder: json.JSONDecoder, whole: bool, max_depth: int | None = GO_MAX_JSON_DEPTH):
    """Decode JSON nested too deeply for Python's recursive decoder, with Go's depth limit.

    Only used when the fast decoder gave up; builds the same values with an explicit stack.
    Returns ``(value, end)``; with ``whole`` anything but whitespace after the value is an error.
    ``max_depth`` ``None`` reads any depth.
    """
    number, integer, hook = decoder.parse_float, decoder.parse_int, decoder.object_pairs_hook
    position = 0
    stack: list[list] = []  # [container, is_object, pending key, state]
    value = _END

    def read():
        nonlocal position
        match = _TOKEN.match(text, position)
        if match is None:
            rest = text[position:].lstrip(" \t\n\r")
            raise _DeepJsonError("unexpected end of data" if not rest else "invalid character")
        position = match.end()
        return match

    while True:
        token = read()
        kind = token.lastgroup
        piece = token.group(kind)
        if stack and stack[-1][3] in ("key", "key-or-end"):
            frame = stack[-1]
            if piece == "}" and frame[3] == "key-or-end":
                stack.pop()
                value = hook(frame[0])
            elif kind == "string":
                frame[2] = json.loads(piece)
                frame[3] = "colon"
                continue
            else:
                raise _DeepJsonError("expected a member name")
        elif stack and stack[-1][3] == "colon":
            if piece != ":":
                raise _DeepJsonError("expected ':' after a member name")
            stack[-1][3] = "value"
            continue
        elif stack and stack[-1][3] == "comma-or-end":
            frame = stack[-1]
            if piece == ",":
                frame[3] = "key" if frame[1] else "value"
                continue
            if piece == ("}" if frame[1] else "]"):
                stack.pop()
                value = hook(frame[0]) if frame[1] else frame[0]
            else:
                raise _DeepJsonError("expected ',' or the end of a container")
        else:  # a value is expected
            if piece in ("{", "["):
                if max_depth is not None and len(stack) >= max_depth:
                    raise _DeepJsonError(f"nested deeper than {max_depth:,} levels")
                stack.append([[], piece == "{", None, "key-or-end" if piece == "{" else "value-or-end"])
                continue
            if piece == "]" and stack and stack[-1][3] == "value-or-end":
                value = stack.pop()[0]
            elif kind == "string":
                value = json.loads(piece)
            elif kind == "number":
                value = integer(piece) if _is_integer_literal(piece) else number(piece)
            elif kind == "literal":
                value = _LITERALS[piece]
            else:
                raise _DeepJsonError("expected a value")
        # a complete value: hand it to the enclosing container, or finish
        if not stack:
            break
        frame = stack[-1]
        if frame[1]:
            frame[0].append((frame[2], value))
        else:
            frame[0].append(value)
        frame[3] = "comma-or-end"
    if whole and text[position:].strip(" \t\n\r"):
        raise _DeepJsonError("invalid character after the top-level value")
    return value, position


def _replace_each_byte(error: UnicodeDecodeError):
    # Go's decoder turns every byte of invalid UTF-8 into its own U+FFFD (utf8.DecodeRune reads
    # one byte at a time there); Python's "replace" gives one per invalid sequence.
    return "\ufffd" * (error.end - error.start), error.end


codecs.register_error(_GO_REPLACE, _replace_each_byte)


def _decode_json(raw: bytes, part: str, rules: ServerProfile = CURRENT):
    text = raw.decode("utf-8", _GO_REPLACE)
    # golang-jwt decodes the header into map[string]interface{}, so every header number becomes a
    # float64; go-jose keeps header values as raw JSON, so no number is converted.
    kind = "header" if part == "header" and rules.header_numbers_checked else "payload"
    decoder = _DECODERS[(kind, bool(_SURROGATE_ESCAPE.search(text)))]
    # Both libraries read the header and the claims with json.Unmarshal, which refuses anything
    # but whitespace after the JSON value.
    try:
        try:
            value = decoder.decode(text)
        except RecursionError:
            value = _decode_without_recursion(text, decoder, whole=True, max_depth=rules.json_depth_limit)[0]
    except RecursionError:  # pragma: no cover - the decoder above has no recursion
        raise TokenRejected("malformed", f"token is malformed: the {part} JSON is nested too deeply") from None
    except _DeepJsonError as error:
        raise TokenRejected("malformed", f"token is malformed: the {part} is not valid JSON ({error})") from None
    except ValueError as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        if reason == "Extra data":
            reason = "text after the JSON value"
        raise TokenRejected("malformed", f"token is malformed: the {part} is not valid JSON ({reason})") from None
    if value is None:  # Go: null decodes into an empty header or empty claims
        return {}
    if not isinstance(value, dict):
        raise TokenRejected("malformed", f"token is malformed: the {part} is {model.json_kind(value)}, not a JSON object")
    _refuse_keys_given_twice(value, f"the {part}", "malformed" if part == "header" else "claims", rules)
    return value


def _refuse_keys_given_twice(obj, what: str, cause: str, rules: ServerProfile) -> None:
    """go-jose's JSON decoder refuses an object that gives a key twice (``rules.duplicate_keys_refused``)."""
    if rules.duplicate_keys_refused and isinstance(obj, _Pairs):
        raise TokenRejected(cause, f"token is malformed: {what} gives a key twice, which the server's JSON decoder refuses")


# ---------------------------------------------------------------- base64url as Go's RawURLEncoding reads it


def _b64decode(segment: str, part: str, rules: ServerProfile = CURRENT) -> bytes:
    # Go's base64.RawURLEncoding: the URL alphabet, no padding, CR and LF skipped; unused low bits
    # of the last character are not checked (golang-jwt does not turn on strict decoding).
    if rules.padding_allowed:
        segment = segment.rstrip("=")
    if not _SEGMENT.match(segment):
        bad = next(ch for ch in segment if not (ch.isascii() and (ch.isalnum() or ch in "-_\r\n")))
        where = "padding '='" if bad == "=" else f"the character {bad!a}"
        raise TokenRejected(
            "malformed", f"token is malformed: the {part} holds {where}, which base64url without padding does not allow"
        )
    data = segment.replace("\r", "").replace("\n", "") if ("\r" in segment or "\n" in segment) else segment
    if len(data) % 4 == 1:
        raise TokenRejected("malformed", f"token is malformed: the {part} is not valid base64url (its length is impossible)")
    try:
        return binascii.a2b_base64(data.translate(_URL_TO_STANDARD) + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - the checks above leave nothing to fail
        raise TokenRejected("malformed", f"token is malformed: the {part} is not valid base64url") from None


# ---------------------------------------------------------------- claim types as the server's structs decode them


def token_text(token, max_chars: int | None = None) -> str:
    """The token as ``str`` from ``str``, ``bytes`` or Robot Framework's ``Secret``; anything else is refused."""
    if isinstance(token, (str, bytes, bytearray)):
        inner = token
    else:
        try:
            inner = getattr(token, "value", token)
        except Exception:  # a value whose attribute lookup fails is not a token either
            inner = token
    if isinstance(inner, (bytes, bytearray)):
        if max_chars is not None and len(inner) > max_chars:
            raise TokenRejected("oversized", f"the token is {len(inner):,} bytes long, above the limit of {max_chars:,}")
        try:
            inner = bytes(inner).decode("ascii")
        except UnicodeDecodeError:
            raise TokenRejected("malformed", "token is malformed: it holds bytes outside ASCII") from None
    if not isinstance(inner, str):
        raise TokenRejected("not-text", f"a token must be text, got {_type_name(inner)}")
    if type(inner) is not str:
        inner = str.__str__(inner)  # a str subclass cannot change how the token reads
    if max_chars is not None and len(inner) > max_chars:
        raise TokenRejected("oversized", f"the token is {len(inner):,} characters long, above the limit of {max_chars:,}")
    return inner


def _type_name(value) -> str:
    try:
        return type(value).__name__
    except Exception:  # pragma: no cover - every type has a name
        return "an unknown type"


def numeric_date(value, name: str, rules: ServerProfile = CURRENT) -> int | float:
    """Seconds from a NumericDate as the server reads it: a JSON number, or a numeric string.

    golang-jwt reads the value into a ``json.Number``, which also takes a string holding a number;
    go-jose parses the raw JSON with ``strconv.ParseFloat``, which takes no string
    (``rules.dates_from_strings``). The number becomes a float64; one outside its range is
    refused. Whole seconds come back as ``int``, fractions as ``float``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TokenRejected("claims", f"could not decode the claims: {name} must be a number, got {model.json_kind(value)}")
    if isinstance(value, str) and not rules.dates_from_strings:
        raise TokenRejected("claims", f"could not decode the claims: {name} must be a JSON number, got a string")
    if isinstance(value, str) and not _JSON_NUMBER.match(value):
        raise TokenRejected("claims", f"could not decode the claims: {name} must be a number, got a string that is not one")
    try:
        seconds = float(value)
    except (OverflowError, ValueError):
        seconds = math.inf
    if not math.isfinite(seconds):
        raise TokenRejected("claims", f"could not decode the claims: {name} is too large for a 64-bit float")
    return int(seconds) if seconds.is_integer() else seconds


def _wrapped(value: int) -> int:
    """``value`` as Go's int64 arithmetic leaves it: wrapped around on overflow."""
    return (value - _INT64_MIN) % (1 << 64) + _INT64_MIN


def go_instant(seconds: float, rules: ServerProfile = CURRENT) -> int:
    """Nanoseconds since year 1 of a NumericDate as the server's JWT library builds it, whole seconds only.

    golang-jwt splits the float64 with ``math.Modf`` and converts the whole part to int64; outside
    the int64 range that conversion gives the minimum on amd64 (and saturates on arm64; both end on
    the same verdicts). ``time.Unix`` moves a negative fraction into the second before, and the
    result is truncated to whole seconds (``TimePrecision``), so fractions are rounded down.
    go-jose converts the float64 to int64 at once, toward zero (``rules.dates_rounded_down``).
    Either way ``time.Unix`` adds 62,135,596,800 s without an overflow check, so a date beyond
    year 292,277,026,596 wraps around to the distant past.
    """
    return _wrapped(_go_seconds(seconds, rules) + _UNIX_TO_INTERNAL) * 1_000_000_000


def _go_seconds(seconds: float, rules: ServerProfile) -> int:
    """The whole seconds (int64) the server's JWT library keeps of a NumericDate, rounded as it rounds."""
    whole = math.trunc(seconds)
    nanos = math.trunc((seconds - whole) * 1e9)
    if not _INT64_MIN <= whole <= _INT64_MAX:
        whole = _INT64_MIN
    if rules.dates_rounded_down and nanos < 0:  # time.Unix borrows a second, Truncate drops the rest
        whole = _wrapped(whole - 1)
    return whole


def _beyond_go_clock(seconds: float) -> bool:
    return not _INT64_MIN < math.trunc(seconds) <= _INT64_MAX - _UNIX_TO_INTERNAL


def _clock(moment: float) -> int:
    whole = math.floor(moment)
    return (whole + _UNIX_TO_INTERNAL) * 1_000_000_000 + math.trunc((moment - whole) * 1e9)


def _pairs(obj: dict):
    return obj.pairs if isinstance(obj, _Pairs) else obj.items()


def _merged(first: dict, second: dict) -> dict:
    merged = _Pairs({**first, **second})
    merged.pairs = [*_pairs(first), *_pairs(second)]
    return merged


def _room_configuration_error(value, label: str, rules: ServerProfile = CURRENT) -> str | None:
    """Why the server's protojson decoder would refuse ``roomConfig``, or None when it accepts it.

    With ``rules.room_config_discards_unknown`` unknown fields and unknown enum names are
    ignored, as protojson's ``DiscardUnknown`` does; a known field given twice is refused either
    way. The reason names the field path and the kind it needs, never a value from the token.
    """
    if not isinstance(value, dict):
        return f"{label} must be a JSON object, got {model.json_kind(value)}"
    try:
        from google.protobuf import json_format
        from livekit.protocol.room import RoomConfiguration
    except ImportError:  # pragma: no cover - livekit-api brings both
        return None
    if _gives_a_field_twice(value, RoomConfiguration.DESCRIPTOR):
        return f"{label} holds a field twice"
    try:
        json_format.ParseDict(value, RoomConfiguration(), ignore_unknown_fields=rules.room_config_discards_unknown)
    except json_format.ParseError as error:
        return _where_protojson_failed(str(error), RoomConfiguration.DESCRIPTOR, label)
    except (RecursionError, ValueError, TypeError, AttributeError):
        return f"{label} is not a valid {RoomConfiguration.DESCRIPTOR.name}"
    return None


def _field_named(descriptor, key: str):
    """The field protojson reads ``key`` into: its JSON name or its proto name."""
    return descriptor.fields_by_name.get(key) or next((f for f in descriptor.fields if f.json_name == key), None)


def _gives_a_field_twice(value, descriptor) -> bool:
    """True when a message of ``value`` sets one known field twice, or a map gives a key twice.

    protojson refuses both ("duplicate field", "duplicate map key"); a key it discards as
    unknown may appear any number of times.
    """
    stack = [(value, descriptor, False)]
    while stack:
        current, message, is_map = stack.pop()
        if isinstance(current, list):
            stack.extend((item, message, False) for item in current if isinstance(item, (dict, list)))
            continue
        if not isinstance(current, dict) or message is None:
            continue
        if is_map:
            if isinstance(current, _Pairs):
                return True
            entry_value = message.fields_by_name["value"].message_type
            stack.extend((item, entry_value, False) for item in current.values() if entry_value is not None)
            continue
        seen = set()
        for key, item in _pairs(current):
            found = _field_named(message, key)
            if found is None:
                continue
            if found.number in seen:
                return True
            seen.add(found.number)
            if found.message_type is not None:
                stack.append((item, found.message_type, found.message_type.GetOptions().map_entry))
    return False


_FAILED_FIELD = re.compile(r"Failed to parse (\w+) field: ")
_NUMBER_TYPES = frozenset(range(1, 8)) | frozenset(range(13, 19))  # FieldDescriptor.TYPE_DOUBLE ... TYPE_SINT64
_KIND_WORDS = {8: "boolean", 9: "string", 12: "base64 bytes value"}  # TYPE_BOOL, TYPE_STRING, TYPE_BYTES


def _where_protojson_failed(message: str, descriptor, label: str) -> str:
    """The field path and the kind protojson wanted, read from its error without copying any value.

    protobuf's ParseError nests ``Failed to parse <field> field: `` for every level it entered;
    only names found in the message descriptors are kept, so nothing the token holds can leak.
    """
    path, field, position = [], None, 0
    while descriptor is not None:
        match = _FAILED_FIELD.match(message, position)
        if match is None:
            break
        name = match.group(1)
        found = _field_named(descriptor, name)
        if found is None:
            break
        field, descriptor, position = found, found.message_type, match.end()
        path.append(found.json_name)
    where = ".".join([label, *path])
    if "has no field named" in message[position:] and descriptor is not None:
        return f"{where} holds a field {descriptor.name} does not have"
    if field is None:
        return f"{where} is not a valid RoomConfiguration"
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        kind = "JSON object"
    elif field.message_type is not None:
        kind = f"{field.message_type.name}{' list' if field.is_repeated else ''}"
    elif field.enum_type is not None:
        kind = f"{field.enum_type.name} value{' list' if field.is_repeated else ''}"
    else:
        kind = "number" if field.type in _NUMBER_TYPES else _KIND_WORDS.get(field.type, "value")
        kind += " list" if field.is_repeated else ""
    return f"{where} is not a valid {kind}"


def _field_of(key: str, fields: dict[str, str], rules: ServerProfile) -> str | None:
    """The field ``key`` sets: matched as Go's encoding/json does, or exactly (go-jose's copy of it)."""
    if rules.names_fold_case:
        return model.match_field(key, fields)
    return key if key in fields else None


def _check_types(obj: dict, fields: dict[str, str], where: str, rules: ServerProfile = CURRENT) -> dict:
    """Check every JSON value that decodes into a known field, as Go does, and return the server view."""
    view: dict = {}
    if where:
        _refuse_keys_given_twice(obj, where[:-1], "claims", rules)
    for key, value in _pairs(obj):
        name = _field_of(key, fields, rules)
        if name is None:
            continue
        kind = fields[name]
        label = f"{where}{name}"
        if kind == DATE:
            if value is not None:
                numeric_date(value, label, rules)
        elif kind == AUDIENCE:
            if not (
                value is None or isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
            ):
                raise TokenRejected(
                    "claims", f"could not decode the claims: {label} must be a JSON {AUDIENCE}, got {model.json_kind(value)}"
                )
        elif kind == ROOM_CONFIGURATION:
            problem = None if value is None else _room_configuration_error(value, label, rules)
            if problem:
                raise TokenRejected("claims", f"could not decode the claims: {problem}")
        else:
            problem = model.type_error(value, kind)
            if problem:
                raise TokenRejected("claims", f"could not decode the claims: {label} {problem}")
            if kind == model.STRING_MAP:
                _refuse_keys_given_twice(value, label, "claims", rules)
        grant = rules.grant_objects.get(name) if kind == model.OBJECT else None
        if grant is not None and isinstance(value, dict):
            _check_types(value, grant, f"{name}.", rules)
        if value is None:
            if name in model.NULLABLE_FIELDS or name in rules.grant_objects or kind in (DATE, AUDIENCE, ROOM_CONFIGURATION):
                view.pop(name, None)
        elif (grant is not None or name in _MAP_FIELDS) and isinstance(view.get(name), dict):
            view[name] = _merged(view[name], value)
        else:
            view[name] = value
    return view


def server_view(obj: dict, fields: dict[str, str], rules: ServerProfile = CURRENT) -> dict:
    """The fields the server decodes from ``obj`` under ``rules``, types not checked (see :func:`grants.server_view`)."""
    return model.server_view([(key, value) for key, value in _pairs(obj) if _field_of(key, fields, rules)], fields)


# ---------------------------------------------------------------- the server's steps


def parse_token(token, max_chars: int = MAX_TOKEN_CHARS, profile: ServerProfile | None = None) -> ParsedToken:
    """Split and decode a token without checking its signature, refusing what the server cannot parse.

    The order is golang-jwt's ``ParseUnverified``: segments, header, the registered claims
    (``iss``, ``sub``, ``aud``, ``exp``, ``nbf``, ``iat``, ``jti``), ``alg``, then the signature
    segment. Every other claim the server decodes is checked too: a wrong one refuses the token
    here, while :func:`verify` refuses it only after the key lookup, where the server does.
    ``profile`` (default: the current rules) chooses the release line's rules.
    """
    parsed = _parse(token, max_chars, profiles.CURRENT if profile is None else profile)
    if parsed.claims_problem is not None:
        raise parsed.claims_problem
    return parsed


# Go's unicode.IsSpace: the Latin-1 spaces, then the White_Space property.
_GO_SPACE = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_PUBLIC_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})
_PRIVATE_KEY_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k"})


def _parse(token, max_chars: int, rules: ServerProfile) -> ParsedToken:
    text = token_text(token, max_chars)
    sent = text
    if rules.whitespace_stripped:
        text = _GO_SPACE.sub("", text)
    if not text:
        raise TokenRejected("malformed", "token is malformed: the token is empty")
    if text[:7].lower() == "bearer ":
        raise TokenRejected("malformed", "token is malformed: it starts with 'Bearer ', pass the token without the scheme")
    dots = text.count(".")
    if dots != 2:
        raise TokenRejected("malformed", f"token is malformed: it has {dots + 1} segment{'s' if dots else ''} instead of 3")
    header_segment, payload_segment, signature_segment = text.split(".")
    header_bytes = _b64decode(header_segment, "header", rules)
    header = _decode_json(header_bytes, "header", rules)
    if rules.header_fields_typed:
        _check_header_fields(header)
    claims_bytes = _b64decode(payload_segment, "payload", rules)
    claims = _decode_json(claims_bytes, "payload", rules)
    _check_types(claims, REGISTERED_CLAIMS, "", rules)
    if rules.alg_known_while_parsing:
        _check_algorithm_is_known(header)
    signature = _b64decode(signature_segment, "signature", rules)
    claims_problem = None
    try:
        server_claims = _check_types(claims, rules.claim_fields, "", rules)
    except TokenRejected as problem:
        problem.stage = VERIFY  # ClaimGrants is decoded once the server holds the key
        claims_problem = problem
        server_claims = _check_types(claims, REGISTERED_CLAIMS, "", rules)
    if rules.signing_input_reencoded:
        signing_input = binascii.b2a_base64(header_bytes, newline=False) + b"." + binascii.b2a_base64(claims_bytes, newline=False)
        signing_input = signing_input.translate(_STANDARD_TO_URL).replace(b"=", b"")
    else:
        signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    return ParsedToken(
        text=sent,
        header=header,
        claims=claims,
        signing_input=signing_input,
        signature_segment=signature_segment,
        server_claims=server_claims,
        nesting_bound=max(_brackets(header_bytes), _brackets(claims_bytes)),
        profile=rules,
        signature=signature,
        claims_problem=claims_problem,
    )


def _check_header_fields(header: dict) -> None:
    """go-jose reads alg, kid and nonce as strings and an embedded jwk as a public key, or refuses the header."""
    for name in ("alg", "kid", "nonce"):
        value = header.get(name)
        if value is not None and not isinstance(value, str):
            raise TokenRejected("malformed", f"token is malformed: the header's {name} is {model.json_kind(value)}, not a string")
    jwk = header.get("jwk")
    if jwk is not None and not (
        isinstance(jwk, dict) and jwk.get("kty") in _PUBLIC_KEY_TYPES and not _PRIVATE_KEY_MEMBERS & set(jwk)
    ):
        raise TokenRejected("malformed", "token is malformed: the header's jwk is not a public key")
    certificates = header.get("x5c")
    if certificates is not None and not (isinstance(certificates, list) and all(isinstance(c, str) for c in certificates)):
        raise TokenRejected("malformed", "token is malformed: the header's x5c is not a list of certificates")


def _check_algorithm_is_known(header: dict) -> None:
    alg = header.get("alg")
    if alg is None:
        raise TokenRejected("algorithm", "signing method (alg) is unspecified: the header has no alg")
    if not isinstance(alg, str):
        raise TokenRejected("algorithm", f"signing method (alg) is unspecified: alg is {model.json_kind(alg)}, not a string")
    if alg not in KNOWN_ALGORITHMS:
        raise TokenRejected("algorithm", f"signing method {ascii(alg)[1:-1][:40]} is unavailable, only HS256 is allowed")


def _brackets(raw: bytes) -> int:
    return raw.count(b"[") + raw.count(b"{")


_DIGESTS = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def check_signature(parsed: ParsedToken, keyring: Keyring) -> ApiKey:
    """Find the secret by ``iss``, then check the claims the server decodes, the algorithm and the signature.

    Whether the claims are decoded before the algorithm and the signature are checked depends on
    the rules ``parsed`` was read with (``claims_decoded_before_signature``).
    """
    rules = parsed.profile
    issuer = parsed.issuer
    api_key = keyring.get(issuer) if issuer else None
    if api_key is None:
        named = "the token has no iss" if not issuer else f"iss '{ascii(issuer)[1:-1][:64]}' is not a configured API key"
        raise TokenRejected("unknown-api-key", f"invalid API key: {named}", KEY)
    if rules.claims_decoded_before_signature and parsed.claims_problem is not None:
        raise parsed.claims_problem
    algorithm = parsed.algorithm
    if not isinstance(algorithm, str) or algorithm not in rules.algorithms:
        shown = algorithm if isinstance(algorithm, str) else "(none)"
        allowed = " or ".join(sorted(rules.algorithms))
        raise TokenRejected(
            "algorithm", f"signing method {ascii(shown)[1:-1][:40]} is invalid, only {allowed} is allowed", VERIFY
        )
    expected = hmac.digest(keyring.prepared_secret(api_key.key), parsed.signing_input, _DIGESTS[algorithm])
    if not hmac.compare_digest(expected, parsed.signature):
        raise TokenRejected("signature", f"signature is invalid: it does not match the secret of API key '{api_key.key}'", VERIFY)
    if parsed.claims_problem is not None:
        raise parsed.claims_problem
    return api_key


def check_times(
    parsed: ParsedToken, at: float | None = None, leeway: float = SERVER_LEEWAY_SECONDS, profile: ServerProfile | None = None
) -> None:
    """Check ``exp`` and ``nbf`` (and ``iat`` where the rules say so) with the server's leeway.

    golang-jwt: valid while nbf - leeway <= now < exp + leeway; go-jose also at exactly exp +
    leeway. The comparison uses Go's own clock arithmetic (see :func:`go_instant`), dates in
    whole seconds, ``at`` to the nanosecond. ``profile`` defaults to the rules ``parsed`` was
    read with. ``at`` (epoch seconds, default now) and ``leeway`` must be finite numbers, the
    leeway not negative; anything else raises :class:`InvalidArgument`.
    """
    rules = parsed.profile if profile is None else profile
    moment, leeway = _moment_and_leeway(at, leeway)
    now = _clock(moment)
    slack = round(leeway * 1e9)
    claims = parsed.server_claims
    checks = [_not_before, _expiry, _issued_at] if rules.nbf_checked_before_exp else [_expiry, _not_before, _issued_at]
    for check in checks:
        check(claims, now, moment, slack, leeway, rules)


def _expiry(claims: dict, now: int, moment: float, slack: int, leeway: float, rules: ServerProfile) -> None:
    if "exp" not in claims:
        if rules.exp_required:
            raise TokenRejected("exp-required", "exp claim is required", VERIFY)
        return
    expires = numeric_date(claims["exp"], "exp", rules)
    limit = go_instant(expires, rules) + slack
    if now >= limit if rules.expired_at_exp_plus_leeway else now > limit:
        if _beyond_go_clock(expires):
            when = "its exp is beyond the range of the server's clock, which reads it as long past"
        else:
            read = _whole_seconds(expires, rules)
            when = f"it expired at {format_utc(read)}, {format_duration(moment - read)} ago"
            if read != expires:
                when += ", exp read in whole seconds"
        raise TokenRejected("expired", f"token is expired: {when} (leeway {leeway:g} s)", VERIFY)


def _not_before(claims: dict, now: int, moment: float, slack: int, leeway: float, rules: ServerProfile) -> None:
    if "nbf" not in claims:
        return
    not_before = numeric_date(claims["nbf"], "nbf", rules)
    if now < go_instant(not_before, rules) - slack:
        read = _whole_seconds(not_before, rules)
        raise TokenRejected(
            "not-yet-valid",
            f"token is not valid yet: it is valid from {format_utc(read)}, in {format_duration(read - moment)} (leeway {leeway:g} s)",
            VERIFY,
        )


def _issued_at(claims: dict, now: int, moment: float, slack: int, leeway: float, rules: ServerProfile) -> None:
    if not rules.iat_checked or "iat" not in claims:
        return
    issued = numeric_date(claims["iat"], "iat", rules)
    if now < go_instant(issued, rules) - slack:
        read = _whole_seconds(issued, rules)
        raise TokenRejected(
            "issued-in-the-future",
            f"token is issued in the future: its iat is {format_utc(read)}, in {format_duration(read - moment)} (leeway {leeway:g} s)",
            VERIFY,
        )


def _whole_seconds(seconds: int | float, rules: ServerProfile) -> int | float:
    """The date in whole seconds as the server reads it (see :func:`go_instant`), for messages."""
    if isinstance(seconds, int) or _beyond_go_clock(seconds):
        return seconds
    return _go_seconds(seconds, rules)


def verify(
    token,
    keyring: Keyring,
    at: float | None = None,
    leeway: float = SERVER_LEEWAY_SECONDS,
    profile: ServerProfile | None = None,
) -> ParsedToken:
    """Verify like the server; return the parsed token or raise :class:`TokenRejected`.

    ``profile`` chooses the rules of a server release line (see :mod:`profiles`). Without one
    the current rules apply, and a refusal names the older release lines that would accept the
    token (``accepted by v1.13.0 to v1.13.5 servers, refused by current ones``). A bad ``at``
    or ``leeway`` raises :class:`InvalidArgument` before the token is read.
    """
    _moment_and_leeway(at, leeway)
    if profile is not None:
        return _verified(token, keyring, at, leeway, profile)
    try:
        return _verified(token, keyring, at, leeway, CURRENT)
    except TokenRejected as rejection:
        if rejection.cause not in ("not-text", "oversized"):
            rejection.also_accepted_by(
                [older for older in profiles.OLDER_THAN_CURRENT if _accepts(token, keyring, at, leeway, older)]
            )
        raise


def _verified(token, keyring: Keyring, at, leeway, rules: ServerProfile) -> ParsedToken:
    parsed = _parse(token, MAX_TOKEN_CHARS, rules)
    check_signature(parsed, keyring)
    check_times(parsed, at, leeway)
    return parsed


def _accepts(token, keyring: Keyring, at, leeway, rules: ServerProfile) -> bool:
    try:
        _verified(token, keyring, at, leeway, rules)
    except TokenRejected:
        return False
    return True


def identity_of(claims: dict, profile: ServerProfile | None = None) -> str:
    """The participant identity as the server reads it: ``sub``, or ``jti`` when ``sub`` is empty."""
    view = server_view(claims, REGISTERED_CLAIMS, profiles.CURRENT if profile is None else profile)
    return view.get("sub") or view.get("jti") or ""
