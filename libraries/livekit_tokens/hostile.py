"""Derive altered tokens from a good one, so that suites never hand-write base64.

Each function returns a new compact token (or text that is meant to look like one); none of them
checks anything. Changes are written as ``path = JSON value`` (``video.roomAdmin = true``,
``sub = "mallory"``, ``exp = null``, ``exp = (removed)``); several changes are separated by ``;``.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from functools import cache

from jwt.algorithms import HMACAlgorithm, get_default_algorithms
from jwt.utils import base64url_decode, base64url_encode

REMOVED_WORD = "(removed)"


class _Removed:
    def __repr__(self) -> str:
        return REMOVED_WORD


REMOVE = _Removed()

HMAC_ALGORITHMS = {"HS256": HMACAlgorithm.SHA256, "HS384": HMACAlgorithm.SHA384, "HS512": HMACAlgorithm.SHA512}


# ---------------------------------------------------------------- segments


def _split(token: str) -> list[str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(f"A token to alter must have 3 segments, this one has {len(parts)}.")
    return parts


def _segment_json(segment: str) -> dict:
    try:
        value = json.loads(base64url_decode(segment))
    except RecursionError:
        raise ValueError("A token to alter must carry JSON that is not nested too deeply.") from None
    if not isinstance(value, dict):
        raise ValueError("A token to alter must carry JSON objects in its header and payload.")
    return value


def encode_segment(data: bytes | str) -> str:
    """base64url without padding, as JWS writes every segment."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return base64url_encode(raw).decode("ascii")


def _encode_json(value: dict) -> str:
    return encode_segment(json.dumps(value, separators=(",", ":")))


def decoded_parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = _split(token)
    return _segment_json(header), _segment_json(payload)


# ---------------------------------------------------------------- changes written as text


def set_path(document: dict, path: str, value) -> dict:
    """Set ``video.roomAdmin``-style dotted paths; a value of ``REMOVE`` deletes the field."""
    target = document
    *parents, last = path.split(".")
    for name in parents:
        child = target.get(name)
        if not isinstance(child, dict):
            child = {}
            target[name] = child
        target = child
    if value is REMOVE:
        target.pop(last, None)
    else:
        target[last] = value
    return document


_PATH = re.compile(r"\s*([^=;\s][^=;]*?)\s*=\s*")


def parse_changes(text: str) -> list[tuple[str, object]]:
    """Read ``path = JSON value`` changes separated by ``;``; ``(removed)`` deletes the field.

    >>> parse_changes('video.roomAdmin = true; sub = (removed)')
    [('video.roomAdmin', True), ('sub', (removed))]
    """
    decoder = json.JSONDecoder()
    changes: list[tuple[str, object]] = []
    position = 0
    text = str(text)
    while position < len(text):
        match = _PATH.match(text, position)
        if match is None:
            raise ValueError(f"Write each change as 'name = JSON value' (for example 'sub = \"mallory\"'), got {text!r}.")
        path, position = match.group(1), match.end()
        if text.startswith(REMOVED_WORD, position):
            value, position = REMOVE, position + len(REMOVED_WORD)
        else:
            try:
                value, position = decoder.raw_decode(text, position)
            except ValueError:
                raise ValueError(
                    f"The value of '{path}' must be JSON (\"text\", 42, true, null, [..], {{..}}) or {REMOVED_WORD}."
                ) from None
        changes.append((path, value))
        rest = text[position:].lstrip()
        if rest and not rest.startswith(";"):
            raise ValueError(f"Separate changes with ';', got {rest[:20]!r} after '{path}'.")
        position = len(text) - len(rest) + (1 if rest else 0)
        if not text[position:].strip():
            break
    if not changes:
        raise ValueError("No change given; write 'name = JSON value'.")
    return changes


def _as_changes(changes) -> list[tuple[str, object]]:
    if isinstance(changes, dict):
        return list(changes.items())
    if isinstance(changes, str):
        return parse_changes(changes)
    result = []
    for change in changes:
        result.extend(parse_changes(change) if isinstance(change, str) else [tuple(change)])
    return result


def with_claims(token: str, changes) -> str:
    """Change payload fields (dotted paths allowed) and keep the old signature."""
    header, payload, signature = _split(token)
    claims = _segment_json(payload)
    for path, value in _as_changes(changes):
        set_path(claims, path, value)
    return f"{header}.{_encode_json(claims)}.{signature}"


