"""Robot Framework library for LiveKit access tokens: mint them, verify them as the server does,
and report what they carry without ever showing the token or the secret."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # Robot imports this file by path; its helper package lives beside it
    sys.path.insert(0, _HERE)

from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from livekit_tokens import environment, evidence, hostile, minting, verification
from livekit_tokens import grants as model
from livekit_tokens.keys import MIN_SECRET_BYTES, ConfigurationError, Keyring, load_keyring
from livekit_tokens.timeutil import format_duration, format_utc, to_epoch, to_seconds
from livekit_tokens.timeutil import now as current_time
from livekit_tokens.verification import CAUSES, ParsedToken, TokenRejected

__version__ = "1.0.0"

_NOT_SET = object()
_CAUSE_WORDS = {
    **{cause: cause for cause in CAUSES},
    **{text: cause for cause, text in CAUSES.items()},
    "unknown api key": "unknown-api-key",
    "api key": "unknown-api-key",
    "not yet valid": "not-yet-valid",
    "exp required": "exp-required",
}


class ConfigurationFailure(AssertionError):
    """A setting is missing or wrong: the whole run stops, with the sentence that says what to set."""

    ROBOT_EXIT_ON_FAILURE = True
    ROBOT_SUPPRESS_NAME = True


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
class LiveKitAuth:
    """Mint, verify and inspect LiveKit access tokens as the LiveKit server and SDKs do.

    = Keys =

    The library signs with one API key and verifies with every configured key, choosing the secret
    by the token's ``iss`` claim as the LiveKit server does. Keys come, in this order, from the
    import arguments, from ``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET``, from ``LIVEKIT_KEYS``
    (the server's ``key: secret`` format, one pair per line) and, when nothing is set, from the
    pair of ``livekit-server --dev`` (``devkey`` / ``secret``). An empty secret stops the run with
    a sentence saying what to set.

    = Tokens and secrets in the log =

    Keywords that return a token return a Robot Framework ``Secret``: the log shows ``<secret>``
    instead of the value. Pass it on as it is. The log shows the decoded header and claims, the
    token length and a fingerprint (the first 12 hex digits of its SHA-256) instead.

    = Verification =

    `Verify Token` accepts exactly the tokens the LiveKit server accepts: HS256 only, secret chosen
    by ``iss``, ``exp`` required, 60 seconds of leeway on ``exp`` and ``nbf``, ``aud`` and ``iat``
    not checked, and every grant of the JSON type the server decodes. A refusal fails with one
    sentence naming the cause. The causes are:

    | = Cause =        | = Meaning =                                                    |
    | malformed        | not three base64url segments of JSON objects                   |
    | oversized        | larger than a server accepts (1 MiB)                           |
    | not-text         | the value given is not text                                    |
    | algorithm        | ``alg`` missing or other than HS256                            |
    | claims           | a claim or grant of the wrong JSON type                        |
    | unknown-api-key  | ``iss`` missing or not a configured key                        |
    | signature        | signed with another secret, or changed after signing          |
    | exp-required     | no ``exp`` claim                                               |
    | expired          | ``exp`` more than 60 seconds in the past                       |
    | not-yet-valid    | ``nbf`` more than 60 seconds in the future                     |

    = Times =

    Durations are Robot Framework time strings (``6 hours``, ``90 s``, ``1h 30min``). Dates are
    epoch seconds, ISO 8601 texts, ``2026-01-20 01:08:57`` (UTC), or ``now + 5 minutes``.
    """

    def __init__(self, api_key: str | None = None, api_secret=None):
        """Use ``api_key`` and ``api_secret`` (a ``Secret``) or, by default, the environment.

        Example:
        | Library | LiveKitAuth |
        | Library | LiveKitAuth | api_key=mykey | api_secret=${SECRET} |
        """
        self._configuration_error: str | None = None
        self._configuration_reported = False
        self._keyring: Keyring | None = None
        try:
            self._keyring = load_keyring(api_key, api_secret)
        except ConfigurationError as error:
            if not _robot_is_running():
                raise
            self._configuration_error = str(error)

    # ------------------------------------------------------------------ keys

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            sentence = self._configuration_error or "No API key is configured."
            if not self._configuration_reported:
                self._configuration_reported = True
                logger.error(sentence)
            raise ConfigurationFailure(sentence)
        return self._keyring

    @keyword
    def get_api_key(self) -> str:
        """Return the name of the API key that signs new tokens (never its secret).

        Example:
        | ${key} = | Get API Key |
        """
        return self.keyring.primary.key

    # ------------------------------------------------------------------ minting

    @keyword
    def generate_token(self, identity: str | None = None, room: str | None = None, **claims) -> Secret:
        """Mint a LiveKit access token as the official SDKs do and return it as a ``Secret``.

        ``identity`` becomes ``sub`` and ``room`` the video grant's ``room``. Named arguments
        in snake_case set everything else:

        - every video grant field: ``room_join``, ``room``, ``can_publish``, ``can_subscribe``,
          ``can_publish_data``, ``can_publish_sources`` (``camera, microphone``),
          ``can_update_own_metadata``, ``room_admin``, ``room_list``, ``room_create``,
          ``room_record``, ``ingress_admin``, ``hidden``, ``recorder``, ``agent``,
          ``can_subscribe_metrics``, ``can_manage_agent_session``, ``destination_room``;
        - other grants: ``sip_admin``, ``sip_call``, ``agent_admin``, ``agent_simulation_admin``,
          ``agent_database_admin``, ``inference_perform``, ``observability_write``;
        - ``name``, ``metadata`` (text, or a dictionary written as JSON text), ``attributes``
          (a dictionary of text), ``kind`` (``standard``, ``agent``, ...), ``room_preset``,
          ``room_config``, ``sha256``;
        - ``ttl`` (default ``6 hours``), or ``expires`` and ``not_before`` as explicit dates;
          ``issued_at`` and ``jwt_id`` when a test needs them; ``audience`` (no ``aud`` otherwise,
          as in every LiveKit SDK);
        - ``api_key``: sign with another configured key instead of the first one.

        Only the grants given are written, as the Go and Node SDKs do; the server applies its
        defaults to the rest (see `Token Should Grant`). A token that joins a room without an
        identity or a room is refused, as the SDKs refuse it.

        Examples:
        | ${token} = | Generate Token | client_test | test_room | room_join=True | can_publish=False | can_subscribe=True |
        | ${admin} = | Generate Token | room_list=True | room_create=True | ttl=10 minutes |
        | ${old} =   | Generate Token | alice | demo | room_join=True | not_before=2026-01-19 19:08:57 | expires=2026-01-20 01:08:57 |
        """
        key_name = claims.pop("api_key", None)
        api_key = self.keyring.primary if key_name is None else self.keyring.get(key_name)
        if api_key is None:
            raise AssertionError(f"API key '{key_name}' is not configured; add it to LIVEKIT_KEYS as 'key: secret'.")
        try:
            payload = minting.build_claims(api_key.key, identity, room, **claims)
        except ValueError as error:
            raise AssertionError(f"Cannot mint the token: {error}") from None
        token = minting.encode(payload, self.keyring.prepared_secret(api_key.key))
        evidence.remember_token(token)
        logger.info(
            evidence.table(
                "Token generated",
                [
                    {"label": "API key", "value": api_key.key},
                    {"label": "Participant", "value": payload.get("sub", "")},
                    {"label": "Room", "value": payload.get("video", {}).get("room", "")},
                    {"label": "Token length", "value": f"{len(token)} characters"},
                    {"label": "Fingerprint", "value": evidence.fingerprint(token)},
                ],
            ),
            html=True,
        )
        return Secret(token)

    # ------------------------------------------------------------------ verification

    @keyword
    def verify_token(self, token, at=None) -> dict:
        """Verify ``token`` exactly as the LiveKit server would and return its claims.

        Fails with one sentence naming the cause when the server would refuse the token (see
        `Verification`). ``at`` verifies at another moment than now, for tests of time limits
        that must not sleep.

        Examples:
        | ${claims} = | Verify Token | ${token} |
        | Should Be Equal | ${claims}[sub] | client_test |
        | Verify Token | ${token} | at=2026-01-20 01:09:30 |
        """
        parsed = self._verified(token, at)
        logger.info(f"The LiveKit server would accept this token ({self._describe(parsed)}).")
        return dict(parsed.claims)

    @keyword
    def token_should_be_refused(self, token, cause: str, at=None) -> str:
        """Verify that the LiveKit server would refuse ``token`` for ``cause``; return the reason.

        ``cause`` is one of the causes listed in `Verification` (``expired``, ``signature``, ...).

        Example:
        | Token Should Be Refused | ${expired} | expired |
        """
        expected = _cause_name(cause)
        try:
            parsed = self._verified(token, at, log=False)
        except TokenRejected as rejection:
            if rejection.cause != expected:
                raise AssertionError(
                    f"The token was refused for '{rejection.cause}' instead of '{expected}': {rejection.detail}."
                ) from None
            logger.info(f"Refused as expected ({expected}): {rejection.detail}.")
            return str(rejection)
        raise AssertionError(
            f"The LiveKit server would accept this token ({self._describe(parsed)}), but it should be refused for '{expected}'."
        )

    @keyword
    def decode_token(self, token) -> dict:
        """Return the claims of ``token`` without verifying anything, and log header and claims.

        Example:
        | ${claims} = | Decode Token | ${token} |
        """
        parsed = self._parsed(token)
        self._log_decoded(parsed)
        return dict(parsed.claims)

    @keyword
    def get_token_header(self, token) -> dict:
        """Return the decoded JOSE header of ``token`` without verifying anything.

        Example:
        | ${header} = | Get Token Header | ${token} |
        | Should Be Equal | ${header}[alg] | HS256 |
        """
        return dict(self._parsed(token).header)

    @keyword
    def get_effective_grants(self, token) -> dict:
        """Return every video permission of ``token`` as the server applies it, defaults included.

        Keys are the grant names in the token (``roomJoin``, ``canPublish``...). A missing
        ``canPublish`` or ``canSubscribe`` counts as true and a missing ``canPublishData`` follows
        ``canPublish``, as on the server.

        Example:
        | ${grants} = | Get Effective Grants | ${token} |
        | Should Be True | ${grants}[canSubscribe] |
        """
        return model.effective_video_grant(self._parsed(token).server_claims.get("video"))

    @keyword
    def log_token(self, token) -> None:
        """Log the decoded header and claims of ``token``, its length and its fingerprint.

        Example:
        | Log Token | ${token} |
        """
        self._log_decoded(self._parsed(token))

    # ------------------------------------------------------------------ the five steps

    @keyword
    def token_should_be_a_signed_jwt(self, token, algorithm: str = "HS256") -> None:
        """Check that ``token`` is a compact JWS signed with ``algorithm`` and log what it is.

        Logs the API key, room, participant, token length, algorithm and fingerprint, as the
        document's step 1 lists them.

        Example:
        | Token Should Be A Signed JWT | ${token} | HS256 |
        """
        parsed = self._parsed(token)
        video = parsed.server_claims.get("video") or {}
        rows = [
            {"label": "API key", "value": parsed.issuer},
            {"label": "Room", "value": video.get("room") if isinstance(video, dict) else None},
            {"label": "Participant", "value": verification.identity_of(parsed.claims)},
            {"label": "Token length", "value": f"{len(parsed.text)} characters"},
            {"label": "Algorithm", "value": parsed.algorithm},
            {"label": "Type (typ)", "value": parsed.header.get("typ")},
            {"label": "Fingerprint", "value": evidence.fingerprint(parsed.text)},
        ]
        self._log_table("Token", rows)
        if parsed.algorithm != algorithm:
            raise AssertionError(f"The token is signed with {parsed.algorithm}, expected {algorithm}.")

    @keyword
    def signature_should_be_valid(self, token) -> None:
        """Check the HMAC-SHA256 signature of ``token`` with the secret its ``iss`` names.

        Only the key, the algorithm and the signature are checked here, not the times, so that an
        expired token still shows whether it was signed correctly. A secret shorter than 32 bytes
        passes with a warning in the log and the report, because it can be guessed offline from
        any token it signed.

        Example:
        | Signature Should Be Valid | ${token} |
        """
        parsed = self._parsed(token)
        api_key = self._checked(verification.check_signature, parsed, self.keyring)
        rows = [
            {"label": "API key (iss)", "value": api_key.key},
            {"label": "Algorithm", "value": "HMAC-SHA256 (HS256)"},
            {"label": "Signature", "value": "verified with the API secret"},
            {"label": "Secret length", "value": f"{api_key.secret_bytes} bytes"},
        ]
        self._log_table("Signature", rows)
        if api_key.is_weak:
            self._warn(
                "weak-secret",
                f"The API secret of key '{api_key.key}' is {api_key.secret_bytes} bytes long: HS256 needs at least "
                f"{MIN_SECRET_BYTES} bytes (RFC 7518, section 3.2), and a shorter secret can be guessed offline from any "
                "token it signed. Use a random secret of 32 bytes or more outside development.",
            )

    @keyword
    def changes_to_the_token_should_break_the_signature(self, token) -> None:
        """Check that the signature of ``token`` detects a changed identity, grant, header or signature.

        Four altered copies are made without re-signing: the identity changed, ``roomAdmin``
        granted, a ``kid`` header added, and one signature byte flipped. Each must be refused for
        its signature.

        Example:
        | Changes To The Token Should Break The Signature | ${token} |
        """
        text = self._text(token)
        try:
            variants = {
                "identity changed": hostile.with_claims(text, {"sub": "someone-else"}),
                "roomAdmin granted": hostile.with_claims(text, {"video.roomAdmin": True}),
                "header changed": hostile.with_header(text, {"kid": "another-key"}),
                "signature byte flipped": hostile.with_flipped_signature_byte(text),
            }
        except ValueError as error:
            raise AssertionError(f"Cannot alter the token: {error}") from None
        rows, missed = [], []
        for change, altered in variants.items():
            try:
                verification.check_signature(verification.parse_token(altered), self.keyring)
            except TokenRejected as rejection:
                ok = rejection.cause == "signature"
                rows.append({"label": change, "expected": "signature refused", "actual": rejection.detail, "ok": ok})
                if not ok:
                    missed.append(f"{change} was refused for '{rejection.cause}'")
            else:
                rows.append({"label": change, "expected": "signature refused", "actual": "accepted", "ok": False})
                missed.append(f"{change} was accepted")
        self._log_table("Tampering detection", rows)
        if missed:
            raise AssertionError(f"The signature did not catch every change: {'; '.join(missed)}.")

    @keyword
    def claim_should_be(self, token, claim: str, expected=_NOT_SET, label: str | None = None) -> None:
        """Check that ``claim`` of ``token`` equals ``expected``; with ``expected`` ``${None}`` only report it.

        ``claim`` is the name in the token (``iss``, ``sub``, ``aud``, ``name``...). An audience
        given as a one-element list matches the same text.

        Examples:
        | Claim Should Be | ${token} | iss | devkey |
        | Claim Should Be | ${token} | sub | client_test | label=Subject (sub) |
        | Claim Should Be | ${token} | aud | ${None} |
        """
        self._check_claims(token, {claim: expected}, {claim: label})

    @keyword
    def claims_should_match(self, token, **expected) -> None:
        """Check several claims at once: ``name=value`` pairs; ``${None}`` values are only reported.

        Example:
        | Claims Should Match | ${token} | iss=devkey | sub=client_test | aud=test_room |
        """
        self._check_claims(token, expected, {})

    def _check_claims(self, token, expected: dict, labels: dict) -> None:
        parsed = self._parsed(token)
        rows, wrong = [], []
        for claim, want in expected.items():
            actual = _claim_value(parsed, claim)
            label = labels.get(claim) or claim
            if want is None or want is _NOT_SET:
                rows.append({"label": label, "expected": None, "actual": actual, "ok": None})
                continue
            ok = _same(actual, want)
            rows.append({"label": label, "expected": want, "actual": actual, "ok": ok})
            if not ok:
                wrong.append(f"{claim} is {evidence.show(actual)!r}, expected {evidence.show(want)!r}")
        self._log_table("Claims", rows)
        if wrong:
            raise AssertionError(f"The token claims do not match: {'; '.join(wrong)}.")

    @keyword
    def token_should_grant(self, token, **grants) -> None:
        """Check video permissions as the server applies them: ``name=value`` pairs, snake_case or camelCase.

        A grant the token leaves out takes the server's default: ``can_publish`` and
        ``can_subscribe`` are then true and ``can_publish_data`` follows ``can_publish``. A
        ``${None}`` value is only reported.

        Example:
        | Token Should Grant | ${token} | room=test_room | room_join=True | can_publish=False | can_subscribe=True |
        """
        self._check_grants(token, grants, {})

    def _check_grants(self, token, grants: dict, labels: dict) -> None:
        parsed = self._parsed(token)
        effective = model.effective_video_grant(parsed.server_claims.get("video"))
        written = model.server_view(parsed.server_claims.get("video") or {}, model.VIDEO_FIELDS)
        rows, wrong = [], []
        for name, want in grants.items():
            camel = model.to_camel(name)
            if camel not in model.VIDEO_FIELDS:
                raise AssertionError(f"'{name}' is not a LiveKit video grant; known grants are {', '.join(model.VIDEO_FIELDS)}.")
            actual = effective[camel]
            label = labels.get(name) or camel
            note = "" if camel in written else " (server default)"
            if want is None:
                rows.append({"label": label, "expected": None, "actual": f"{evidence.show(actual)}{note}", "ok": None})
                continue
            try:
                want = model._coerce(name, want, model.VIDEO_FIELDS[camel])
            except ValueError as error:
                raise AssertionError(str(error)) from None
            ok = actual == want
            rows.append({"label": label, "expected": want, "actual": f"{evidence.show(actual)}{note}", "ok": ok})
            if not ok:
                wrong.append(f"{camel} is {evidence.show(actual)}{note}, expected {evidence.show(want)}")
        self._log_table("Access grants", rows)
        if wrong:
            raise AssertionError(f"The token does not grant what was expected: {'; '.join(wrong)}.")

    @keyword
    def grant_should_be(self, token, grant: str, expected, label: str | None = None) -> None:
        """Check one video permission as the server applies it (see `Token Should Grant`).

        Example:
        | Grant Should Be | ${token} | can_publish | False | label=Can publish |
        """
        self._check_grants(token, {grant: expected}, {grant: label})

    @keyword
    def token_should_not_be_expired(self, token, at=None) -> None:
        """Check ``exp`` and ``nbf`` with the server's 60 seconds of leeway, and log both as UTC dates.

        Example:
        | Token Should Not Be Expired | ${token} |
        """
        parsed = self._parsed(token)
        moment = current_time() if at is None else _epoch(at, "at")
        self._log_times(parsed, moment)
        self._checked(verification.check_times, parsed, moment)

    @keyword
    def token_should_be_valid_for_at_least(self, token, duration, at=None) -> None:
        """Check that ``token`` is still valid ``duration`` from now (``5 hours``, ``30 min``).

        Example:
        | Token Should Be Valid For At Least | ${token} | 5 hours |
        """
        parsed = self._parsed(token)
        moment = current_time() if at is None else _epoch(at, "at")
        minimum = _seconds(duration, "duration")
        expires = self._expiry(parsed)
        self._log_times(parsed, moment)
        if expires - moment < minimum:
            raise AssertionError(
                f"The token is valid for {format_duration(expires - moment)} more (until {format_utc(expires)}), "
                f"less than the {format_duration(minimum)} required."
            )

    @keyword
    def token_should_be_valid_for_about(self, token, duration, tolerance="1 minute", at=None) -> None:
        """Check that the time left on ``token`` is ``duration`` give or take ``tolerance``.

        With ``duration`` ``${None}`` the time left is only reported.

        Example:
        | Token Should Be Valid For About | ${token} | 6 hours |
        """
        parsed = self._parsed(token)
        moment = current_time() if at is None else _epoch(at, "at")
        expires = self._expiry(parsed)
        left = expires - moment
        if duration is None:
            self._log_table(
                "Validity", [{"label": "Time remaining", "expected": None, "actual": format_duration(left), "ok": None}]
            )
            return
        wanted, slack = _seconds(duration, "duration"), _seconds(tolerance, "tolerance")
        ok = abs(left - wanted) <= slack
        self._log_table(
            "Validity",
            [
                {
                    "label": "Time remaining",
                    "expected": f"about {format_duration(wanted)}",
                    "actual": format_duration(left),
                    "ok": ok,
                }
            ],
        )
        if not ok:
            raise AssertionError(
                f"The token is valid for {format_duration(left)} more, expected about {format_duration(wanted)} "
                f"(within {format_duration(slack)})."
            )

    @keyword
    def get_supplied_token(self):
        """Return the token given from outside as a ``Secret``, or ``${None}`` when none was given.

        The token comes from the ``${TOKEN}`` variable or the ``LIVEKIT_TOKEN`` environment variable.

        Example:
        | ${supplied} = | Get Supplied Token |
        """
        value = _robot_variable("${TOKEN}")
        if value in (None, ""):
            value = os.environ.get("LIVEKIT_TOKEN") or None
        if value is None:
            return None
        text = getattr(value, "value", value)
        evidence.remember_token(text if isinstance(text, str) else str(text))
        return value if isinstance(value, Secret) else Secret(str(text))

    @keyword
    def record_test_environment(self) -> dict:
        """Record the run's environment as metadata of the top-level suite and return it.

        Records the Robot Framework, Python, PyJWT and livekit-api versions, the Node.js
        livekit-server-sdk version when the interop project exists, the operating system, the
        project's git commit (marked when there are uncommitted changes) and the Robot Framework
        command line with the values of secret-looking variables hidden. The sign-off summary reads
        them back from ``output.xml``. Calling it again records the same facts again.

        Example:
        | Record Test Environment |
        """
        facts = {**environment.collect(), environment.COMMAND: environment.robot_command()}
        if _robot_is_running():
            from robot.libraries.BuiltIn import BuiltIn

            for name, value in facts.items():
                BuiltIn().set_suite_metadata(name, value, top=True)
        return facts

    # ------------------------------------------------------------------ helpers

    def _text(self, token) -> str:
        text = self._checked(verification.token_text, token)
        evidence.remember_token(text)
        return text

    def _parsed(self, token) -> ParsedToken:
        return self._checked(verification.parse_token, self._text(token))

    def _verified(self, token, at=None, log: bool = True) -> ParsedToken:
        moment = None if at is None else _epoch(at, "at")
        text = self._text(token)
        if not log:
            return verification.verify(text, self.keyring, moment)
        return self._checked(verification.verify, text, self.keyring, moment)

    @staticmethod
    def _checked(function, *args):
        try:
            return function(*args)
        except TokenRejected as rejection:
            raise AssertionError(str(rejection)) from None
        except ConfigurationError as error:
            raise ConfigurationFailure(str(error)) from None

    @staticmethod
    def _describe(parsed: ParsedToken) -> str:
        return f"{len(parsed.text)} characters, fingerprint {evidence.fingerprint(parsed.text)}"

    @staticmethod
    def _expiry(parsed: ParsedToken) -> int:
        if "exp" not in parsed.server_claims:
            raise AssertionError("Token refused: exp claim is required.")
        return LiveKitAuth._checked(verification.numeric_date, parsed.server_claims["exp"], "exp")

    def _log_times(self, parsed: ParsedToken, moment: float) -> None:
        claims = parsed.server_claims
        rows = []
        if "exp" in claims:
            expires = self._expiry(parsed)
            rows.append({"label": "Expires at", "value": format_utc(expires)})
            rows.append({"label": "Time remaining", "value": format_duration(expires - moment)})
        else:
            rows.append({"label": "Expires at", "value": "no exp claim"})
        if "nbf" in claims:
            not_before = self._checked(verification.numeric_date, claims["nbf"], "nbf")
            rows.append(
                {"label": "Not before (nbf)", "value": f"{format_utc(not_before)} ({format_duration(moment - not_before)} ago)"}
            )
        else:
            rows.append({"label": "Not before (nbf)", "value": "not set"})
        rows.append({"label": "Checked at", "value": format_utc(moment)})
        rows.append({"label": "Leeway", "value": "60 s on exp and nbf, as the LiveKit server"})
        self._log_table("Expiration", rows)

    def _log_decoded(self, parsed: ParsedToken) -> None:
        rows = [{"label": f"header {name}", "value": value} for name, value in parsed.header.items()]
        for name, value in parsed.claims.items():
            shown = value
            if name in ("exp", "nbf", "iat") and isinstance(value, (int, float)) and not isinstance(value, bool):
                shown = f"{value} ({format_utc(value) if math.isfinite(value) else value})"
            rows.append({"label": name, "value": shown})
        rows.append({"label": "length", "value": f"{len(parsed.text)} characters"})
        rows.append({"label": "fingerprint", "value": evidence.fingerprint(parsed.text)})
        self._log_table("Decoded token", rows)

    @staticmethod
    def _log_table(title: str, rows: list[dict]) -> None:
        logger.info(evidence.table(title, rows), html=True)

    @staticmethod
    def _warn(finding: str, text: str) -> None:
        logger.info(
            evidence.table(
                "Finding", [{"label": finding, "value": text}], {"finding": finding, "severity": "warning", "text": text}
            ),
            html=True,
        )
        logger.warn(text)
        _set_test_message(f"WARNING: {text}")


def _robot_is_running() -> bool:
    from robot.running.context import EXECUTION_CONTEXTS

    return EXECUTION_CONTEXTS.current is not None


def _robot_variable(name: str):
    if not _robot_is_running():
        return None
    from robot.libraries.BuiltIn import BuiltIn

    return BuiltIn().get_variable_value(name)


def _set_test_message(text: str) -> None:
    if not _robot_is_running():
        return
    from robot.libraries.BuiltIn import BuiltIn

    if _robot_variable("${TEST NAME}") is not None:
        BuiltIn().set_test_message(text, append=True)


def _cause_name(cause: str) -> str:
    name = _CAUSE_WORDS.get(str(cause).strip().lower())
    if name is None:
        raise AssertionError(f"Unknown refusal cause '{cause}'; use one of {', '.join(CAUSES)}.")
    return name


def _claim_value(parsed: ParsedToken, claim: str):
    if claim in verification.CLAIM_FIELDS:
        return parsed.server_claims.get(claim)
    return parsed.claims.get(claim)


def _same(actual, expected) -> bool:
    if isinstance(actual, list) and len(actual) == 1 and not isinstance(expected, list):
        actual = actual[0]
    if isinstance(actual, bool) and isinstance(expected, str):
        return expected.strip().lower() == str(actual).lower()
    if isinstance(actual, (int, float)) and isinstance(expected, str):
        return expected.strip() == str(actual)
    return actual == expected


def _epoch(value, name: str) -> float:
    try:
        return to_epoch(value, name)
    except ValueError as error:
        raise AssertionError(str(error)) from None


def _seconds(value, name: str) -> float:
    try:
        return to_seconds(value, name)
    except ValueError as error:
        raise AssertionError(str(error)) from None
