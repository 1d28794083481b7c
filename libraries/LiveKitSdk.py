"""Robot Framework library that holds LiveKit tokens up against LiveKit's official server SDKs:
livekit-api (Python) and livekit-server-sdk (Node.js)."""

from __future__ import annotations

import json

from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from livekit_tokens import evidence, hostile, interop, minting, verification
from livekit_tokens import grants as model
from livekit_tokens.environment import NODE_PROJECT
from livekit_tokens.keys import ConfigurationError, Keyring
from livekit_tokens.robot_context import ConfigurationFailure, library_keyring, run_context, set_test_message
from livekit_tokens.sdk_oracles import NODE_SDK, PYTHON_SDK, NodeSdk, PythonSdk, SdkFailure, SdkUnavailable, sdk_name
from livekit_tokens.timeutil import to_seconds
from livekit_tokens.verification import CAUSES, TokenRejected

__version__ = "1.0.0"

OUR_LIBRARY = "our library"
VERDICTS = ("accepted", "refused", "crashed")
PERMISSION_FIELDS = ("canPublish", "canSubscribe", "canPublishData")
NOT_SET = "(not set)"


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
class LiveKitSdk:
    """Mint and verify LiveKit tokens with LiveKit's official server SDKs, and compare them with this project.

    = The SDKs =

    | = Name =             | = Language =  | = How it runs =                                                     |
    | livekit-api          | Python        | in the test process (pinned in ``requirements.txt``)                |
    | livekit-server-sdk   | Node.js       | ``interop/node/oracle.mjs``, one long-lived process (pinned in ``interop/node/package-lock.json``) |

    ``python`` and ``node`` are accepted as short names. Keywords that need Node.js skip the test,
    with the reason, when Node.js 18 or newer or the pinned packages are missing (``python run.py``
    runs ``npm ci`` in ``interop/node`` when Node.js is present). ``LIVEKIT_INTEROP_NODE`` or the
    ``node`` import argument names another Node.js executable.

    = Keys =

    The same as `LiveKitAuth`: ``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET``, ``LIVEKIT_KEYS``,
    else the ``livekit-server --dev`` pair. The SDKs mint and verify with the first key. The
    secret reaches Node.js through its standard input only, never its command line.

    = Claims =

    Keywords that mint or compare take the claims a test asks for as snake_case named arguments,
    as `LiveKitAuth.Generate Token` does: every video grant field (``room_join``, ``can_publish``,
    ``can_publish_sources``, ...), ``sip_admin``, ``sip_call``, ``agent_admin``,
    ``agent_simulation_admin``, ``agent_database_admin``, ``inference_perform``,
    ``observability_write``, ``name``, ``metadata``, ``attributes``, ``kind`` and ``ttl``. The names
    are checked against the grant fields livekit-api declares, not against this project's model,
    so a field this project misspells shows up as a difference naming that field.

    = Tokens in the log =

    Tokens are returned as ``Secret`` and never logged; tables show what each side reports, field by
    field, with the token's fingerprint. SDK error messages are scrubbed of tokens and secrets.
    """

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, api_key: str | None = None, api_secret=None, node: str | None = None, timeout="30 s"):
        """Use the keys of the environment (or ``api_key`` and ``api_secret``), and Node.js from PATH (or ``node``).

        Example:
        | Library | LiveKitSdk |
        | Library | LiveKitSdk | node=/opt/node20/bin/node | timeout=1 minute |
        """
        self._keyring, self._configuration_error = library_keyring(api_key, api_secret)
        if api_key is not None or api_secret is not None:  # the other libraries of the run use this pair too
            run_context().offer(self._keyring, self._configuration_error)
        self._python: PythonSdk | None = None
        self.node = NodeSdk(NODE_PROJECT, node, to_seconds(timeout, "timeout"))
        self.ROBOT_LIBRARY_LISTENER = self

    # ------------------------------------------------------------------ set-up

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            raise ConfigurationFailure(self._configuration_error or "No API key is configured.")
        return self._keyring

    @property
    def python(self) -> PythonSdk:
        if self._python is None:
            self._python = PythonSdk()
        return self._python

    def close(self) -> None:
        """Stop the Node.js process when Robot Framework is done with the library."""
        self.node.close()

    def _oracle(self, sdk: str):
        try:
            name = sdk_name(sdk)
        except ValueError as error:
            raise AssertionError(str(error)) from None
        return self.python if name == PYTHON_SDK else self.node

    def _call(self, function, *args):
        try:
            return function(*args)
        except SdkUnavailable as missing:
            raise SkipExecution(str(missing)) from None

    def _credentials(self) -> tuple[str, str]:
        primary = self.keyring.primary
        return primary.key, primary.secret

    def _request(self, identity, room, claims: dict) -> dict:
        try:
            return interop.build_request(identity, room, claims, self.python.grant_fields(), to_seconds)
        except ValueError as error:
            raise AssertionError(f"Cannot build the request: {error}") from None

    @staticmethod
    def _text(token) -> str:
        try:
            text = verification.token_text(token)
        except TokenRejected as rejection:
            raise AssertionError(str(rejection)) from None
        evidence.remember_token(text)
        return text

    # ------------------------------------------------------------------ keywords

    @keyword("Get SDK Version")
    def get_sdk_version(self, sdk: str) -> str:
        """Return the installed version of ``sdk`` (``not installed`` for a missing Node.js package).

        Example:
        | ${version} = | Get SDK Version | livekit-server-sdk |
        """
        return self._oracle(sdk).version

    @keyword("Generate Token With SDK")
    def generate_token_with_sdk(self, sdk: str, identity: str | None = None, room: str | None = None, **claims) -> Secret:
        """Mint a token with ``sdk``'s own ``AccessToken`` and return it as a ``Secret``.

        The claims are named arguments (see `Claims`); ``ttl`` is a duration such as ``10 minutes``.

        Examples:
        | ${token} = | Generate Token With SDK | livekit-api | alice | demo | room_join=True | can_publish=False |
        | ${token} = | Generate Token With SDK | livekit-server-sdk | bob | demo | room_join=True | ttl=10 minutes |
        """
        oracle = self._oracle(sdk)
        request = self._request(identity, room, claims)
        key, secret = self._credentials()
        token = self._call(oracle.mint, request, key, secret)
        evidence.remember_token(token)
        video = request.get("video", {})
        self._table(
            "Interop: SDK token",
            [
                {"label": "Minted by", "value": f"{oracle.name} {oracle.version}"},
                {"label": "API key", "value": key},
                {"label": "Participant", "value": request.get("identity", "")},
                {"label": "Room", "value": video.get("room", "")},
                {"label": "Token length", "value": f"{len(token)} characters"},
                {"label": "Fingerprint", "value": evidence.fingerprint(token)},
            ],
        )
        return Secret(token)

    @keyword("Verify Token With SDK")
    def verify_token_with_sdk(self, sdk: str, token) -> dict:
        """Verify ``token`` with ``sdk``'s ``TokenVerifier`` and return what it reports.

        The result holds ``identity``, ``name``, ``metadata``, ``attributes``, ``kind`` and the
        grants in camelCase, as the SDK reports them (livekit-api fills in its defaults). Fails
        with the SDK's reason when it refuses the token.

        Example:
        | ${claims} = | Verify Token With SDK | livekit-api | ${token} |
        """
        oracle = self._oracle(sdk)
        view = self._sdk_view(oracle, self._text(token))
        logger.info(f"{oracle.name} {oracle.version} accepts the token.")
        return view

    def _sdk_view(self, oracle, text: str) -> dict:
        key, secret = self._credentials()
        reported = self._call(oracle.verify, text, key, secret)
        return reported if oracle.name == PYTHON_SDK else interop.payload_view(reported)

    @keyword("SDK Should Report The Claims")
    def sdk_should_report_the_claims(self, sdk: str, token, identity: str | None = None, room: str | None = None, **claims):
        """Verify ``token`` with ``sdk`` and check that it reports exactly the claims asked for.

        Every asked field must come back with the same value. A field not asked for may only hold
        what the SDK fills in by itself (livekit-api reports ``canPublish: true`` for a token that
        leaves it out); anything else fails, naming the field. With ``ttl``, the Node.js SDK's
        ``exp - nbf`` must equal it (livekit-api does not report times).

        Example:
        | ${token} = | Generate Token | alice | demo | room_join=True | can_publish=False |
        | SDK Should Report The Claims | livekit-api | ${token} | alice | demo | room_join=True | can_publish=False |
        """
        oracle = self._oracle(sdk)
        request = self._request(identity, room, claims)
        text = self._text(token)
        key, secret = self._credentials()
        reported = self._call(oracle.verify, text, key, secret)
        view = reported if oracle.name == PYTHON_SDK else interop.payload_view(reported)
        defaults = self.python.defaults() if oracle.name == PYTHON_SDK else {}
        rows, problems = interop.compare(_asked(request), interop.flatten(view), defaults, f"{oracle.name} default")
        if "ttl" in request and oracle.name == NODE_SDK:
            row, problem = interop.lifetime_row(reported, request["ttl"])
            rows.append(row)
            problems += [problem] if problem else []
        rows.append({"label": "token", "expected": None, "actual": evidence.fingerprint(text), "ok": None})
        self._table(f"Interop: verified by {oracle.name}", rows)
        if problems:
            raise AssertionError(f"{oracle.name} {oracle.version} does not report what was asked: {'; '.join(problems)}.")

    @keyword("SDK Token Should Carry What Was Asked")
    def sdk_token_should_carry_what_was_asked(
        self, sdk: str, token, identity: str | None = None, room: str | None = None, **claims
    ):
        """Verify ``token``, minted by ``sdk``, as the LiveKit server does and check its claims.

        Our verification must accept the token, and the claims it decodes (grants as the server
        reads them) must equal what the SDK was asked to put in. Fields the minting SDK writes by
        itself (livekit-api writes ``canPublish``, ``canSubscribe`` and ``canPublishData``) are shown
        as its defaults. With ``ttl``, ``exp - nbf`` must equal it within a second (the SDKs read
        the clock twice).

        Example:
        | ${token} = | Generate Token With SDK | livekit-api | alice | demo | room_join=True | ttl=10 minutes |
        | SDK Token Should Carry What Was Asked | livekit-api | ${token} | alice | demo | room_join=True | ttl=10 minutes |
        """
        oracle = self._oracle(sdk)
        request = self._request(identity, room, claims)
        text = self._text(token)
        try:
            parsed = verification.verify(text, self.keyring)
        except TokenRejected as rejection:
            raise AssertionError(f"Our library refuses the token {oracle.name} minted: {rejection.detail}.") from None
        except ConfigurationError as error:
            raise ConfigurationFailure(str(error)) from None
        defaults = self.python.defaults() if oracle.name == PYTHON_SDK else {}
        view = interop.flatten(interop.server_view(parsed.server_claims))
        rows, problems = interop.compare(_asked(request), view, defaults, f"written by {oracle.name}")
        if "ttl" in request:
            row, problem = interop.lifetime_row(parsed.server_claims, request["ttl"])
            rows.append(row)
            problems += [problem] if problem else []
        rows.append({"label": "token", "expected": None, "actual": evidence.fingerprint(text), "ok": None})
        self._table(f"Interop: {oracle.name} token read by our library", rows)
        if problems:
            raise AssertionError(f"Our library does not read what {oracle.name} was asked to write: {'; '.join(problems)}.")

    @keyword
    def verdict_should_be(self, verifier: str, token, verdict: str, reason: str | None = None) -> str:
        """Check whether ``verifier`` accepts or refuses ``token``; return what it said.

        ``verifier`` is ``livekit-api``, ``livekit-server-sdk`` or ``our library`` (verification as
        the LiveKit server does it). ``verdict`` is ``accepted``, ``refused`` or ``crashed`` (the
        verifier failed with an error of its own). For a refusal, ``reason`` is a refusal cause of
        our library (``algorithm``, ``expired``, ``claims``, ...) or a part of the SDK's message.
        The verdict is added to the test message so that the report states it.

        Examples:
        | Verdict Should Be | livekit-api | ${token} | refused | Invalid audience |
        | Verdict Should Be | our library | ${token} | refused | algorithm |
        """
        wanted = str(verdict).strip().lower()
        if wanted not in VERDICTS:
            raise AssertionError(f"Unknown verdict '{verdict}'; use {', '.join(VERDICTS)}.")
        text = self._text(token)
        name, actual, said = self._verdict(verifier, text)
        ok = actual == wanted
        if ok and reason and actual != "accepted":
            ok = _reason_matches(name, said, reason)
        expected = wanted + (f" ({reason})" if reason else "")
        observed = actual + (f" ({said})" if said else "")
        self._table(
            "Interop: verdict",
            [
                {"label": name, "expected": expected, "actual": observed, "ok": ok},
                {"label": "token", "expected": None, "actual": evidence.fingerprint(text), "ok": None},
            ],
        )
        if not ok:
            raise AssertionError(f"{name} {observed}, expected {expected}.")
        set_test_message(f"{name}: {observed}.")
        return said

    def _verdict(self, verifier: str, text: str) -> tuple[str, str, str]:
        if str(verifier).strip().lower() in (OUR_LIBRARY, "livekit server", "server"):
            try:
                verification.verify(text, self.keyring)
            except TokenRejected as rejection:
                return OUR_LIBRARY, "refused", f"{rejection.cause}: {rejection.detail}"
            return OUR_LIBRARY, "accepted", ""
        oracle = self._oracle(verifier)
        key, secret = self._credentials()
        label = f"{oracle.name} {oracle.version}"
        try:
            self._call(oracle.verify, text, key, secret)
        except SdkFailure as failure:
            return label, failure.outcome, failure.reason
        return label, "accepted", ""

    @keyword
    def generate_token_signed_with(
        self, algorithm: str, identity: str | None = None, room: str | None = None, **claims
    ) -> Secret:
        """Mint a token like `LiveKitAuth.Generate Token` but signed with ``algorithm`` (HS256, HS384 or HS512).

        The LiveKit server accepts HS256 only; this makes the tokens on which verifiers disagree.

        Example:
        | ${token} = | Generate Token Signed With | HS384 | alice | demo | room_join=True |
        """
        return self._signed(algorithm, identity, room, claims, {})

    @keyword
    def generate_token_with_claim_value(
        self, claim: str, json_value: str, identity: str | None = None, room: str | None = None, **claims
    ) -> Secret:
        """Mint a correctly signed HS256 token whose ``claim`` holds ``json_value`` (JSON text) as it is.

        ``claim`` may be a dotted path (``video.canPublish``). For tokens the server refuses for
        their claims while an SDK does something else with them.

        Example:
        | ${token} = | Generate Token With Claim Value | video | "admin" | alice |
        """
        try:
            value = json.loads(json_value)
        except (ValueError, RecursionError):
            raise AssertionError(f"json_value must be JSON text, got {json_value!r}.") from None
        return self._signed("HS256", identity, room, claims, {claim: value})

    def _signed(self, algorithm: str, identity, room, claims: dict, changes: dict) -> Secret:
        primary = self.keyring.primary
        try:
            payload = minting.build_claims(primary.key, identity, room, **claims)
            for path, value in changes.items():
                hostile.set_path(payload, path, value)
            token = interop.sign(payload, self.keyring.prepared_secret(primary.key), str(algorithm).upper())
        except ValueError as error:
            raise AssertionError(f"Cannot mint the token: {error}") from None
        evidence.remember_token(token)
        self._table(
            "Interop: hand-made token",
            [
                {"label": "Algorithm", "value": str(algorithm).upper()},
                {"label": "Changed claims", "value": ", ".join(changes) or "none"},
                {"label": "Fingerprint", "value": evidence.fingerprint(token)},
            ],
        )
        return Secret(token)

    @keyword
    def effective_grants_should_be_the_same(self, first, second) -> None:
        """Check that two tokens give the same video permissions once the server applies its defaults.

        Example:
        | Effective Grants Should Be The Same | ${node_token} | ${python_token} |
        """
        grants = [self._effective(token) for token in (first, second)]
        rows = [{"label": name, "expected": grants[0][name], "actual": grants[1][name], "ok": None} for name in grants[0]]
        different = interop.effective_differences(*grants)
        for row in rows:
            row["ok"] = row["label"] not in different
        self._table("Interop: effective grants (first token, second token)", rows)
        if different:
            details = "; ".join(
                f"{name} is {interop.show(grants[0][name])} and {interop.show(grants[1][name])}" for name in different
            )
            raise AssertionError(f"The two tokens give different permissions: {details}.")

    def _effective(self, token) -> dict:
        return model.effective_video_grant(self._parsed(token).server_claims.get("video"))

    def _parsed(self, token):
        try:
            return verification.parse_token(self._text(token))
        except TokenRejected as rejection:
            raise AssertionError(str(rejection)) from None

    @keyword
    def token_should_write_every_permission_field(self, token) -> None:
        """Check that the video grant of ``token`` writes canPublish, canSubscribe and canPublishData (Python style).

        Example:
        | Token Should Write Every Permission Field | ${python_token} |
        """
        video = self._parsed(token).claims.get("video") or {}
        missing = [name for name in PERMISSION_FIELDS if name not in video]
        self._table(
            "Interop: written permission fields",
            [
                {"label": name, "expected": "written", "actual": video.get(name, "(not written)"), "ok": name in video}
                for name in PERMISSION_FIELDS
            ],
        )
        if missing:
            raise AssertionError(f"The token leaves out {', '.join(missing)}.")

    @keyword
    def token_should_write_only_the_asked_video_grants(self, token, room: str | None = None, **grants) -> None:
        """Check that the video grant of ``token`` writes the asked fields and nothing else (Go and Node style).

        Example:
        | Token Should Write Only The Asked Video Grants | ${node_token} | demo | room_join=True | can_publish=False |
        """
        request = self._request(None, room, grants)
        video = self._parsed(token).claims.get("video") or {}
        extra, missing = interop.unrequested_video_fields(video, request)
        self._table(
            "Interop: written video fields",
            [
                {"label": "asked", "expected": None, "actual": ", ".join(request.get("video", {})) or "none", "ok": None},
                {"label": "written", "expected": None, "actual": ", ".join(video) or "none", "ok": not extra and not missing},
            ],
        )
        if extra or missing:
            parts = [f"writes {', '.join(extra)} without being asked"] if extra else []
            parts += [f"leaves out {', '.join(missing)}"] if missing else []
            raise AssertionError(f"The token {' and '.join(parts)}.")

    @keyword("SDK Should Report Field")
    def sdk_should_report_field(self, sdk: str, token, field: str, expected) -> None:
        """Verify ``token`` with ``sdk`` and check one reported field (``video.canPublishData``, ``identity``).

        ``expected`` ``(not set)`` checks that the SDK does not report the field at all.

        Examples:
        | SDK Should Report Field | livekit-api | ${token} | video.canPublishData | True |
        | SDK Should Report Field | livekit-server-sdk | ${token} | video.canPublishData | (not set) |
        """
        oracle = self._oracle(sdk)
        reported = interop.flatten(self._sdk_view(oracle, self._text(token)))
        actual = reported.get(field, interop.MISSING)
        if expected == NOT_SET:
            want, ok = NOT_SET, actual is interop.MISSING
        else:
            want = _like(actual, expected)
            ok = actual is not interop.MISSING and interop.same(actual, want)
        self._table(
            f"Interop: verified by {oracle.name}",
            [{"label": field, "expected": want, "actual": "(not set)" if actual is interop.MISSING else actual, "ok": ok}],
        )
        if not ok:
            shown = NOT_SET if want == NOT_SET else interop.show(want)
            raise AssertionError(f"{oracle.name} reports {field} as {interop.show(actual)}, expected {shown}.")

    # ------------------------------------------------------------------ log

    @staticmethod
    def _table(title: str, rows: list[dict]) -> None:
        logger.info(evidence.table(title, rows), html=True)


def _asked(request: dict) -> dict:
    return interop.flatten({name: value for name, value in request.items() if name != "ttl"})


def _like(actual, expected):
    """Read Robot Framework text as the JSON type of ``actual`` (``True`` for a boolean, ``3`` for a number)."""
    if not isinstance(expected, str) or isinstance(actual, str):
        return expected
    try:
        return json.loads(expected.lower() if expected.lower() in ("true", "false") else expected)
    except (ValueError, RecursionError):
        return expected


def _reason_matches(verifier: str, said: str, reason: str) -> bool:
    if verifier == OUR_LIBRARY and reason in CAUSES:
        return said.split(":", 1)[0] == reason
    return reason.strip().lower() in said.lower()