def with_claim_renamed(token: str, name: str, new_name: str) -> str:
    """Move the value of the top-level claim ``name`` under the JSON name ``new_name``, last in the
    payload; the old signature is kept."""
    header, payload, signature = _split(token)
    claims = _segment_json(payload)
    if name not in claims:
        raise ValueError(f"The token has no '{name}' claim to rename.")
    claims[new_name] = claims.pop(name)
    return f"{header}.{_encode_json(claims)}.{signature}"


def with_header(token: str, changes) -> str:
    """Change header fields and keep the old signature."""
    header, payload, signature = _split(token)
    fields = _segment_json(header)
    for path, value in _as_changes(changes):
        set_path(fields, path, value)
    return f"{_encode_json(fields)}.{payload}.{signature}"


# ---------------------------------------------------------------- raw JSON text


def _with_raw_json(segment: str, fragment: str) -> str:
    text = base64url_decode(segment).decode("utf-8")
    body = text.rstrip()
    if not body.endswith("}"):
        raise ValueError("The segment to extend is not a JSON object.")
    inner = body[:-1].rstrip()
    separator = "" if inner.endswith("{") else ","
    return encode_segment(f"{inner}{separator}{fragment}}}")


def with_raw_claims_json(token: str, fragment: str) -> str:
    """Append raw JSON members (``"sub": "a", "sub": "b"``) to the payload, text kept as written."""
    header, payload, signature = _split(token)
    return f"{header}.{_with_raw_json(payload, fragment)}.{signature}"


def with_raw_header_json(token: str, fragment: str) -> str:
    """Append raw JSON members to the header, text kept as written."""
    header, payload, signature = _split(token)
    return f"{_with_raw_json(header, fragment)}.{payload}.{signature}"


def with_header_text(token: str, text: str) -> str:
    """Replace the header by ``text`` (any text, JSON or not), base64url-encoded."""
    _, payload, signature = _split(token)
    return f"{encode_segment(text)}.{payload}.{signature}"


def with_payload_text(token: str, text: str) -> str:
    """Replace the payload by ``text`` (any text, JSON or not), base64url-encoded."""
    header, _, signature = _split(token)
    return f"{header}.{encode_segment(text)}.{signature}"


def with_text_after_claims(token: str, text: str) -> str:
    """Append ``text`` after the payload's JSON object, which is kept as it was."""
    header, payload, signature = _split(token)
    return f"{header}.{encode_segment(base64url_decode(payload) + text.encode('utf-8', 'surrogatepass'))}.{signature}"


def nested_json(depth: int) -> str:
    """``[[[...]]]`` with ``depth`` levels."""
    if depth < 1:
        raise ValueError("The nesting depth must be at least 1.")
    return "[" * depth + "]" * depth


def with_nested_claim(token: str, depth: int, name: str = "nested") -> str:
    """Add a claim holding arrays nested ``depth`` deep; the payload object adds one level."""
    return with_raw_claims_json(token, f"{json.dumps(name)}:{nested_json(depth)}")


def grown_to(token: str, characters: int, name: str = "padding") -> str:
    """Add a filler claim so that the token (before re-signing) is about ``characters`` long."""
    header, payload, signature = _split(token)
    missing = characters - len(token) - 16
    if missing <= 0:
        raise ValueError(f"The token is already {len(token)} characters long.")
    filler = "a" * (missing * 3 // 4)
    return with_raw_claims_json(f"{header}.{payload}.{signature}", f"{json.dumps(name)}:{json.dumps(filler)}")


# ---------------------------------------------------------------- signing


def resign(token: str, key: bytes, algorithm: str = "HS256") -> str:
    """Sign the token's header and payload text again (as they are) with ``algorithm``."""
    header, payload, _ = _split(token)
    return f"{header}.{payload}.{encode_segment(sign_input(f'{header}.{payload}'.encode('ascii'), key, algorithm))}"


def sign_input(signing_input: bytes, key, algorithm: str) -> bytes:
    """The signature of ``signing_input``: HMAC with ``key`` bytes, or a fresh key pair for RS/PS/ES/EdDSA."""
    if algorithm in HMAC_ALGORITHMS:
        return hmac.new(key, signing_input, HMAC_ALGORITHMS[algorithm]).digest()
    if algorithm.lower() == "none":
        return b""
    implementation = get_default_algorithms().get(algorithm)
    if implementation is None:
        # An algorithm nobody implements: any bytes will do, the header is what is tested.
        return hmac.new(key, signing_input, HMAC_ALGORITHMS["HS256"]).digest()
    return implementation.sign(signing_input, _private_key(_KEY_KINDS.get(algorithm, "RSA")))


_KEY_KINDS = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "EdDSA": "Ed25519"}


