"""Keywords of `LiveKitAuth` that choose the server rules of the offline verdicts and let a real
LiveKit server judge them (a mixin: the class holds keywords, ``livekit_http.server_oracle`` the
HTTP exchange and ``livekit_tokens.profiles`` the rules)."""

from __future__ import annotations

import math
import os

from robot.api import SkipExecution, logger
from robot.api.deco import keyword
from robot.api.types import Secret

from livekit_http import server_version
from livekit_http.server_oracle import Comparison, ServerJudge, expected_answer
from livekit_http.urls import is_loopback
from livekit_tokens import environment, hostile, profiles
from livekit_tokens.arguments import Moment, typed_arguments
from livekit_tokens.keys import Keyring
from livekit_tokens.profiles import ServerProfile, UnknownVersion
from livekit_tokens.robot_context import ConfigurationFailure, library_instance, log_table, robot_is_running
from livekit_tokens.timeutil import now as current_time
from livekit_tokens.timeutil import to_epoch

VERSION_VARIABLE = "LIVEKIT_SERVER_VERSION"
NO_VERSION_REASON = "LIVEKIT_SERVER_VERSION not set, and no LiveKit server judged these verdicts"
_TIME_CLAIMS = ("exp", "nbf", "iat")
_RULES_USED: dict[str, str] = {}
_UNKNOWN_VERSION_SAID: dict[
    str, str
] = {}  # said once per server and run  # what decided the offline verdicts of this run, for the sign-off


def profile_from_setting(value: str | None, setting: str = VERSION_VARIABLE) -> ServerProfile | None:
    """The profile a version setting names, ``None`` when it is empty; a bad value stops the run."""
    if value is None or not str(value).strip():
        return None
    try:
        return profiles.profile_for_version(str(value).strip())
    except UnknownVersion as error:
        raise ConfigurationFailure(
            f"{setting}: {error} Set it to the version of your LiveKit server, or leave it unset."
        ) from None


def record_rules_used(profile: ServerProfile | None, reason: str, where: str) -> None:
    """Note which rules decided offline verdicts, as top-level suite metadata for the sign-off."""
    title = (profiles.CURRENT if profile is None else profile).title
    entry = f"{title} ({reason})"
    if _RULES_USED.get(entry) is not None and where in _RULES_USED[entry].split(", "):
        return
    _RULES_USED[entry] = ", ".join(filter(None, [_RULES_USED.get(entry), where]))
    if robot_is_running():
        from robot.libraries.BuiltIn import BuiltIn

        text = "; ".join(f"{name}: {suites}" for name, suites in _RULES_USED.items())
        BuiltIn().set_suite_metadata(environment.SERVER_RULES, text, top=True)


