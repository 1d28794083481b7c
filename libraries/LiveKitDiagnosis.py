"""Robot Framework library for the diagnosis catalogue: induce one authentication fault against the
real LiveKit server, let the suite's own check fail on it, and check what the diagnosis says."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from robot.api.deco import keyword, library
from robot.api.types import Secret

from livekit_diagnosis import observe, recording
from livekit_diagnosis.caching_proxy import CachingProxy
from livekit_diagnosis.model import Diagnosis
from livekit_diagnosis.setup_check import check_setup, random_secret
from livekit_server import current as current_server
from livekit_tokens import evidence, hostile, minting
from livekit_tokens.keys import ApiKey, Keyring, secret_key_bytes
from livekit_tokens.robot_context import ConfigurationFailure, library_instance, log_table, run_context
from livekit_tokens.timeutil import format_duration, to_seconds

__version__ = "1.0.0"

FAULT_TTL = "10 minutes"  # the validity of the tokens the faults mint, as token endpoints often issue them
SECRET_CHANGES = {
    "a trailing newline": lambda secret: secret + "\n",
    "a trailing space": lambda secret: secret + " ",
    "a leading space": lambda secret: " " + secret,
    "quotes around it": lambda secret: f'"{secret}"',
}
TOKEN_CASES = {
    "has no identity": "without identity",
    "has no video grant": "without video grant",
    "does not grant roomjoin": "without roomJoin",
    "names no room": "without room",
}
_JWT = re.compile(r"ey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
class LiveKitDiagnosis:
    """Induce authentication faults against a real LiveKit server and check the diagnosis of each.

    Every fault goes through the suite's own checks (`LiveKitHttp.Validate Token With Server`,
    `LiveKitHttp.Call Room Service`, the token endpoint keywords, `LiveKitAuth.Token Should Not Be
    Expired`, `LiveKitClient.Publishing Should Be Refused`) or through the set-up check of
    ``python run.py diagnose``, against the server `LiveKitHttp.Use LiveKit Server` chose. The
    server's own answer is what the diagnosis reads. Diagnoses made here are expected: they are
    logged, but not recorded as findings of the run.

    = Faults =

    | = Fault =                                                          | = What is done =                                                              |
    | the API secret differs from the server's                           | the set-up check with the first key and a random secret                       |
    | the API key is unknown to the server                               | the set-up check with a key the server does not have                          |
    | the API secret has a trailing newline                              | the set-up check with the secret and a newline (also: a trailing space, a leading space, quotes around it) |
    | the server URL is wss:// instead of ws://                          | the set-up check with the server's address under wss:// (ws:// for a TLS server) |
    | the token's secret has a trailing newline                          | a token signed with the secret and a newline (or the changes above), sent to /rtc/validate |
    | the token's secret is unknown to the server                        | a token of the first key signed with a random secret, sent to /rtc/validate    |
    | the minting clock is 15 minutes behind                             | an observer token minted with its time that far off (``ahead`` too), valid 10 minutes |
    | the video grant says roomName instead of room                      | an observer token whose grant field is renamed, sent to /rtc/validate         |
    | ListParticipants is called without roomAdmin                       | the RoomService call with the observer token (any call and grant; ``without a token`` too) |
    | ListParticipants has roomAdmin of another room                     | the RoomService call with a token granting it (any grant) for another room    |
    | the Authorization scheme is Token                                  | /rtc/validate with ``Authorization: Token <token>`` (any scheme)              |
    | the token has no exp                                               | /rtc/validate records the server's verdict, then the offline Token Expiration check |
    | the observer token leaves out canPublish                           | the server is asked to publish a track with it (signal level)                 |
    | the token endpoint serves a cached token                           | a cache in front of the token endpoint; two requests for different identities |
    | the token has no identity                                          | /rtc/validate (also: has no video grant, does not grant roomJoin, names no room) |
    """

    def __init__(self):
        """No arguments: the server, the keys and the other libraries are the run's.

        Example:
        | Library | LiveKitDiagnosis |
        """
        self._used_secrets: set[str] = set()

    @keyword
    def induce_fault(self, fault: str) -> dict:
        """Induce ``fault`` (see `Faults`) against the server and return what the diagnosis said.

        The returned dictionary has ``cause`` (the most likely cause's id), ``causes`` (every
        candidate, most likely first), ``text`` (the diagnosis as the failure message and the
        sign-off show it), ``fix`` and ``message`` (the failure message, or the set-up check's
        report). The check the fault goes through must fail: a fault the server accepts fails
        this keyword.

        Example:
        | ${diagnosis} = | Induce Fault | the API key is unknown to the server |
        """
        words = " ".join(str(fault).split())
        for pattern, handler in self._faults():
            found = re.fullmatch(pattern, words, re.IGNORECASE)
            if found:
                message, diagnosis = handler(*found.groups())
                break
        else:
            raise AssertionError(f"Unknown fault '{words[:120]}'; the keyword documentation lists the faults (see Faults).")
        if diagnosis is None:
            raise AssertionError(f"The fault '{words}' was induced, but no diagnosis was made: {message}")
        log_table(
            "Diagnosis of the fault",
            [
                {"label": "Fault", "value": words},
                {"label": "Most likely cause", "value": diagnosis.cause},
                {"label": "Candidates", "value": ", ".join(diagnosis.causes)},
                {"label": "Diagnosis", "value": diagnosis.text},
            ],
        )
        return {
            "fault": words,
            "cause": diagnosis.cause,
            "causes": diagnosis.causes,
            "text": diagnosis.text,
            "fix": diagnosis.fix,
            "message": message,
        }

    @keyword
    def diagnosis_should_name(self, diagnosis: dict, cause: str, fix: str = "") -> None:
        """Check that ``diagnosis`` (from `Induce Fault`) names ``cause`` first and a fix naming every word of ``fix``.

        ``cause`` is the name of the cause (``key-unknown-to-server``) or the same in words, in
        any case (``key unknown to server``). ``fix`` lists words, comma separated, that the fix of
        the most likely cause must name (case-insensitive), such as ``LIVEKIT_API_SECRET,
        whitespace``. The diagnosis must also stand in the failure message as it is (the same words
        the sign-off shows) and hold no secret or token.

        Example:
        | Diagnosis Should Name | ${diagnosis} | key unknown to server | LIVEKIT_API_KEY |
        """
        cause = "-".join(str(cause).split()).lower()
        words = [word.strip() for word in str(fix).split(",") if word.strip()]
        missing = [word for word in words if word.lower() not in diagnosis["fix"].lower()]
        leaked = self._leaks(diagnosis["text"]) or self._leaks(diagnosis["message"])
        in_message = diagnosis["text"] in diagnosis["message"]
        rows = [
            {"label": "Most likely cause", "expected": cause, "actual": diagnosis["cause"], "ok": diagnosis["cause"] == cause},
            {"label": "The fix names", "expected": ", ".join(words) or None, "actual": diagnosis["fix"], "ok": not missing},
            {"label": "In the failure message as is", "expected": True, "actual": in_message, "ok": in_message},
            {"label": "Secret or token in it", "expected": "none", "actual": leaked or "none", "ok": not leaked},
        ]
        log_table("Diagnosis check", rows)
        problems = []
        if diagnosis["cause"] != cause:
            others = [name for name in diagnosis["causes"] if name != diagnosis["cause"]]
            also = f" (other candidates: {', '.join(others)})" if others else ""
            problems.append(f"the diagnosis names '{diagnosis['cause']}' first{also}, not '{cause}'")
        if missing:
            problems.append(f"its fix does not name {', '.join(repr(word) for word in missing)}")
        if not in_message:
            problems.append("the failure message does not carry it as it is")
        if leaked:
            problems.append(f"it holds {leaked}")
        if problems:
            raise AssertionError(f"The diagnosis of '{diagnosis['fault']}' is not as expected: {'; '.join(problems)}.")

    # ------------------------------------------------------------------ the faults

    def _faults(self) -> list[tuple[str, Callable]]:
        changes = "|".join(re.escape(name) for name in SECRET_CHANGES)
        return [
            (r"the API secret differs from the server's", self._wrong_secret),
            (r"the API key is unknown to the server", self._unknown_key),
            (rf"the API secret has ({changes})", self._padded_secret),
            (r"the server URL is wss:// instead of ws://", self._wss_url),
            (rf"the token's secret has ({changes})", self._token_with_padded_secret),
            (r"the token's secret is unknown to the server", self._token_with_other_secret),
            (r"the minting clock is (.+) (behind|ahead)", self._skewed_clock),
            (r"the video grant says (\w+) instead of (\w+)", self._renamed_grant),
            (r"(\w+) is called without (a token|\w+)", self._room_service_without),
            (r"(\w+) has (\w+) of another room", self._room_service_other_room),
            (r"the Authorization scheme is (\w+)", self._other_scheme),
            (r"the token has no exp", self._without_exp),
            (r"the observer token leaves out canPublish", self._publish_not_stated),
            (r"the token endpoint serves a cached token", self._cached_endpoint_token),
            (rf"the token ({'|'.join(TOKEN_CASES)})", self._server_check_case),
        ]

    def _wrong_secret(self):
        return self._setup(self._keyring.primary.key, random_secret())

    def _unknown_key(self):
        name = "diagnosis-unknown-key"
        while name in self._keyring:
            name += "-x"
        return self._setup(name, random_secret())

    def _padded_secret(self, change: str):
        primary = self._keyring.primary
        return self._setup(primary.key, SECRET_CHANGES[change.lower()](primary.secret))

    def _wss_url(self):
        server = self._server
        address = server.http_url.split("://", 1)[1]
        url = f"ws://{address}" if server.http_url.startswith("https://") else f"wss://{address}"
        return self._setup(self._keyring.primary.key, self._keyring.primary.secret, url)

    def _token_with_padded_secret(self, change: str):
        primary = self._keyring.primary
        token = self._mint({}, secret=SECRET_CHANGES[change.lower()](primary.secret))
        return self._expect_failure(lambda: self._http.validate_token_with_server(token))

    def _token_with_other_secret(self):
        token = self._mint({}, secret=random_secret())
        return self._expect_failure(lambda: self._http.validate_token_with_server(token))

    def _skewed_clock(self, amount: str, side: str):
        try:
            offset = to_seconds(amount, "clock offset")
        except ValueError as error:
            raise AssertionError(str(error)) from None
        moment = time.time() + (offset if side.lower() == "ahead" else -offset)
        token = self._mint({"ttl": FAULT_TTL}, at=moment, case=f"minted by a clock {format_duration(offset)} {side.lower()}")
        return self._expect_failure(lambda: self._http.validate_token_with_server(token))

    def _renamed_grant(self, typo: str, field: str):
        token = self._mint({})
        claims = hostile.decoded_parts(token.value)[1]
        video = claims.get("video") or {}
        if field not in video:
            raise AssertionError(f"The observer token has no video grant field '{field}' to rename; it has: {', '.join(video)}.")
        video[typo] = video.pop(field)
        claims["video"] = video
        token = self._sign(claims, case=f"video grant with {typo} instead of {field}")
        return self._expect_failure(lambda: self._http.validate_token_with_server(token))

    def _room_service_without(self, method: str, grant: str):
        room = self._http.unique_room_name("livekit-diagnosis")
        token = None if grant.lower() == "a token" else self._mint({}, room=room, case=f"{method} without {grant}")
        return self._expect_failure(lambda: self._http.call_room_service(method, token, room=room))

    def _room_service_other_room(self, method: str, grant: str):
        room = self._http.unique_room_name("livekit-diagnosis")
        other = self._http.unique_room_name("livekit-diagnosis-other")
        token = self._http.create_token_with_grants(grant, room=other)
        return self._expect_failure(lambda: self._http.call_room_service(method, token, room=room))

    def _other_scheme(self, scheme: str):
        token = self._mint({})
        return self._expect_failure(lambda: self._http.validate_token_with_server(token, scheme=scheme))

    def _without_exp(self):
        token = self._mint({})
        claims = hostile.decoded_parts(token.value)[1]
        claims.pop("exp", None)
        token = self._sign(claims, case="without exp")
        self._http.validate_token_with_server(token, 200, "")  # the server's verdict on it is recorded, whatever it is
        auth = library_instance("LiveKitAuth")
        if auth is None:
            raise ConfigurationFailure("The diagnosis catalogue needs the LiveKitAuth library; import it in the resource file.")
        return self._expect_failure(lambda: auth.token_should_not_be_expired(token))

    def _publish_not_stated(self):
        claims = minting.build_claims(
            self._keyring.primary.key,
            "livekit-diagnosis-observer",
            "test_room",
            ttl=FAULT_TTL,
            room_join=True,
            can_subscribe=True,
        )
        token = self._sign(claims, case="observer without canPublish")
        client = library_instance("LiveKitClient")
        if client is None:
            raise ConfigurationFailure("The diagnosis catalogue needs the LiveKitClient library; import it in the resource file.")
        return self._expect_failure(lambda: client.publishing_should_be_refused("diagnosis observer", token))

    def _cached_endpoint_token(self):
        http = self._http
        endpoint = http.use_token_endpoint(design="open")  # it mints for the identity each request names
        proxy = CachingProxy(endpoint)
        try:
            http.use_token_endpoint(proxy.url)
            first = http.request_token_from_endpoint(room_name="test_room", participant_identity="diagnosis-first")
            second = http.request_token_from_endpoint(room_name="test_room", participant_identity="diagnosis-second")
            del first
            return self._expect_failure(lambda: http.endpoint_token_should_match_the_request(second))
        finally:
            proxy.stop()
            http.stop_token_endpoint()

    def _server_check_case(self, case: str):
        token = self._http.create_token_for_server_check(TOKEN_CASES[case.lower()])
        return self._expect_failure(lambda: self._http.validate_token_with_server(token))

    # ------------------------------------------------------------------ helpers

    def _setup(self, key: str, secret: str, url: str | None = None) -> tuple[str, Diagnosis | None]:
        """The set-up check of ``python run.py diagnose`` with this key pair (and URL) against the server."""
        self._used_secrets.add(secret)
        server = self._server
        report = check_setup(url or server.ws_url, ApiKey(key, secret, origin="fault"), remember=evidence.remember_token)
        text = "\n".join(report.lines())
        log_table("Set-up check", [{"label": check.name, "value": f"{check.status}: {check.text}"} for check in report.checks])
        if report.ok:
            raise AssertionError(f"The set-up check found nothing wrong, though the fault was induced: {report.lines()[-1]}")
        return text, report.diagnoses[0] if report.diagnoses else None

    def _expect_failure(self, check: Callable) -> tuple[str, Diagnosis | None]:
        with recording.collected() as found:
            try:
                check()
            except AssertionError as failure:
                if getattr(failure, "ROBOT_EXIT_ON_FAILURE", False):
                    raise
                message = str(failure)
            else:
                raise AssertionError("The check passed, though the fault was induced: the server accepted it.")
        return message, found[-1] if found else None

    def _mint(
        self, options: dict, secret: str | None = None, at: float | None = None, room: str = "test_room", case: str = ""
    ) -> Secret:
        """An observer token (join ``room``, subscribe, no publish) of the first key."""
        claims = minting.build_claims(
            self._keyring.primary.key,
            "livekit-diagnosis",
            room,
            at=at,
            room_join=True,
            can_publish=False,
            can_subscribe=True,
            **{"ttl": FAULT_TTL, **options},
        )
        return self._sign(claims, secret, case or "observer")

    def _sign(self, claims: dict, secret: str | None = None, case: str = "") -> Secret:
        if secret is None:
            key = self._keyring.prepared_secret(self._keyring.primary.key)
        else:
            self._used_secrets.add(secret)
            key = secret_key_bytes(secret)
        token = minting.encode(claims, key)
        evidence.remember_token(token)
        observe.note_issued(token, "this run")
        log_table(
            "Token generated",
            [
                {"label": "Case", "value": case},
                {"label": "API key", "value": claims.get("iss")},
                {"label": "Fingerprint", "value": evidence.fingerprint(token)},
            ],
        )
        return Secret(token)

    def _leaks(self, text: str) -> str | None:
        secrets = {secret for secret in (*self._keyring.secrets(), *self._used_secrets) if len(secret.strip()) >= 8}
        if any(secret.strip() in text for secret in secrets):
            return "a secret"
        if _JWT.search(text):
            return "a token"
        return None

    @property
    def _http(self):
        http = library_instance("LiveKitHttp")
        if http is None:
            raise ConfigurationFailure("The diagnosis catalogue needs the LiveKitHttp library; import it in the resource file.")
        return http

    @property
    def _keyring(self) -> Keyring:
        return run_context().keyring

    @property
    def _server(self) -> current_server.ChosenServer:
        server = current_server.chosen()
        if server is None:
            raise AssertionError("No LiveKit server is chosen yet; call Use LiveKit Server first (in Suite Setup).")
        return server
