"""Check a set-up against a LiveKit server in a few seconds: is the server there, does it know this
API key, does this secret match, how far apart are the clocks, does the RoomService answer.

What ``python run.py diagnose`` prints. It needs only the URL and one key pair. The tokens it signs
to ask the server live one minute, grant only ``roomList``, are sent once in the ``Authorization``
header and are kept nowhere; the server is only asked to list its rooms, which changes nothing.
"""

from __future__ import annotations

import json
import secrets as random_source
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from livekit_http import deadline, tls
from livekit_http.clock import skew_from_date
from livekit_http.urls import UrlError, is_loopback, normalise_server_url, without_query
from livekit_tokens import minting
from livekit_tokens.keys import ApiKey, Keyring, secret_key_bytes
from livekit_tokens.timeutil import SERVER_LEEWAY_SECONDS
from livekit_tokens.timeutil import now as current_time

from . import observe
from .model import SERVER_ANSWER, TRANSPORT, ClockFacts, Diagnosis, Observations
from .rules import diagnose

OK, WARNING, PROBLEM, NOT_CHECKED = "ok", "warning", "problem", "not checked"
PROBE_IDENTITY = "livekit-setup-check"
PROBE_TTL = "1 minute"
LIST_ROOMS = "/twirp/livekit.RoomService/ListRooms"


@dataclass
class Check:
    """One line of the report: what was checked, how it went, and what was seen."""

    name: str
    status: str
    text: str


@dataclass
class SetupReport:
    """The checks in order, the diagnoses of what failed, and how long it all took."""

    url: str
    http_url: str
    key: str
    checks: list[Check] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(check.status in (OK, WARNING) for check in self.checks)

    def check(self, name: str) -> Check | None:
        return next((check for check in self.checks if check.name == name), None)

    def lines(self) -> list[str]:
        """The report as printed: a heading, one line per check, then each diagnosis."""
        width = max(len(check.name) for check in self.checks) if self.checks else 0
        out = [f"LiveKit set-up check of {self.url} with API key '{self.key}'"]
        for check in self.checks:
            out.append(f"  {check.status.upper():<11} {check.name:<{width}}  {check.text}")
        for diagnosis in self.diagnoses:
            out.append(diagnosis.text)
        verdict = "the set-up works" if self.ok else "the set-up does not work yet"
        out.append(f"Checked in {self.seconds * 1000:.0f} ms: {verdict}.")
        return out


def check_setup(
    url: str,
    api_key: ApiKey,
    timeout: float = 5.0,
    remember: Callable[[str], None] | None = None,
) -> SetupReport:
    """Check ``api_key`` against the LiveKit server at ``url`` (``ws(s)://`` or ``http(s)://``).

    ``remember`` is told every token signed to ask the server (the suite's leak guard notes them).
    A ``url`` that does not read raises :class:`~livekit_http.urls.UrlError`.
    """
    started = current_time()
    server = normalise_server_url(url, "LIVEKIT_URL")
    shown = shown_url(url)
    report = SetupReport(url=shown, http_url=server.http_base, key=api_key.key)
    keyring = Keyring([api_key])
    keys, padded = observe.key_facts(keyring)
    base = dict(keys=keys, padded_keys=padded, server_url=shown, leeway=float(SERVER_LEEWAY_SECONDS))
    session = deadline.Session()
    session.verify = tls.verify_setting()
    if is_loopback(server.host):
        session.trust_env = False  # loopback traffic never goes to a proxy from the environment
    try:
        _check(report, session, server.http_base, api_key, keyring, base, timeout, remember)
    finally:
        session.close()
        report.seconds = current_time() - started
    return report


