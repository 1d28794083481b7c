"""Sign a webhook body as the LiveKit server does.

protocol ``webhook/url_notifier.go`` 264-289 (``URLNotifier.send``): the body is hashed with
SHA-256 and the hash written in standard base64 with padding (272-273); an access token of the
key configured under ``webhook.api_key`` is made valid for 5 minutes with that hash as its
``sha256`` claim (275-278) and sent as the whole ``Authorization`` header, without ``Bearer `` (287),
with ``Content-Type: application/webhook+json`` (289). ``auth/accesstoken.go`` 172-199 (``ToJWT``)
writes ``iss``, ``exp``, ``nbf`` and ``iat`` (now), no ``sub`` (the identity is empty), and HS256.
"""

from __future__ import annotations

import base64
import hashlib

from livekit_tokens import minting
from livekit_tokens.keys import Keyring
from livekit_tokens.timeutil import now as current_time

AUTHORIZATION = "Authorization"
CONTENT_TYPE = "application/webhook+json"
VALID_FOR_SECONDS = 5 * 60  # url_notifier.go 276: SetValidFor(5 * time.Minute)


def body_hash(body: bytes) -> str:
    """The ``sha256`` claim for ``body``: standard base64, with padding, of its SHA-256."""
    return base64.b64encode(hashlib.sha256(bytes(body)).digest()).decode("ascii")


def webhook_claims(api_key: str, sha256: str | None, at: float | None = None, valid_for: float = VALID_FOR_SECONDS) -> dict:
    """The claims the server writes, in the order Go's encoder writes them: iss, exp, nbf, iat, sha256."""
    moment = int(current_time() if at is None else at)
    claims: dict = {"iss": api_key, "exp": int(moment + valid_for), "nbf": moment, "iat": moment}
    if sha256 is not None:
        claims["sha256"] = sha256
    return claims


def sign_body(
    body: bytes, keyring: Keyring, api_key: str | None = None, at: float | None = None, valid_for: float = VALID_FOR_SECONDS
) -> str:
    """The ``Authorization`` header value the server sends with ``body``, signed with ``api_key``'s secret.

    ``api_key`` is the key the server's ``webhook.api_key`` names (default: the keyring's first);
    an unknown one raises ``KeyError``, as the server refuses to start with one
    (``webhook/notifier.go`` 78-80).
    """
    name = keyring.primary.key if api_key in (None, "") else api_key
    if name not in keyring:
        raise KeyError(name)
    return minting.encode(webhook_claims(name, body_hash(body), at, valid_for), keyring.prepared_secret(name))


def signed_headers(token: str) -> dict[str, str]:
    """The headers of a webhook POST that carries ``token``, as the server sets them."""
    return {AUTHORIZATION: token, "Content-Type": CONTENT_TYPE}
