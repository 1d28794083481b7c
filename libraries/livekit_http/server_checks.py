"""The tokens of the live suite's server checks, as a table: each case is the document's observer token
with one thing changed, and the server's answer to it is what the live suite checks.

    token, claims = mint_case("expired", keyring, "client_test", "test_room", now)
"""

from __future__ import annotations

import secrets as random_source
from collections.abc import Callable
from dataclasses import dataclass, field

from livekit_tokens import hostile, minting
from livekit_tokens.keys import Keyring

HOUR = 3600


@dataclass(frozen=True)
class ServerCheck:
    """One case: validity window (seconds from now), a change to the claims, and how it is signed."""

    not_before: int | None = None
    expires: int | None = None
    change: Callable[[dict], None] | None = field(default=None, repr=False)
    signer: str = "own"  # own: the key's secret; random: another secret; unknown: another secret under an unknown key
    tamper: bool = False  # change the identity after signing


def _set(path: tuple[str, ...], value) -> Callable[[dict], None]:
    def change(claims: dict) -> None:
        target = claims
        for name in path[:-1]:
            target = target[name]
        target[path[-1]] = value

    return change


def _drop(name: str) -> Callable[[dict], None]:
    return lambda claims: claims.pop(name, None)


CASES: dict[str, ServerCheck] = {
    "observer": ServerCheck(),
    "expired": ServerCheck(not_before=-3 * HOUR, expires=-2 * HOUR),
    "expired within leeway": ServerCheck(not_before=-600, expires=-30),  # the server's leeway is 60 s
    "not yet valid": ServerCheck(not_before=2 * HOUR, expires=3 * HOUR),
    "not yet valid within leeway": ServerCheck(not_before=30, expires=HOUR),
    "tampered": ServerCheck(tamper=True),
    "signed with another secret": ServerCheck(signer="random"),
    "unknown API key": ServerCheck(signer="unknown"),
    "without video grant": ServerCheck(change=_drop("video")),
    "without roomJoin": ServerCheck(change=_set(("video", "roomJoin"), False)),
    "without identity": ServerCheck(change=_drop("sub")),
    "without room": ServerCheck(change=_set(("video", "room"), "")),
}


def case_named(text: str) -> str:
    """The case ``text`` names (any case and spacing), or ``ValueError`` with the list of cases."""
    name = " ".join(str(text).split()).lower()
    chosen = next((known for known in CASES if known.lower() == name), None)
    if chosen is None:
        raise ValueError(f"Unknown token case '{text}'; use one of: {', '.join(CASES)}.")
    return chosen


def unused_key_name(keyring: Keyring) -> str:
    name = "unknown-key"
    while name in keyring:
        name += "-x"
    return name


def mint_case(case: str, keyring: Keyring, identity: str, room: str, now: int) -> tuple[str, dict]:
    """The token of ``case`` and the claims it was signed with (before any change after signing)."""
    check = CASES[case]
    api_key = keyring.primary
    # The document's token: observer grants, and an audience the server ignores.
    options: dict = {"room_join": True, "can_publish": False, "can_subscribe": True, "audience": room}
    if check.not_before is not None:
        options.update(not_before=now + check.not_before, expires=now + check.expires)
    claims = minting.build_claims(api_key.key, identity, room, at=now, **options)
    if check.change is not None:
        check.change(claims)
    secret = keyring.prepared_secret(api_key.key)
    if check.signer == "unknown":
        claims["iss"] = unused_key_name(keyring)
    if check.signer in ("random", "unknown"):
        secret = random_source.token_urlsafe(32).encode()
    token = minting.encode(claims, secret)
    if check.tamper:
        token = hostile.with_claims(token, {"sub": f"{identity or 'someone'}-changed"})
    return token, claims
