"""A LiveKit server as the judge of offline verdicts: send a token to ``/rtc/validate``, compare.

:func:`validate` sends one token to a server's ``/rtc/validate`` and returns its answer with the
token scrubbed out of the body (a 401 body of a failed verification echoes the whole token).
:func:`expected_answer` says what the server must answer, from the offline verdict under the
server's profile: the status and a stable part of the body, for a refusal while parsing, at the
key lookup or while verifying, and for an accepted token the join checks of ``/rtc/validate``.
:class:`ServerJudge` does both for one token and tells whether they agree.

The token travels in the ``Authorization: Bearer`` header. A header cannot carry some texts byte
for byte (HTTP trims outer spaces and tabs; line breaks, control characters and characters outside
ASCII do not belong there), so those go as the ``access_token`` field of a POSTed form, which the
server reads exactly as sent (``pkg/service/auth.go`` 79, ``FormValue``). Only loopback servers are
contacted, without proxies from the environment.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import requests

from livekit_tokens import grants as model
from livekit_tokens.evidence import fingerprint
from livekit_tokens.keys import Keyring
from livekit_tokens.profiles import GOLANG_JWT, ServerProfile
from livekit_tokens.verification import KEY, PARSE, TokenRejected, identity_of, server_view, token_text, verify

from . import deadline, tls
from .answers import excerpt, status_text, transport_failure
from .urls import is_loopback

VALIDATE_PATH = "/rtc/validate"
ANSWER_CHARS = 300
# pkg/config/config.go 509-510: the default limits of identity and room name, in bytes.
MAX_IDENTITY_BYTES = 256
MAX_ROOM_BYTES = 256
MIN_SCRUBBED_CHARS = 16  # shorter texts are replaced only where the server echoes the token

_HEADER_SAFE = re.compile(r"[!-~](?:[ \t!-~]*[!-~])?\Z")  # visible ASCII, inner spaces and tabs

# What the server answers for a refusal while verifying with the secret, by JWT library and
# cause, as a pattern of its 401 body "invalid token: <token>, error: <error>".
_VERIFY_ANSWERS = {
    GOLANG_JWT: {
        "claims": r"could not JSON decode claim",
        "algorithm": r"signing method \S+ is invalid",
        "signature": r"signature is invalid",
        "exp-required": r"exp claim is required",
        "expired": r"token is expired",
        "not-yet-valid": r"token is not valid yet",
    },
    "go-jose": {
        "claims": (r"error: (?:json|proto): ", "error: json or proto: ..."),
        "algorithm": r"error in cryptographic primitive",
        "signature": r"error in cryptographic primitive",
        "expired": r"token is expired \(exp\)",
        "not-yet-valid": r"token not valid yet \(nbf\)",
        "issued-in-the-future": r"token issued in the future \(iat\)",
    },
}


@dataclass(frozen=True)
class Expectation:
    """What the server must answer: a status and a pattern of the body (case-insensitive).

    ``status`` ``None`` means there is nothing to send (the value is no text).
    """

    status: int | None
    pattern: str
    verdict: str  # the offline verdict in words
    text: str = ""  # the stable part of the body in plain words

    def __post_init__(self):
        if not self.text:
            object.__setattr__(self, "text", re.sub(r"\\S\+|\.\*|[\^$\\]", "", self.pattern).replace("  ", " ").strip())

    def matches(self, answer: Answer) -> bool:
        if self.status is None or answer.status is None:
            return self.status == answer.status
        return answer.status == self.status and re.search(self.pattern, answer.body, re.IGNORECASE) is not None

    @property
    def summary(self) -> str:
        if self.status is None:
            return "nothing to send"
        return f"{self.status} '{self.text or 'any body'}'"


@dataclass(frozen=True)
class Answer:
    """The server's answer to one token, the body with every token replaced by its fingerprint."""

    status: int | None
    reason: str
    body: str
    transport: str
    sent_at: float
    received_at: float

    @property
    def summary(self) -> str:
        if self.status is None:
            return self.body
        return f"{status_text(self.status, self.reason)} '{self.body}'"


