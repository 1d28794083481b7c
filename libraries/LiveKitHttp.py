"""Robot Framework library for LiveKit over HTTP: a server's token checks and the token endpoints apps
put in front of it, without a token or a secret ever reaching the log."""

from __future__ import annotations

import json
import os
import secrets as random_source
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
from livekit_cluster import started as started_cluster
from RequestsLibrary import RequestsLibrary
from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from livekit_diagnosis import deliveries, observe, recording
from livekit_diagnosis.model import CLOCK, ENDPOINT, REFUSAL, SERVER_ANSWER, TRANSPORT, EndpointFacts, Observations
from livekit_diagnosis.rules import diagnose
from livekit_endpoint import answers as endpoint_answers
from livekit_endpoint import asking, shapes, times
from livekit_endpoint import findings as endpoint_findings
from livekit_http import js_client, processes, server_checks, server_version, tls, transport
from livekit_http.answers import TOO_DEEP, UnreadableJson, excerpt, load_json, refusal_cause, status_text, transport_failure
from livekit_http.clock import skew_from_date
from livekit_http.headers import HeaderError, read_extra_headers
from livekit_http.token_protocol import build_request, granted, grants_beyond, request_mismatches
from livekit_http.transport import EndpointRequest, Exchange, cacheable, origin, path_and_query
from livekit_http.urls import UrlError, check_endpoint_url, is_loopback, normalise_server_url, without_query
from livekit_server import binary as server_binary
from livekit_server import current as current_server
from livekit_server import process as server_process
from livekit_server import version_probe
from livekit_settings import cluster as cluster_settings
from livekit_tokens import environment as run_environment
from livekit_tokens import evidence, minting, policy
from livekit_tokens import grants as model
from livekit_tokens.arguments import CONVERTERS, Duration, typed_arguments
from livekit_tokens.environment import NODE_PROJECT, PROJECT_ROOT
from livekit_tokens.keys import Keyring
from livekit_tokens.robot_context import (
    ConfigurationFailure,
    library_instance,
    log_table,
    report_finding,
    robot_is_running,
    robot_variable,
    run_context,
)
from livekit_tokens.timeutil import SERVER_LEEWAY_SECONDS, format_duration, format_utc
from livekit_tokens.timeutil import now as current_time
from livekit_tokens.verification import TokenRejected, check_times, identity_of, parse_token, token_text

__version__ = "1.0.0"

REFERENCE_ENDPOINT = PROJECT_ROOT / "examples" / "token_endpoint.py"
JS_CLIENT_PACKAGE = NODE_PROJECT / "node_modules" / "livekit-client" / "package.json"

SERVER_SESSION = "livekit-server"
ENDPOINT_SESSION = "token-endpoint"
HEADERS_VARIABLE = "${TOKEN_ENDPOINT_HEADERS}"
HEADER_SECRET_MIN = 8  # characters; header values this long are noted for the leak guard and kept out of excerpts
HOW_TO_ENABLE_LIVE = server_binary.HOW_TO_GET_A_SERVER
REQUIRE_SERVER_VARIABLE = "LIVEKIT_REQUIRE_SERVER"  # 1: a missing server fails the live suite instead of skipping it

# Request bodies of the Twirp RoomService calls the permission table uses; others get {"room": room}.
_ROOM_SERVICE_BODIES = {
    "ListRooms": lambda room: {},
    "CreateRoom": lambda room: {"name": room},
    "DeleteRoom": lambda room: {"room": room},
    "ListParticipants": lambda room: {"room": room},
    "UpdateRoomMetadata": lambda room: {"room": room, "metadata": "set by the livekit-auth acceptance suite"},
}


