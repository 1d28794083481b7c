"""When an endpoint's token was minted and how long it lives, also when it does not say.

livekit-server-sdk 2.11 to 2.13 mint ``nbf: 0`` and no ``iat`` (seen with 2.13.3: ``{"nbf": 0,
"exp": ...}``); newer releases write ``nbf`` and ``iat`` as the moment of minting. ``nbf`` 0 is
the start of 1970: it says nothing about when the token was made. Such a token's lifetime is then
``exp`` minus the moment the request was sent, and its freshness is judged by comparing two
requests, never by ``nbf``.
"""

from __future__ import annotations

from dataclasses import dataclass


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


@dataclass(frozen=True)
class MintTime:
    """``claim`` (``nbf`` or ``iat``) and its moment, or ``claim`` None when the token gives no usable one."""

    claim: str | None
    moment: float | None
    nbf_missing: bool  # nbf is 0, absent or not a number


def mint_time(claims: dict) -> MintTime:
    """The token's own statement of when it was minted: a positive ``nbf``, else ``iat``, else none."""
    nbf = _number(claims.get("nbf"))
    iat = _number(claims.get("iat"))
    missing = nbf is None or nbf <= 0
    if not missing:
        return MintTime("nbf", nbf, False)
    if iat is not None and iat > 0:
        return MintTime("iat", iat, True)
    return MintTime(None, None, True)


@dataclass(frozen=True)
class Lifetime:
    seconds: float
    basis: str  # "nbf", "iat" or "request": what the lifetime was counted from


def lifetime(claims: dict, requested_at: float) -> Lifetime | None:
    """``exp`` minus the mint time, or minus ``requested_at`` when the token has none; None without ``exp``."""
    exp = _number(claims.get("exp"))
    if exp is None:
        return None
    minted = mint_time(claims)
    if minted.claim is None:
        return Lifetime(exp - requested_at, "request")
    return Lifetime(exp - minted.moment, minted.claim)


@dataclass(frozen=True)
class Freshness:
    """Whether two answers show freshly minted tokens, and why."""

    fresh: bool
    reason: str


def compare_answers(first: dict, second: dict, first_token: str, second_token: str, apart: float) -> Freshness:
    """Judge freshness by two requests ``apart`` seconds apart (for tokens without a mint time).

    A cache hands the same token twice; an endpoint that mints hands two different ones, whose
    ``exp`` moves on with the second request.
    """
    if first_token == second_token:
        return Freshness(False, "two requests got the same token")
    exp_one, exp_two = _number(first.get("exp")), _number(second.get("exp"))
    if exp_one is not None and exp_two is not None and apart >= 2 and exp_two <= exp_one:
        return Freshness(False, f"the second token, asked for {apart:.0f} s later, expires no later than the first")
    return Freshness(True, "two requests got two different tokens")