def _check(report, session, http_base, api_key, keyring, base, timeout, remember) -> None:
    sent = current_time()
    try:
        answer = session.get(http_base + "/", timeout=timeout, allow_redirects=False)
    except requests.RequestException as error:
        failure = observe.transport_failure(error, http_base + "/", report.url, timeout=timeout)
        diagnosis = diagnose(Observations(TRANSPORT, transport=failure, **base))
        report.checks.append(Check("Server", PROBLEM, f"no answer from {report.http_url}: {diagnosis.sentence}"))
        for name in ("API key", "API secret", "Clock", "RoomService"):
            report.checks.append(Check(name, NOT_CHECKED, "the server did not answer"))
        report.diagnoses.append(diagnosis)
        return
    received = current_time()
    report.checks.append(
        Check("Server", OK, f"{report.http_url} answered {answer.status_code} in {(received - sent) * 1000:.0f} ms")
    )
    clock = observe.clock_from_date(answer.headers.get("Date"), sent, received)
    probe = _probe(session, http_base, api_key, api_key.secret, timeout, remember)
    if isinstance(probe, requests.RequestException):
        failure = observe.transport_failure(probe, http_base + LIST_ROOMS, report.url, timeout=timeout)
        diagnosis = diagnose(Observations(TRANSPORT, transport=failure, clock=clock, **base))
        report.checks += [
            Check("API key", NOT_CHECKED, "the RoomService call got no answer"),
            Check("API secret", NOT_CHECKED, "the RoomService call got no answer"),
        ]
        report.diagnoses.append(diagnosis)
        _clock_check(report, answer, sent, received)
        report.checks.append(Check("RoomService", PROBLEM, diagnosis.sentence))
        return
    status, body, token = probe
    if status == 200:
        report.checks.append(Check("API key", OK, f"the server knows API key '{api_key.key}'"))
        report.checks.append(Check("API secret", OK, "the server accepts tokens signed with this secret"))
        _clock_check(report, answer, sent, received)
        report.checks.append(Check("RoomService", OK, f"ListRooms answered 200 ({_rooms(body)})"))
        return
    message = body.lower()
    stripped = None
    cleaned = observe.cleaned_secret(api_key.secret)
    if "signature is invalid" in message and cleaned != api_key.secret:
        again = _probe(session, http_base, api_key, cleaned, timeout, remember)
        stripped = not isinstance(again, requests.RequestException) and again[0] == 200
    observed = Observations(
        SERVER_ANSWER,
        server=observe.server_answer(status, body, "RoomService/ListRooms", tokens=(token,), secrets=keyring.secrets()),
        token=observe.token_facts(token, keyring),
        stripped_secret_accepted=stripped,
        clock=clock,
        now=current_time(),
        **base,
    )
    diagnosis = diagnose(observed)
    report.diagnoses.append(diagnosis)
    answered = f"ListRooms answered {status} '{observed.server.message[:120]}'"
    if "invalid api key" in message:
        report.checks.append(Check("API key", PROBLEM, f"the server does not know API key '{api_key.key}'"))
        report.checks.append(Check("API secret", NOT_CHECKED, "the server does not know the key"))
    elif "signature is invalid" in message:
        report.checks.append(Check("API key", OK, f"the server knows API key '{api_key.key}'"))
        report.checks.append(Check("API secret", PROBLEM, "the server refuses the signature of tokens signed with this secret"))
    elif "token is expired" in message or "not valid yet" in message:
        # golang-jwt checks the signature before the times: the pair is right, the clocks are not.
        report.checks.append(Check("API key", OK, f"the server knows API key '{api_key.key}'"))
        report.checks.append(Check("API secret", OK, "the signature verified; the token's times did not"))
    else:
        report.checks.append(Check("API key", NOT_CHECKED, answered))
        report.checks.append(Check("API secret", NOT_CHECKED, answered))
    _clock_check(report, answer, sent, received)
    report.checks.append(Check("RoomService", PROBLEM, answered))


def _probe(session, http_base, api_key, secret, timeout, remember):
    """Ask the server to list its rooms with a one-minute roomList token signed with ``secret``."""
    claims = minting.build_claims(api_key.key, PROBE_IDENTITY, None, ttl=PROBE_TTL, room_list=True)
    token = minting.encode(claims, secret_key_bytes(secret))
    if remember is not None:
        remember(token)
    try:
        answer = session.post(
            http_base + LIST_ROOMS,
            json={},
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return error
    return answer.status_code, answer.content.decode("utf-8", "replace"), token


def _clock_check(report: SetupReport, answer, sent: float, received: float) -> None:
    try:
        skew = skew_from_date(answer.headers.get("Date"), sent, received)
    except ValueError as error:
        report.checks.append(Check("Clock", NOT_CHECKED, f"cannot compare clocks: {error}"))
        return
    severity = skew.severity(SERVER_LEEWAY_SECONDS)
    status = {"info": OK, "warning": WARNING, "failure": PROBLEM}[severity]
    said = skew.sentence(SERVER_LEEWAY_SECONDS).removeprefix("Clock skew: ").rstrip(".")
    report.checks.append(Check("Clock", status, said))
    if severity == "failure":
        observed = Observations(
            "clock",
            clock=ClockFacts(skew.seconds, skew.uncertainty),
            server_url=report.url,
            leeway=float(SERVER_LEEWAY_SECONDS),
        )
        report.diagnoses.append(diagnose(observed))


def shown_url(url: str) -> str:
    """``url`` as a message shows it: without query, user information or a lone trailing slash."""
    shown = without_query(url.strip())
    scheme, _, rest = shown.partition("://")
    return f"{scheme}://{rest[:-1]}" if rest.endswith("/") and rest.count("/") == 1 else shown


def _rooms(body: str) -> str:
    try:
        rooms = json.loads(body).get("rooms") or []
    except (ValueError, AttributeError, RecursionError):
        return "not the JSON of ListRooms"
    return f"{len(rooms)} room{'s' if len(rooms) != 1 else ''}"


def random_secret() -> str:
    """A secret no server has: for a check that must meet a secret the server does not know."""
    return random_source.token_urlsafe(32)


__all__ = ["NOT_CHECKED", "OK", "PROBLEM", "WARNING", "Check", "SetupReport", "UrlError", "check_setup", "random_secret"]
