"""API keys and secrets: where they come from and how they are held.

The LiveKit server reads its keys either from ``LIVEKIT_KEYS`` (YAML: ``key: secret``, one pair per
line, read here as the server reads it, see ``server_keys``) or from its config file; SDKs read ``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET``. A keyring here
holds every configured pair so that a token is checked against the secret its ``iss`` names, as the
server does, while new tokens are signed with the primary key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEV_API_KEY = "devkey"
DEV_API_SECRET = "secret"
MIN_SECRET_BYTES = 32  # RFC 7518 section 3.2: an HS256 key at least as long as the hash


class ConfigurationError(Exception):
    """A setting is missing or unusable; the message says what to set."""


def secret_text(value) -> str:
    """Return the plain text of a secret given as ``str`` or as Robot Framework's ``Secret``."""
    inner = getattr(value, "value", value)
    if not isinstance(inner, str):
        raise ConfigurationError(
            f"An API secret must be text, got {type(inner).__name__}; set LIVEKIT_API_SECRET to the secret of your API key."
        )
    return inner


@dataclass(frozen=True)
class ApiKey:
    """One API key with its secret; the secret never appears in ``repr``."""

    key: str
    secret: str = field(repr=False)
    origin: str = "default"

    @property
    def secret_bytes(self) -> int:
        return len(secret_key_bytes(self.secret))

    @property
    def is_weak(self) -> bool:
        return self.secret_bytes < MIN_SECRET_BYTES

    @property
    def has_outer_whitespace(self) -> bool:
        return self.secret != self.secret.strip()


class Keyring:
    """The configured API keys: the first signs new tokens, all of them verify."""

    def __init__(self, keys: list[ApiKey]):
        if not keys:
            raise ConfigurationError("No API key is configured; set LIVEKIT_API_KEY and LIVEKIT_API_SECRET.")
        self._keys: dict[str, ApiKey] = {}
        for api_key in keys:
            _check_pair(api_key)
            self._keys.setdefault(api_key.key, api_key)
        self.primary = keys[0]
        self._prepared: dict[str, bytes] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self):
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"Keyring(keys={list(self._keys)})"

    def get(self, key: str) -> ApiKey | None:
        return self._keys.get(key) if isinstance(key, str) else None

    def secrets(self) -> list[str]:
        return [api_key.secret for api_key in self._keys.values()]

    def prepared_secret(self, key: str) -> bytes:
        """Return the HMAC key bytes for ``key``, prepared once."""
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = prepare_hmac_key(self._keys[key].secret)
            self._prepared[key] = prepared
        return prepared


def secret_key_bytes(secret: str) -> bytes:
    """The bytes the server signs with: the secret's UTF-8 bytes.

    A secret read from a non-UTF-8 environment holds surrogate escapes; they turn back into the
    original bytes, which is what the server (reading the same bytes) uses.
    """
    try:
        return secret.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return secret.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return secret.encode("utf-8", "surrogatepass")


def prepare_hmac_key(secret: str) -> bytes:
    """The HMAC key for ``secret``, taken byte for byte as the server takes it.

    PyJWT refuses secrets that look like PEM or SSH keys (its guard against key confusion); the
    server uses any text as it is, and this library only signs and verifies HS256, so it does too.
    """
    return secret_key_bytes(secret)


def _check_pair(api_key: ApiKey) -> None:
    if not isinstance(api_key.key, str) or not api_key.key.strip():
        raise ConfigurationError("An API key is empty; set LIVEKIT_API_KEY to the key name, for example 'devkey'.")
    if not isinstance(api_key.secret, str) or not api_key.secret.strip():
        state = "only whitespace" if isinstance(api_key.secret, str) and api_key.secret else "empty"
        raise ConfigurationError(
            f"The API secret for key '{api_key.key}' is {state}; set LIVEKIT_API_SECRET "
            "(or LIVEKIT_KEYS as 'key: secret') to the secret your LiveKit server uses."
        )