@dataclass(frozen=True)
class Comparison:
    """One token judged: the offline verdict's expected answer next to the server's answer."""

    expected: Expectation
    answer: Answer
    agrees: bool


def expected_answer(token, keyring: Keyring, profile: ServerProfile, at: float) -> Expectation:
    """The answer of ``/rtc/validate`` that the offline verdict under ``profile`` at ``at`` predicts."""
    try:
        parsed = verify(token, keyring, at=at, profile=profile)
    except TokenRejected as rejection:
        return _refusal(rejection, token, profile)
    return _join(parsed.server_claims, parsed.claims, profile)


def _refusal(rejection: TokenRejected, token, profile: ServerProfile) -> Expectation:
    words = f"refused ({rejection.cause}): {rejection.detail}"
    if rejection.cause == "not-text":
        return Expectation(None, "", words)
    if rejection.cause == "oversized":
        # Go's net/http: request headers over DefaultMaxHeaderBytes (1 MiB) + 4096 bytes get 431.
        return Expectation(431, "", words)
    if _text_or_none(token) == "":
        # HTTP trims "Bearer " to "Bearer", which lacks the prefix: pkg/service/auth.go 71-73.
        return Expectation(401, r"invalid authorization header", words)
    if rejection.stage == PARSE:
        return Expectation(401, r"invalid authorization token", words)  # pkg/service/auth.go 83-87
    if rejection.stage == KEY:
        return Expectation(401, r"invalid API key", words)  # pkg/service/auth.go 89-93
    pattern = _VERIFY_ANSWERS[profile.jwt_library].get(rejection.cause, r"invalid token")
    pattern, text = pattern if isinstance(pattern, tuple) else (pattern, "")
    return Expectation(401, r"invalid token: .*" + pattern, words, f"invalid token: {text}" if text else "")  # auth.go 95-99


def _join(server_claims: dict, claims: dict, profile: ServerProfile) -> Expectation:
    """The join checks of ``/rtc/validate`` (pkg/service/rtcservice.go 130-135, utils.go 298-340)."""
    video = server_claims.get("video")
    if video is None:
        return Expectation(401, r"no permissions to access the room", "accepted, but it has no video grant")
    granted = model.effective_video_grant(server_view(video, profile.grant_objects["video"], profile))
    if not granted["roomJoin"]:
        return Expectation(401, r"permissions denied", "accepted, but roomJoin is not granted")
    identity = identity_of(claims, profile)
    if not identity:
        return Expectation(400, r"identity cannot be empty", "accepted, but its identity is empty")
    if len(identity.encode("utf-8", "surrogatepass")) > MAX_IDENTITY_BYTES:
        return Expectation(
            400, r"identity length exceeds limits", f"accepted, but its identity is over {MAX_IDENTITY_BYTES} bytes"
        )
    room = granted["room"]
    if not room:
        return Expectation(400, r"no room name", "accepted, but it names no room")
    if len(room.encode("utf-8", "surrogatepass")) > MAX_ROOM_BYTES:
        return Expectation(400, r"room name length exceeds limits", f"accepted, but its room name is over {MAX_ROOM_BYTES} bytes")
    return Expectation(200, r"^success$", "accepted, and it may join its room")


def _text_or_none(token) -> str | None:
    try:
        return token_text(token)
    except TokenRejected:
        return None


def _wire_form(token) -> tuple[str, bytes | str | None]:
    """How ``token`` travels: ``("header", text)``, ``("form body", bytes)`` or ``("nothing", None)``."""
    inner = getattr(token, "value", token) if not isinstance(token, (str, bytes, bytearray)) else token
    if isinstance(inner, (bytes, bytearray)):
        try:
            inner = bytes(inner).decode("ascii")  # as the offline verdict reads bytes
        except UnicodeDecodeError:
            return "form body", bytes(inner)
    if not isinstance(inner, str):
        return "nothing", None
    if inner == "" or _HEADER_SAFE.match(inner):
        return "header", inner
    return "form body", inner.encode("utf-8", "surrogatepass")


