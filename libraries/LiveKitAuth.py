"""Robot Framework library for LiveKit access tokens: mint them, verify them as the server does,
and report what they carry without ever showing the token or the secret."""

from __future__ import annotations

import math
import os

from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from livekit_diagnosis import observe, recording
from livekit_diagnosis.model import EXPECTATION, REFUSAL, Expectation, Observations
from livekit_diagnosis.rules import diagnose
from livekit_server import current as current_server
from livekit_tokens import environment, evidence, hostile, minting, policy, profiles, verification
from livekit_tokens import grants as model
from livekit_tokens import supplied as supplied_token
from livekit_tokens.arguments import CONVERTERS, Duration, Moment, argument, typed_arguments
from livekit_tokens.keys import DEV_API_SECRET, ApiKey, ConfigurationError, Keyring, load_keyring
from livekit_tokens.robot_context import (
    ConfigurationFailure,
    library_keyring,
    log_table,
    report_finding,
    robot_is_running,
    robot_variable,
    run_context,
)
from livekit_tokens.timeutil import format_duration, format_utc
from livekit_tokens.timeutil import now as current_time
from livekit_tokens.verification import CAUSES, InvalidArgument, ParsedToken, TokenRejected
from server_verdicts import ServerVerdictKeywords

__version__ = "1.0.0"