@typed_arguments
class ServerVerdictKeywords:
    """The server rules of offline verdicts, and a LiveKit server that judges them."""

    _profile_choice: tuple[ServerProfile | None, str] | None = None
    _judge: ServerJudge | None = None
    _time_shift: int = 0

    # ------------------------------------------------------------------ the rules in use

    def _rules(self) -> tuple[ServerProfile | None, str]:
        """The profile of the offline verdicts (``None``: current rules) and why it was chosen."""
        if self._profile_choice is None:
            setting = os.environ.get(VERSION_VARIABLE, "")
            profile = profile_from_setting(setting)
            reason = NO_VERSION_REASON if profile is None else f"{VERSION_VARIABLE} {setting.strip()}"
            self._profile_choice = (profile, reason)
        return self._profile_choice

    @property
    def profile(self) -> ServerProfile | None:
        """The profile of the offline verdicts; ``None`` means the current rules, older lines named."""
        return self._rules()[0]

    def _note_rules_used(self) -> None:
        profile, reason = self._rules()
        suite = None
        if robot_is_running():
            from robot.libraries.BuiltIn import BuiltIn

            suite = BuiltIn().get_variable_value("${SUITE NAME}")
        parts = str(suite or "").split(".")
        record_rules_used(profile, reason, (parts[1] if len(parts) > 1 else parts[0]) or "outside a suite")

    @keyword
    def use_server_rules_of_version(self, version: str) -> str:
        """Decide the offline verdicts by the rules of the LiveKit release line of ``version``; return its name.

        ``version`` is a server version (``1.13.5``, ``v1.9.11``) or ``current``. The profiles:
        ``v1.12`` (v1.12 or older), ``v1.13.5`` (v1.13.0 to v1.13.5), ``v1.13.11`` (v1.13.6 to
        v1.13.11) and ``current``. Without this keyword the rules come from the LiveKit server of
        `Use The LiveKit Server As Judge`, else from ``LIVEKIT_SERVER_VERSION``, else the current
        rules apply and a refusal names the older release lines that would accept the token.

        Example:
        | Use Server Rules Of Version | 1.13.5 |
        """
        profile = profile_from_setting(version, "The version")
        if profile is None:
            raise AssertionError("Give a LiveKit server version such as 1.13.5, or current.")
        self._profile_choice = (profile, f"chosen for version {str(version).strip()}")
        self._log_rules()
        return profile.name

    def _log_rules(self) -> None:
        profile, reason = self._rules()
        shown = profiles.CURRENT if profile is None else profile
        log_table(
            "Server rules of the offline verdicts",
            [
                {"label": "Rules", "value": shown.title},
                {"label": "Why", "value": reason},
                {"label": "Read in", "value": shown.read_in},
            ],
        )

    @keyword
    def validation_answer_should_be(self, token, answer: str, at: Moment = None) -> None:
        """Check what ``/rtc/validate`` answers ``token``, as the offline verdict predicts it.

        ``answer`` is a status and words of the stable part of the body, as the server writes
        it: ``200 success``, ``401 permissions denied``, ``400 identity cannot be empty``, ``400
        no room name``... For a token that authenticates, these are the join checks that follow:
        a video grant, ``roomJoin``, an identity and a room of at most 256 bytes each. The
        server rules and keys are those of the verdicts (see `Use Server Rules Of Version`).

        Example:
        | Validation Answer Should Be | ${token} | 400 identity cannot be empty |
        """
        status, _, words = str(answer).strip().partition(" ")
        if not status.isdigit() or not words.strip():
            raise AssertionError(f"Write the answer as a status and its words, such as '400 no room name', got {answer!r}.")
        profile = self.profile or profiles.CURRENT
        moment = current_time() if at is None else at
        self._note_rules_used()
        predicted = expected_answer(token, self.keyring, profile, moment)
        ok = predicted.status == int(status) and " ".join(words.split()).lower() in predicted.text.lower()
        log_table(
            "Answer of /rtc/validate",
            [
                {"label": "Offline verdict", "expected": None, "actual": predicted.verdict, "ok": None},
                {"label": f"Answer ({profile.title})", "expected": answer, "actual": predicted.summary, "ok": ok},
            ],
        )
        if not ok:
            raise AssertionError(f"/rtc/validate would answer {predicted.summary} ({predicted.verdict}), not {answer}.")

    # ------------------------------------------------------------------ the server as judge

    @keyword("Use The LiveKit Server As Judge")
    def use_the_livekit_server_as_judge(self, url: str | None = None, version: str | None = None) -> str | None:
        """Let a real LiveKit server judge every offline verdict from now on; return its HTTP base URL.

        The server comes from `Use LiveKit Server` of the LiveKitHttp library (``url``, else
        ``LIVEKIT_URL``, else ``livekit-server`` from ``PATH`` started on loopback). Its version
        (``version``, else the one `Use LiveKit Server` recorded, else ``LIVEKIT_SERVER_VERSION``)
        chooses the server rules of the offline verdicts. Without a server the verdicts stay
        offline: the keyword returns ``${None}`` and `Server Should Give The Offline Verdict`
        says "no server"; so they do, with a warning, for a server that is not on loopback (hostile
        tokens go to loopback only). A server that names no version, or one that contradicts
        ``LIVEKIT_SERVER_VERSION``, stops the run with one sentence.

        Example:
        | Use The LiveKit Server As Judge |
        """
        http = library_instance("LiveKitHttp")
        if http is None:
            raise AssertionError("Import the LiveKitHttp library to let a LiveKit server judge the verdicts.")
        try:
            base_url = http.use_livekit_server(url)
        except SkipExecution as skip:
            self._judge = None
            log_table(
                "LiveKit server",
                [{"label": "Judge", "value": f"none: the verdicts are decided offline only ({skip})"}],
            )
            self._log_rules()
            return None
        host = base_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
        if not is_loopback(host):
            self._judge = None
            logger.warn(
                f"The LiveKit server at {base_url} is not on loopback: the security catalogue sends its hostile tokens "
                "only to a server on 127.0.0.1, so its verdicts are decided offline. Forward the server's port to "
                "127.0.0.1 (for example with ssh -L) and point LIVEKIT_URL there to let the server judge them."
            )
            self._log_rules()
            return None
        reported = version or _recorded_server_version()
        setting = os.environ.get(VERSION_VARIABLE, "").strip()
        if not reported and not setting:
            return self._judge_of_unknown_version(base_url, Keyring(list(http.keyring)), getattr(http, "timeout", 10.0))
        reported = reported or setting
        profile = profile_from_setting(reported, "The LiveKit server's version")
        if setting and profile_from_setting(setting) != profile:
            raise ConfigurationFailure(
                f"{VERSION_VARIABLE} is {setting}, but the LiveKit server at {base_url} is {reported}: "
                f"unset {VERSION_VARIABLE} or set it to the server's version."
            )
        keys = Keyring(list(http.keyring))
        self._judge = ServerJudge(base_url, reported, profile, keys, timeout=getattr(http, "timeout", 10.0))
        self._profile_choice = (profile, f"the version of the LiveKit server at {base_url}: {reported}")
        log_table(
            "LiveKit server as judge",
            [
                {"label": "HTTP base URL", "value": base_url},
                {"label": "Version", "value": reported},
                {"label": "Rules of the offline verdicts", "value": profile.title},
                {"label": "Keys the server holds", "value": ", ".join(key.key for key in keys)},
            ],
        )
        self._log_rules()
        return base_url

    def _judge_of_unknown_version(self, base_url: str, keys: Keyring, timeout: float) -> str:
        """A server that names its version nowhere judges by the current rules, said in one line."""
        line = unknown_version_line(base_url)
        if _UNKNOWN_VERSION_SAID.get(base_url) is None:
            _UNKNOWN_VERSION_SAID[base_url] = line
            logger.warn(line)
        profile = profiles.CURRENT
        self._judge = ServerJudge(base_url, server_version.NOT_REPORTED, profile, keys, timeout=timeout)
        self._profile_choice = (None, f"the LiveKit server at {base_url} does not report its version")
        log_table(
            "LiveKit server as judge",
            [
                {"label": "HTTP base URL", "value": base_url},
                {"label": "Version", "value": server_version.NOT_REPORTED},
                {"label": "Rules of the offline verdicts", "value": profile.title},
                {"label": "Keys the server holds", "value": ", ".join(key.key for key in keys)},
            ],
        )
        self._log_rules()
        return base_url

    @keyword
    def server_should_give_the_offline_verdict(self, made_by: str, *arguments, at: Moment = None) -> None:
        """Make the token again from now with ``made_by`` and ``arguments``, send it to the server, compare.

        The keyword ``made_by`` runs again with every time it writes (``exp``, ``nbf`` and ``iat``
        of a token among ``arguments``, such as the good token a row starts from, explicit dates
        of `Generate Token`, ``exp``/``nbf``/``iat`` in claim changes) moved by the same whole
        number of seconds, so that the moment ``at`` of the offline row becomes now. The token goes to the server's ``/rtc/validate``; its answer must be the one
        the offline verdict (server rules, the keys the server holds) gives at the moment the
        server checked: accepted, or refused with the same status and cause. The log shows both
        side by side; a difference fails with both in one sentence. Without a judging server (see
        `Use The LiveKit Server As Judge`) the log says "no server" and nothing is sent.

        Example:
        | Server Should Give The Offline Verdict | Change Claims And Sign | ${GOOD TOKEN} | exp = (removed) | at=2026-01-20 01:08:57 |
        """
        judge = self._judge
        if judge is None:
            log_table("LiveKit server", [{"label": "Server answer", "value": "no server: this row is decided offline only"}])
            return
        moment = current_time() if at is None else at
        shift = math.floor(current_time()) - math.floor(moment)
        token = self._made_again_from_now(made_by, arguments, shift)
        comparison = judge.judge(token)
        self._log_comparison(judge, comparison, shift)
        if not comparison.agrees:
            raise AssertionError(
                f"The offline verdict under {judge.profile.title} is {comparison.expected.verdict} (so "
                f"{comparison.expected.summary}), but the LiveKit server {judge.version} answered {comparison.answer.summary}."
            )

    def _made_again_from_now(self, made_by: str, arguments: tuple, shift: int):
        from robot.libraries.BuiltIn import BuiltIn

        moved = [self._times_moved(argument, shift) if isinstance(argument, Secret) else argument for argument in arguments]
        self._time_shift = shift
        try:
            return BuiltIn().run_keyword(made_by, *moved)
        finally:
            self._time_shift = 0

    def _times_moved(self, token, shift: int) -> Secret:
        """``token`` with ``exp``, ``nbf`` and ``iat`` moved by ``shift`` seconds, signed again; one that is not read as a token stays."""
        text = self._text(token)
        try:
            claims = hostile.decoded_parts(text)[1]
        except (ValueError, RecursionError):
            return token
        moved = {name: claims[name] + shift for name in _TIME_CLAIMS if _is_number(claims.get(name))}
        return self._signed(hostile.with_claims(text, moved), None) if moved else token

    def _moved_time(self, value):
        """An explicit time of a row moved by the shift of `Server Should Give The Offline Verdict`."""
        if not self._time_shift or value is None:
            return value
        return to_epoch(value, "time") + self._time_shift

    def _moved_changes(self, changes) -> list:
        """Claim changes with their ``exp``/``nbf``/``iat`` numbers (or numeric texts) moved by the shift."""
        parsed = [change for text in changes for change in hostile.parse_changes(text)]
        if not self._time_shift:
            return parsed
        return [(path, _moved(value, self._time_shift) if path in _TIME_CLAIMS else value) for path, value in parsed]

    def _log_comparison(self, judge: ServerJudge, comparison: Comparison, shift: int) -> None:
        answer = comparison.answer
        log_table(
            "Offline verdict and LiveKit server answer",
            [
                {
                    "label": "Token made again from now",
                    "expected": None,
                    "actual": f"every time of the row moved by {shift:,} s; sent in the {answer.transport}",
                    "ok": None,
                },
                {
                    "label": f"Offline ({judge.profile.title})",
                    "expected": None,
                    "actual": f"{comparison.expected.verdict} -> {comparison.expected.summary}",
                    "ok": None,
                },
                {
                    "label": f"LiveKit server {judge.version}",
                    "expected": comparison.expected.summary,
                    "actual": answer.summary,
                    "ok": comparison.agrees,
                },
                {
                    "label": "Time",
                    "expected": None,
                    "actual": f"{(answer.received_at - answer.sent_at) * 1000:.0f} ms",
                    "ok": None,
                },
            ],
        )
        logger.debug(f"Server judged with {judge.profile.name} rules: {'agrees' if comparison.agrees else 'differs'}.")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _moved(value, shift: int):
    if _is_number(value):
        return value + shift
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 30:
        return str(int(value) + shift)
    return value


def unknown_version_line(base_url: str) -> str:
    """The one line a run says when its LiveKit server reports no version."""
    return (
        f"The LiveKit server at {base_url} does not report its version, so the current rules decide the offline "
        f"verdicts; set {VERSION_VARIABLE} to its version to use that release line's rules instead."
    )


def _recorded_server_version() -> str | None:
    """The server version `Use LiveKit Server` recorded as top-level suite metadata, if it names one."""
    from robot.running.context import EXECUTION_CONTEXTS

    top = EXECUTION_CONTEXTS.top
    value = None if top is None else top.suite.metadata.get(environment.SERVER_VERSION)
    if not value or str(value).startswith("not "):
        return None
    try:
        profiles.parse_version(str(value))
    except UnknownVersion:
        return None
    return str(value)