def parse_livekit_keys(text: str) -> list[ApiKey]:
    """Read ``LIVEKIT_KEYS`` as the LiveKit server reads it: YAML, ``key: secret`` one pair per line.

    The rules are the server's (``livekit_tokens.server_keys``): comments and blank lines are
    skipped, a plain secret loses its trailing blanks, a quoted one keeps them, a value the server
    does not read as text (a number, a boolean, a date, an empty value) drops its key, and a text
    the server cannot read, a key named twice or no key left stops the run with one sentence.
    """
    from livekit_tokens.server_keys import KeysRefused, read_server_keys

    try:
        read = read_server_keys(text)
    except KeysRefused as refused:
        raise ConfigurationError(str(refused)) from None
    if not read.kept:
        dropped = "; ".join(f"'{name}' is {kind}" for name, kind in read.dropped[:3])
        raise ConfigurationError(
            "LIVEKIT_KEYS holds no key the LiveKit server would use"
            + (f" (it drops every value that is no text: {dropped})" if dropped else "")
            + "; write one 'key: secret' pair per line."
        )
    return [ApiKey(name, secret, origin="LIVEKIT_KEYS") for name, secret in read.kept.items()]


def dropped_livekit_keys(text: str) -> list[tuple[str, str]]:
    """The keys of ``LIVEKIT_KEYS`` that the server drops without a word, with what their value is instead."""
    from livekit_tokens.server_keys import KeysRefused, read_server_keys

    try:
        return read_server_keys(text).dropped
    except KeysRefused:
        return []


def load_keyring(
    api_key: str | None = None,
    api_secret=None,
    environ: Mapping[str, str] | None = None,
) -> Keyring:
    """Build the keyring from explicit values, then the environment, then the dev pair.

    ``LIVEKIT_API_KEY``/``LIVEKIT_API_SECRET`` give the primary key; ``LIVEKIT_KEYS`` adds more
    (and gives the primary key when the first two are unset); a key both of them name must have the
    same secret in both, while explicit arguments take precedence over the environment. With nothing
    set, the pair of ``livekit-server --dev`` is used.
    """
    env = os.environ if environ is None else environ
    keys: list[ApiKey] = []
    key = api_key if api_key is not None else env.get("LIVEKIT_API_KEY")
    secret = secret_text(api_secret) if api_secret is not None else env.get("LIVEKIT_API_SECRET")
    origin = "argument" if api_key is not None or api_secret is not None else "LIVEKIT_API_KEY"
    listed = env.get("LIVEKIT_KEYS", "")
    blank = isinstance(secret, str) and not secret.strip()  # "" or only whitespace: no usable secret
    if key or (secret and not blank):
        if not key:
            raise ConfigurationError("LIVEKIT_API_SECRET is set but LIVEKIT_API_KEY is not; set LIVEKIT_API_KEY.")
        if secret is None or blank:
            state = "only whitespace" if secret else "empty"
            raise ConfigurationError(
                f"The API secret for key '{key}' is {state}; set LIVEKIT_API_SECRET to the secret your LiveKit server uses."
            )
        keys.append(ApiKey(key, secret, origin=origin))
    elif blank:
        state = "only whitespace" if secret else "empty"
        raise ConfigurationError(f"LIVEKIT_API_SECRET is {state}; set it to the secret your LiveKit server uses.")
    if listed.strip():
        for listed_key in parse_livekit_keys(listed):
            first = next((known for known in keys if known.key == listed_key.key), None)
            if first is None:
                keys.append(listed_key)
            elif first.origin == "LIVEKIT_API_KEY" and first.secret != listed_key.secret:
                raise ConfigurationError(
                    f"API key '{listed_key.key}' is given different secrets by LIVEKIT_API_SECRET and LIVEKIT_KEYS; keep one."
                )
    if not keys:
        keys.append(ApiKey(DEV_API_KEY, DEV_API_SECRET, origin="dev default"))
    return Keyring(keys)