_REMEMBERED_CHARS = 1 << 16
_MIN_REMEMBERED_CHARS = 24
_CAUSE_WORDS = {
    **{cause: cause for cause in CAUSES},
    **{cause.replace("-", " "): cause for cause in CAUSES},  # unknown api key, not yet valid, ...
    **{text: cause for cause, text in CAUSES.items()},
    "api key": "unknown-api-key",
}


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
@typed_arguments
class LiveKitAuth(ServerVerdictKeywords):
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
    by ``iss``, ``exp`` required, 60 seconds of leeway on ``exp`` and ``nbf`` (read in whole
    seconds), ``aud`` and ``iat`` not checked, and every claim and grant of the JSON type the
    server decodes. A refusal fails with one sentence naming the cause.

    Where LiveKit release lines differ (``exp`` optional up to v1.13.5, HS384/HS512 and ``iat``
    checks up to v1.12, the grant fields, ...), the rules of one line decide: those of the server
    of `Use The LiveKit Server As Judge`, else of `Use Server Rules Of Version`, else of
    ``LIVEKIT_SERVER_VERSION``. Without any of these the current rules (LiveKit's main branch)
    apply, and a refusal says which older lines would accept the token ("accepted by v1.13.0 to
    v1.13.5 servers, refused by current ones"). The causes are:

    | = Cause =        | = Meaning =                                                    |
    | malformed        | not three base64url segments of JSON objects                   |
    | oversized        | larger than a server reads in a header (1 MiB + 4 KiB)         |
    | not-text         | the value given is not text                                    |
    | algorithm        | ``alg`` missing or other than HS256                            |
    | claims           | a claim or grant of the wrong JSON type                        |
    | unknown-api-key  | ``iss`` missing or not a configured key                        |
    | signature        | signed with another secret, or changed after signing          |
    | exp-required     | no ``exp`` claim                                               |
    | expired          | ``exp`` more than 60 seconds in the past                       |
    | not-yet-valid    | ``nbf`` more than 60 seconds in the future                     |
    | issued-in-the-future | ``iat`` more than 60 seconds ahead (v1.12 or older only)   |

    A cause is written by its name or in words (``unknown API key``, ``not yet valid``), and an
    outcome as ``accepted`` or ``refused:`` with the cause (``refused: unknown API key``).

    = Hostile tokens =

    Keywords such as `Change Claims Without Signing`, `Sign Token With Algorithm`, `Alter
    Signature` and `Change Token Text` derive altered tokens from a good one, so that a suite never
    holds base64. Changes to claims and header fields are written ``name = JSON value``
    (``video.roomAdmin = true``, ``sub = "mallory"``, ``exp = (removed)``), several separated by
    ``;``. `Verification Outcome Should Be` then checks ``accepted`` or the cause of the refusal.

    = Policy =

    A token can authenticate and still break the team's policy. `Token Should Meet Policy` reports
    these findings, each with its likely consequence, as warnings or failures:

    | = Finding =          | = Meaning =                                                    |
    | weak-secret          | the API secret is shorter than 32 bytes                        |
    | secret-whitespace    | the API secret starts or ends with whitespace                  |
    | ttl-too-long         | the token lives longer than the maximum TTL                    |
    | audience-present     | ``aud`` is set: livekit-api's Python verifier refuses it       |
    | publish-not-stated   | a joining token leaves out ``canPublish``: it may publish      |
    | unknown-grant-field  | a grant holds a field the server ignores (``roomName``)        |
    | nbf-missing          | ``nbf`` is missing or 0                                        |

    = Times =

    Durations are Robot Framework time strings (``6 hours``, ``90 s``, ``1h 30min``). Dates are
    epoch seconds, ISO 8601 texts, ``2026-01-20 01:08:57`` (UTC), or ``now + 5 minutes``. Keyword
    arguments of the types `Duration` and `Moment` are converted before the keyword runs.
    """

    ROBOT_LIBRARY_CONVERTERS = CONVERTERS

    def __init__(self, api_key: str | None = None, api_secret=None):
        """Use ``api_key`` and ``api_secret`` (a ``Secret``) or, by default, the environment.

        Example:
        | Library | LiveKitAuth |
        | Library | LiveKitAuth | api_key=mykey | api_secret=${SECRET} |
        """
        self._configuration_reported = False
        self._keyring, self._configuration_error = library_keyring(api_key, api_secret)
        if api_secret is not None:  # the leak guard and the console mask learn a secret given to the library
            given = getattr(api_secret, "value", api_secret)
            for secret in dict.fromkeys([given, *(self._keyring.secrets() if self._keyring is not None else [])]):
                if isinstance(secret, str) and secret != DEV_API_SECRET:  # the public one is the word "secret"
                    evidence.remember_secret(secret)
        if api_key is not None or api_secret is not None:  # the other libraries of the run use this pair too
            run_context().offer(self._keyring, self._configuration_error)
        elif robot_is_running():
            run_context().offer(self._keyring, self._configuration_error)  # read once for the whole run

    # ------------------------------------------------------------------ keys

    @property
    def keyring(self) -> Keyring:
        if robot_is_running():  # the run's shared keys: this library's own pair when it was given one
            return run_context().keyring
        if self._keyring is None:
            sentence = self._configuration_error or "No API key is configured."
            if not self._configuration_reported:
                self._configuration_reported = True
                logger.console(f"Configuration error: {sentence}")
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
        for name in ("not_before", "expires", "issued_at"):  # see Server Should Give The Offline Verdict
            if self._time_shift and claims.get(name) is not None:
                try:
                    claims[name] = self._moved_time(claims[name])
                except ValueError as error:
                    raise AssertionError(f"Cannot mint the token: {error}") from None
        api_key = self.keyring.primary if key_name is None else self.keyring.get(key_name)
        if api_key is None:
            raise AssertionError(f"API key '{key_name}' is not configured; add it to LIVEKIT_KEYS as 'key: secret'.")
        try:
            payload = minting.build_claims(api_key.key, identity, room, **claims)
        except ValueError as error:
            raise AssertionError(f"Cannot mint the token: {error}") from None
        token = minting.encode(payload, self.keyring.prepared_secret(api_key.key))
        evidence.remember_token(token)
        observe.note_issued(token, "this run")
        logger.info(
            evidence.table(
                "Token generated",
                [
                    {"key": "api_key", "label": "API key", "value": api_key.key},
                    {"key": "participant", "label": "Participant", "value": payload.get("sub", "")},
                    {"key": "room", "label": "Room", "value": payload.get("video", {}).get("room", "")},
                    {"key": "length", "label": "Token length", "value": f"{len(token)} characters"},
                    {"key": "fingerprint", "label": "Fingerprint", "value": evidence.fingerprint(token)},
                ],
                kind="token_generated",
            ),
            html=True,
        )
        return Secret(token)

    # ------------------------------------------------------------------ verification

    @keyword
    def verify_token(self, token, at: Moment = None) -> dict:
        """Verify ``token`` exactly as the LiveKit server would and return its claims.

        Fails with one sentence naming the cause when the server would refuse the token (see
        `Verification`). ``at`` verifies at another moment than now, for tests of time limits
        that must not sleep. Lists and objects nested more than 64 levels deep come back as a
        short note instead of their content.

        Examples:
        | ${claims} = | Verify Token | ${token} |
        | Should Be Equal | ${claims}[sub] | client_test |
        | Verify Token | ${token} | at=2026-01-20 01:09:30 |
        """
        try:
            parsed = self._verified(token, at, log=False)
        except TokenRejected as rejection:
            raise AssertionError(self._refusal_diagnosed(rejection, token, at)) from None
        logger.info(f"The LiveKit server would accept this token under {parsed.profile.title} ({self._describe(parsed)}).")
        return _claims_to_return(parsed)

    @keyword
    def token_should_be_refused(self, token, cause: str, at: Moment = None) -> str:
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
            logger.info(f"Refused as expected ({expected}) under {(self.profile or profiles.CURRENT).title}: {rejection.detail}.")
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
        return _claims_to_return(parsed)

    @keyword
    def get_token_header(self, token) -> dict:
        """Return the decoded JOSE header of ``token`` without verifying anything.

        Example:
        | ${header} = | Get Token Header | ${token} |
        | Should Be Equal | ${header}[alg] | HS256 |
        """
        return evidence.shallow(self._parsed(token).header)

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
        parsed = self._step_parsed(token)
        video = parsed.server_claims.get("video") or {}
        rows = [
            {"key": "api_key", "label": "API key", "value": parsed.issuer},
            {"key": "room", "label": "Room", "value": video.get("room") if isinstance(video, dict) else None},
            {"key": "participant", "label": "Participant", "value": verification.identity_of(parsed.claims, parsed.profile)},
            {"key": "length", "label": "Token length", "value": f"{len(parsed.text)} characters"},
            {"key": "algorithm", "label": "Algorithm", "value": parsed.algorithm},
            {"key": "typ", "label": "Type (typ)", "value": parsed.header.get("typ")},
            {"key": "fingerprint", "label": "Fingerprint", "value": evidence.fingerprint(parsed.text)},
        ]
        ok = parsed.algorithm == algorithm
        self._log_table(
            "Token", rows, kind="token", facts={"algorithm": parsed.algorithm, "ok": ok, "cause": None if ok else "algorithm"}
        )
        if parsed.algorithm != algorithm:
            message = f"The token is signed with {parsed.algorithm}, expected {algorithm}."
            expected = Expectation("algorithm", "alg", algorithm, parsed.algorithm)
            raise AssertionError(self._diagnosed(message, EXPECTATION, parsed.text, expectation=expected))

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
        text = self._text(token)
        keyring = self.keyring
        parsed = None
        self._note_rules_used()
        try:
            parsed = verification.parse_token(text, profile=self.profile)
            api_key = verification.check_signature(parsed, keyring)
        except TokenRejected as rejection:
            # What was observed is logged before the failure, so that the sign-off can show it.
            issuer = parsed.issuer if parsed is not None else None
            if issuer is None:
                shown = "(not set)"
            else:
                shown = issuer if isinstance(issuer, str) and len(issuer) <= 64 else ascii(issuer)[:64]
            self._log_table(
                "Signature",
                [
                    {"key": "api_key", "label": "API key (iss)", "value": shown},
                    {
                        "key": "algorithm",
                        "label": "Algorithm",
                        "value": parsed.algorithm if parsed is not None else "(token not readable)",
                    },
                    {"key": "fingerprint", "label": "Fingerprint", "value": evidence.fingerprint(text)},
                    {
                        "key": "key_configured",
                        "label": "Key configured",
                        "value": "yes" if isinstance(issuer, str) and issuer in keyring else "no",
                    },
                    {"key": "outcome", "label": "Signature", "value": f"refused: {rejection.detail}"},
                ],
                kind="signature",
                facts={"outcome": "refused", "cause": rejection.cause, "fingerprint": evidence.fingerprint(text)},
            )
            raise AssertionError(self._refusal_diagnosed(rejection, text)) from None
        rows = [
            {"key": "api_key", "label": "API key (iss)", "value": api_key.key},
            {"key": "algorithm", "label": "Algorithm", "value": "HMAC-SHA256 (HS256)"},
            {"key": "outcome", "label": "Signature", "value": "verified with the API secret"},
            {"key": "secret_length", "label": "Secret length", "value": f"{api_key.secret_bytes} bytes"},
        ]
        self._log_table(
            "Signature", rows, kind="signature", facts={"outcome": "verified", "fingerprint": evidence.fingerprint(text)}
        )
        for finding in policy.key_findings(api_key):
            if finding.id == "weak-secret":
                self._warn(finding.id, finding.text)

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
                ("identity", "identity changed"): hostile.with_claims(text, {"sub": "someone-else"}),
                ("room_admin", "roomAdmin granted"): hostile.with_claims(text, {"video.roomAdmin": True}),
                ("header", "header changed"): hostile.with_header(text, {"kid": "another-key"}),
                ("signature_byte", "signature byte flipped"): hostile.with_flipped_signature_byte(text),
            }
        except ValueError as error:
            raise AssertionError(f"Cannot alter the token: {error}") from None
        rows, missed = [], []
        for (key, change), altered in variants.items():
            row = {"key": key, "label": change, "expected": "signature refused"}
            try:
                verification.check_signature(verification.parse_token(altered, profile=self.profile), self.keyring)
            except TokenRejected as rejection:
                ok = rejection.cause == "signature"
                rows.append({**row, "actual": rejection.detail, "ok": ok, "cause": rejection.cause})
                if not ok:
                    missed.append(f"{change} was refused for '{rejection.cause}'")
            else:
                rows.append({**row, "actual": "accepted", "ok": False, "cause": "accepted"})
                missed.append(f"{change} was accepted")
        self._log_table("Tampering detection", rows, kind="tampering", facts={"ok": not missed})
        if missed:
            raise AssertionError(f"The signature did not catch every change: {'; '.join(missed)}.")

    @keyword
    def claim_should_be(self, token, claim: str, expected=None, label: str | None = None) -> None:
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
        parsed = self._step_parsed(token)
        rows, wrong, first = [], [], None
        for claim, want in expected.items():
            actual = _claim_value(parsed, claim)
            label = labels.get(claim) or claim
            if want is None:
                rows.append({"key": claim, "label": label, "expected": None, "actual": actual, "ok": None})
                continue
            ok = _same(actual, want)
            rows.append({"key": claim, "label": label, "expected": want, "actual": actual, "ok": ok})
            if not ok:
                rows[-1]["cause"] = "mismatch"
                wrong.append(f"{claim} is {evidence.show(actual)!r}, expected {evidence.show(want)!r}")
                first = first or Expectation("claim", claim, want, actual)
        self._log_table("Claims", rows, kind="claims")
        if wrong:
            message = f"The token claims do not match: {'; '.join(wrong)}."
            raise AssertionError(self._diagnosed(message, EXPECTATION, parsed.text, expectation=first))

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
        parsed = self._step_parsed(token)
        first = None
        video = parsed.server_claims.get("video")
        written = verification.server_view(video or {}, model.VIDEO_FIELDS, parsed.profile)
        effective = model.effective_video_grant(None if video is None else written)
        rows, wrong = [], []
        for name, want in grants.items():
            camel = model.to_camel(name)
            if camel not in model.VIDEO_FIELDS:
                raise AssertionError(f"'{name}' is not a LiveKit video grant; known grants are {', '.join(model.VIDEO_FIELDS)}.")
            actual = effective[camel]
            label = labels.get(name) or camel
            note = "" if camel in written else " (server default)"
            row = {"key": camel, "label": label, "value": actual, "default": camel not in written}
            if want is None:
                rows.append({**row, "expected": None, "actual": f"{evidence.show(actual)}{note}", "ok": None})
                continue
            try:
                want = model._coerce(name, want, model.VIDEO_FIELDS[camel])
            except ValueError as error:
                raise AssertionError(str(error)) from None
            ok = actual == want
            rows.append({**row, "expected": want, "actual": f"{evidence.show(actual)}{note}", "ok": ok})
            if not ok:
                rows[-1]["cause"] = "mismatch"
                wrong.append(f"{camel} is {evidence.show(actual)}{note}, expected {evidence.show(want)}")
                first = first or Expectation("grant", camel, want, actual, written=camel in written)
        self._log_table("Access grants", rows, kind="grants")
        if wrong:
            message = f"The token does not grant what was expected: {'; '.join(wrong)}."
            raise AssertionError(self._diagnosed(message, EXPECTATION, parsed.text, expectation=first))

    @keyword
    def grant_should_be(self, token, grant: str, expected, label: str | None = None) -> None:
        """Check one video permission as the server applies it (see `Token Should Grant`).

        Example:
        | Grant Should Be | ${token} | can_publish | False | label=Can publish |
        """
        self._check_grants(token, {grant: expected}, {grant: label})

    @keyword
    def token_should_not_be_expired(self, token, at: Moment = None) -> None:
        """Check ``exp`` and ``nbf`` with the server's 60 seconds of leeway, and log both as UTC dates.

        Example:
        | Token Should Not Be Expired | ${token} |
        """
        parsed = self._step_parsed(token)
        moment = current_time() if at is None else at
        self._log_times(parsed, moment)
        self._times_checked(parsed, moment)

    @keyword
    def token_should_be_valid_for_at_least(self, token, duration: Duration, at: Moment = None) -> None:
        """Check that the server accepts ``token`` now and that ``exp`` is ``duration`` or more away.

        The time check comes first, as the server makes it (``exp`` required, ``nbf``, 60 seconds
        of leeway): an expired or not yet valid token fails with the server's reason. Then the
        time left until ``exp`` must be at least ``duration`` (``5 hours``, ``30 min``).

        Example:
        | Token Should Be Valid For At Least | ${token} | 5 hours |
        """
        parsed = self._step_parsed(token)
        moment = current_time() if at is None else at
        self._log_times(parsed, moment)
        self._times_checked(parsed, moment)
        expires = self._expiry(parsed)
        if expires - moment < duration:
            message = f"{_time_left(expires, moment)}, less than the {format_duration(duration)} required."
            expected = Expectation("lifetime", "at least", float(duration), expires - moment)
            raise AssertionError(self._diagnosed(message, EXPECTATION, parsed.text, expectation=expected, now=moment))

    @keyword
    def token_should_be_valid_for_about(
        self, token, duration: Duration, tolerance: Duration = "1 minute", at: Moment = None
    ) -> None:
        """Check that the time left on ``token`` is ``duration`` give or take ``tolerance``.

        With ``duration`` ``${None}`` the time left is only reported.

        Example:
        | Token Should Be Valid For About | ${token} | 6 hours |
        """
        parsed = self._step_parsed(token)
        moment = current_time() if at is None else at
        expires = self._expiry(parsed)
        left = expires - moment
        if duration is None:
            row = {
                "key": "time_remaining",
                "label": "Time remaining",
                "expected": None,
                "actual": format_duration(left),
                "ok": None,
            }
            self._log_table("Validity", [row], kind="validity")
            return
        wanted, slack = float(duration), float(tolerance)
        ok = abs(left - wanted) <= slack
        self._log_table(
            "Validity",
            [
                {
                    "key": "time_remaining",
                    "label": "Time remaining",
                    "expected": f"about {format_duration(wanted)}",
                    "actual": format_duration(left),
                    "ok": ok,
                    **({} if ok else {"cause": "duration"}),
                }
            ],
            kind="validity",
        )
        if not ok:
            message = (
                f"{_time_left(expires, moment)}, expected about {format_duration(wanted)} more (within {format_duration(slack)})."
            )
            expected = Expectation("lifetime", "about", wanted, left, tolerance=slack)
            raise AssertionError(self._diagnosed(message, EXPECTATION, parsed.text, expectation=expected, now=moment))

    @keyword
    def get_supplied_token(self):
        """Return the token given from outside as a ``Secret``, or ``${None}`` when none was given.

        The token comes from the ``${TOKEN}`` variable given on the command line, else from the
        ``LIVEKIT_TOKEN`` environment variable or the file ``LIVEKIT_TOKEN_FILE`` names (for a token
        longer than an environment variable can hold). White space around it, such as the line
        break a pasted or saved token ends with, is removed and the log says so: a client SDK never
        sends it. The setting it came from is recorded for the sign-off.

        Example:
        | ${supplied} = | Get Supplied Token |
        """
        try:
            environment_token = supplied_token.from_environment()
        except ConfigurationError as error:
            raise ConfigurationFailure(str(error)) from None
        value = robot_variable("${TOKEN}")
        given = None
        if value not in (None, ""):
            text = getattr(value, "value", value)
            text = text if isinstance(text, str) else str(text)
            if environment_token is None or text.strip() != environment_token.text:  # given on the command line
                given = supplied_token.trimmed(text, supplied_token.VARIABLE)
        given = given or environment_token
        if given is None:
            return None
        evidence.remember_token(given.text)
        if given.note:
            logger.info(given.note)
        self._log_table(
            "Supplied token",
            [
                {"key": "setting", "label": "Given by", "value": given.setting},
                {"key": "removed", "label": "White space removed", "value": given.removed or "none"},
                {"key": "fingerprint", "label": "Fingerprint", "value": evidence.fingerprint(given.text)},
            ],
            kind="supplied_token",
            facts={"setting": given.setting, "trimmed": given.removed is not None},
        )
        return Secret(given.text)

    @keyword
    def get_token_under_test(self) -> Secret:
        """Return the token the five steps check: the supplied one, else one minted from the settings.

        The supplied token is the one `Get Supplied Token` returns. Without one, `Generate Token`
        mints it for ``${IDENTITY}`` in ``${ROOM}``, granting ``${CAN_JOIN}``, ``${CAN_PUBLISH}``
        and ``${CAN_SUBSCRIBE}``, with the audience ``${AUDIENCE}`` and the lifetime ``${TTL}``:
        the settings of the run, from the environment or ``--variable`` (outside a run, from the
        environment alone). Either way the token comes back as a ``Secret``.

        Example:
        | ${token} = | Get Token Under Test |
        | Token Should Be A Signed JWT | ${token} | HS256 |
        """
        supplied = self.get_supplied_token()
        if supplied is not None:
            return supplied
        settings = _minting_settings()
        return self.generate_token(
            settings["IDENTITY"],
            settings["ROOM"],
            room_join=settings["CAN_JOIN"],
            can_publish=settings["CAN_PUBLISH"],
            can_subscribe=settings["CAN_SUBSCRIBE"],
            audience=settings["AUDIENCE"],
            ttl=settings["TTL"],
        )

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
        if robot_is_running():
            from robot.libraries.BuiltIn import BuiltIn

            for name, value in facts.items():
                BuiltIn().set_suite_metadata(name, value, top=True)
        return facts

    # ------------------------------------------------------------------ hostile tokens

    @keyword
    def change_claims_without_signing(self, token, *changes: str) -> Secret:
        """Return a copy of ``token`` with claims changed and the old signature kept.

        Each change is ``name = JSON value``: dotted names reach into grants (``video.roomAdmin``),
        ``(removed)`` deletes the claim, and several changes in one argument are separated by
        ``;``. The server must refuse the result for its signature.

        Examples:
        | ${forged} = | Change Claims Without Signing | ${token} | video.roomAdmin = true |
        | ${forged} = | Change Claims Without Signing | ${token} | sub = "mallory" | exp = (removed) |
        """
        return self._altered(hostile.with_claims, self._text(token), self._claim_changes(changes))

    @keyword
    def change_claims_and_sign(self, token, *changes: str, signed_with: str | None = None) -> Secret:
        """Return a copy of ``token`` with claims changed (see `Change Claims Without Signing`) and signed again.

        The new signature uses the secret of the key that ``iss`` names after the change (the first
        configured key when ``iss`` names none), or of the configured key ``signed_with``. Use it to
        test how the server reads claims, with a signature it accepts.

        Examples:
        | ${token} = | Change Claims And Sign | ${token} | video.roomAdmin = "false" |
        | ${token} = | Change Claims And Sign | ${token} | iss = "second" | signed_with=devkey |
        """
        changed = self._altered(hostile.with_claims, self._text(token), self._claim_changes(changes)).value
        return self._signed(changed, signed_with)

    @keyword
    def rename_claim_and_sign(self, token, claim: str, new_name: str, signed_with: str | None = None) -> Secret:
        """Return a copy of ``token`` with the value of ``claim`` moved under the JSON name ``new_name``, signed again.

        For names the server may or may not read as the claim (``ISS``, ``\u0131ss`` with a dotless
        i). The signature uses the secret of the configured key ``signed_with``, else as in
        `Change Claims And Sign`.

        Example:
        | ${token} = | Rename Claim And Sign | ${token} | iss | ISS | signed_with=devkey |
        """
        changed = self._altered(hostile.with_claim_renamed, self._text(token), claim, new_name).value
        return self._signed(changed, signed_with)

    @keyword
    def change_header_without_signing(self, token, *changes: str) -> Secret:
        """Return a copy of ``token`` with header fields changed and the old signature kept.

        Changes are written as in `Change Claims Without Signing`.

        Example:
        | ${forged} = | Change Header Without Signing | ${token} | alg = "none" |
        """
        return self._altered(hostile.with_header, self._text(token), changes)

    @keyword
    def change_header_and_sign(self, token, *changes: str, signed_with: str | None = None) -> Secret:
        """Return a copy of ``token`` with header fields changed and signed again with HS256.

        Example:
        | ${token} = | Change Header And Sign | ${token} | kid = "another-key" |
        """
        changed = self._altered(hostile.with_header, self._text(token), changes).value
        return self._signed(changed, signed_with)

    @keyword
    def sign_token_with_algorithm(self, token, algorithm: str) -> Secret:
        """Return ``token`` with ``alg`` set to ``algorithm`` and a signature made that way.

        ``HS256``, ``HS384`` and ``HS512`` use the secret of the token's API key (a correctly
        computed HMAC); ``RS*``, ``PS*``, ``ES*`` and ``EdDSA`` use a key pair made for the run;
        ``none`` in any casing leaves the signature empty. Any other name keeps an HS256 signature.

        Example:
        | ${token} = | Sign Token With Algorithm | ${token} | HS512 |
        """
        text = self._text(token)
        key = self.keyring.prepared_secret(self._signing_key(text, None).key)
        return self._altered(hostile.with_algorithm, text, algorithm, key)

    @keyword
    def sign_token_with_secret_of(self, token, api_key: str) -> Secret:
        """Return ``token`` unchanged but signed with the secret of the configured key ``api_key``.

        ``iss`` is left as it is, so a token whose ``iss`` names another key must be refused.

        Example:
        | ${token} = | Sign Token With Secret Of | ${token} | second |
        """
        return self._signed(self._text(token), api_key)

    @keyword
    def sign_token_with_another_secret(self, token, kind: str = "random") -> Secret:
        """Return ``token`` signed with a secret the server does not know.

        ``kind`` is ``random`` (32 random bytes), ``empty`` (a zero-length HMAC key) or
        ``public key PEM`` (the PEM text of an RSA public key used as the HMAC key, the
        key-confusion attack of CVE-2022-29217). The secret itself is never logged.

        Example:
        | ${token} = | Sign Token With Another Secret | ${token} | public key PEM |
        """
        kinds = {
            "random": lambda: hostile.random_secret(32).encode("ascii"),
            "empty": lambda: b"",
            "public key pem": hostile.public_key_pem,
        }
        make = kinds.get(str(kind).strip().lower())
        if make is None:
            raise AssertionError(f"Unknown kind of secret '{kind}'; use random, empty or public key PEM.")
        return self._altered(hostile.resign, self._text(token), make())

    @keyword
    def sign_token_with_attacker_key_in_header(self, token, field: str) -> Secret:
        """Return ``token`` signed with a random key that the header field ``field`` points to.

        ``jwk`` embeds the key, ``kid`` names it, ``jku`` and ``x5u`` give a URL for it. The server
        takes its secret from its own configuration only, so it must refuse the result.

        Example:
        | ${token} = | Sign Token With Attacker Key In Header | ${token} | jwk |
        """
        attacker = hostile.random_secret(32).encode("ascii")
        return self._altered(hostile.with_embedded_key, self._text(token), field, attacker)

    @keyword
    def alter_signature(self, token, how: str) -> Secret:
        """Return ``token`` with its signature altered ``how``.

        One of: ``one byte flipped``, ``one character changed``, ``emptied`` (``h.p.``),
        ``removed`` (``h.p``), ``truncated``, ``doubled``, ``with padding``, ``with unused bits
        changed`` (the last character changed only in bits no byte uses, which Go's decoder
        ignores), ``from another token``, ``spoiled encoding`` (the last character replaced by
        ``*``, which no base64 decoder reads).

        Example:
        | ${token} = | Alter Signature | ${token} | one character changed |
        """
        return self._altered(hostile.with_signature, self._text(token), how)

    @keyword
    def change_claim_to_repeated_text(self, token, claim: str, count_and_letter: str) -> Secret:
        """Return ``token`` with ``claim`` (a dotted path) set to one letter repeated, signed again.

        ``count_and_letter`` is ``257 a`` (257 times ``a``) or ``129 é``: for identities and rooms
        around the server's limit of 256 bytes.

        Example:
        | ${token} = | Change Claim To Repeated Text | ${token} | sub | 257 a |
        """
        changed = self._altered(hostile.with_repeated_text, self._text(token), claim, count_and_letter).value
        return self._signed(changed, None)

    @keyword
    def change_segment_count(self, token, count: int) -> Secret:
        """Return the first ``count`` segments of ``token``, or ``token`` with segments added up to ``count``.

        Example:
        | ${token} = | Change Segment Count | ${token} | 4 |
        """
        return self._altered(hostile.with_segment_count, self._text(token), count)

    @keyword
    def add_raw_json_to_claims(self, token, fragment: str, sign: bool = True) -> Secret:
        """Append JSON members to the payload exactly as written, and sign again unless ``sign`` is false.

        For what a parsed value cannot carry: duplicate keys, numbers too large for a float, odd
        spacing.

        Example:
        | ${token} = | Add Raw JSON To Claims | ${token} | "sub": "first", "sub": "second" |
        """
        return self._maybe_signed(self._altered(hostile.with_raw_claims_json, self._text(token), fragment), sign)

    @keyword
    def add_raw_json_to_header(self, token, fragment: str, sign: bool = True) -> Secret:
        """Append JSON members to the header exactly as written, and sign again unless ``sign`` is false.

        Example:
        | ${token} = | Add Raw JSON To Header | ${token} | "alg": "none", "alg": "HS256" |
        """
        return self._maybe_signed(self._altered(hostile.with_raw_header_json, self._text(token), fragment), sign)

    @keyword
    def replace_header_text(self, token, text: str, sign: bool = True) -> Secret:
        """Replace the header by ``text`` (JSON or not), and sign again unless ``sign`` is false.

        Example:
        | ${token} = | Replace Header Text | ${token} | [1, 2, 3] |
        """
        return self._maybe_signed(self._altered(hostile.with_header_text, self._text(token), text), sign)

    @keyword
    def replace_payload_text(self, token, text: str, sign: bool = True) -> Secret:
        """Replace the payload by ``text`` (JSON or not), and sign again unless ``sign`` is false.

        Example:
        | ${token} = | Replace Payload Text | ${token} | not json |
        """
        return self._maybe_signed(self._altered(hostile.with_payload_text, self._text(token), text), sign)

    @keyword
    def add_text_after_claims(self, token, text: str, sign: bool = True) -> Secret:
        """Append ``text`` after the payload's JSON object, and sign again unless ``sign`` is false.

        The server reads the claims with Go's ``json.Unmarshal``: only whitespace may follow them.

        Example:
        | ${token} = | Add Text After Claims | ${token} | trailing |
        """
        return self._maybe_signed(self._altered(hostile.with_text_after_claims, self._text(token), text), sign)

    @keyword
    def nest_claim_deeply(self, token, depth: int, sign: bool = True) -> Secret:
        """Add a claim of arrays nested ``depth`` deep (the payload object is one level more), signed again.

        The server's JSON decoder refuses more than 10,000 levels in all.

        Example:
        | ${token} = | Nest Claim Deeply | ${token} | 10000 |
        """
        return self._maybe_signed(self._altered(hostile.with_nested_claim, self._text(token), depth), sign)

    @keyword
    def grow_token_to(self, token, characters: int, sign: bool = True) -> Secret:
        """Add a filler claim so that ``token`` is about ``characters`` long, signed again.

        Example:
        | ${token} = | Grow Token To | ${token} | 1100000 |
        """
        return self._maybe_signed(self._altered(hostile.grown_to, self._text(token), characters), sign)

    @keyword
    def change_token_text(self, token, how: str) -> Secret:
        """Return the text of ``token`` changed ``how`` around or inside its segments.

        One of: ``with a Bearer prefix``, ``with a leading space``, ``with a trailing space``,
        ``with a space inside``, ``with a tab inside``, ``with a trailing line break``, ``with a
        line break inside the payload``, ``with a plus sign``, ``with a slash``, ``with an
        asterisk``, ``with padding``, ``with a lone surrogate``, ``with a non-ASCII letter``,
        ``with a NUL character``, ``as two megabytes of letters``, ``as half a megabyte of dots``.

        Example:
        | ${token} = | Change Token Text | ${token} | with a Bearer prefix |
        """
        return self._altered(hostile.with_text_change, self._text(token), how)

    @keyword
    def make_token_from_text(self, text: str) -> Secret:
        """Return ``text`` as a token, carried as a ``Secret`` like every other token.

        Example:
        | ${token} = | Make Token From Text | not.a.token |
        """
        return Secret(str(text))

    @keyword
    def make_value_that_is_not_text(self, kind: str):
        """Return something that is not text, to hand to verification instead of a token.

        One of: ``a number``, ``nothing``, ``a list``, ``a dictionary``, ``bytes outside ASCII``.

        Example:
        | ${value} = | Make Value That Is Not Text | a number |
        """
        if kind not in hostile.NOT_TEXT:
            raise AssertionError(f"Unknown kind '{kind}'; use one of: {', '.join(hostile.NOT_TEXT)}.")
        return hostile.NOT_TEXT[kind]

    @keyword
    def get_issuer_variant(self, variant: str) -> str:
        """Return an issuer close to the signing API key but not equal to it.

        One of: ``a prefix of the API key``, ``the API key with a suffix``, ``a substring of the
        API key``, ``the API key in upper case``, ``the API key with a trailing space``, ``the API
        key with a leading space``.

        Example:
        | ${issuer} = | Get Issuer Variant | a prefix of the API key |
        """
        variants = hostile.issuer_variants(self.keyring.primary.key)
        if variant not in variants:
            raise AssertionError(f"Unknown issuer variant '{variant}'; use one of: {', '.join(variants)}.")
        return variants[variant]

    # ------------------------------------------------------------------ verdicts

    @keyword
    def verification_outcome_should_be(self, token, outcome: str, at: Moment = None) -> None:
        """Check that the LiveKit server would give ``outcome`` for ``token``: ``accepted`` or a refusal and its cause.

        A refusal is written ``refused:`` and the cause, in words or by its name (``refused: claims``,
        ``refused: unknown API key``; the cause alone also reads); the causes are listed in
        `Verification`. ``token`` may be anything: text, a ``Secret``, bytes, a number. ``at``
        checks at another moment than now.

        Where release lines differ, ``outcome`` names the others after a ``;``: ``refused: exp
        required; v1.13.5, v1.12: accepted`` means refused for ``exp-required`` by the current rules
        and accepted by the ``v1.13.5`` and ``v1.12`` lines (profile names of `Use Server Rules Of
        Version`). The outcome of the rules in use is checked; under the current rules, the older
        lines the refusal names as accepting the token must be exactly those the outcome says
        accept it.

        Examples:
        | Verification Outcome Should Be | ${token} | accepted |
        | Verification Outcome Should Be | ${forged} | refused: signature |
        | Verification Outcome Should Be | ${old} | refused: expired | at=2026-01-20 01:08:57 |
        | Verification Outcome Should Be | ${no exp} | refused: exp required; v1.13.5, v1.12: accepted |
        """
        outcomes = _outcomes_by_profile(outcome)
        profile = self.profile
        rules = profiles.CURRENT if profile is None else profile
        expected = outcomes[rules.name]
        _remember(token)
        self._note_rules_used()
        try:
            parsed = verification.verify(token, self.keyring, at, profile=profile)
        except TokenRejected as rejection:
            actual, detail, accepting = rejection.cause, rejection.detail, rejection.accepted_by
            note = rejection.note
        except InvalidArgument as error:
            raise AssertionError(str(error)) from None
        else:
            actual, detail, accepting, note = "accepted", f"accepted ({self._describe(parsed)})", (), ""
        ok = actual == expected
        shown = detail if actual == "accepted" else f"refused ({actual}): {detail}"
        rows = [{"label": f"Outcome ({rules.title})", "expected": expected, "actual": shown, "ok": ok}]
        wrong_lines = None
        if profile is None and actual != "accepted":
            wanted = [older.versions for older in profiles.OLDER_THAN_CURRENT if outcomes[older.name] == "accepted"]
            said = [older.versions for older in accepting]
            wrong_lines = None if wanted == said else (wanted, said)
            rows.append(
                {
                    "label": "Older release lines that accept it",
                    "expected": ", ".join(wanted) or "none",
                    "actual": note or "none",
                    "ok": wrong_lines is None,
                }
            )
        self._log_table("Verification outcome", rows)
        if not ok:
            wanted_words = "accepted" if expected == "accepted" else f"refused for '{expected}'"
            raise AssertionError(f"The token should be {wanted_words} under {rules.title}, but it was {shown}.")
        if wrong_lines is not None:
            wanted, said = wrong_lines
            raise AssertionError(
                f"The token is refused under the current rules as expected, but the older release lines that accept it "
                f"are {', '.join(said) or 'none'}, not {', '.join(wanted) or 'none'} as the outcome says."
            )

    @keyword
    def identity_should_be(self, token, expected: str) -> None:
        """Check the participant identity as the server reads it: ``sub``, or ``jti`` when ``sub`` is empty.

        Example:
        | Identity Should Be | ${token} | alice |
        """
        parsed = self._parsed(token)
        actual = verification.identity_of(parsed.claims, parsed.profile)
        ok = actual == expected
        row = {"key": "identity", "label": "Identity (sub, else jti)", "expected": expected, "actual": actual, "ok": ok}
        self._log_table("Claims", [row if ok else {**row, "cause": "mismatch"}], kind="claims")
        if not ok:
            raise AssertionError(
                f"The server reads the identity as {evidence.mask_tokens(repr(actual))}, expected {evidence.mask_tokens(repr(expected))}."
            )

    @keyword
    def server_reading_should_be(self, token, reading: str) -> None:
        """Check one thing the server reads from ``token``, written ``name = value``.

        ``identity = alice`` checks the identity (see `Identity Should Be`); any video grant
        (``can_publish = True``, ``room = demo``) is checked as `Grant Should Be` does, server
        defaults included. An empty value means empty text.

        Example:
        | Server Reading Should Be | ${token} | can_publish_data = False |
        """
        name, separator, value = str(reading).partition("=")
        if not separator or not name.strip():
            raise AssertionError(f"Write what the server reads as 'name = value', got {reading!r}.")
        name, value = name.strip(), value.strip()
        if name.lower() == "identity":
            self.identity_should_be(token, value)
        else:
            self.grant_should_be(token, name, value)

    @keyword
    def token_should_be_read_as(self, token, reads: str, at: Moment = None) -> None:
        """Check that the server accepts ``token`` and reads it as ``reads`` (see `Server Reading Should Be`).

        Release lines that differ follow a ``;``, with an outcome or another reading:
        ``identity = bob; v1.12: refused: claims`` (refused for ``claims`` up to v1.12), ``identity =
        carol; v1.12: identity =`` (read as an empty identity there). The reading or outcome of
        the rules in use is checked (see `Verification`).

        Example:
        | Token Should Be Read As | ${token} | identity = bob; v1.12: refused: claims | at=2026-01-20 01:08:57 |
        """
        first, *others = (part.strip() for part in str(reads).split(";"))
        readings = dict.fromkeys((profile.name for profile in profiles.PROFILES), first)
        for part in others:
            names, separator, value = part.partition(":")
            for name in names.split(",") if separator else [""]:
                if name.strip() not in readings:
                    known = ", ".join(readings)
                    raise AssertionError(
                        f"Write other release lines as 'names: reading or outcome' (names among {known}), got {part!r}."
                    )
                readings[name.strip()] = value.strip()
        mine = readings[(self.profile or profiles.CURRENT).name]
        if "=" not in mine:
            self.verification_outcome_should_be(token, mine, at=at)
            return
        self.verification_outcome_should_be(token, "accepted", at=at)
        self.server_reading_should_be(token, mine)

    # ------------------------------------------------------------------ keys for tests

    @keyword
    def add_api_key_with_random_secret(self, name: str, length: int = 32, whitespace: bool = False) -> None:
        """Configure one more API key, ``name``, with a random secret of ``length`` bytes that is never logged.

        With ``whitespace`` the secret ends with a space, the way a stray blank in a ``.env`` file
        makes it. The key verifies tokens from now on, as a second key in ``LIVEKIT_KEYS`` does.

        Example:
        | Add API Key With Random Secret | second |
        | Add API Key With Random Secret | weak | length=8 |
        """
        if name in self.keyring:
            raise AssertionError(f"API key '{name}' is already configured.")
        secret = hostile.random_secret(length) + (" " if whitespace else "")
        evidence.remember_secret(secret)  # searched by the leak guard as a secret, not as a token
        self._keyring = Keyring([*self.keyring, ApiKey(name, secret, origin="added by the suite")])
        run_context().offer(self._keyring)  # the other libraries of the run verify with it too

    @keyword
    def key_configuration_should_be_refused(self, expected_message: str, **environment: str) -> str:
        """Check that keys set as in ``environment`` stop the run with a sentence containing ``expected_message``.

        ``environment`` holds ``LIVEKIT_API_KEY``, ``LIVEKIT_API_SECRET`` and ``LIVEKIT_KEYS`` as
        they would be set; ``(unset)`` leaves one out. The real environment is not read. Returns
        the sentence.

        Example:
        | Key Configuration Should Be Refused | set LIVEKIT_API_SECRET | LIVEKIT_API_KEY=devkey | LIVEKIT_API_SECRET=${EMPTY} |
        """
        given = {name: value for name, value in environment.items() if value != "(unset)"}
        try:
            load_keyring(environ=given)
        except ConfigurationError as error:
            message = str(error)
            ok = expected_message in message
            self._log_table(
                "Key configuration", [{"label": "Refusal", "expected": expected_message, "actual": message, "ok": ok}]
            )
            if not ok:
                raise AssertionError(
                    f"The configuration was refused, but the message does not say '{expected_message}'."
                ) from None
            return message
        raise AssertionError("The configuration was accepted, but it should stop the run.")

    # ------------------------------------------------------------------ policy

    @keyword
    def get_policy_findings(self, token, max_ttl: Duration = None, at: Moment = None) -> list:
        """Return the ids of the policy findings for ``token`` (see `Policy`), without judging them.

        Example:
        | ${findings} = | Get Policy Findings | ${token} | max_ttl=6 hours |
        """
        return [finding.id for finding in self._policy_findings(token, max_ttl, at)]

    @keyword
    def policy_findings_should_be(self, token, *expected: str, max_ttl: Duration = None, at: Moment = None) -> None:
        """Check that ``token`` gives exactly the policy findings ``expected`` (ids, or ``none``).

        Several ids may be given as separate arguments or separated by commas. An id may be written
        in words, in any case: ``TTL too long`` is ``ttl-too-long``.

        The findings are logged as a table; this keyword checks the policy check itself, so it
        neither warns nor fails for the findings themselves (see `Token Should Meet Policy`).

        Examples:
        | Policy Findings Should Be | ${token} | audience-present | max_ttl=6 hours |
        | Policy Findings Should Be | ${token} | none |
        """
        written = {"-".join(name.split()).lower(): name.strip() for item in expected for name in str(item).split(",")}
        wanted = sorted(name for name in written if name and name != "none")
        unknown = [written[name] for name in wanted if name not in policy.FINDINGS]
        if unknown:
            raise AssertionError(f"Unknown policy finding {unknown[0]!r}; use one of {', '.join(policy.FINDINGS)} or none.")
        findings = self._policy_findings(token, max_ttl, at)
        actual = sorted({finding.id for finding in findings})
        rows = [
            {"label": name, "expected": name in wanted, "actual": name in actual, "ok": (name in wanted) == (name in actual)}
            for name in policy.FINDINGS
        ]
        self._log_table("Policy check", rows)
        if actual != wanted:
            raise AssertionError(
                f"The policy findings are {', '.join(actual) or 'none'}, expected {', '.join(wanted) or 'none'}."
            )

    @keyword
    def token_should_meet_policy(self, token, max_ttl: Duration = None, on_finding=None, at: Moment = None) -> None:
        """Report every policy finding for ``token`` as a warning or a failure.

        A token can authenticate and still break the team's policy: a weak or blank-padded
        secret, a lifetime above ``max_ttl``, an ``aud`` (livekit-api's Python verifier refuses
        it), a joining token without ``canPublish`` (the server lets it publish), unknown fields
        in a grant (typos the server ignores), no ``nbf``. Each finding is logged with its likely
        consequence. ``on_finding`` is ``warn`` (log a warning, the test passes) or ``fail``.

        Both settings default to the ``${MAX_TTL}`` and ``${POLICY}`` variables, else the
        ``LIVEKIT_MAX_TTL`` and ``LIVEKIT_POLICY`` environment variables, else ``6 hours`` and
        ``warn``.

        Examples:
        | Token Should Meet Policy | ${token} |
        | Token Should Meet Policy | ${token} | max_ttl=1 hour | on_finding=fail |
        """
        setting = on_finding if on_finding is not None else _setting("${POLICY}", "LIVEKIT_POLICY", "warn")
        try:
            severity = policy.mode(setting)
        except ValueError as error:
            raise ConfigurationFailure(f"{error} Set POLICY (or LIVEKIT_POLICY) to warn or fail.") from None
        findings = self._policy_findings(token, max_ttl, at)
        for finding in findings:
            self._report_finding(finding.id, finding.text, severity)
        self._log_table(
            "Policy",
            [
                {
                    "label": label,
                    "expected": "no finding",
                    "actual": _found(name, findings),
                    "ok": name not in {f.id for f in findings},
                }
                for name, label in policy.FINDINGS.items()
            ],
        )
        if findings and severity == "failure":
            names = ", ".join(finding.id for finding in findings)
            raise AssertionError(f"The token breaks the team policy ({names}): {' '.join(f.text for f in findings)}")

    def _policy_findings(self, token, max_ttl, at) -> list:
        parsed = self._parsed(token)
        limit = max_ttl if max_ttl is not None else _setting("${MAX_TTL}", "LIVEKIT_MAX_TTL", None)
        seconds = policy.DEFAULT_MAX_TTL_SECONDS if limit in (None, "") else argument(Duration, limit, "max_ttl")
        return policy.evaluate(parsed, self.keyring.get(parsed.issuer), seconds, at)

    # ------------------------------------------------------------------ hostile helpers

    def _claim_changes(self, changes) -> list:
        try:
            return self._moved_changes(changes)
        except ValueError as error:
            raise AssertionError(f"Cannot alter the token: {error}") from None

    def _altered(self, function, *args) -> Secret:
        try:
            text = function(*args)
        except (ValueError, UnicodeDecodeError) as error:
            raise AssertionError(f"Cannot alter the token: {error}") from None
        _remember(text)
        return Secret(text)

    def _signing_key(self, text: str, signed_with: str | None) -> ApiKey:
        if signed_with is not None:
            api_key = self.keyring.get(signed_with)
            if api_key is None:
                raise AssertionError(f"API key '{signed_with}' is not configured; add it to LIVEKIT_KEYS as 'key: secret'.")
            return api_key
        try:
            issuer = hostile.decoded_parts(text)[1].get("iss")
        except (ValueError, RecursionError):  # not JSON, or nested too deeply to read that way
            issuer = None
        return self.keyring.get(issuer) or self.keyring.primary

    def _signed(self, text: str, signed_with: str | None) -> Secret:
        api_key = self._signing_key(text, signed_with)
        return self._altered(hostile.resign, text, self.keyring.prepared_secret(api_key.key))

    def _maybe_signed(self, token: Secret, sign: bool) -> Secret:
        return self._signed(token.value, None) if sign else token

    # ------------------------------------------------------------------ helpers

    def _text(self, token) -> str:
        text = self._checked(verification.token_text, token)
        evidence.remember_token(text)
        return text

    def _parsed(self, token) -> ParsedToken:
        text = self._text(token)
        self._note_rules_used()
        return self._checked(lambda: verification.parse_token(text, profile=self.profile))

    def _verified(self, token, moment: Moment | None = None, log: bool = True) -> ParsedToken:
        _remember(token)
        profile = self.profile
        self._note_rules_used()
        if not log:
            try:
                return verification.verify(token, self.keyring, moment, profile=profile)
            except InvalidArgument as error:
                raise AssertionError(str(error)) from None
        return self._checked(lambda: verification.verify(token, self.keyring, moment, profile=profile))

    @staticmethod
    def _checked(function, *args):
        try:
            return function(*args)
        except (TokenRejected, InvalidArgument) as rejection:
            raise AssertionError(str(rejection)) from None
        except ConfigurationError as error:
            raise ConfigurationFailure(str(error)) from None

    @staticmethod
    def _describe(parsed: ParsedToken) -> str:
        return f"{len(parsed.text)} characters, fingerprint {evidence.fingerprint(parsed.text)}"

    def _expiry(self, parsed: ParsedToken) -> int:
        if "exp" not in parsed.server_claims:
            rejection = TokenRejected("exp-required", "exp claim is required")
            raise AssertionError(self._refusal_diagnosed(rejection, parsed.text))
        return LiveKitAuth._checked(verification.numeric_date, parsed.server_claims["exp"], "exp")

    # ------------------------------------------------------------------ diagnosis

    def _step_parsed(self, token) -> ParsedToken:
        """The token of a step, read as the server reads it; a token that cannot be read fails with its diagnosis."""
        text = self._text(token)
        self._note_rules_used()
        try:
            return verification.parse_token(text, profile=self.profile)
        except TokenRejected as rejection:
            raise AssertionError(self._refusal_diagnosed(rejection, text)) from None

    def _times_checked(self, parsed: ParsedToken, moment: float) -> None:
        try:
            verification.check_times(parsed, moment)
        except InvalidArgument as error:
            raise AssertionError(str(error)) from None
        except TokenRejected as rejection:
            raise AssertionError(self._refusal_diagnosed(rejection, parsed.text, moment)) from None

    def _refusal_diagnosed(self, rejection: TokenRejected, token, moment: float | None = None) -> str:
        facts = {"refusal": rejection.cause, "refusal_detail": rejection.detail}
        if moment is not None:
            facts["now"] = moment
        return self._diagnosed(str(rejection), REFUSAL, token, **facts)

    def _diagnosed(self, message: str, failure: str, token, **facts) -> str:
        """``message`` with the diagnosis of what was observed added (and recorded as a finding)."""
        return recording.failure(message, lambda: diagnose(self._observations(failure, token, **facts)))

    def _observations(self, failure: str, token, **facts) -> Observations:
        keyring = self._keyring
        keys, padded = observe.key_facts(keyring)
        server = current_server.chosen()
        facts.setdefault("now", current_time())
        observed = Observations(
            failure,
            token=observe.token_facts(token, keyring),
            keys=keys,
            padded_keys=padded,
            server_url=server.ws_url if server else None,
            server_version=server.version if server else None,
            **facts,
        )
        return observed

    def _log_times(self, parsed: ParsedToken, moment: float) -> None:
        claims = parsed.server_claims
        rows = []
        if "exp" in claims:
            expires = self._expiry(parsed)
            rows.append({"key": "expires_at", "label": "Expires at", "value": format_utc(expires)})
            rows.append({"key": "time_remaining", "label": "Time remaining", "value": format_duration(expires - moment)})
        else:
            rows.append({"key": "expires_at", "label": "Expires at", "value": "no exp claim"})
        if "nbf" in claims:
            not_before = self._checked(verification.numeric_date, claims["nbf"], "nbf")
            ago = f"{format_utc(not_before)} ({format_duration(moment - not_before)} ago)"
            rows.append({"key": "not_before", "label": "Not before (nbf)", "value": ago})
        else:
            rows.append({"key": "not_before", "label": "Not before (nbf)", "value": "not set"})
        rows.append({"key": "checked_at", "label": "Checked at", "value": format_utc(moment)})
        rows.append({"key": "leeway", "label": "Leeway", "value": "60 s on exp and nbf, as the LiveKit server"})
        try:
            verification.check_times(parsed, moment)
        except (TokenRejected, InvalidArgument) as rejection:
            facts = {"outcome": "refused", "cause": getattr(rejection, "cause", "claims")}
        else:
            facts = {"outcome": "valid"}
        self._log_table("Expiration", rows, kind="expiration", facts=facts)

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

    _log_table = staticmethod(log_table)

    @staticmethod
    def _warn(finding: str, text: str) -> None:
        report_finding(finding, text, "warning")

    _report_finding = staticmethod(report_finding)


def _claims_to_return(parsed: ParsedToken) -> dict:
    """The claims as a plain dict; values nested too deeply to log come back as a short note."""
    if parsed.nesting_bound <= evidence.MAX_SHOWN_DEPTH:
        return dict(parsed.claims)
    return evidence.shallow(parsed.claims)


def _remember(token) -> None:
    """Note text that could be a token for the leak guard.

    Short texts without a dot (``not a token``, written in the suite itself) and very large ones
    are left out of its list.
    """
    try:
        text = verification.token_text(token)
    except TokenRejected:
        return
    if _MIN_REMEMBERED_CHARS <= len(text) <= _REMEMBERED_CHARS and "." in text:
        evidence.remember_token(text)


def _setting(variable: str, environment: str, default):
    value = robot_variable(variable)
    if value in (None, ""):
        value = os.environ.get(environment) or default
    return value


def _minting_settings() -> dict:
    """The settings `Get Token Under Test` mints with: the run's variables, else those of the environment."""
    names = ("IDENTITY", "ROOM", "CAN_JOIN", "CAN_PUBLISH", "CAN_SUBSCRIBE", "AUDIENCE", "TTL")
    values = {name: robot_variable(f"${{{name}}}") for name in names}
    if any(value is None for value in values.values()):  # outside a run, or without livekit_settings.suite
        from livekit_settings import suite

        defaults = suite.get_variables()
        values = {name: defaults[name] if value is None else value for name, value in values.items()}
    return values


def _found(name: str, findings: list) -> str:
    return "found" if any(finding.id == name for finding in findings) else "no finding"


def _outcome_name(text: str) -> str:
    """``accepted``, or the cause of a refusal written ``refused: unknown API key`` (or the cause alone)."""
    wanted = " ".join(str(text).split()).lower()
    if wanted in ("accepted", "accept"):
        return "accepted"
    verdict, separator, cause = wanted.partition(":")
    return _cause_name(cause.strip() if separator and verdict.strip() == "refused" else wanted)


def _outcomes_by_profile(outcome: str) -> dict[str, str]:
    """``{profile name: outcome}`` from ``refused: exp required; v1.13.5, v1.12: accepted`` (the first for all others)."""
    first, *others = (part.strip() for part in str(outcome).split(";"))
    outcomes = dict.fromkeys((profile.name for profile in profiles.PROFILES), _outcome_name(first))
    known = ", ".join(profile.name for profile in profiles.PROFILES)
    for part in others:
        names, separator, value = part.partition(":")
        if not separator or not names.strip():
            raise AssertionError(
                f"Write the outcome of other release lines as 'names: outcome' (names among {known}), got {part!r}."
            )
        for name in names.split(","):
            if name.strip() not in outcomes:
                raise AssertionError(f"Unknown release line {name.strip()!r} in the outcome; use {known}.")
            outcomes[name.strip()] = _outcome_name(value)
    return outcomes


def _cause_name(cause: str) -> str:
    name = _CAUSE_WORDS.get(" ".join(str(cause).split()).lower())
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


def _time_left(expires: float, moment: float) -> str:
    """``The token is valid for 2 h more (until ...)``, or when exp has passed, how long ago."""
    left = expires - moment
    if left > 0:
        return f"The token is valid for {format_duration(left)} more (until {format_utc(expires)})"
    if left == 0:
        return f"The token expires now ({format_utc(expires)})"
    return f"The token expired {format_duration(-left)} ago (at {format_utc(expires)})"