def _clock() -> float:
    """Now, in epoch seconds: when a token was sent and its answer received."""
    return time.time()


def new_session() -> requests.Session:
    """A session for a loopback server: no proxy or credentials from the environment."""
    session = deadline.Session()
    session.trust_env = False
    session.verify = tls.verify_setting()
    return session


def validate(session: requests.Session, base_url: str, token, timeout: float = 10.0) -> Answer:
    """Send ``token`` to ``<base_url>/rtc/validate`` and return the answer, the token scrubbed out.

    A value that is no text is not sent (the answer then says so). A transport failure (refused,
    timeout) raises ``AssertionError`` with one sentence.
    """
    host = base_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    if not is_loopback(host):
        raise AssertionError(f"The server judging the verdicts must be on loopback, not {host}.")
    transport, wire = _wire_form(token)
    if transport == "nothing":
        now = _clock()
        return Answer(None, "", "not sent: a value that is no text cannot travel in an HTTP request", transport, now, now)
    url = base_url.rstrip("/") + VALIDATE_PATH
    known = [_text_or_none(token) or "", wire.decode("utf-8", "replace") if isinstance(wire, bytes) else wire]
    wire_log = logging.getLogger("urllib3")  # it logs request lines at DEBUG; keep it quiet
    level = wire_log.level
    wire_log.setLevel(max(level, logging.INFO))
    sent_at = _clock()
    try:
        if transport == "header":
            response = session.get(url, headers={"Authorization": f"Bearer {wire}"}, timeout=timeout, allow_redirects=False)
        else:
            response = session.post(url, data={"access_token": wire}, timeout=timeout, allow_redirects=False)
    except requests.RequestException as error:
        raise AssertionError(transport_failure(error, "the LiveKit server", url, timeout)) from None
    finally:
        wire_log.setLevel(level)
    received_at = _clock()
    return Answer(
        response.status_code, response.reason or "", _scrubbed(response.content, known), transport, sent_at, received_at
    )


def _scrubbed(content: bytes, known: list[str]) -> str:
    """The body without the token: its echo after "invalid token: " (pkg/service/auth.go 97), any
    other copy of a known token long enough to be told from ordinary words, and anything JWT-like."""
    text = content.decode("utf-8", "replace")
    for token in known:
        echo = f"invalid token: {token}, error: "
        if token and text.startswith(echo):
            text = f"invalid token: <token {fingerprint(token)}>, error: {text[len(echo) :]}"
    return excerpt(text, tokens=[token for token in known if len(token) >= MIN_SCRUBBED_CHARS], limit=ANSWER_CHARS)


class ServerJudge:
    """A LiveKit server that judges offline verdicts: its base URL, version, profile and keys.

    ``keyring`` holds the keys the server holds; the offline verdict it is compared with is the
    one these keys give, whatever other keys the suite verifies with.
    """

    def __init__(self, base_url: str, version: str, profile: ServerProfile, keyring: Keyring, timeout: float = 10.0):
        self.base_url = base_url
        self.version = version
        self.profile = profile
        self.keyring = keyring
        self.timeout = timeout
        self.session = new_session()

    def judge(self, token, attempts: int = 3) -> Comparison:
        """Send ``token`` and compare the answer with the offline verdict at the server's moment.

        The server checks the time between sending and receiving; when the offline verdict
        changes within that span (a boundary of exp or nbf falls into it), the token is sent
        again, up to ``attempts`` times, and then either verdict of the span counts.
        """
        for _ in range(attempts):
            answer = validate(self.session, self.base_url, token, self.timeout)
            before = expected_answer(token, self.keyring, self.profile, answer.sent_at)
            after = expected_answer(token, self.keyring, self.profile, answer.received_at)
            if before == after:
                return Comparison(before, answer, before.matches(answer))
        agrees = before.matches(answer) or after.matches(answer)
        return Comparison(after if after.matches(answer) else before, answer, agrees)

    def close(self) -> None:
        self.session.close()