@dataclass
class _State:
    server_url: str | None = None
    server_ws_url: str | None = None
    server_version: str | None = None
    endpoint_url: str | None = None
    started: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    requests_by_token: dict = field(default_factory=dict)
    known_tokens: set = field(default_factory=set)
    header_secrets: set = field(default_factory=set)  # endpoint header values the leak guard searches
    server_given: str | None = None  # LIVEKIT_URL (or the url argument) as written, for a diagnosis
    endpoint_answers: dict = field(default_factory=dict)  # token fingerprint -> the request bodies it answered
    collector: object | None = None  # the webhook collector of the server this library started
    endpoint_shape: dict = field(default_factory=dict)  # the shape the endpoint answered in, for the sign-off
    endpoint_cookies: dict = field(default_factory=dict)  # cookies the endpoint set with its last token
    endpoint_request: EndpointRequest | None = None  # the latest token request of the endpoint in use
    endpoint_identities: set = field(default_factory=set)  # the identities the endpoint in use gave
    own_headers: dict = field(default_factory=dict)  # the credential of the reference endpoint the suite started


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
@typed_arguments
class LiveKitHttp:
    """Check LiveKit tokens over HTTP: against a LiveKit server and against a token endpoint.

    = Where =

    `Use LiveKit Server` takes the server from ``LIVEKIT_URL`` (``ws://``, ``wss://``, ``http://`` or
    ``https://``; clients write the ``ws`` form, HTTP checks use the same host and port). When it is
    unset, it starts ``livekit-server`` from ``PATH`` or the project's pinned build (v1.13.5, built
    with Go on first use) with a configuration file: 127.0.0.1 only, free ports, this run's keys,
    webhooks to a collector of the run; `Stop LiveKit Server` stops it. Without any of these it
    skips the suite with one sentence naming the ways to get a server.

    `Use Token Endpoint` takes ``LIVEKIT_TOKEN_ENDPOINT``; when it is unset it starts the project's
    reference endpoint (``examples/token_endpoint.py``) on a free port of 127.0.0.1.

    = Tokens in the log =

    RequestsLibrary holds the HTTP sessions (``livekit-server`` and ``token-endpoint``, created with
    its `Create Session`), but requests that carry a token are sent on those sessions from Python:
    RequestsLibrary's request keywords log URLs, headers and bodies at INFO, and a debug file keeps
    DEBUG messages whatever `Set Log Level` says. Each exchange is logged instead as a table: method,
    path without query, status, a short body excerpt with every token replaced by its fingerprint,
    and the fingerprint of the token sent. Tokens are taken and returned as ``Secret``.

    Extra headers an app's endpoint needs for its own authentication come from the
    ``${TOKEN_ENDPOINT_HEADERS}`` dictionary of a variable file (values may be ``Secret``); they are
    sent with every endpoint request and never logged. Values of 8 characters or more are noted in
    the run's token log, so that the end-of-run leak guard searches the results for them too, and
    are replaced in the answer excerpts the log shows.

    = Keys =

    Tokens are minted with the keys of the `LiveKitAuth` library when it is imported (same import
    arguments), else from the same environment: ``LIVEKIT_API_KEY``/``LIVEKIT_API_SECRET``,
    ``LIVEKIT_KEYS``, or the ``livekit-server --dev`` pair.
    """

    ROBOT_LIBRARY_CONVERTERS = CONVERTERS

    def __init__(self, timeout: float = 10.0):
        """``timeout`` is the number of seconds to wait for an HTTP answer.

        Example:
        | Library | LiveKitHttp | timeout=5 |
        """
        self.timeout = float(timeout)
        self._state = _State()
        self._requests: RequestsLibrary | None = None

    # ------------------------------------------------------------------ where

    @keyword("Use LiveKit Server")
    def use_livekit_server(self, url: str | None = None) -> str:
        """Find the LiveKit server to check and return its HTTP base URL.

        In this order: ``url`` or ``LIVEKIT_URL`` names a running server (never started or stopped
        here); else ``livekit-server`` from ``PATH``, else the project's pinned build (made by
        ``python run.py`` when Go is installed) is started on free ports of 127.0.0.1 with its
        configuration (this run's key pairs) in its environment, never in a file, and the keyword
        waits until it answers.
        Without any of these the calling suite is skipped with one sentence naming the ways to
        get a server. A server this library started keeps running for the other suites of the
        run until `Stop LiveKit Server` or the end of the run.

        The server's client URL and its version (``livekit-server --version`` of a started
        server, a response header naming it, else "not reported by the server") are recorded as
        metadata of the top-level suite for the sign-off summary.

        Example:
        | ${server} = | Use LiveKit Server |
        """
        given = url if url not in (None, "") else os.environ.get("LIVEKIT_URL", "").strip()
        given = given or (cluster_settings.node_urls() or [""])[0]
        running = current_server.chosen()
        if not given and running is not None and running.started is not None and running.started.running:
            self._state.server_url, self._state.server_ws_url = running.http_url, running.ws_url
            self._state.server_version = running.version
            self._session(SERVER_SESSION, running.http_url)
            return running.http_url
        started = None
        if given:
            server = self._checked_url(normalise_server_url, given, "LIVEKIT_URL")
            how = "given by LIVEKIT_URL" if url in (None, "") else "given"
            self._state.server_given = given
            self._state.server_url, self._state.server_ws_url = server.http_base, server.ws_base
            self._session(SERVER_SESSION, server.http_base)
            answer = self._exchange(SERVER_SESSION, server.http_base, "GET", "/", what="the LiveKit server")
            version = server_version.from_headers(answer.headers)
            if version is None and not os.environ.get("LIVEKIT_SERVER_VERSION", "").strip():
                # A running server names its version only in its join answer; a version given by the user is taken as given.
                joined = version_probe.version_from_join(server.ws_base, server.http_base, self.keyring, self.timeout)
                version = f"{joined} (its join answer)" if joined else None
        else:
            self._state.server_given = None
            source = self._server_binary()
            if source.binary is None:
                reason = server_binary.why_no_server()
                if os.environ.get(REQUIRE_SERVER_VARIABLE, "").strip() == "1":
                    raise AssertionError(f"{REQUIRE_SERVER_VARIABLE}=1 but no LiveKit server was found. {reason}")
                raise SkipExecution(reason)
            keys = {key.key: key.secret for key in self.keyring}
            try:
                settings = self._webhook_settings()
                started = started_cluster.start_for_run(source.binary, keys, **settings)
                started = started or server_process.start_server(source.binary, keys, **settings)
            except BaseException:
                self._state.collector.stop()
                raise
            self._state.started[SERVER_SESSION] = started
            how = f"started from {source.binary} (127.0.0.1, HTTP port {started.managed.port}, UDP port {started.udp_port})"
            how += started_cluster.described(started)
            self._state.server_url, self._state.server_ws_url = started.http_url, started.ws_url
            self._session(SERVER_SESSION, started.http_url)
            version = server_version.from_binary(source.binary)
        self._state.server_version = version or server_version.NOT_REPORTED
        current_server.choose(
            current_server.ChosenServer(
                self._state.server_url,
                self._state.server_ws_url,
                self._state.server_version,
                how,
                started,
                self._state.collector if started is not None else self._given_server_collector(),
            )
        )
        self._log_table(
            "LiveKit server",
            [
                {"key": "http_url", "label": "HTTP base URL", "value": self._state.server_url},
                {"key": "client_url", "label": "Client URL", "value": self._state.server_ws_url},
                {"key": "source", "label": "Source", "value": how},
                {"key": "version", "label": "Version", "value": self._state.server_version},
            ],
            kind="livekit_server",
            facts={"setting": "LIVEKIT_URL" if how == "given by LIVEKIT_URL" else None, "started": started is not None},
        )
        if started is not None and started.reported_weak_secret():
            # The server logs "secret is too short" and uses the secret all the same (pkg/config/config.go 725):
            # the same finding the policy check reports, so the sign-off lists it once.
            logger.info("The LiveKit server logged that a configured API secret is shorter than 32 characters.")
            for key in self.keyring:
                for finding in policy.key_findings(key):
                    if finding.id == "weak-secret":
                        self._finding(finding.id, "warning", finding.text)
        if robot_is_running():  # the sign-off summary reads the server from the top-level suite's metadata
            from robot.libraries.BuiltIn import BuiltIn

            BuiltIn().set_suite_metadata(run_environment.SERVER_URL, self._state.server_ws_url, top=True)
            BuiltIn().set_suite_metadata(run_environment.SERVER_VERSION, self._state.server_version, top=True)
        return self._state.server_url

    @keyword("Stop LiveKit Server")
    def stop_livekit_server(self) -> None:
        """Stop the server `Use LiveKit Server` started; a server given by URL is left alone.

        Its log, with every secret and token replaced, is kept in the output folder as
        ``livekit-server.log`` when a test of the run has failed, so that a failure can be read
        against what the server saw.

        Example:
        | Suite Teardown | Stop LiveKit Server |
        """
        started = self._state.started.pop(SERVER_SESSION, None)
        if started is None:
            return
        if _run_has_failures():
            kept = started.keep_log(_output_folder())
            if kept is not None:
                logger.info(f"The LiveKit server's log, scrubbed of secrets and tokens, is kept in {kept.name}.")
        code = started.stop()
        if self._state.collector is not None:
            self._state.collector.stop()  # what it received stays readable
        if current_server.chosen() is not None and current_server.chosen().started is started:
            current_server.forget()
        logger.info(f"Stopped livekit-server (exit code {code}).")

    @keyword
    def use_token_endpoint(self, url: str | None = None, design: str = "safe") -> str:
        """Find the token endpoint to check and return its URL.

        ``url`` or ``LIVEKIT_TOKEN_ENDPOINT`` names an endpoint. Without either, the reference
        endpoint ``examples/token_endpoint.py`` is started on a free port of 127.0.0.1 with the
        keys of this run, and the keyword waits until it answers. Its ``design`` is ``safe`` (a
        credential of this run's own sent with every request, the identity chosen by the endpoint)
        or ``open`` (anyone gets a token for the identity they name).

        Example:
        | ${endpoint} = | Use Token Endpoint |
        """
        given = url if url not in (None, "") else os.environ.get("LIVEKIT_TOKEN_ENDPOINT", "").strip()
        if given:
            endpoint = self._checked_url(check_endpoint_url, given, "LIVEKIT_TOKEN_ENDPOINT")
            from_environment = given == os.environ.get("LIVEKIT_TOKEN_ENDPOINT", "").strip()
            how = "given by LIVEKIT_TOKEN_ENDPOINT" if from_environment else "given"
        else:
            # The endpoint signs with this run's first key, however it was configured.
            primary = self.keyring.primary
            # The safe design: the suite signs in with a credential of its own, and the endpoint chooses the identity.
            credential = random_source.token_urlsafe(24)
            user = str(_variable_or("${ENDPOINT_IDENTITY}", "") or "client_test")
            environment = dict(os.environ, LIVEKIT_API_KEY=primary.key, LIVEKIT_API_SECRET=primary.secret)
            environment.pop("TOKEN_ENDPOINT_USERS", None)
            self._state.own_headers = {}
            if design == "safe":
                environment["TOKEN_ENDPOINT_USERS"] = json.dumps({credential: user})
                self._state.own_headers = {"Authorization": f"Bearer {credential}"}
            elif design != "open":
                raise AssertionError(f"The reference endpoint's design is 'safe' or 'open', not '{design[:40]}'.")
            managed = processes.start(
                "the reference token endpoint",
                lambda port: [sys.executable, str(REFERENCE_ENDPOINT), "--host", "127.0.0.1", "--port", str(port)],
                lambda port: f"http://127.0.0.1:{port}/token",
                probe_path="",
                environ=environment,
                secrets=[*self.keyring.secrets(), credential],
            )
            self._state.started[ENDPOINT_SESSION] = managed
            endpoint = managed.url
            how = f"reference endpoint started by the suite ({REFERENCE_ENDPOINT.relative_to(PROJECT_ROOT).as_posix()})"
        self._state.endpoint_url = endpoint
        self._state.endpoint_shape = {}  # another endpoint: its shape is detected again
        self._state.endpoint_request = None
        self._state.endpoint_identities = set()
        self._session(ENDPOINT_SESSION, origin(endpoint))
        headers = self._extra_headers()
        self._warm_up(endpoint, headers)
        configured = len(headers) - len(self._state.own_headers)  # the suite's own credential is no setting of the user's
        self._log_table(
            "Token endpoint",
            [
                {"key": "url", "label": "URL", "value": without_query(endpoint)},
                {"key": "source", "label": "Source", "value": how},
                {"key": "extra_headers", "label": "Extra request headers", "value": f"{configured} (values not shown)"},
            ],
            kind="token_endpoint",
            facts={
                "setting": "LIVEKIT_TOKEN_ENDPOINT" if how == "given by LIVEKIT_TOKEN_ENDPOINT" else None,
                "extra_headers": configured,
            },
        )
        return without_query(endpoint)

    def _warm_up(self, endpoint: str, headers: dict) -> None:
        """One request before the checks when ``${ENDPOINT_WARM_UP}`` allows it time: a dev server compiles its route then."""
        given = str(_variable_or("${ENDPOINT_WARM_UP}", "none") or "none").strip()
        if given.lower() in ("", "none", "no"):
            return
        try:
            limit = float(Duration.read(given, "LIVEKIT_ENDPOINT_WARM_UP"))
        except ValueError as error:
            raise ConfigurationFailure(str(error)) from None
        chosen = self._endpoint_settings().first()
        exchange = self._exchange(
            ENDPOINT_SESSION,
            origin(endpoint),
            chosen.method,
            path_and_query(endpoint),
            json_body=None if chosen.query else {},
            headers=headers,
            what="the token endpoint (warm-up request)",
            timeout=limit,
        )
        self._remember_answer_token(exchange)
        took = exchange.received_at - exchange.sent_at
        self._log_table(
            "Warm-up request",
            [
                {"label": "Request", "value": f"{exchange.method} {exchange.path}"},
                {"label": "Status", "value": status_text(exchange.status, exchange.reason)},
                {"label": "Time", "value": f"{took:.1f} s (allowed {format_duration(limit)}; not judged)"},
            ],
            kind="endpoint_warm_up",
            facts={"seconds": round(took, 2), "status": exchange.status},
        )

    @keyword
    def stop_token_endpoint(self) -> None:
        """Stop the reference endpoint `Use Token Endpoint` started; a given endpoint is left alone.

        Example:
        | Suite Teardown | Stop Token Endpoint |
        """
        self._stop(ENDPOINT_SESSION)

    # ------------------------------------------------------------------ tokens for server checks

    @keyword
    def create_token_for_server_check(self, case: str, identity: str = "client_test", room: str = "test_room") -> Secret:
        """Mint a token for one server check and return it as a ``Secret``.

        ``case`` is one of: ``observer`` (the document's token: join ``room`` as ``identity``,
        subscribe, no publish, 6 hours), ``expired`` (2 hours ago), ``expired within leeway``
        (30 s ago), ``not yet valid`` (from 2 hours on), ``not yet valid within leeway`` (from 30 s
        on), ``tampered`` (identity changed after signing), ``signed with another secret``,
        ``unknown API key``, ``without video grant``, ``without roomJoin``, ``without identity``
        and ``without room``. Every other claim is the observer's.

        Example:
        | ${token} = | Create Token For Server Check | expired |
        """
        try:
            chosen = server_checks.case_named(case)
        except ValueError as error:
            raise AssertionError(str(error)) from None
        token, claims = server_checks.mint_case(chosen, self.keyring, identity, room, int(current_time()))
        return self._minted(token, chosen, claims)

    @keyword
    def create_token_with_grants(
        self, grants: str, room: str = "", identity: str = "livekit-auth-check", ttl: str = "10 minutes"
    ) -> Secret | None:
        """Mint a short-lived token with ``grants`` and return it as a ``Secret``.

        ``grants`` lists the permissions set to true, comma separated, as the token writes them
        (``roomList``, ``roomCreate``, ``roomAdmin``, ``sip.admin``...); ``room`` goes into the
        video grant. ``observer`` gives the document's observer token (see `Create Token For
        Server Check`) and ``no token`` returns ``${None}``, for a request without a token.

        Example:
        | ${token} = | Create Token With Grants | roomAdmin | room=demo |
        """
        text = " ".join(str(grants).split())
        if text.lower() in ("no token", "none"):
            return None
        if text.lower() == "observer":
            return self.create_token_for_server_check("observer", "client_test", room or "test_room")
        options: dict = {"ttl": ttl}
        for name in (part.strip() for part in text.split(",")):
            if not name:
                continue
            option = model.to_snake(name).replace(".", "_")
            options[option] = True
        try:
            claims = minting.build_claims(self.keyring.primary.key, identity, room or None, **options)
        except ValueError as error:
            raise AssertionError(f"Cannot mint a token with grants '{text}': {error}") from None
        token = minting.encode(claims, self.keyring.prepared_secret(self.keyring.primary.key))
        return self._minted(token, f"grants: {text}", claims)

    # ------------------------------------------------------------------ server checks

    @keyword
    def validate_token_with_server(
        self, token, expected_status: int = 200, expected_text: str = "success", scheme: str = "Bearer"
    ) -> None:
        """Send ``token`` to the server's ``/rtc/validate`` and check the status and a part of the answer.

        The token goes in the ``Authorization`` header (``scheme`` and the token), never in the
        URL. ``expected_text`` is a stable part of the answer (case-insensitive): the wording
        around it differs between server releases.

        Examples:
        | Validate Token With Server | ${token} |
        | Validate Token With Server | ${expired} | 401 | token is expired |
        """
        server = self._server()
        text = self._remember(token)
        exchange = self._exchange(
            SERVER_SESSION, server, "GET", "/rtc/validate", token=text, scheme=scheme, what="the LiveKit server"
        )
        observe.note_verdict(text, exchange.status, self._excerpt(exchange.body, limit=300))
        started_cluster.every_node_alike(text, scheme, int(expected_status))  # a cluster: the same answer from each node
        self._check_answer("Server validation", exchange, int(expected_status), expected_text, token=text, scheme=scheme)

    @keyword
    def call_room_service(
        self, method: str, token=None, room: str = "", expected_status: int = 200, expected_text: str = ""
    ) -> dict | None:
        """Call ``POST /twirp/livekit.RoomService/<method>`` with ``token`` and check the answer.

        The JSON body is the one ``method`` needs for ``room`` (``CreateRoom``: ``{"name": room}``,
        ``ListRooms``: ``{}``, others ``{"room": room}``). ``token`` ``${None}`` sends no token.
        Returns the decoded JSON answer, or ``${None}`` when it is not JSON.

        Examples:
        | Call Room Service | ListRooms | ${admin} | expected_text=rooms |
        | Call Room Service | ListRooms | ${observer} | expected_status=401 | expected_text=unauthenticated |
        """
        server = self._server()
        name = str(method).strip()
        body = _ROOM_SERVICE_BODIES.get(name, lambda value: {"room": value})(room)
        text = None if token is None else self._remember(token)
        exchange = self._exchange(
            SERVER_SESSION,
            server,
            "POST",
            f"/twirp/livekit.RoomService/{name}",
            token=text,
            json_body=body,
            what="the LiveKit server",
        )
        self._check_answer("Room service call", exchange, int(expected_status), expected_text, call=name, token=text, room=room)
        try:
            answer = load_json(exchange.body)
        except UnreadableJson as unreadable:
            if unreadable.too_deep:
                raise AssertionError(f"The LiveKit server answered {name} with JSON {TOO_DEEP}.") from None
            return None
        return answer if isinstance(answer, dict) else None

    @keyword
    def unique_room_name(self, prefix: str = "livekit-auth-check") -> str:
        """Return ``prefix`` followed by a random suffix, for a room no one else uses.

        Example:
        | ${room} = | Unique Room Name | livekit-auth-check |
        """
        return f"{prefix}-{random_source.token_hex(4)}"

    @keyword
    def delete_room_if_present(self, room: str) -> None:
        """Delete ``room`` with a short-lived ``roomCreate`` token; a room that is already gone is fine.

        Example:
        | Suite Teardown | Delete Room If Present | ${room} |
        """
        if not room or self._state.server_url is None:
            return
        token = self.create_token_with_grants("roomCreate")
        exchange = self._exchange(
            SERVER_SESSION,
            self._state.server_url,
            "POST",
            "/twirp/livekit.RoomService/DeleteRoom",
            token=token.value,
            json_body={"room": room},
            what="the LiveKit server",
        )
        rows = self._exchange_rows(exchange)
        self._log_table("Room service call", rows)
        if exchange.status not in (200, 404):
            message = (
                f"Deleting room '{room}' answered {status_text(exchange.status, exchange.reason)}: {self._excerpt(exchange.body)}"
            )
            raise AssertionError(self._answer_diagnosed(message, exchange, "RoomService/DeleteRoom", token.value, room=room))

    @keyword
    def server_clock_should_be_in_step(self, leeway: Duration = f"{SERVER_LEEWAY_SECONDS} s") -> None:
        """Compare the server's ``Date`` header with the local clock and report the skew.

        The skew is logged and recorded as a ``Clock skew`` finding. From half of ``leeway``
        on it is a warning; beyond ``leeway`` the check fails, because the server would then see
        tokens minted on this machine as not yet valid, or expire them early.

        Example:
        | Server Clock Should Be In Step |
        """
        server = self._server()
        limit = float(leeway)
        exchange = self._exchange(SERVER_SESSION, server, "GET", "/", what="the LiveKit server")
        try:
            skew = skew_from_date(exchange.headers.get("date"), exchange.sent_at, exchange.received_at)
        except ValueError as error:
            raise AssertionError(f"Cannot compare clocks: {error}.") from None
        self._log_table("Clock skew", skew.rows(), kind="clock_skew", facts={"seconds": round(skew.seconds, 3)})
        severity = skew.severity(limit)
        text = skew.sentence(limit)
        self._finding("clock-skew", severity, text)
        if severity == "failure":
            clock = observe.clock_from_date(exchange.headers.get("date"), exchange.sent_at, exchange.received_at)
            raise AssertionError(self._diagnosed(text, CLOCK, clock=clock, leeway=limit))

    # ------------------------------------------------------------------ token endpoint checks

    @keyword
    def request_token_from_endpoint(
        self,
        room_name: str | None = None,
        participant_identity: str | None = None,
        participant_name: str | None = None,
        participant_metadata: str | None = None,
        participant_attributes: dict | None = None,
        agent_name: str | None = None,
        agent_metadata: str | None = None,
        caller_chooses: str | None = None,
    ) -> Secret:
        """Ask the endpoint for a token in its shape and return the token as a ``Secret``.

        The shape comes from ``${ENDPOINT_SHAPE}``, ``${ENDPOINT_METHOD}`` and ``${ENDPOINT_FIELDS}``:
        LiveKit's standard request (POST JSON), a connection-details route (GET with query
        parameters in the app's names), or detected (``auto``: the standard first, then GET when
        the route refuses POST with 404 or 405). The answer may be snake_case or camelCase JSON, as
        LiveKit's clients read it, or the bare token. ``caller_chooses`` (``identity, room, name,
        metadata``, ``none``, or empty for the shape's own) limits the request to the fields the
        caller chooses; without it every given field is sent. Empty values are left out, as
        clients do. Anything else fails with one sentence (connection refused, timeout, status
        with a token-free excerpt of the body, not JSON, missing fields...).

        Example:
        | ${token} = | Request Token From Endpoint | room_name=test_room | participant_identity=alice |
        """
        values = {
            "room": room_name,
            "identity": participant_identity,
            "name": participant_name,
            "metadata": participant_metadata,
            "attributes": participant_attributes,
        }
        endpoint = self._endpoint()
        settings = self._endpoint_settings()
        chosen = settings.first()
        while True:
            chooses = None if caller_chooses is None else settings.chooses(chosen.name)
            kept = asking.sent_values(values, chooses)
            query, json_body = shapes.request_parts(chosen, kept, agent_name or "", agent_metadata or "")
            exchange = self._exchange(
                ENDPOINT_SESSION,
                origin(endpoint),
                chosen.method,
                path_and_query(shapes.with_query(endpoint, query)),
                json_body=json_body,
                headers=self._extra_headers(),
                what="the token endpoint",
                timeout=self._endpoint_timeout(),
            )
            retry = settings.fallback(chosen, exchange.status)
            if retry is None:
                break
            chosen = retry
        body = build_request(
            kept.get("room"),
            kept.get("identity"),
            kept.get("name"),
            kept.get("metadata"),
            kept.get("attributes"),
            agent_name if json_body is not None else None,
            agent_metadata if json_body is not None else None,
        )
        rows = self._exchange_rows(exchange)
        rows.append({"label": "Content-Type", "expected": None, "actual": exchange.headers.get("content-type"), "ok": None})
        rows.append({"label": "Cache-Control", "expected": None, "actual": exchange.headers.get("cache-control"), "ok": None})
        try:
            answer, form = endpoint_answers.read(
                exchange.status,
                exchange.reason,
                exchange.headers.get("content-type"),
                exchange.headers.get("cache-control"),
                exchange.body,
                secrets=self._secrets(),
            )
        except AssertionError as failure:
            rows.append({"label": "Answer", "expected": "2xx JSON with a token", "actual": str(failure), "ok": False})
            self._log_table("Token endpoint answer", rows)
            facts = _endpoint_answer_facts(exchange, endpoint, len(self._extra_headers()))
            if facts is None:
                raise
            raise AssertionError(self._diagnosed(str(failure), ENDPOINT, endpoint=facts)) from None
        self._note_shape(chosen, form, exchange, chooses)
        self._remember(answer.token)
        observe.note_issued(answer.token, "the token endpoint", at=exchange.received_at)
        rows.append({"label": "server_url", "expected": None, "actual": answer.server_url or "(none)", "ok": None})
        rows.append({"label": "participant_token", "expected": None, "actual": _describe_token(answer.token), "ok": None})
        self._log_table("Token endpoint answer", rows)
        try:
            parse_token(answer.token)
        except TokenRejected as rejection:
            message = f"The participant_token in the endpoint's answer is not a LiveKit token: {rejection.detail}."
            token_facts = observe.token_facts(answer.token, self.keyring)
            raise AssertionError(
                self._diagnosed(message, REFUSAL, refusal=rejection.cause, refusal_detail=rejection.detail, token=token_facts)
            ) from None
        name = evidence.fingerprint(answer.token)
        self._state.requests_by_token[name] = EndpointRequest(
            body=body,
            sent_at=exchange.sent_at,
            received_at=exchange.received_at,
            server_url=answer.server_url,
            cache_control=answer.cache_control,
            status=answer.status,
            date=exchange.headers.get("date"),
            age=exchange.headers.get("age"),
        )
        self._state.endpoint_answers.setdefault(name, []).append(body)
        self._state.endpoint_cookies = dict(exchange.cookies)
        self._state.endpoint_request = self._state.requests_by_token[name]
        self._state.endpoint_identities.add(identity_of(parse_token(answer.token).claims))
        return Secret(answer.token)

    @keyword
    def endpoint_token_should_match_the_request(self, token) -> None:
        """Check that ``token`` carries what was asked of the endpoint and has not expired.

        Identity, room, participant name, metadata, attributes and the agent dispatch in
        ``roomConfig`` are compared with the request that returned ``token``; a token for another
        identity or room, or one that is expired or not yet valid, fails with one sentence.

        Example:
        | Endpoint Token Should Match The Request | ${token} |
        """
        text, request = self._requested(token)
        claims = parse_token(text).claims
        problems = request_mismatches(claims, request.body)
        rows = []
        for label, field_name, actual in (
            ("Identity", "participant_identity", identity_of(claims)),
            ("Room", "room_name", _room(claims)),
            ("Name", "participant_name", claims.get("name")),
            ("Metadata", "participant_metadata", claims.get("metadata")),
            ("Attributes", "participant_attributes", claims.get("attributes")),
            ("Agent dispatch", "room_config", claims.get("roomConfig")),
        ):
            wanted = request.body.get(field_name)
            rows.append({"label": label, "expected": wanted, "actual": actual, "ok": None})
        validity = "valid now"
        try:
            check_times(parse_token(text))
        except TokenRejected as rejection:
            validity = rejection.detail
            if rejection.cause == "expired":
                problems.append(f"The endpoint returned an expired token: {rejection.detail.split(': ', 1)[-1]}.")
            elif rejection.cause == "not-yet-valid":
                problems.append(f"The endpoint returned a token that is not valid yet: {rejection.detail.split(': ', 1)[-1]}.")
            else:
                problems.append(f"The endpoint returned a token without a usable expiry: {rejection.detail}.")
        for row in rows:
            if row["expected"] is not None:
                row["ok"] = not any(_mentions(problem, row["label"]) for problem in problems)
        rows.append({"label": "Validity", "expected": "valid now", "actual": validity, "ok": validity == "valid now"})
        self._log_table("Endpoint token", rows)
        if problems:
            facts = self._endpoint_token_facts(text, request, claims, validity)
            raise AssertionError(self._diagnosed(" ".join(problems), ENDPOINT, endpoint=facts, token=self._token_facts(text)))

    @keyword
    def requested_room_of_endpoint_token(self, token) -> str | None:
        """The room the request for ``token`` named, or ``None`` when the app chose it (the room is then only reported).

        Example:
        | ${room} = | Requested Room Of Endpoint Token | ${token} |
        """
        _, request = self._requested(token)
        return request.body.get("room_name") or None

    @keyword
    def token_should_grant_no_more_than(self, token, allowed) -> None:
        """Check that every permission ``token`` gives is in ``allowed`` (a list or comma-separated text).

        Permissions are counted as the server applies them: ``canPublish`` and ``canSubscribe``
        count when the token leaves them out. Other grants are named ``sip.admin``,
        ``agent.admin`` and so on.

        Example:
        | Token Should Grant No More Than | ${token} | roomJoin, canPublish, canSubscribe, canPublishData |
        """
        names = allowed.split(",") if isinstance(allowed, str) else [str(item) for item in allowed]
        claims = parse_token(self._remember(token)).claims
        extra = grants_beyond(claims, names)
        rows = [
            {"label": "Allowed", "expected": None, "actual": ", ".join(n.strip() for n in names if n.strip()), "ok": None},
            {"label": "Granted", "expected": None, "actual": ", ".join(granted(claims)) or "nothing", "ok": None},
            {"label": "Beyond the allowed", "expected": "nothing", "actual": ", ".join(extra) or "nothing", "ok": not extra},
        ]
        self._log_table("Access grants", rows)
        if extra:
            video = claims.get("video") if isinstance(claims.get("video"), dict) else {}
            written = model.server_view(video, model.VIDEO_FIELDS)
            facts = EndpointFacts("grants", extra_grants=tuple(extra), actual={"publish_written": "canPublish" in written})
            message = f"The token grants more than allowed: {', '.join(extra)}."
            raise AssertionError(self._diagnosed(message, ENDPOINT, endpoint=facts))

    @keyword
    def token_lifetime_should_be_between(self, token, minimum: Duration = "2 minutes", maximum: Duration = "24 hours") -> None:
        """Check that ``token`` lives (``exp`` - ``nbf``, or ``exp`` - now without ``nbf``) between both durations.

        LiveKit clients fetch a new token once fewer than 60 seconds are left, so a token shorter
        than that is refetched on every use; a long one stays usable long after it leaks.

        Example:
        | Token Lifetime Should Be Between | ${token} | 2 minutes | 24 hours |
        """
        parsed = parse_token(self._remember(token))
        low, high = float(minimum), float(maximum)
        claims = parsed.server_claims
        if "exp" not in claims:
            message = "The token has no exp claim, so it never expires for a client."
            token_facts = self._token_facts(parsed.text)
            raise AssertionError(self._diagnosed(message, ENDPOINT, endpoint=EndpointFacts("no-exp"), token=token_facts))
        request = self._state.requests_by_token.get(evidence.fingerprint(parsed.text))
        counted = times.lifetime(claims, request.sent_at if request else current_time())
        lifetime = counted.seconds
        basis = {"request": "the request (the token has no usable nbf or iat)", "nbf": "nbf", "iat": "iat"}[counted.basis]
        if counted.basis == "request" or (counted.basis == "iat" and request is not None):
            minted = times.mint_time(claims)
            if minted.nbf_missing:
                finding = endpoint_findings.nbf_missing(claims.get("nbf"))
                self._finding(finding.id, finding.severity, f"{finding.sentence} Fix: {finding.fix}")
        ok = low <= lifetime <= high
        self._log_table(
            "Token lifetime",
            [
                {
                    "label": "Lifetime",
                    "expected": f"{format_duration(low)} to {format_duration(high)}",
                    "actual": f"{format_duration(lifetime)} (counted from {basis})",
                    "ok": ok,
                }
            ],
        )
        if not ok:
            side = "shorter" if lifetime < low else "longer"
            message = (
                f"The token lives {format_duration(lifetime)}, {side} than the "
                f"{format_duration(low if side == 'shorter' else high)} allowed."
            )
            facts = EndpointFacts("lifetime", lifetime=lifetime, limits=(low, high))
            raise AssertionError(self._diagnosed(message, ENDPOINT, endpoint=facts))

    @keyword
    def endpoint_token_should_be_fresh(self, token, tolerance: Duration = "5 seconds") -> None:
        """Check that ``token`` was minted for its request: ``nbf`` (or ``iat``) within ``tolerance`` of it.

        A token route cached by a web framework or a proxy hands out the same old token; its
        ``nbf`` then lies before the request. The answer's ``Cache-Control`` header is reported,
        and an answer that allows caching is reported as a finding.

        Example:
        | Endpoint Token Should Be Fresh | ${token} | tolerance=5 seconds |
        """
        text, request = self._requested(token)
        claims = parse_token(text).server_claims
        slack = float(tolerance)
        claim = times.mint_time(claims).claim
        cache = request.cache_control
        rows = [
            {"label": "Request sent", "expected": None, "actual": format_utc(request.sent_at), "ok": None},
            {"label": "Cache-Control", "expected": "no-store", "actual": cache or "(not set)", "ok": None},
        ]
        self._report_caching(cache)
        if claim is None:
            self._fresh_by_two_requests(text, request, claims, rows)
            return
        minted = float(claims[claim])
        # nbf and iat are whole seconds, rounded down.
        early = request.sent_at - slack - 1
        late = request.received_at + slack
        ok = early <= minted <= late
        offset = round(minted - request.sent_at)
        rows.append(
            {
                "label": f"Minted at ({claim})",
                "expected": f"within {format_duration(slack)} of the request",
                "actual": f"{format_utc(minted)} ({offset:+d} s from the request)",
                "ok": ok,
            }
        )
        self._log_table("Endpoint token freshness", rows)
        if not ok:
            age = request.sent_at - minted
            if age > 0:
                message = (
                    f"The endpoint returned a token minted {format_duration(age)} before the request "
                    f"({claim} {format_utc(minted)}): the answer looks cached."
                )
            else:
                message = (
                    f"The endpoint returned a token whose {claim} is {format_duration(-age)} after the request: "
                    "the endpoint's clock is ahead."
                )
            facts = self._endpoint_token_facts(text, request, claims, "stale" if age > 0 else "not-yet-valid")
            raise AssertionError(self._diagnosed(message, ENDPOINT, endpoint=facts))

    def _report_caching(self, cache: str | None) -> None:
        if cacheable(cache):
            self._finding(
                "token-caching",
                "warning",
                f"The token endpoint's answer allows caching (Cache-Control: {cache}); a shared cache could hand "
                "one participant's token to another. Answer with Cache-Control: no-store.",
            )
        elif cache is None:
            self._finding(
                "token-caching",
                "info",
                "The token endpoint's answer has no Cache-Control header; Cache-Control: no-store keeps tokens out of caches.",
            )

    def _fresh_by_two_requests(self, text: str, request: EndpointRequest, claims: dict, rows: list[dict]) -> None:
        """Freshness of a token without a mint time: ask again as the same caller and compare the two tokens."""
        body = request.body
        agents = (body.get("room_config") or {}).get("agents") or [{}]
        second = self.request_token_from_endpoint(
            body.get("room_name"),
            body.get("participant_identity"),
            body.get("participant_name"),
            body.get("participant_metadata"),
            body.get("participant_attributes"),
            agents[0].get("agent_name"),
            agents[0].get("metadata"),
        )
        other_text = self._remember(second)
        other = self._state.requests_by_token[evidence.fingerprint(other_text)]
        verdict = times.compare_answers(
            claims, parse_token(other_text).server_claims, text, other_text, other.sent_at - request.sent_at
        )
        rows.append({"label": "Minted at (nbf or iat)", "expected": None, "actual": "not said by the token", "ok": None})
        rows.append({"label": "Second request", "expected": "a different token", "actual": verdict.reason, "ok": verdict.fresh})
        self._log_table("Endpoint token freshness", rows)
        if not verdict.fresh:
            message = f"The endpoint's tokens carry no mint time, and {verdict.reason}: the answer looks cached."
            facts = self._endpoint_token_facts(text, request, claims, "stale")
            raise AssertionError(self._diagnosed(message, ENDPOINT, endpoint=facts))

    @keyword("Endpoint Should Not Fail On Empty Request")
    def endpoint_should_not_fail_on_empty_request(self) -> int:
        """POST ``{}`` to the endpoint: any 2xx or 4xx answer passes, a 5xx fails. Returns the status.

        Every field of the standard request is optional: an endpoint may fill in defaults or
        refuse the request, but must not crash.

        Example:
        | Endpoint Should Not Fail On Empty Request |
        """
        endpoint = self._endpoint()
        method = self._state.endpoint_shape.get("method") or self._endpoint_settings().first().method
        exchange = self._exchange(
            ENDPOINT_SESSION,
            origin(endpoint),
            method,
            path_and_query(endpoint),
            json_body=None if method == "GET" else {},
            headers=self._extra_headers(),
            what="the token endpoint",
            timeout=self._endpoint_timeout(),
        )
        self._remember_answer_token(exchange)
        ok = 200 <= exchange.status < 300 or 400 <= exchange.status < 500
        rows = self._exchange_rows(exchange)
        rows.append({"label": "Status class", "expected": "2xx or 4xx", "actual": f"{exchange.status // 100}xx", "ok": ok})
        self._log_table("Empty token request", rows)
        if not ok:
            message = (
                f"The token endpoint answered an empty request {{}} with {status_text(exchange.status, exchange.reason)}, "
                f"a server error instead of a 2xx or 4xx: {self._excerpt(exchange.body)}"
            )
            facts = EndpointFacts("empty-request", status=exchange.status)
            raise AssertionError(self._diagnosed(message, ENDPOINT, endpoint=facts))
        return exchange.status

    @keyword("LiveKit JS Client Should Fetch A Token")
    def livekit_js_client_should_fetch_a_token(
        self,
        room_name: str | None = None,
        participant_identity: str | None = None,
        participant_name: str | None = None,
        agent_name: str | None = None,
        caller_chooses: str | None = None,
    ) -> dict:
        """Let LiveKit's JS client (``TokenSource.endpoint`` of ``livekit-client``) fetch a token from the endpoint.

        Runs ``interop/node/token_source_client.mjs`` with Node.js and checks that the client got a
        token for the requested identity and room, and that it would reuse it (its validity is
        more than the client's 60 s refresh margin). A GET route (connection-details) is fetched
        with the client's ``TokenSource.custom`` and a GET, as such an app's own code does.
        ``caller_chooses`` limits the options to the fields the caller chooses, as
        `Request Token From Endpoint` does. Returns the client's token-free summary.
        Skips the test when Node.js 18+ or the ``livekit-client`` package is missing.

        Example:
        | ${summary} = | LiveKit JS Client Should Fetch A Token | test_room | client_test |
        """
        node = _node_or_skip()
        settings = self._endpoint_settings()
        method = self._state.endpoint_shape.get("method") or settings.first().method
        shape_name = self._state.endpoint_shape.get("shape") or settings.first().name
        chosen = shapes.shape(shapes.CONNECTION_DETAILS if method == "GET" else shapes.STANDARD, method, dict(settings.fields))
        values = {"room": room_name, "identity": participant_identity, "name": participant_name}
        if caller_chooses is not None:
            values = asking.sent_values(values, settings.chooses(shape_name))
            room_name, participant_identity, participant_name = (values.get(k) for k in ("room", "identity", "name"))
        if method == "GET":
            options, _ = shapes.request_parts(chosen, values)
        else:
            options = {
                key: value
                for key, value in (
                    ("roomName", room_name),
                    ("participantIdentity", participant_identity),
                    ("participantName", participant_name),
                    ("agentName", agent_name),
                )
                if value not in (None, "")
            }
        try:
            summary = js_client.fetch_token(
                node,
                self._endpoint(),
                self._extra_headers(),
                options,
                timeout=max(30.0, self._endpoint_timeout() * 3),
                excerpt=lambda text, limit=160: self._excerpt(text, limit=limit),
                method=method,
            )
        except AssertionError as failure:
            answered = bool(self._state.requests_by_token)
            cause = "bare token" if self._state.endpoint_shape.get("shape") == shapes.BARE else "no token"
            raise AssertionError(recording.failure(str(failure), lambda: deliveries.js_client(cause, answered))) from None
        if method == "GET":
            agent_name = None  # a GET route carries no agent dispatch
        checks = [
            ("Identity", participant_identity, summary.get("identity")),
            ("Room", room_name, summary.get("room")),
            ("Name", participant_name, summary.get("name")),
            ("Agent dispatch", [agent_name] if agent_name else None, summary.get("agents")),
            ("Reused by the client", True if method != "GET" else None, summary.get("reused")),
        ]
        rows = [
            {"label": label, "expected": wanted, "actual": actual, "ok": None if wanted in (None, "") else actual == wanted}
            for label, wanted, actual in checks
        ]
        for label, key in (
            ("Client", "client"),
            ("Fetched with", "source"),
            ("Fingerprint", "fingerprint"),
            ("server_url", "server_url"),
            ("Expires", "expires"),
            ("Token length", "token_length"),
        ):
            rows.append({"label": label, "expected": None, "actual": summary.get(key), "ok": None})
        self._log_table("JS client token", rows)
        wrong = [
            f"{label.lower()} is {actual!r}, expected {wanted!r}"
            for label, wanted, actual in checks
            if wanted not in (None, "") and actual != wanted
        ]
        if wrong:
            message = f"LiveKit's JS client got a different token than requested: {'; '.join(wrong)}."
            raise AssertionError(recording.failure(message, lambda: deliveries.js_client("mismatch", True)))
        return summary

    # ------------------------------------------------------------------ keys

    @property
    def keyring(self) -> Keyring:
        """The run's key pairs, shared by every keyword library of the run."""
        return run_context().keyring

    # ------------------------------------------------------------------ HTTP plumbing

    def _requests_library(self) -> RequestsLibrary:
        if self._requests is None:
            shared = library_instance("RequestsLibrary")
            self._requests = shared if isinstance(shared, RequestsLibrary) else RequestsLibrary()
        return self._requests

    def _session(self, alias: str, base_url: str) -> requests.Session:
        session = self._requests_library().create_session(alias, base_url, max_retries=0, verify=tls.verify_setting())
        host = base_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
        if is_loopback(host):
            session.trust_env = False  # never send loopback traffic to a proxy from the environment
        self._state.sessions[alias] = (session, base_url)
        return session

    def _exchange(
        self,
        alias: str,
        base_url: str,
        method: str,
        path: str,
        token: str | None = None,
        scheme: str = "Bearer",
        json_body: dict | None = None,
        headers: dict | None = None,
        what: str = "the server",
        timeout: float | None = None,
    ) -> Exchange:
        session, session_base = self._state.sessions.get(alias, (None, None))
        if session is None or session_base != base_url:
            session = self._session(alias, base_url)
        url = base_url.rstrip("/") + (path if path.startswith("/") else "/" + path)
        sent_headers = {"Accept": "application/json, text/plain;q=0.9, */*;q=0.1"}
        sent_headers.update(headers or {})
        if token is not None:
            sent_headers["Authorization"] = f"{scheme} {token}" if scheme else token
        limit = self.timeout if timeout is None else timeout
        try:
            return transport.send(session, method, url, sent_headers, json_body, limit, token)
        except requests.RequestException as error:
            message = transport_failure(error, what, url, limit)
            configured = self._state.server_given if alias == SERVER_SESSION else self._state.endpoint_url
            failure = observe.transport_failure(error, url, configured, what=what, timeout=limit)
            if failure.kind == "tls-expected":
                parts = urlsplit(url)
                setting = "LIVEKIT_URL" if alias == SERVER_SESSION else "LIVEKIT_TOKEN_ENDPOINT"
                message = tls.plain_to_tls(parts.hostname, parts.port or 80, what, setting)
            raise AssertionError(self._diagnosed(message, TRANSPORT, transport=failure)) from None

    def _exchange_rows(self, exchange: Exchange) -> list[dict]:
        return [
            {"label": "Request", "expected": None, "actual": f"{exchange.method} {exchange.path}", "ok": None},
            {"label": "Token sent", "expected": None, "actual": exchange.token_fingerprint or "none", "ok": None},
            {"label": "Status", "expected": None, "actual": status_text(exchange.status, exchange.reason), "ok": None},
            {"label": "Body", "expected": None, "actual": self._excerpt(exchange.body), "ok": None},
            {
                "label": "Time",
                "expected": None,
                "actual": f"{(exchange.received_at - exchange.sent_at) * 1000:.0f} ms",
                "ok": None,
            },
        ]

    def _check_answer(
        self,
        title: str,
        exchange: Exchange,
        status: int,
        text: str,
        call: str | None = None,
        token: str | None = None,
        room: str | None = None,
        scheme: str = "Bearer",
    ) -> None:
        body = self._excerpt(exchange.body, limit=400)
        status_ok = exchange.status == status
        text_ok = not text or text.lower() in exchange.body.decode("utf-8", "replace").lower()
        rows = [
            {"label": "Request", "expected": None, "actual": f"{exchange.method} {exchange.path}", "ok": None},
            {"label": "Token sent", "expected": None, "actual": exchange.token_fingerprint or "none", "ok": None},
            {"label": "Status", "expected": status, "actual": exchange.status, "ok": status_ok},
            {
                "label": "Answer",
                "expected": f"contains '{text}'" if text else None,
                "actual": body,
                "ok": text_ok if text else None,
            },
        ]
        facts = {
            "path": exchange.path,
            "status": exchange.status,
            "expected_status": status,
            "ok": status_ok and text_ok,
            "refusal": refusal_cause(exchange.status, exchange.body),
        }
        self._log_table(title, rows, kind="server_answer", facts=facts)
        if status_ok and text_ok:
            return
        what = f"{call} " if call else ""
        wanted = f"{status} with '{text}'" if text else str(status)
        message = (
            f"{what}{exchange.path} answered {status_text(exchange.status, exchange.reason)} '{self._excerpt(exchange.body)}' "
            f"instead of {wanted}."
        )
        asked = f"RoomService/{call}" if call else exchange.path
        raise AssertionError(
            self._answer_diagnosed(
                message, exchange, asked, token, room=room, scheme=scheme, expected_status=status, expected_text=text or None
            )
        )

    # ------------------------------------------------------------------ diagnosis

    def _observed(self, failure: str, **facts) -> Observations:
        """What a diagnosis reads besides ``facts``: the configured keys, the server, this machine's clock."""
        try:
            keys, padded = observe.key_facts(self.keyring)
        except AssertionError:  # the keys do not load: the configuration failure says so
            keys, padded = (), ()
        facts.setdefault("leeway", float(SERVER_LEEWAY_SECONDS))
        return Observations(
            failure,
            keys=keys,
            padded_keys=padded,
            server_url=self._state.server_ws_url,
            server_version=self._state.server_version,
            now=current_time(),
            **facts,
        )

    def _diagnosed(self, message: str, failure: str, **facts) -> str:
        """``message`` with the diagnosis of what was observed added (and recorded as a finding)."""
        return recording.failure(message, lambda: diagnose(self._observed(failure, **facts)))

    def _token_facts(self, token: str | None):
        if token is None:
            return None
        try:
            return observe.token_facts(token, self.keyring)
        except AssertionError:
            return observe.token_facts(token, None)

    def _answer_diagnosed(self, message: str, exchange: Exchange, call: str, token: str | None, **details) -> str:
        try:
            return self._server_answer_diagnosed(message, exchange, call, token, **details)
        except Exception:  # a diagnosis explains a failure; it must never replace it
            return message

    def _server_answer_diagnosed(self, message: str, exchange: Exchange, call: str, token: str | None, **details) -> str:
        answer = observe.server_answer(
            exchange.status,
            exchange.body,
            call,
            tokens=self._state.known_tokens,
            secrets=[*self.keyring.secrets(), *self._state.header_secrets],
            token_sent=token is not None,
            **details,
        )
        clock = observe.clock_from_date(exchange.headers.get("date"), exchange.sent_at, exchange.received_at)
        return self._diagnosed(message, SERVER_ANSWER, server=answer, token=self._token_facts(token), clock=clock)

    def _endpoint_token_facts(self, text: str, request: EndpointRequest, claims: dict, hint: str) -> EndpointFacts:
        """How an endpoint's token relates to its request: the field it got wrong, its age, the endpoint's clock."""
        try:
            return self._read_endpoint_token(text, request, claims, hint)
        except Exception:  # what could not be read is left out; the failure itself still stands
            return EndpointFacts(hint if hint in ("stale", "not-yet-valid") else "request")

    def _read_endpoint_token(self, text: str, request: EndpointRequest, claims: dict, hint: str) -> EndpointFacts:
        name = evidence.fingerprint(text)
        before = sum(1 for body in self._state.endpoint_answers.get(name, []) if body != request.body)
        problem, requested, actual = hint, {}, {}
        if hint not in ("stale", "not-yet-valid"):
            for field_name, value in (
                ("participant_identity", identity_of(claims)),
                ("room_name", _room(claims)),
                ("participant_name", claims.get("name")),
                ("participant_metadata", claims.get("metadata")),
            ):
                wanted = request.body.get(field_name)
                if wanted and value != wanted:
                    problem, requested, actual = "request", {"field": field_name, "value": wanted}, {"value": value}
                    break
            else:
                try:
                    check_times(parse_token(text))
                    problem = "request"
                except TokenRejected as rejection:
                    problem = {"expired": "expired", "not-yet-valid": "not-yet-valid"}.get(rejection.cause, "no-exp")
        server_claims = parse_token(text).server_claims
        minted = server_claims.get("nbf", server_claims.get("iat"))
        offset = float(minted) - request.sent_at if isinstance(minted, (int, float)) and not isinstance(minted, bool) else None
        clock = observe.clock_from_date(request.date, request.sent_at, request.received_at)
        return EndpointFacts(
            problem,
            url=without_query(self._state.endpoint_url or ""),
            status=request.status,
            requested=requested,
            actual=actual,
            answered_before=before,
            cache_control=request.cache_control,
            age=request.age,
            date_skew=clock.skew,
            minted_offset=offset,
            identities_seen=len(self._state.endpoint_identities),
        )

    def _secrets(self) -> list[str]:
        """The API secrets and the endpoint header values sent so far: never shown in an excerpt."""
        return [*self.keyring.secrets(), *self._state.header_secrets]

    def _excerpt(self, body, limit: int = 160) -> str:
        return excerpt(body, tokens=self._state.known_tokens, secrets=self._secrets(), limit=limit)

    def _remember(self, token) -> str:
        try:
            text = token_text(token)
        except TokenRejected as rejection:
            raise AssertionError(str(rejection)) from None
        if text not in self._state.known_tokens:
            self._state.known_tokens.add(text)
            evidence.remember_token(text)
        return text

    def _remember_answer_token(self, exchange: Exchange) -> None:
        try:
            document = load_json(exchange.body)
        except UnreadableJson:  # nothing to remember: a token in the body is masked by its look alone
            return
        found = shapes.read_document(document) if isinstance(document, dict) else shapes.read_bare(exchange.body)
        if found is not None and isinstance(found.token, str):
            self._remember(found.token)

    def _minted(self, token: str, case: str, claims: dict) -> Secret:
        self._remember(token)
        observe.note_issued(token, "this run")
        self._log_table(
            "Token generated",
            [
                {"label": "Case", "value": case},
                {"label": "API key", "value": claims.get("iss")},
                {"label": "Participant", "value": claims.get("sub", "")},
                {"label": "Room", "value": (claims.get("video") or {}).get("room", "")},
                {"label": "Token length", "value": f"{len(token)} characters"},
                {"label": "Fingerprint", "value": evidence.fingerprint(token)},
            ],
        )
        return Secret(token)

    def _requested(self, token) -> tuple[str, EndpointRequest]:
        text = self._remember(token)
        request = self._state.requests_by_token.get(evidence.fingerprint(text))
        if request is None:
            raise AssertionError("This token did not come from Request Token From Endpoint; request it there first.")
        return text, request

    def _server(self) -> str:
        if self._state.server_url is None:
            raise AssertionError("No LiveKit server is chosen yet; call Use LiveKit Server first (in Suite Setup).")
        return self._state.server_url

    def _endpoint(self) -> str:
        if self._state.endpoint_url is None:
            raise AssertionError("No token endpoint is chosen yet; call Use Token Endpoint first (in Suite Setup).")
        return self._state.endpoint_url

    def _endpoint_settings(self) -> asking.Settings:
        try:
            return asking.read_settings(lambda name, default: _variable_or(name, default))
        except ValueError as error:
            raise ConfigurationFailure(str(error)) from None

    def _endpoint_timeout(self) -> float:
        given = _variable_or("${ENDPOINT_TIMEOUT}", None)
        if given in (None, ""):
            return self.timeout
        try:
            return float(Duration.read(given, "LIVEKIT_ENDPOINT_TIMEOUT"))
        except ValueError as error:
            raise ConfigurationFailure(str(error)) from None

    def _note_shape(self, chosen, form: str, exchange: Exchange, chooses) -> None:
        """Log and record the shape the endpoint answered in (once per shape and form)."""
        detected = shapes.detected_shape(chosen.method, form)
        facts = {
            "shape": detected,
            "method": chosen.method,
            "answer": form,
            "content_type": exchange.headers.get("content-type") or "",
            "caller_chooses": list(chooses) if chooses is not None else None,
            "configured": self._endpoint_settings().shape,
        }
        known = self._state.endpoint_shape
        if known == facts or (chooses is None and known and all(known.get(k) == facts[k] for k in ("shape", "method", "answer"))):
            return
        self._state.endpoint_shape = facts
        chosen_text = "every field given" if chooses is None else (", ".join(chooses) or "nothing: the app chooses")
        self._log_table(
            "Token endpoint shape",
            [
                {"key": "shape", "label": "Shape", "value": detected},
                {"key": "method", "label": "Method", "value": chosen.method},
                {"key": "answer", "label": "Answer", "value": form},
                {"key": "content_type", "label": "Content-Type", "value": facts["content_type"] or "(none)"},
                {"key": "caller_chooses", "label": "The caller chooses", "value": chosen_text},
                {"key": "configured", "label": "Shape setting", "value": facts["configured"]},
            ],
            kind="endpoint_shape",
            facts=facts,
        )

    def _extra_headers(self) -> dict[str, str]:
        try:
            headers = read_extra_headers(robot_variable(HEADERS_VARIABLE), "TOKEN_ENDPOINT_HEADERS")
        except HeaderError as error:
            raise ConfigurationFailure(str(error)) from None
        headers = {**self._state.own_headers, **headers}
        for text in headers.values():
            if len(text) >= HEADER_SECRET_MIN and text not in self._state.header_secrets:
                self._state.header_secrets.add(text)
                evidence.remember_secret(text)
        return headers

    @staticmethod
    def _server_binary() -> server_binary.ServerSource:
        """livekit-server from PATH or the pinned build, which is built here on first use when Go is found."""
        try:
            return server_binary.ensure_server(dict(os.environ, LIVEKIT_URL=""), announce=logger.console)
        except server_binary.BuildFailure as failure:
            sentence = f"Building livekit-server v{server_binary.PINNED_VERSION} failed: {failure} {HOW_TO_ENABLE_LIVE}"
            logger.console(sentence)  # a fatal suite setup failure shows only "stopped" in the tests
            raise ConfigurationFailure(sentence) from None

    def _webhook_settings(self) -> dict:
        """Webhooks of a server this library starts: to a collector on 127.0.0.1, signed with the first key."""
        from livekit_webhooks.collector import start_collector

        self._state.collector = start_collector(self.keyring)
        return {"webhook_urls": [self._state.collector.url], "webhook_key": self.keyring.primary.key}

    def _given_server_collector(self):
        """For a server given by URL: the run's collector at ``LIVEKIT_WEBHOOK_COLLECTOR``, started on first use; else None.

        It listens from the first suite on, so that the server's webhooks of every suite reach it.
        """
        from livekit_settings.webhooks import collector_address
        from livekit_webhooks import given_server

        address = collector_address()  # checked before the run
        if address is None:
            return None
        try:
            collector = given_server.collector_at(address, self.keyring)
        except OSError as error:
            raise ConfigurationFailure(
                f"Cannot receive the LiveKit server's webhooks on {address[0]}:{address[1]} ({error.strerror or error}): "
                "set LIVEKIT_WEBHOOK_COLLECTOR to a free port of this machine and name it in the server's webhook.urls."
            ) from None
        return collector

    def _stop(self, alias: str) -> None:
        managed = self._state.started.pop(alias, None)
        if managed is None:
            return
        code = managed.stop()
        logger.info(f"Stopped {managed.name} (exit code {code}).")

    @staticmethod
    def _checked_url(function, value, setting):
        try:
            return function(value, setting)
        except UrlError as error:
            raise ConfigurationFailure(str(error)) from None

    _log_table = staticmethod(log_table)

    @staticmethod
    def _finding(finding: str, severity: str, text: str) -> None:
        report_finding(finding, text, severity)


