"""From what a run observed to the likely cause of a failure and its fix: :func:`diagnose`.

Each rule reads :class:`~.model.Observations` only: the server's status and the stable part of its
answer (as livekit-server v1.13.5 words them), the token's claims as the server reads them,
whether the token verifies with the configured secret (or with that secret plus a newline), the
configured keys, the clock skew, the URL as written, and the token endpoint's answers. When the
evidence points at one cause, the diagnosis names it; otherwise it lists the candidates, most
likely first, and the observation that would decide. No sentence quotes a token or a secret.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from livekit_http import room_service, tls
from livekit_server.binary import PINNED_VERSION
from livekit_tokens import grants as model
from livekit_tokens.policy import likely_meant
from livekit_tokens.timeutil import format_duration, format_utc

from . import cluster, decisions, endpoint_shapes
from .model import (
    CLOCK,
    ENDPOINT,
    EXPECTATION,
    REFUSAL,
    SERVER_ANSWER,
    TRANSPORT,
    Candidate,
    Diagnosis,
    Observations,
    TokenFacts,
)

# The grant each RoomService call needs, and whether it counts only for the token's room.
ROOM_SERVICE_GRANTS = room_service.GRANTS
PINNED_SERVER = PINNED_VERSION  # the release the suite starts, whose answers the rules know
EXP_REQUIRED_SINCE = "LiveKit's protocol after 2026-08-10"
SYNC_FIX = (
    "Synchronise the clock of that machine with NTP (timedatectl set-ntp true on Linux, "
    "w32tm /resync on Windows, automatic time on macOS); the server's 60 s leeway covers only small differences."
)
EXP_FIX = "Mint every token with an expiry: a TTL such as 10 minutes (LiveKit's server SDKs set 6 hours unless told otherwise)."
CACHE_FIX = (
    "Turn off caching for the token route (framework route cache, CDN or proxy) and answer with "
    "Cache-Control: no-store: every request needs its own, freshly minted token."
)
_TOKEN_NAMES = ("token", "accessToken", "access_token", "participantToken", "jwt")
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def diagnose(observations: Observations) -> Diagnosis | None:
    """The diagnosis of one failure, or None when the observations hold no failure a rule knows."""
    rule = {
        SERVER_ANSWER: _server_answer,
        TRANSPORT: _transport,
        REFUSAL: _refusal,
        EXPECTATION: _expectation,
        CLOCK: _clock_check,
        ENDPOINT: _endpoint,
    }.get(observations.failure)
    found = rule(observations) if rule is not None else None
    return cluster.instead_in_a_cluster(found)  # a node that differs from the others is the operator's to fix


# ---------------------------------------------------------------- words


def _name(value) -> str:
    """A key, room or identity as a sentence may show it: printable, at most 64 characters."""
    text = value if isinstance(value, str) else str(value)
    shown = "".join(ch if ch.isprintable() else "?" for ch in text)
    return shown if len(shown) <= 64 else shown[:61] + "..."


def _server(o: Observations) -> str:
    return f"the server at {o.server_url}" if o.server_url else "the server"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _version(o: Observations) -> str | None:
    found = _VERSION.search(o.server_version or "")
    return ".".join(found.groups()) if found else None


def _exp_optional(version: str | None) -> bool | None:
    """Whether a server of this version accepts a token without exp (v1.13.x and before: yes)."""
    found = _VERSION.search(version or "")
    if not found:
        return None
    return tuple(int(part) for part in found.groups()) <= (1, 13, 99)


def _clocks_agree(o: Observations) -> str:
    """' (this machine's clock and the server's agree within 1 s)', or '' when they were not compared or do not."""
    clock = o.clock
    if not clock.measured or abs(clock.skew) > max(2 * clock.uncertainty, 5):
        return ""
    return f" (this machine's clock and the server's agree within {math.ceil(max(abs(clock.skew), clock.uncertainty))} s)"


def _about(seconds: float) -> str:
    """A difference of clocks in words: to the second below two minutes, else to the minute."""
    rounded = round(seconds) if abs(seconds) < 120 else 60 * round(seconds / 60)
    return format_duration(rounded)


def _seconds(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _times(token: TokenFacts | None) -> tuple[float | None, float | None, str | None]:
    """``exp``, the minting moment (``nbf``, else ``iat``) and which claim gave it."""
    claims = (token.claims if token else None) or {}
    expires = _seconds(claims.get("exp"))
    for claim in ("nbf", "iat"):
        start = _seconds(claims.get(claim))
        if start:
            return expires, start, claim
    return expires, None, None


def _issued_here(token: TokenFacts | None) -> bool:
    return token is not None and token.issued_by == "this run"


def _typo(video: dict | None, meant: str) -> tuple[str, object] | None:
    """An unknown field of the video grant that was likely meant as ``meant``, with its value."""
    if not isinstance(video, dict):
        return None
    for key in model.unknown_fields(video, model.VIDEO_FIELDS):
        if likely_meant("video", key) == meant:
            return key, video[key]
    return None


def _granted(video: dict | None) -> list[str]:
    view = model.server_view(video or {}, model.VIDEO_FIELDS)
    return [name for name, value in view.items() if value is True]


# ---------------------------------------------------------------- the server's answers


def _server_answer(o: Observations) -> Diagnosis:
    answer = o.server
    text = answer.message.lower()
    if answer.status == 200 and answer.expected_status not in (None, 200):
        return _accepted(o)
    for needle, rule in _SERVER_MESSAGES:
        if needle in text:
            return rule(o)
    if answer.status == 404:
        return Diagnosis.certain(
            "not-livekit",
            f"{_capital(_server(o))} answered 404 Not Found for {answer.call}: it is not the HTTP API of a LiveKit "
            "server, or LIVEKIT_URL carries a wrong path.",
            "Set LIVEKIT_URL to the LiveKit server's own address (ws://host:7880), with a path only when a proxy "
            "serves the server under one.",
        )
    if answer.status in (502, 503, 504):
        return Diagnosis.certain(
            "proxy-upstream",
            f"A proxy in front of the LiveKit server answered {answer.status}: the server behind it is not running "
            "or the proxy cannot reach it.",
            "Start the LiveKit server, or correct the upstream address in the proxy's configuration.",
        )
    return _unrecognised(o)


def _unknown_key(o: Observations) -> Diagnosis:
    token = o.token or TokenFacts()
    where = _server(o)
    key = token.issuer
    if token.claims is not None and not key:
        return Diagnosis.certain(
            "no-issuer",
            "The token has no iss claim, so the server cannot look up a secret for it and answers 'invalid API key'.",
            "Mint the token with the API key as its issuer (iss), as LiveKit's SDKs do.",
        )
    primary = f" ('{_name(o.keys[0])}')" if o.keys else ""
    if key is None:
        return Diagnosis.certain(
            "key-unknown-to-server",
            f"{_capital(where)} does not know the API key the token names: the key belongs to another project or "
            "environment than this server.",
            f"Use a key pair of {where} (LIVEKIT_API_KEY and LIVEKIT_API_SECRET{primary}).",
        )
    if token.key_configured:
        return Diagnosis.certain(
            "key-unknown-to-server",
            f"{_capital(where)} has no API key '{_name(key)}', though it is configured here: "
            f"LIVEKIT_API_KEY and its secret belong to another project or environment than {where}.",
            f"Set LIVEKIT_API_KEY and LIVEKIT_API_SECRET to a key pair of {where} (its config file or its "
            f"LIVEKIT_KEYS), or add '{_name(key)}' with its secret to the server's keys.",
        )
    return Diagnosis.certain(
        "token-key-unknown",
        f"The token names API key '{_name(key)}', which neither {where} nor this run knows: it was minted with "
        "a key of another project or environment.",
        f"Mint the token with a key pair of {where}, the one set in LIVEKIT_API_KEY{primary}.",
    )


def _signature(o: Observations) -> Diagnosis:
    token = o.token or TokenFacts()
    key = _name(token.issuer) if token.issuer else "its key"
    where = _server(o)
    if token.secret_variant:
        return _minter_whitespace(token, key, f" {where} refuses its signature, and")
    if token.verifies_here:
        padding = dict(o.padded_keys).get(token.issuer)
        mismatch = Candidate(
            "secret-mismatch",
            f"{_capital(where)} knows API key '{key}' but holds another secret for it than the one configured here: "
            "the token verifies with the configured secret and the server refuses its signature.",
            f"Set LIVEKIT_API_SECRET to the secret {where} has for '{key}' (the same project and environment as "
            "LIVEKIT_URL), or give the server this suite's key pair.",
        )
        if not padding or o.stripped_secret_accepted is False:
            return Diagnosis.certain(mismatch.cause, mismatch.sentence, mismatch.fix)
        whitespace = Candidate(
            "secret-whitespace",
            f"The API secret of '{key}' as configured here has {padding}, which the copy on {where} does not "
            "have, so the tokens signed here are refused.",
            "Remove the outer whitespace and quotes from LIVEKIT_API_SECRET (a .env line with a trailing space or "
            "newline, quotes kept around the value, or a secret file that ends in a newline).",
        )
        if o.stripped_secret_accepted:
            return Diagnosis.certain(
                whitespace.cause,
                whitespace.sentence[:-1] + ": without that, the server accepts a token signed with the same secret.",
                whitespace.fix,
            )
        return Diagnosis.among(
            [whitespace, mismatch],
            "Sign a token with the secret without its outer whitespace and quotes and send it to the server (python "
            "run.py diagnose does): accepted means they are the cause.",
        )
    if token.key_configured and token.verifies_here is False:
        return Diagnosis.among(
            [_other_secret(key, where), _altered()],
            "Mint a token with LIVEKIT_API_SECRET and send it to the same server (python run.py diagnose does): if "
            "the server accepts it, the token's minter signs with another secret; if it refuses it too, this "
            "suite's secret is not the server's either.",
        )
    return Diagnosis.among(
        [_other_secret(key, where), _altered()],
        f"Configure API key '{key}' with its secret here (LIVEKIT_KEYS), so that the token's signature can be "
        "checked against it.",
    )


def _other_secret(key: str, where: str) -> Candidate:
    return Candidate(
        "token-secret-unknown",
        f"The token was signed with another secret for API key '{key}' than the one configured here: its minter "
        "uses the key pair of another project or environment, or a secret that was rotated since.",
        f"Use one secret for '{key}' everywhere: set it where the token is minted, in LIVEKIT_API_SECRET and on {where}.",
    )


def _altered() -> Candidate:
    return Candidate(
        "token-altered",
        "The token was changed after it was signed (edited, or copied incompletely), so its signature no longer matches.",
        "Use the token exactly as its minter returned it; a token cannot be edited without signing it again.",
    )


def _minter_whitespace(token: TokenFacts, key: str, refused: str) -> Diagnosis:
    if token.secret_variant == "its outer whitespace removed":
        return Diagnosis.certain(
            "secret-whitespace",
            f"The API secret of '{key}' as configured here has outer whitespace or quotes around it, and the token "
            "was signed with the same secret without them: they came in with this suite's setting (a .env line with "
            "a trailing space or newline, quotes kept, or a secret file that ends in a newline).",
            "Remove the outer whitespace and quotes from LIVEKIT_API_SECRET (or from the secret in LIVEKIT_KEYS).",
        )
    return Diagnosis.certain(
        "secret-whitespace",
        f"The token was signed with the API secret of '{key}' with {token.secret_variant}:{refused} it verifies "
        "with that secret only so changed, so whatever minted it read the secret with outer whitespace or quotes "
        "(a .env value, a secret file ending in a newline, or quotes kept).",
        "Strip the secret where the token's minter loads it (for example secret.strip()), or remove the newline or "
        "quotes from the file or variable it comes from.",
    )


def _expired(o: Observations) -> Diagnosis:
    token = o.token
    expires, start, claim = _times(token)
    now = o.now if o.now is not None else 0.0
    clock = o.clock
    server_now = now + (clock.skew or 0.0)
    if clock.measured and clock.skew - clock.uncertainty > o.leeway and (token is None or _issued_here(token)):
        ahead = format_duration(clock.skew)
        return Diagnosis.certain(
            "clock-skew",
            f"The server's clock is {ahead} ahead of this machine's, beyond its {o.leeway:g} s leeway: it sees "
            f"the tokens minted here as {ahead} older than they are, and this one as expired.",
            f"Synchronise this machine's and the server's clocks. {SYNC_FIX}",
        )
    if token is not None and token.issued_at is not None and start is not None and start < token.issued_at - o.leeway:
        behind = _about(token.issued_at - start)
        life = f"its {format_duration(expires - start)} of validity were" if expires is not None else "it was"
        return Diagnosis.certain(
            "minting-clock-behind",
            f"The token was minted by {token.issued_by} moments before it was checked, but its {claim} is {behind} "
            f"earlier: the clock that minted it runs about {behind} behind, so {life} over before it was "
            f"used{_clocks_agree(o)}.",
            SYNC_FIX,
        )
    if expires is None:
        return _unrecognised(o)
    past = format_duration(server_now - expires)
    if start is not None:
        age = format_duration(server_now - start)
        old = (
            f"The token is old: it was minted at {format_utc(start)} ({age} ago) with "
            f"{format_duration(expires - start)} of validity and expired {past} ago; it was stored or cached and "
            "used again."
        )
        behind = f"The clock of the machine that minted the token runs about {age} behind: the token may be new but is dated in the past."
        decider = (
            f"When the token was really minted: moments ago means the minter's clock runs {age} behind; {age} ago "
            f"means the token is old{_clocks_agree(o)}."
        )
    else:
        old = f"The token is old: it expired at {format_utc(expires)}, {past} ago, and was stored or cached and used again."
        behind = "The clock of the machine that minted the token runs behind: the token may be new but is dated in the past."
        decider = (
            "When the token was really minted (it carries neither nbf nor iat to show it): moments ago means "
            f"the minter's clock runs behind; long ago means the token is old{_clocks_agree(o)}."
        )
    return Diagnosis.among(
        [
            Candidate(
                "token-old",
                old,
                "Mint a new token for each connection (LiveKit's clients fetch one when fewer than 60 s are left) "
                "and keep token routes out of caches.",
            ),
            Candidate("minting-clock-behind", behind, SYNC_FIX),
        ],
        decider,
    )


def _not_yet_valid(o: Observations) -> Diagnosis:
    token = o.token
    claims = (token.claims if token else None) or {}
    not_before = _seconds(claims.get("nbf"))
    now = o.now if o.now is not None else 0.0
    clock = o.clock
    server_now = now + (clock.skew or 0.0)
    if clock.measured and clock.skew + clock.uncertainty < -o.leeway and (token is None or _issued_here(token)):
        behind = format_duration(-clock.skew)
        return Diagnosis.certain(
            "clock-skew",
            f"The server's clock is {behind} behind this machine's, beyond its {o.leeway:g} s leeway: the tokens "
            "minted here are not valid yet for it.",
            f"Synchronise this machine's and the server's clocks. {SYNC_FIX}",
        )
    if not_before is None:
        return _unrecognised(o)
    ahead = format_duration(not_before - server_now)
    if token is not None and token.issued_at is not None and not_before > token.issued_at + o.leeway:
        ahead = _about(not_before - token.issued_at)
        return Diagnosis.certain(
            "minting-clock-ahead",
            f"The token was minted by {token.issued_by} moments before it was checked, but its nbf is {ahead} "
            f"later: the clock that minted it runs about {ahead} ahead, so the server accepts it only from "
            f"{format_utc(not_before - o.leeway)} on{_clocks_agree(o)}.",
            SYNC_FIX,
        )
    return Diagnosis.among(
        [
            Candidate(
                "minting-clock-ahead",
                f"The clock of the machine that minted the token runs about {ahead} ahead: its nbf lies {ahead} in the future.",
                SYNC_FIX,
            ),
            Candidate(
                "nbf-in-future",
                f"The token was made valid from a later moment on purpose (a not_before of {format_utc(not_before)}).",
                f"Mint it without a later not_before, or use it from {format_utc(not_before - o.leeway)} on.",
            ),
        ],
        f"Whether the minter set a later start on purpose: if it did not, its clock runs {ahead} ahead{_clocks_agree(o)}.",
    )


def _exp_required_by_server(o: Observations) -> Diagnosis:
    return Diagnosis.certain(
        "exp-missing",
        f"{_capital(_server(o))} requires an exp claim, as servers built on {EXP_REQUIRED_SINCE} do, and the token "
        "has none (livekit-server v1.13.x accepted such tokens).",
        EXP_FIX,
    )


def _auth_scheme(o: Observations) -> Diagnosis:
    scheme = o.server.scheme if o.server else ""
    sent = f"'Authorization: {_name(scheme)} <token>'" if scheme else "the Authorization header without a scheme"
    return Diagnosis.certain(
        "auth-scheme",
        f"The token was sent as {sent}; the server reads only 'Authorization: Bearer <token>' (with that exact "
        "capitalisation) or the access_token query parameter.",
        "Send 'Bearer ' followed by the token in the Authorization header.",
    )


def _malformed(o: Observations) -> Diagnosis:
    token = o.token or TokenFacts()
    shape = token.shape
    if shape == "scheme-prefix":
        return Diagnosis.certain(
            "token-with-scheme",
            "The token value itself starts with 'Bearer ': it was copied together with its header scheme, so the "
            "server reads 'Bearer Bearer ...'.",
            "Give the token alone, from its first 'ey' on.",
        )
    if shape == "quoted":
        return Diagnosis.certain(
            "token-quoted",
            "The token is wrapped in quotes (copied from JSON or a .env file); the quotes are not part of a token.",
            "Remove the quotes around the token.",
        )
    if shape == "whitespace":
        return Diagnosis.certain(
            "token-whitespace",
            "The token holds whitespace or a line break (copied from a wrapped terminal, or read with its trailing newline).",
            "Remove every space and line break from the token.",
        )
    if shape == "empty":
        return Diagnosis.certain(
            "token-missing",
            "The token is empty: nothing was passed where the token belongs.",
            "Pass the token itself (LIVEKIT_TOKEN, or the endpoint's participant_token).",
        )
    if shape == "segments":
        return Diagnosis.among(
            [
                Candidate(
                    "token-truncated",
                    "The value does not have the three dot-separated parts of a token: it was cut short when it was copied.",
                    "Copy the whole token, from its first 'ey' to its end, in one piece.",
                ),
                Candidate(
                    "not-a-token",
                    "The value is not a LiveKit token at all (an API key, a secret or a session id given in its place).",
                    "Pass the access token the minter returned (it starts with 'ey' and holds two dots).",
                ),
            ],
            "Whether the value starts with 'ey' and holds exactly two dots: then it was cut short; otherwise it is "
            "another value.",
        )
    detail = f" ({token.unreadable})" if token.unreadable else ""
    return Diagnosis.certain(
        "token-malformed",
        f"The token's parts do not decode as a token's JSON header and claims{detail}.",
        "Give the token exactly as its minter returned it, and mint it with a LiveKit SDK or this suite.",
    )


def _algorithm(o: Observations) -> Diagnosis:
    expected = o.expectation
    alg = expected.actual if expected is not None and expected.kind == "algorithm" else _algorithm_of(o)
    shown = _name(alg) if alg is not None else "none"
    if alg in (None, "", "none") or (isinstance(alg, str) and alg.lower() == "none"):
        sentence = f"The token is not signed (alg {shown}); the server accepts only tokens signed with HS256."
    elif alg in ("HS384", "HS512"):
        sentence = (
            f"The token is signed with {shown}; livekit-server v1.13 accepts only HS256 (v1.12 and older, and Node's "
            "TokenVerifier, also take HS384 and HS512)."
        )
    else:
        sentence = f"The token is signed with {shown}; LiveKit tokens are signed with HS256 and the API secret."
    return Diagnosis.certain("algorithm", sentence, "Sign the token with HS256 and the API secret, as LiveKit's SDKs do.")


def _algorithm_of(o: Observations) -> str | None:
    match = re.search(r"signing method (\S+)", o.refusal_detail or (o.server.message if o.server else ""), re.IGNORECASE)
    return match.group(1) if match else None


def _no_video(o: Observations) -> Diagnosis:
    ignored = o.token.ignored if o.token else {}
    for key in ignored:
        folded = key.lower().replace("_", "")
        if folded != "video" and ("video" in folded or folded in ("grant", "grants")):
            return Diagnosis.certain(
                "grant-field-typo",
                f"The token puts its video grant under '{_name(key)}', which the server ignores: it reads only "
                "'video', so the token grants no room access.",
                'Name the claim \'video\' ("video": {"roomJoin": true, "room": ...}).',
            )
    return Diagnosis.certain(
        "video-grant-missing",
        "The token has no video grant, so it grants no room access at all.",
        'Give it a video grant with roomJoin true and the room ("video": {"roomJoin": true, "room": ...}).',
    )


def _permissions_denied(o: Observations) -> Diagnosis:
    answer = o.server
    if answer.call.startswith("RoomService/"):
        return _room_service(o)
    video = o.token.video if o.token else None
    typo = _typo(video, "roomJoin")
    if typo is not None:
        return _grant_typo(typo[0], "roomJoin", "so the token does not grant roomJoin and cannot join a room", "true")
    state = "false" if video is not None and "roomJoin" in model.server_view(video, model.VIDEO_FIELDS) else "not set"
    return Diagnosis.certain(
        "join-not-granted",
        f"The token's video grant does not grant roomJoin (it is {state}), so it cannot join a room.",
        "Mint it with roomJoin true and the room, as a client's token needs.",
    )


def _room_service(o: Observations) -> Diagnosis:
    answer = o.server
    method = answer.call.split("/", 1)[1]
    needed = ROOM_SERVICE_GRANTS.get(method)
    where = _server(o)
    if needed is None:
        return _unrecognised(o)
    grant, per_room = needed
    room = answer.room or ""
    for_room = f" for room '{_name(room)}'" if per_room and room else ""
    if not answer.token_sent:
        return Diagnosis.certain(
            "token-missing",
            f"RoomService {method} was called without a token; {where} answers every RoomService call without one "
            "with 401 'permissions denied'.",
            f"Send 'Authorization: Bearer <token>' with a token that grants {grant}{for_room}.",
        )
    video = o.token.video if o.token else None
    view = model.server_view(video or {}, model.VIDEO_FIELDS)
    if view.get(grant) is not True:
        typo = _typo(video, grant)
        if typo is not None:
            return _grant_typo(typo[0], grant, f"so the token does not grant {grant}, which {method} needs", "true")
        given = ", ".join(_granted(video)) or "nothing"
        return Diagnosis.certain(
            "grant-missing",
            f"RoomService {method} needs the {grant} grant{for_room}, and the token does not give it (it grants: "
            f"{given}), so the server answers 401 'permissions denied'.",
            f"Call {method} with a token that grants {grant}{for_room}: a token minted for the server API, not a "
            "participant's token.",
        )
    if per_room:
        named = view.get("room") or ""
        if not named:
            return Diagnosis.certain(
                "grant-room-missing",
                f"The token grants {grant} but names no room; {method} needs {grant} for the room it acts on ('{_name(room)}').",
                f"Mint the admin token with room '{_name(room)}'.",
            )
        if named != room:
            return Diagnosis.certain(
                "grant-room-mismatch",
                f"The token's {grant} is for room '{_name(named)}', but {method} acts on room '{_name(room)}': "
                f"{grant} counts only for the room the token names.",
                f"Mint the admin token with room '{_name(room)}'.",
            )
    return _unrecognised(o)


def _grant_typo(key: str, meant: str, consequence: str, value: str) -> Diagnosis:
    return Diagnosis.certain(
        "grant-field-typo",
        f"The video grant writes '{_name(key)}', which the server ignores (it reads '{meant}'), {consequence}.",
        f"Write '{meant}' in the token's video grant (\"{meant}\": {value}).",
    )


def _no_identity(o: Observations) -> Diagnosis:
    ignored = o.token.ignored if o.token else {}
    if isinstance(ignored.get("identity"), str) and ignored["identity"]:
        return Diagnosis.certain(
            "identity-missing",
            "The token names its participant only in an 'identity' claim, which the server does not read: it "
            "takes the identity from sub (or jti), and both are empty.",
            "Put the participant's identity in sub.",
        )
    return Diagnosis.certain(
        "identity-missing",
        "The token has no identity: its sub (and jti) are empty, and a participant joining a room needs one.",
        "Mint it with an identity (sub), as LiveKit's SDKs require for a token that joins a room.",
    )


def _no_room(o: Observations) -> Diagnosis:
    video = o.token.video if o.token else None
    typo = _typo(video, "room")
    if typo is not None:
        return _room_typo(*typo, " and the server answers 'no room name'")
    return Diagnosis.certain(
        "room-missing",
        "The token's video grant names no room (room is empty), so a join has nowhere to go.",
        "Mint it with the room to join (video.room).",
    )


def _room_typo(key: str, value, consequence: str = "") -> Diagnosis:
    shown = f'"{_name(value)}"' if isinstance(value, str) else "..."
    return Diagnosis.certain(
        "grant-field-typo",
        f"The video grant writes the room as '{_name(key)}', which the server ignores (it reads only 'room'), "
        f'so the token names no room (room ""){consequence}.',
        f"Write the room under 'room' in the video grant (\"room\": {shown}).",
    )


def _room_not_found(o: Observations) -> Diagnosis:
    video = o.token.video if o.token else None
    room = model.server_view(video or {}, model.VIDEO_FIELDS).get("room") or ""
    return Diagnosis.certain(
        "room-not-found",
        f"Room '{_name(room)}' does not exist and {_server(o)} does not create rooms on join (room.auto_create is off).",
        "Create the room first (RoomService CreateRoom with roomCreate), grant roomCreate in the token, or turn "
        "room.auto_create on in the server's configuration.",
    )


def _plain_to_tls(o: Observations) -> Diagnosis:
    configured = _scheme_of(o.server_url)
    host = _host_port(o.server_url)
    return Diagnosis.certain(
        "url-scheme",
        f"LIVEKIT_URL says {configured or 'ws'}:// (no TLS), but the server at {host} speaks TLS: it answered "
        "'Client sent an HTTP request to an HTTPS server'.",
        f"Write wss://{host} in LIVEKIT_URL (https://{host} for the HTTP API).",
    )


def _accepted(o: Observations) -> Diagnosis:
    answer = o.server
    claims = (o.token.claims if o.token else None) or {}
    if o.token is not None and o.token.claims is not None and "exp" not in claims:
        return _exp_missing(o, accepted_now=True)
    version = _version(o)
    expected = f"{answer.expected_status}" + (f" '{answer.expected_text}'" if answer.expected_text else "")
    return Diagnosis.certain(
        "server-rules-differ",
        f"{_capital(_server(o))} (livekit-server {version or 'of an unreported version'}) accepted a token this check "
        f"expected it to refuse with {expected}: its token rules differ from those of livekit-server "
        f"v{PINNED_SERVER}, which this check expects.",
        "Check the server's release (livekit-server --version) against v1.13.5, and change the row's expected "
        "answer only if the newer rule is intended.",
    )


def _unrecognised(o: Observations) -> Diagnosis:
    answer = o.server
    version = _version(o)
    if answer is None:
        said = "refused it"
    else:
        excerpt = answer.message if len(answer.message) <= 120 else answer.message[:117] + "..."
        said = f"answered {answer.status} '{excerpt}'"
    release = (
        f"livekit-server v{version}, the release this suite's expectations were read from"
        if version == PINNED_SERVER
        else f"livekit-server {'v' + version if version else 'of an unreported version'}; this suite's expectations "
        f"were read from v{PINNED_SERVER}"
    )
    return Diagnosis.certain(
        "answer-unrecognised",
        f"{_capital(_server(o))} {said}, an answer none of the known causes explains ({release}).",
        "Compare the token's claims in the log with what the check expects, and the server's release notes "
        f"with v{PINNED_SERVER}; docs/live-checks.md lists the answers this suite knows.",
    )


_SERVER_MESSAGES = (
    ("invalid api key", _unknown_key),
    ("signature is invalid", _signature),
    ("token is expired", _expired),
    ("token is not valid yet", _not_yet_valid),
    ("exp claim is required", _exp_required_by_server),
    ("invalid authorization header", _auth_scheme),
    ("invalid authorization token", _malformed),
    ("token is malformed", _malformed),
    ("signing method", _algorithm),
    ("no permissions to access the room", _no_video),
    ("permissions denied", _permissions_denied),
    ("identity cannot be empty", _no_identity),
    ("no room name", _no_room),
    ("requested room does not exist", _room_not_found),
    ("http request to an https server", _plain_to_tls),
)


# ---------------------------------------------------------------- no answer at all


def _scheme_of(url: str | None) -> str | None:
    try:
        return urlsplit(url or "").scheme.lower() or None
    except ValueError:
        return None


def _host_port(url: str | None) -> str:
    try:
        parts = urlsplit(url or "")
        host = parts.hostname or "the host"
        if ":" in host:
            host = f"[{host}]"
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "the host"


def _transport(o: Observations) -> Diagnosis:
    failure = o.transport
    written = failure.configured or failure.url
    scheme = _scheme_of(written)
    host = _host_port(written)
    what = failure.what
    if failure.kind == "tls-plain":
        plain = "ws" if scheme in ("ws", "wss") else "http"
        setting = "LIVEKIT_URL" if what == "the LiveKit server" else "LIVEKIT_TOKEN_ENDPOINT"
        fix = f"Write {plain}://{host} in {setting}" + (f" (http://{host} for the HTTP API)" if plain == "ws" else "")
        return Diagnosis.certain(
            "url-scheme",
            f"{setting} says {scheme}:// (TLS), but {what} at {host} speaks plain HTTP: the TLS handshake got a "
            "plain HTTP answer (wrong version number).",
            f"{fix}; use {scheme}:// only where a TLS proxy or LiveKit Cloud serves the server.",
        )
    if failure.kind == "scheme":
        https = "https" if scheme == "wss" else "http"
        return Diagnosis.certain(
            "url-scheme",
            f"An HTTP client was given {scheme}://{host}: the HTTP API (RoomService, /rtc/validate) speaks only "
            "http:// and https://, while ws:// and wss:// are for the real-time clients.",
            f"Give the HTTP API {https}://{host} (wss:// becomes https://, ws:// becomes http://); this suite turns "
            "LIVEKIT_URL into that form itself.",
        )
    if failure.kind == "tls":
        said = re.sub(r"\s*\(_ssl\.c:\d+\)?", "", failure.reason or "").strip(" .") or "no reason given"
        reason = tls.certificate_reason(said) or "the certificate is not trusted here or is not for this host name"
        if "host name" in reason:
            fix = "Use the host name the certificate names in the URL, or give the server a certificate for this host name."
        else:
            fix = (
                "Set SSL_CERT_FILE to the PEM file of the certificate authority that signed it (this suite's HTTP checks, "
                "the real-time SDK and, as NODE_EXTRA_CA_CERTS, Node.js read it)."
            )
        return Diagnosis.certain("tls-certificate", f"The TLS handshake with {host} failed: {reason} ({said}).", fix)
    if failure.kind == "tls-expected":
        setting = "LIVEKIT_URL" if what == "the LiveKit server" else "LIVEKIT_TOKEN_ENDPOINT"
        secure = "wss" if scheme in ("ws", "wss") else "https"
        return Diagnosis.certain(
            "url-scheme-tls",
            f"{setting} says {scheme}://, but {what} at {host} speaks TLS: it closed the plain connection and "
            "answers a TLS handshake.",
            f"Write {secure}://{host} in {setting}.",
        )
    if failure.kind == "refused":
        return Diagnosis.certain(
            "server-not-running",
            f"Nothing accepts connections at {host}: {what} is not running there, or the port is wrong.",
            f"Start {what}, or correct the port in the URL"
            + (" (a LiveKit server listens on 7880 unless configured otherwise)." if what == "the LiveKit server" else "."),
        )
    if failure.kind == "dns":
        return Diagnosis.certain(
            "host-unknown",
            f"The host name of {host} does not resolve on this machine.",
            "Correct the host name in the URL, or use the server's IP address.",
        )
    if failure.kind == "slow":
        return Diagnosis.certain(
            "answered-too-slowly",
            f"{_capital(what)} at {host} answered too slowly: no complete answer within {failure.timeout:g} s "
            "(LIVEKIT_HTTP_DEADLINE); it took the connection but held its answer back.",
            "Check the server's load and log, and any proxy between; raise LIVEKIT_HTTP_DEADLINE only for a server known to be slow.",
        )
    if failure.kind == "timeout" and what.startswith("the token endpoint"):
        return endpoint_shapes.slow_first_request(host, failure.timeout)
    if failure.kind == "timeout":
        limit = f"{failure.timeout:g} s" if failure.timeout else "the time limit"
        return Diagnosis.among(
            [
                Candidate(
                    "server-unreachable",
                    f"{host} did not answer within {limit}: a firewall drops the packets, or the address is not the server's.",
                    "Check that the port is open between this machine and the server, and that the URL names the server.",
                ),
                Candidate(
                    "server-overloaded",
                    f"{_capital(what)} at {host} is running but too busy to answer within {limit}.",
                    "Check the server's load and log, or raise the timeout.",
                ),
            ],
            "Whether a TCP connection to the port opens at all (for example with curl): if it does not, the network drops it.",
        )
    if failure.kind == "closed" and scheme in ("http", "ws"):
        return Diagnosis.among(
            [
                Candidate(
                    "url-scheme",
                    f"The URL says {scheme}:// (no TLS), but the port at {host} expects TLS and closed the connection.",
                    f"Write {'wss' if scheme == 'ws' else 'https'}://{host} in the URL.",
                ),
                Candidate(
                    "proxy-refused",
                    f"A proxy or firewall at {host} closed the connection without answering.",
                    "Check the proxy's log and rules for this client.",
                ),
            ],
            f"Whether {'wss' if scheme == 'ws' else 'https'}://{host} answers: then the scheme was the cause.",
        )
    return Diagnosis.certain(
        "connection-closed",
        f"{_capital(what)} at {host} closed the connection without an answer ({failure.reason or 'no reason given'}).",
        f"Check that {host} is the server's address and read its log for the refused connection.",
    )


# ---------------------------------------------------------------- offline verification


def _refusal(o: Observations) -> Diagnosis | None:
    cause = o.refusal
    token = o.token or TokenFacts()
    if cause == "unknown-api-key":
        if token.claims is not None and not token.issuer:
            return Diagnosis.certain(
                "no-issuer",
                "The token has no iss claim, so no secret can be looked up for it (the server answers 'invalid API key').",
                "Mint the token with the API key as its issuer (iss), as LiveKit's SDKs do.",
            )
        key = _name(token.issuer)
        configured = ", ".join(f"'{_name(name)}'" for name in o.keys) or "none"
        return Diagnosis.among(
            [
                Candidate(
                    "key-not-configured",
                    f"The token names API key '{key}', which is not configured here (configured: {configured}): this "
                    "run was given the key pair of another project or environment.",
                    f"Set LIVEKIT_API_KEY to '{key}' and LIVEKIT_API_SECRET to its secret (or add '{key}: <secret>' to LIVEKIT_KEYS).",
                ),
                Candidate(
                    "token-key-unknown",
                    f"The token was minted with API key '{key}' of another project or environment than the one this run checks.",
                    "Mint the token with the key pair of the server it is for, the one set in LIVEKIT_API_KEY.",
                ),
            ],
            f"Whether the LiveKit server knows '{key}' (python run.py diagnose with LIVEKIT_API_KEY set to it): if "
            "it does, configure it here; if not, the token comes from elsewhere.",
        )
    if cause == "signature":
        key = _name(token.issuer) if token.issuer else "its key"
        if token.secret_variant:
            return _minter_whitespace(token, key, "")
        return Diagnosis.among(
            [_other_secret(key, "the LiveKit server"), _altered()],
            "Send the token to the LiveKit server (the live suite does): if the server accepts it, this suite's "
            "LIVEKIT_API_SECRET is not the server's; if the server refuses it too, the token's minter signs with "
            "another secret than the server's.",
        )
    if cause == "expired":
        return _expired(o)
    if cause == "not-yet-valid":
        return _not_yet_valid(o)
    if cause == "exp-required":
        return _exp_missing(o)
    if cause == "algorithm":
        return _algorithm(o)
    if cause in ("malformed", "not-text", "oversized"):
        if cause == "oversized":
            return Diagnosis.certain(
                "token-oversized",
                "The token is larger than a server accepts (1 MiB, Go's limit for request headers): it carries far "
                "too much metadata or attributes.",
                "Keep metadata and attributes small (a few KiB), and store bulky data elsewhere.",
            )
        return _malformed(o)
    if cause == "claims":
        detail = o.refusal_detail.split(": ", 1)[-1] if o.refusal_detail else "a claim of the wrong type"
        return Diagnosis.certain(
            "claim-type",
            f"A claim has a JSON type the server does not accept ({detail}), and the server refuses the whole token for it.",
            "Write each claim with the type LiveKit's SDKs use: true or false without quotes for grants, text for "
            "metadata, an object of texts for attributes.",
        )
    return None


def _exp_missing(o: Observations, accepted_now: bool = False) -> Diagnosis:
    token = o.token or TokenFacts()
    verdict = token.server_verdict
    version = _version(o)
    shown = f"livekit-server v{version}" if version else "the LiveKit server"
    if accepted_now or (verdict is not None and verdict[0] == 200):
        said = f" (it answered 200 '{_name(verdict[1])}' to it)" if verdict is not None and verdict[0] == 200 else ""
        sentence = (
            f"The token has no exp claim, so it never expires. {_capital(_server(o))} ({shown}) accepted it{said}, "
            f"as v1.13.x checks exp only when present, but servers built on {EXP_REQUIRED_SINCE} refuse it with "
            "'exp claim is required': the token stops working at the next server upgrade."
        )
    elif verdict is not None and "exp claim is required" in verdict[1].lower():
        sentence = f"The token has no exp claim, and {_server(o)} refuses it for that ('exp claim is required')."
    elif _exp_optional(version) is True:
        sentence = (
            f"The token has no exp claim, so it never expires. {_capital(_server(o))} ({shown}) accepts such a token, "
            f"but servers built on {EXP_REQUIRED_SINCE} refuse it with 'exp claim is required': the token stops "
            "working at the next server upgrade."
        )
    else:
        sentence = (
            f"The token has no exp claim, so it never expires. livekit-server v{PINNED_SERVER} (the release this "
            f"suite pins) accepts such a token, but servers built on {EXP_REQUIRED_SINCE} refuse it with 'exp "
            "claim is required'."
        )
    return Diagnosis.certain("exp-missing", sentence, EXP_FIX)


# ---------------------------------------------------------------- offline expectations


_SETTINGS = {
    "room": "LIVEKIT_ROOM",
    "roomJoin": "LIVEKIT_CAN_JOIN",
    "canPublish": "LIVEKIT_CAN_PUBLISH",
    "canSubscribe": "LIVEKIT_CAN_SUBSCRIBE",
}


def _expectation(o: Observations) -> Diagnosis | None:
    expected = o.expectation
    if expected.kind == "algorithm":
        return _algorithm(o)
    if expected.kind == "claim":
        return _claim(o)
    if expected.kind == "grant":
        return _grant(o)
    if expected.kind == "lifetime":
        return _lifetime(o)
    if expected.kind == "permissions":
        return _permissions(o)
    if expected.kind == "data":
        return _data(o)
    if expected.kind == "decision":
        return decisions.diagnose(o)
    return None


def _permissions(o: Observations) -> Diagnosis:
    expected = o.expectation
    shown = "; ".join(str(item) for item in expected.actual or ()) or "some permissions"
    version = _version(o)
    return Diagnosis.among(
        [
            Candidate(
                "permissions-updated",
                f"Something changed the participant's permissions after it joined ({shown}): an app calling "
                "RoomService UpdateParticipant, or an agent with admin rights.",
                "Find the app or agent that updates participants' permissions, or check right after the join.",
            ),
            Candidate(
                "server-rules-differ",
                f"The server ({'livekit-server v' + version if version else 'of an unreported version'}) applies "
                f"other defaults to these grants than livekit-server v{PINNED_SERVER}, which this check expects ({shown}).",
                "Write every grant the participant needs explicitly in the token, and compare the server's release "
                f"notes with v{PINNED_SERVER}.",
            ),
        ],
        "Join again with a fresh identity and compare at once: the same difference means the server's own "
        f"defaults; none means something changed the participant ({expected.name} showed it).",
    )


def _data(o: Observations) -> Diagnosis:
    expected = o.expectation
    sender, receiver = _name(expected.name), _name(expected.expected)
    if expected.actual:
        return Diagnosis.certain(
            "data-changed",
            f"A packet reached {receiver}, but not the one {sender} sent (another sender, topic or content).",
            "Make sure no other participant of the room sends on the topic livekit-auth-check during the check.",
        )
    return Diagnosis.among(
        [
            Candidate(
                "data-not-granted",
                f"{sender}'s token does not grant canPublishData (it follows canPublish when left out), so the "
                "server drops its data packets.",
                "Mint the sender's token with canPublishData true.",
            ),
            Candidate(
                "transport-blocked",
                "The WebRTC transport carries no packets between the clients and the server (UDP to the server's "
                "port is blocked, or its candidate address cannot be reached).",
                "Open UDP to the server's rtc.udp_port, or check rtc.node_ip and the candidates the server announces.",
            ),
        ],
        f"Whether {receiver} receives anything from other participants: if it does, {sender} may not publish data.",
    )


def _claim(o: Observations) -> Diagnosis:
    expected = o.expectation
    name = expected.name
    want, actual = _show(expected.expected), _show(expected.actual)
    if name == "iss":
        other = expected.actual in o.keys
        return Diagnosis.certain(
            "token-key-other",
            f"The token was minted with API key {actual}, not {want}"
            + (": another of the configured keys." if other else ": it comes from another project, environment or key pair."),
            f"Mint the token with {want} (LIVEKIT_API_KEY), or expect {actual} if that key is the right one.",
        )
    if name == "sub":
        return Diagnosis.certain(
            "identity-other",
            f"The token is for participant {actual}, not {want}: its minter was asked for, or chose, another identity.",
            f"Mint the token for {want}, or set LIVEKIT_IDENTITY to {actual} if that identity is intended.",
        )
    if name == "aud":
        return Diagnosis.certain(
            "audience-other",
            f"The token's aud is {actual}, not {want}. The LiveKit server ignores aud, and LiveKit's SDKs never write one.",
            "Set LIVEKIT_AUDIENCE to what the minter writes (empty when it writes no aud), or mint with the expected aud.",
        )
    return Diagnosis.certain(
        "claim-other",
        f"The token's {name} is {actual}, not {want}.",
        f"Mint the token with {name} = {want}, or change the expected value if {actual} is intended.",
    )


def _grant(o: Observations) -> Diagnosis:
    expected = o.expectation
    name = expected.name
    video = o.token.video if o.token else None
    setting = _SETTINGS.get(name)
    change = f"set {setting} to {_show(expected.actual)}" if setting else "change the expected value"
    typo = _typo(video, name)
    if typo is not None and not expected.written and name == "room":
        return _room_typo(*typo)
    if typo is not None and not expected.written:
        return _grant_typo(typo[0], name, f"so {name} is {_show(expected.actual)}", _json(expected.expected))
    if not expected.written and expected.actual is True and expected.expected is False:
        if name == "canPublish":
            return Diagnosis.certain(
                "publish-not-stated",
                "The token leaves out canPublish, and the server's default is true: this participant may publish, "
                "though it was meant not to (an observer).",
                "Write canPublish false in the token's video grant (LiveKit's Python SDK writes it; the Go and Node "
                "SDKs write only what is set).",
            )
        return Diagnosis.certain(
            "grant-default",
            f"The token leaves out {name}, and the server's default is true, so it is granted.",
            f"Write {name} false in the token's video grant.",
        )
    if name == "room":
        return Diagnosis.certain(
            "room-other",
            f"The token is for room {_show(expected.actual)}, not {_show(expected.expected)}.",
            f"Mint the token for room {_show(expected.expected)}, or {change} if that room is intended.",
        )
    return Diagnosis.certain(
        "grant-other",
        f"The token grants {name} = {_show(expected.actual)}"
        + (" (the server's default, as the token leaves it out)" if not expected.written else "")
        + f", where {_show(expected.expected)} is expected.",
        f"Mint the token with {name} {_json(expected.expected)}, or {change} if {_show(expected.actual)} is intended.",
    )


def _lifetime(o: Observations) -> Diagnosis:
    expected = o.expectation
    expires, start, claim = _times(o.token)
    wanted = float(expected.expected)
    tolerance = expected.tolerance or 60.0
    now = o.now or 0.0
    if expires is None:
        return _exp_missing(o)
    left = expires - now
    if start is not None:
        life = expires - start
        enough = life >= wanted if expected.name == "at least" else abs(life - wanted) <= tolerance
        if enough:
            return Diagnosis.certain(
                "token-old",
                f"The token has {format_duration(life)} of validity ({claim} to exp), as expected, but it was minted "
                f"{format_duration(now - start)} ago, so "
                + (f"only {format_duration(left)} are left." if left > 0 else f"it expired {format_duration(-left)} ago."),
                "Check a freshly minted token, or expect the time that is left rather than the full TTL.",
            )
        return Diagnosis.certain(
            "ttl-other",
            f"The token lives {format_duration(life)} ({claim} to exp), not {format_duration(wanted)}: its minter uses another TTL.",
            f"Mint it with a TTL of {format_duration(wanted)}, or set LIVEKIT_TTL to {format_duration(life)} if that is intended.",
        )
    return Diagnosis.certain(
        "ttl-other",
        f"The token has {format_duration(left)} left, not about {format_duration(wanted)}, and carries neither nbf "
        "nor iat to show when it was minted.",
        f"Mint it with a TTL of {format_duration(wanted)} and an nbf, or set LIVEKIT_TTL to what the minter issues.",
    )


def _show(value) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{_name(value)}'"
    return _name(value)


def _json(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{_name(value)}"'
    return _name(value)


# ---------------------------------------------------------------- the clock check


def _clock_check(o: Observations) -> Diagnosis:
    skew = o.clock.skew or 0.0
    amount = format_duration(abs(skew))
    if skew < 0:
        sentence = (
            f"The server's clock is {amount} behind this machine's, beyond its {o.leeway:g} s leeway: the tokens "
            "minted here are not valid yet for the server."
        )
    else:
        sentence = (
            f"The server's clock is {amount} ahead of this machine's, beyond its {o.leeway:g} s leeway: the server "
            f"sees the tokens minted here as {amount} older, and ends them that much early."
        )
    return Diagnosis.certain("clock-skew", sentence, f"Synchronise this machine's and the server's clocks. {SYNC_FIX}")


# ---------------------------------------------------------------- token endpoints


def _endpoint(o: Observations) -> Diagnosis | None:
    facts = o.endpoint
    problem = facts.problem
    if problem == "status":
        return _endpoint_status(o)
    if problem == "not-json":
        kind = (facts.content_type or "").split(";", 1)[0].strip().lower()
        if kind == "text/html":
            return Diagnosis.certain(
                "endpoint-not-json",
                f"The token endpoint's URL answers with a web page ({kind}), not with the token route's JSON: a "
                "single-page app's fallback or a login page answers there.",
                "Point LIVEKIT_TOKEN_ENDPOINT at the route that mints tokens (for example /api/token).",
            )
        return Diagnosis.certain(
            "endpoint-not-json",
            f"The token endpoint answers {kind or 'without a content type'}, not the JSON object of LiveKit's token endpoint protocol.",
            "Answer with a JSON object holding server_url and participant_token.",
        )
    if problem == "fields":
        named = next((name for name in _TOKEN_NAMES if name in facts.fields), None)
        if named is None and "participant_token" in facts.fields and "serverUrl" in facts.fields:
            named = "serverUrl"
        if named is not None:
            standard = "server_url" if named == "serverUrl" else "participant_token"
            return Diagnosis.certain(
                "endpoint-fields",
                f"The token endpoint answers with '{named}' instead of LiveKit's '{standard}', so LiveKit's clients "
                "find no token in its answer.",
                'Answer with the standard field names: {"server_url": "wss://...", "participant_token": "..."}.',
            )
        has = ", ".join(facts.fields) or "no fields"
        return Diagnosis.certain(
            "endpoint-fields",
            f"The token endpoint's answer lacks LiveKit's standard fields (it has: {has}).",
            'Answer with {"server_url": "wss://...", "participant_token": "..."}, as LiveKit\'s token endpoint protocol says.',
        )
    if problem == "request":
        return _endpoint_mismatch(o)
    if problem in ("expired", "stale", "not-yet-valid"):
        return _endpoint_time(o)
    if problem == "no-exp":
        return _exp_missing(o)
    if problem == "no-mint-time":
        return Diagnosis.certain(
            "endpoint-no-mint-time",
            "The endpoint's token carries neither nbf nor iat, so nothing shows when it was minted, and a cached "
            "token cannot be told from a new one.",
            "Mint with nbf (LiveKit's server SDKs set it to the moment of minting).",
        )
    if problem == "grants":
        extra = list(facts.extra_grants)
        if "canPublish" in extra and not facts.actual.get("publish_written", True):
            return Diagnosis.certain(
                "publish-not-stated",
                "The endpoint's token leaves out canPublish, and the server's default is true: every participant "
                "it serves may publish.",
                "Write canPublish false in the video grant the endpoint mints (true only on purpose), or add "
                "canPublish to ENDPOINT_ALLOWED_GRANTS if publishing is intended.",
            )
        shown = ", ".join(extra)
        return Diagnosis.certain(
            "endpoint-grants-more",
            f"The endpoint grants {shown} beyond what its participants are allowed: any client that can reach it gets them.",
            f"Remove {shown} from the grants the endpoint mints, or add them to ENDPOINT_ALLOWED_GRANTS if they are intended.",
        )
    if problem == "lifetime":
        low, high = facts.limits or (0.0, 0.0)
        life = facts.lifetime or 0.0
        if life > high:
            return Diagnosis.certain(
                "endpoint-ttl",
                f"The endpoint's tokens live {format_duration(life)}, longer than the {format_duration(high)} allowed: "
                "a leaked token stays usable that long, as LiveKit tokens cannot be revoked.",
                f"Mint with a TTL of {format_duration(high)} or less (LiveKit's clients fetch a new token when fewer "
                "than 60 s are left).",
            )
        return Diagnosis.certain(
            "endpoint-ttl",
            f"The endpoint's tokens live {format_duration(life)}, shorter than the {format_duration(low)} allowed: "
            "LiveKit's clients fetch a new one when fewer than 60 s are left, so nearly every use fetches again.",
            f"Mint with a TTL of {format_duration(low)} or more.",
        )
    if problem == "empty-request":
        return Diagnosis.certain(
            "endpoint-crashes-on-empty",
            f"The token endpoint fails ({facts.status}) on a request without fields: it reads a field that LiveKit's "
            "standard request may leave out.",
            "Give absent fields defaults, or answer 400 naming the field that is needed.",
        )
    return None


def _endpoint_status(o: Observations) -> Diagnosis:
    facts = o.endpoint
    status = facts.status or 0
    if status in (401, 403):
        if facts.headers_configured:
            return Diagnosis.certain(
                "endpoint-auth",
                f"The token endpoint refused the request ({status}) though TOKEN_ENDPOINT_HEADERS are sent: the app's "
                "session or key in them is not accepted (expired, or for another environment).",
                "Renew the values in TOKEN_ENDPOINT_HEADERS with a current session or key of the app.",
            )
        return Diagnosis.certain(
            "endpoint-auth",
            f"The token endpoint answered {status}: it wants the app's own authentication (a session cookie or a key "
            "header) before it hands out a token.",
            "Put the app's authentication header in TOKEN_ENDPOINT_HEADERS in a variable file (see "
            "examples/endpoint_headers.py) and pass it with --variablefile.",
        )
    if status == 404:
        return Diagnosis.certain(
            "endpoint-path",
            f"The token endpoint's URL ({facts.url}) has no route: it answered 404 Not Found.",
            "Correct the path in LIVEKIT_TOKEN_ENDPOINT to the route that mints tokens (for example /api/token).",
        )
    if status == 405:
        return Diagnosis.certain(
            "endpoint-method",
            "The token endpoint does not take POST (405): LiveKit's standard token request is a POST with a JSON body.",
            "Let the route accept POST with Content-Type: application/json, as LiveKit's TokenSource.endpoint sends it.",
        )
    if 300 <= status < 400:
        return Diagnosis.certain(
            "endpoint-redirect",
            f"The token endpoint redirects ({status}) instead of answering: most often to a login page, or from http:// to https://.",
            "Put the final URL in LIVEKIT_TOKEN_ENDPOINT, or authenticate with TOKEN_ENDPOINT_HEADERS.",
        )
    if status >= 500:
        return Diagnosis.certain(
            "endpoint-error",
            f"The token endpoint failed on LiveKit's standard request ({status}): a fault inside the app, such as its "
            "LiveKit key settings left unset or a field it did not expect.",
            "Read the endpoint's own log for the error, and check that its LIVEKIT_API_KEY and LIVEKIT_API_SECRET are set.",
        )
    return Diagnosis.certain(
        "endpoint-refused",
        f"The token endpoint refused LiveKit's standard request ({status}): it does not accept one of its fields, or wants others.",
        "Compare the request the endpoint expects with LiveKit's standard one (docs/live-checks.md), and leave out the "
        "ENDPOINT_* field it refuses.",
    )


def _endpoint_mismatch(o: Observations) -> Diagnosis:
    facts = o.endpoint
    field = str(facts.requested.get("field") or "the requested field")
    asked = _show(facts.requested.get("value"))
    got = _show(facts.actual.get("value"))
    if facts.answered_before:
        return _cached(o, f"it answered a request for {asked} with the very token it gave an earlier, different request")
    cached = Candidate(
        "endpoint-cached-token",
        f"A cache in front of the token route served an answer stored for another request (the token carries {got}).",
        CACHE_FIX,
    )
    ignores = Candidate(
        "endpoint-ignores-request",
        f"The endpoint does not take {field} from the request: it mints with {got} whatever is asked (a fixed "
        "value, or one from the app's own session).",
        f"Let the endpoint use {field} from LiveKit's standard request (snake_case, as LiveKit's JS client sends it).",
    )
    stale = facts.minted_offset is not None and facts.minted_offset < -5
    return Diagnosis.among(
        [cached, ignores] if stale or _cacheable(facts.cache_control) else [ignores, cached],
        "Ask the endpoint twice with different values: the same token both times means a cache; a new token "
        f"with {got} each time means it ignores {field}.",
    )


def _cacheable(cache_control: str | None) -> bool:
    """Whether a Cache-Control header lets a cache keep the answer (public, or a max-age above 0, without no-store)."""
    words = (cache_control or "").lower()
    if not words or "no-store" in words or "private" in words:
        return False
    ages = re.findall(r"max-age\s*=\s*\"?(\d+)", words)
    return "public" in words or any(int(age) > 0 for age in ages)


def _cached(o: Observations, evidence: str) -> Diagnosis:
    return Diagnosis.certain(
        "endpoint-cached-token",
        f"The token endpoint serves a cached token: {evidence}. A cache in front of the token route (framework "
        "route cache, CDN or proxy) answers with a stored token.",
        CACHE_FIX,
    )


def _endpoint_time(o: Observations) -> Diagnosis:
    facts = o.endpoint
    offset = facts.minted_offset
    if facts.problem == "not-yet-valid" or (offset is not None and offset > 0):
        ahead = format_duration(abs(offset)) if offset is not None else "some time"
        return Diagnosis.certain(
            "endpoint-clock",
            f"The token endpoint dates its tokens {ahead} after the request: the clock of the machine it runs on runs ahead.",
            SYNC_FIX,
        )
    if facts.answered_before:
        return _cached(o, "it gave the same token to an earlier, different request")
    if facts.age:
        return _cached(o, f"its answer carries an Age header ({_name(facts.age)} s), which only caches add")
    before = format_duration(-offset) if offset is not None else "long"
    if endpoint_shapes.not_cached(facts.cache_control, facts.identities_seen >= 2):
        return endpoint_shapes.dated_in_the_past(before, facts.cache_control)
    if facts.date_skew is not None and abs(facts.date_skew) <= 5 and offset is not None:
        return _cached(
            o,
            f"the token was minted {before} before the request, while the endpoint's clock (its Date header) agrees "
            f"with this machine's within {max(abs(facts.date_skew), 1):.0f} s",
        )
    if facts.date_skew is not None and offset is not None and abs(facts.date_skew - offset) <= 5:
        return Diagnosis.certain(
            "endpoint-clock",
            f"The token endpoint's clock runs {format_duration(-facts.date_skew)} behind (its Date header), and it "
            "dates its tokens by it.",
            SYNC_FIX,
        )
    return Diagnosis.among(
        [
            Candidate("endpoint-cached-token", f"A cache serves a token minted {before} before the request.", CACHE_FIX),
            Candidate(
                "endpoint-clock",
                f"The clock of the machine the endpoint runs on runs {before} behind, and the token is dated by it.",
                SYNC_FIX,
            ),
        ],
        "The endpoint's Date header, or a second request: the same token again means a cache.",
    )