@cache
def _private_key(kind: str):
    """A key pair made once per run: RSA 2048 (RS*, PS*), P-256/P-384/P-521 (ES*) or Ed25519."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if kind == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key({"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}[kind])


def with_algorithm(token: str, algorithm: str, key: bytes) -> str:
    """Set ``alg`` and sign as that algorithm would: HS* with ``key``, RS/PS/ES/EdDSA with a fresh
    key pair, ``none`` (any casing) with an empty signature."""
    header, payload, _ = _split(token)
    fields = _segment_json(header)
    fields["alg"] = algorithm
    new_header = _encode_json(fields)
    signature = sign_input(f"{new_header}.{payload}".encode("ascii"), key, algorithm)
    return f"{new_header}.{payload}.{encode_segment(signature)}"


def public_key_pem() -> bytes:
    """The PEM text of an RSA public key, as a key-confusion attack would use it for HMAC."""
    from cryptography.hazmat.primitives import serialization

    return (
        _private_key("RSA").public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def random_secret(length: int = 32) -> str:
    """A random secret of ``length`` characters (hex digits, so also ``length`` bytes)."""
    return secrets.token_hex((length + 1) // 2)[:length]


def with_embedded_key(token: str, field: str, attacker_secret: bytes) -> str:
    """Point a header field at an attacker's key and sign with that key.

    ``jwk`` embeds the key itself, ``kid`` names it, ``jku`` and ``x5u`` point to a URL for it.
    """
    pointers = {
        "jwk": {"kty": "oct", "k": encode_segment(attacker_secret)},
        "kid": "attacker-key",
        "jku": "https://attacker.invalid/keys.json",
        "x5u": "https://attacker.invalid/cert.pem",
    }
    if field not in pointers:
        raise ValueError(f"'{field}' is not a key header; use one of {', '.join(pointers)}.")
    return resign(with_header(token, {field: pointers[field]}), attacker_secret)


# ---------------------------------------------------------------- the signature


def _signature_changes(header: str, payload: str, signature: str) -> dict:
    raw = base64url_decode(signature) if signature else b""
    flipped = bytes([raw[0] ^ 0xFF]) + raw[1:] if raw else b"\xff"
    first = signature[:1] or "A"
    other = "B" if first != "B" else "C"
    last = signature[-1:] or "A"
    unused = _same_value_other_bits(last, len(signature))
    return {
        "one byte flipped": f"{header}.{payload}.{encode_segment(flipped)}",
        "one character changed": f"{header}.{payload}.{other}{signature[1:]}",
        "emptied": f"{header}.{payload}.",
        "removed": f"{header}.{payload}",
        "truncated": f"{header}.{payload}.{signature[: max(len(signature) - 4, 0)]}",
        "doubled": f"{header}.{payload}.{signature}{signature}",
        "with padding": f"{header}.{payload}.{signature}=",
        "with unused bits changed": f"{header}.{payload}.{signature[:-1]}{unused}",
        "from another token": f"{header}.{payload}.{encode_segment(hmac.new(b'x', b'y', 'sha256').digest())}",
        "spoiled encoding": f"{header}.{payload}.{signature[:-1]}*",
    }


SIGNATURE_CHANGES = (
    "one byte flipped",
    "one character changed",
    "emptied",
    "removed",
    "truncated",
    "doubled",
    "with padding",
    "with unused bits changed",
    "from another token",
    "spoiled encoding",
)


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _same_value_other_bits(last: str, length: int) -> str:
    """Another base64url character for the last position that decodes to the same bytes.

    With ``length % 4`` of 2 or 3, the last character carries 4 or 2 bits that no byte uses;
    decoders that do not check them (Go's non-strict decoding, Python's) read the same bytes.
    """
    unused = {2: 4, 3: 2}.get(length % 4, 0)
    if not unused:
        raise ValueError("This signature has no unused bits (its length is a multiple of 4).")
    index = _ALPHABET.index(last)
    return _ALPHABET[index ^ 1]


def with_signature(token: str, how: str) -> str:
    """Alter the signature: one of :data:`SIGNATURE_CHANGES`."""
    header, payload, signature = _split(token)
    changes = _signature_changes(header, payload, signature)
    if how not in changes:
        raise ValueError(f"Unknown signature change '{how}'; use one of: {', '.join(SIGNATURE_CHANGES)}.")
    return changes[how]


def with_flipped_signature_byte(token: str, index: int = 0) -> str:
    """Flip every bit of one byte of the signature."""
    header, payload, signature = _split(token)
    raw = bytearray(base64url_decode(signature))
    if not raw:
        raise ValueError("The token has no signature to alter.")
    raw[index % len(raw)] ^= 0xFF
    return f"{header}.{payload}.{base64url_encode(bytes(raw)).decode('ascii')}"


def with_repeated_text(token: str, path: str, count_and_letter: str) -> str:
    """Set ``path`` to a text of one letter repeated: ``257 a`` is 257 times ``a`` (signature kept)."""
    count, _, letter = str(count_and_letter).strip().partition(" ")
    letter = letter.strip()
    if not count.isdigit() or len(letter) != 1 or int(count) > 1_000_000:
        raise ValueError(f"Write a count and one letter, such as '257 a', got {count_and_letter!r}.")
    return with_claims(token, [(path, letter * int(count))])


def with_segment_count(token: str, count: int) -> str:
    """Keep the first ``count`` segments, or add segments (copies of the signature) up to ``count``."""
    parts = _split(token)
    if count < 1:
        raise ValueError("A token has at least one segment.")
    if count <= 3:
        return ".".join(parts[:count])
    return ".".join(parts + [parts[2]] * (count - 3))


# ---------------------------------------------------------------- the text around the token


def _text_changes(token: str) -> dict:
    header, payload, signature = _split(token)
    middle = len(payload) // 2
    return {
        "with a Bearer prefix": f"Bearer {token}",
        "with a leading space": f" {token}",
        "with a trailing space": f"{token} ",
        "with a space inside": f"{header}.{payload[:middle]} {payload[middle:]}.{signature}",
        "with a tab inside": f"{header}.{payload[:middle]}\t{payload[middle:]}.{signature}",
        "with a trailing line break": f"{token}\n",
        "with a line break inside the payload": f"{header}.{payload[:middle]}\n{payload[middle:]}.{signature}",
        "with a plus sign": f"{header}.{payload[:middle]}+{payload[middle + 1 :]}.{signature}",
        "with a slash": f"{header}.{payload[:middle]}/{payload[middle + 1 :]}.{signature}",
        "with an asterisk": f"{header}.{payload[:middle]}*{payload[middle + 1 :]}.{signature}",
        "with padding": f"{header}=.{payload}.{signature}",
        "with a lone surrogate": f"{header}.{payload[:middle]}\ud800{payload[middle:]}.{signature}",
        "with a non-ASCII letter": f"{header}.{payload[:middle]}é{payload[middle:]}.{signature}",
        "with a NUL character": f"{header}.{payload}\x00.{signature}",
        "as two megabytes of letters": "a" * (2 << 20),
        "as half a megabyte of dots": "." * (1 << 19),
    }


TEXT_CHANGES = (
    "with a Bearer prefix",
    "with a leading space",
    "with a trailing space",
    "with a space inside",
    "with a tab inside",
    "with a trailing line break",
    "with a line break inside the payload",
    "with a plus sign",
    "with a slash",
    "with an asterisk",
    "with padding",
    "with a lone surrogate",
    "with a non-ASCII letter",
    "with a NUL character",
    "as two megabytes of letters",
    "as half a megabyte of dots",
)


def with_text_change(token: str, how: str) -> str:
    """Change the token text around or inside its segments: one of :data:`TEXT_CHANGES`."""
    changes = _text_changes(token)
    if how not in changes:
        raise ValueError(f"Unknown text change '{how}'; use one of: {', '.join(TEXT_CHANGES)}.")
    return changes[how]


# ---------------------------------------------------------------- issuers close to a real key


def issuer_variants(key: str) -> dict[str, str]:
    """Issuers that look like ``key`` but are not it: the server looks keys up by exact match."""
    middle = key[1:-1] if len(key) > 2 else key + key
    return {
        "a prefix of the API key": key[:-1] if len(key) > 1 else "",
        "the API key with a suffix": key + "2",
        "a substring of the API key": middle,
        "the API key in upper case": key.upper() if key.upper() != key else key.lower(),
        "the API key with a trailing space": key + " ",
        "the API key with a leading space": " " + key,
    }


NOT_TEXT = {
    "a number": 12345,
    "nothing": None,
    "a list": ["header", "payload", "signature"],
    "a dictionary": {"token": "value"},
    "bytes outside ASCII": b"\xff\xfe.\x00.\x80",
}