# ---------------------------------------------------------------------- helpers


def _room(claims: dict) -> str:
    video = claims.get("video")
    return video.get("room", "") if isinstance(video, dict) else ""


def _mentions(problem: str, label: str) -> bool:
    words = {
        "Identity": "identity '",
        "Room": "room '",
        "Name": "participant name",
        "Metadata": "participant metadata",
        "Attributes": "attribute '",
        "Agent dispatch": "agent",
    }
    return words[label] in problem


def _describe_token(token: str) -> str:
    return f"{len(token)} characters, {evidence.fingerprint(token)}"


def _endpoint_answer_facts(exchange: Exchange, url: str, headers: int) -> EndpointFacts | None:
    """What an endpoint's unusable answer shows: its status, its media type, the fields it has."""
    common = {
        "url": without_query(url),
        "status": exchange.status,
        "content_type": exchange.headers.get("content-type"),
        "headers_configured": headers,
    }
    if not 200 <= exchange.status < 300:
        return EndpointFacts("status", **common)
    try:
        document = load_json(exchange.body)
    except UnreadableJson as unreadable:
        return None if unreadable.too_deep else EndpointFacts("not-json", **common)
    if not isinstance(document, dict):
        return EndpointFacts("fields", **common)
    if "participant_token" in document and "server_url" in document:
        return None  # the fields are there; what is wrong with them is said by the failure itself
    return EndpointFacts("fields", fields=tuple(str(name)[:40] for name in list(document)[:20]), **common)


def _variable_or(name: str, default):
    value = robot_variable(name)
    return default if value is None else value


def _node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        raise SkipExecution("Node.js is not installed: install Node.js 18 or newer and run 'npm ci' in interop/node.")
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=20, check=False).stdout
        major = int(version.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        major = 0
    if major < 18:
        raise SkipExecution("Node.js 18 or newer is needed for LiveKit's JS client; install it and run 'npm ci' in interop/node.")
    if not JS_CLIENT_PACKAGE.exists():
        raise SkipExecution("LiveKit's JS client is not installed: run 'npm ci' in interop/node to enable this check.")
    return node


def _run_has_failures() -> bool:
    """Whether the suite being torn down (with its child suites) has a failed test."""
    return robot_variable("${SUITE STATUS}") == "FAIL"


def _output_folder() -> Path:
    folder = robot_variable("${OUTPUT DIR}")
    return Path(folder) if folder else Path.cwd()
