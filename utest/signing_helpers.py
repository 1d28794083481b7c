"""Tokens for the unit tests, built by hand (standard library only) so that tests do not depend on
the code they test to make their input."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from livekit_tokens.keys import ApiKey, Keyring

T0 = 1_768_871_337  # 2026-01-20 01:08:57 UTC, the document's expiry time
FIRST_SECRET = "first-secret-of-thirty-two-bytes!"
SECOND_SECRET = "second-secret-of-thirty-two-byte"


def keyring() -> Keyring:
    """Two configured keys: k1 (signs by default) and k2."""
    return Keyring([ApiKey("k1", FIRST_SECRET), ApiKey("k2", SECOND_SECRET)])


def b64(data: bytes | str) -> str:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def sign_text(header_text: str, payload_text: str, secret: str = FIRST_SECRET) -> str:
    """A compact HS256 token over exactly these JSON texts."""
    signing_input = f"{b64(header_text)}.{b64(payload_text)}"
    signature = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def sign(claims: dict, secret: str = FIRST_SECRET, header: dict | None = None) -> str:
    header = {"alg": "HS256", "typ": "JWT"} if header is None else header
    return sign_text(json.dumps(header), json.dumps(claims), secret)


def good_claims(**changes) -> dict:
    """A token for alice in demo, valid from T0 - 1 h to T0 + 5 h, issued by k1."""
    claims = {
        "iss": "k1",
        "sub": "alice",
        "nbf": T0 - 3600,
        "exp": T0 + 5 * 3600,
        "video": {"roomJoin": True, "room": "demo", "canPublish": False, "canSubscribe": True},
    }
    claims.update(changes)
    return claims
