"""Robot Framework library for LiveKit webhooks: sign events as the server does, verify them as
LiveKit's receivers do, check an app's receiver against forged events, and collect a server's events."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from urllib.parse import urlsplit

import requests
from RequestsLibrary import RequestsLibrary
from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from livekit_diagnosis import deliveries, recording
from livekit_http import deadline, processes, tls
from livekit_http.answers import excerpt, status_text, transport_failure
from livekit_http.headers import HeaderError, read_extra_headers
from livekit_http.urls import UrlError, check_endpoint_url, is_loopback, without_query
from livekit_settings import webhooks as webhook_settings
from livekit_tokens import evidence
from livekit_tokens.arguments import CONVERTERS, Duration, Moment, typed_arguments
from livekit_tokens.environment import NODE_PROJECT, PROJECT_ROOT
from livekit_tokens.keys import Keyring
from livekit_tokens.robot_context import (
    ConfigurationFailure,
    library_instance,
    log_table,
    report_finding,
    robot_variable,
    run_context,
    set_test_message,
)
from livekit_tokens.sdk_oracles import PYTHON_SDK, NodeSdk, PythonSdk, SdkFailure, SdkUnavailable, sdk_name
from livekit_tokens.timeutil import format_duration, format_utc
from livekit_tokens.timeutil import now as current_time
from livekit_tokens.verification import TokenRejected, token_text
from livekit_webhooks import conformance, events, given_server, hostile, signing
from livekit_webhooks.collector import Collector, start_collector
from livekit_webhooks.verification import CAUSES, verify_webhook

__version__ = "1.0.0"

REFERENCE_RECEIVER = PROJECT_ROOT / "examples" / "webhook_receiver.py"
RECEIVER_SESSION = "webhook-receiver"
HEADERS_VARIABLE = "${WEBHOOK_RECEIVER_HEADERS}"
HEADER_SECRET_MIN = 8  # characters; header values this long are noted for the leak guard and kept out of excerpts
RESERVED_HEADERS = ("authorization", "content-type", "content-length")
SDK_VERDICTS = ("accepted", "refused", "crashed")


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
@typed_arguments
class LiveKitWebhooks:
    """Sign, verify and send LiveKit webhooks, and check the receiver an app puts behind them.

    = What a webhook is =

    The LiveKit server POSTs each event (``room_started``, ``participant_joined``, ...) as a
    protojson ``WebhookEvent`` with ``Content-Type: application/webhook+json`` and an
    ``Authorization`` header that holds an access token of the key under ``webhook.api_key``,
    without ``Bearer``, valid for 5 minutes, whose ``sha256`` claim is the standard base64 of the
    SHA-256 of the body bytes (livekit/protocol ``webhook/url_notifier.go``). A receiver must
    check all of it (``webhook/verifier.go``): without the check anyone can forge events.

    = Keys =

    The same as `LiveKitAuth`: ``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET``, ``LIVEKIT_KEYS``,
    else the ``livekit-server --dev`` pair. Webhooks are signed with ``LIVEKIT_WEBHOOK_API_KEY``
    (``${WEBHOOK_API_KEY}``) or the first key, and verified with every configured key.

    = The receiver under test =

    `Use Webhook Receiver` takes ``LIVEKIT_WEBHOOK_URL`` (``${WEBHOOK_URL}``); without it, the
    reference receiver ``examples/webhook_receiver.py`` is started on a free port of 127.0.0.1.
    `Webhook Receiver Should Answer` sends one case of `Create Webhook Request` and checks the
    status class: ``accepted`` needs a 2xx, ``refused`` a 4xx (never a 2xx, never a 5xx), and
    ``refused if strict`` a 4xx only when the receiver claims to be strict
    (``LIVEKIT_WEBHOOK_STRICT``; the reference receiver is), else the answer is reported. For the
    reference receiver the reason in its answer is checked too.

    Extra headers an app's receiver needs for its own protection come from the
    ``${WEBHOOK_RECEIVER_HEADERS}`` dictionary of a variable file (values may be ``Secret``); they
    are sent with every request to the receiver and never logged.

    = Tokens in the log =

    Tokens are taken and returned as ``Secret``; tables show a fingerprint (``sha256:`` and 12 hex
    digits) and the length instead, and every token made or received is noted for the end-of-run
    leak guard.
    """

    ROBOT_LISTENER_API_VERSION = 3
    ROBOT_LIBRARY_CONVERTERS = CONVERTERS

    def __init__(self, timeout: float = 10.0):
        """``timeout`` is the number of seconds to wait for a receiver's answer.

        Example:
        | Library | LiveKitWebhooks | timeout=5 |
        """
        self.timeout = float(timeout)
        self._receiver_url: str | None = None
        self._receiver_is_reference = False
        self._strict = False
        self._started: processes.ManagedProcess | None = None
        self._session: requests.Session | None = None
        self._requests: RequestsLibrary | None = None
        self._judgements: list[conformance.Judgement] = []
        self._known_tokens: set[str] = set()
        self._header_secrets: set[str] = set()
        self._collector: Collector | None = None
        self._server_collector = False  # the collector is the one a server started by this run sends to
        self._python: PythonSdk | None = None
        self._node = NodeSdk(NODE_PROJECT)
        self.ROBOT_LIBRARY_LISTENER = self

    def close(self) -> None:
        """Stop what the library started when Robot Framework is done with it."""
        self._node.close()
        if self._collector is not None:
            self._collector.stop()
        if self._started is not None:
            self._started.stop()
            self._started = None

    # ------------------------------------------------------------------ events and signatures

    @keyword
    def create_webhook_event(
        self, event: str = "participant_joined", room: str = "test_room", participant: str = "client_test"
    ) -> str:
        """Return the body of a webhook event as the server writes it (compact protojson), as text.

        ``event`` is a LiveKit event type (``room_started``, ``participant_joined``,
        ``track_published``, ...); participant and track events carry ``participant``. Each body
        has an event id of its own.

        Example:
        | ${body} = | Create Webhook Event | room_started | room=standup |
        """
        try:
            body = events.build_event(event, room, participant)
        except ValueError as error:
            raise AssertionError(str(error)) from None
        return body.decode("utf-8")

    @keyword
    def sign_webhook_body(self, body: str, api_key: str = "", valid_for: Duration = "5 minutes", at: Moment = None) -> Secret:
        """Sign ``body`` as the server does and return the ``Authorization`` header value as a ``Secret``.

        The token carries ``iss`` (``api_key``, default ``${WEBHOOK_API_KEY}`` or the first
        configured key), ``exp`` (``valid_for`` from ``at``, default now), ``nbf``, ``iat`` and
        ``sha256``, the standard base64 of the SHA-256 of the body's UTF-8 bytes; HS256.

        Example:
        | ${authorization} = | Sign Webhook Body | ${body} |
        """
        key = self._signing_key(api_key)
        moment = current_time() if at is None else float(at)
        seconds = _not_negative(valid_for, "valid_for")
        data = _body_bytes(body)
        token = signing.sign_body(data, self.keyring, key, moment, seconds)
        self._remember(token)
        log_table(
            "Webhook signed",
            [
                {"label": "API key (iss)", "value": key},
                {"label": "Algorithm", "value": "HS256"},
                {"label": "sha256 claim", "value": signing.body_hash(data)},
                {"label": "Body size", "value": f"{len(data)} bytes"},
                {"label": "Expires", "value": f"{format_utc(int(moment) + int(seconds))} (valid for {format_duration(seconds)})"},
                {"label": "Token", "value": _describe(token)},
            ],
        )
        return Secret(token)

    @keyword
    def verify_webhook(self, authorization, body: str, at: Moment = None) -> dict:
        """Verify a received webhook as LiveKit's receiver does and return what it observed.

        ``authorization`` is the ``Authorization`` header value (a ``Secret``, or ``${None}`` for
        none), ``body`` the body text exactly as received. The evidence table shows the API key,
        the algorithm, the signature, whether the ``sha256`` claim matches the body, the expiry,
        the event type, room and participant. A refused webhook fails with the reason.

        Example:
        | ${facts} = | Verify Webhook | ${authorization} | ${body} |
        | Should Be Equal | ${facts}[event] | participant_joined |
        """
        verdict = self._verdict(authorization, body, at)
        log_table("Webhook verification", verdict.rows())
        verdict.require()
        return dict(verdict.facts)

    @keyword
    def webhook_should_be_refused(self, authorization, body: str, cause: str, at: Moment = None) -> None:
        """Check that a receiver following LiveKit's rules refuses the webhook for ``cause``.

        ``cause`` is one of ``no-authorization``, ``malformed``, ``algorithm``,
        ``unknown-api-key``, ``signature``, ``expired``, ``not-yet-valid``, ``exp-required``,
        ``checksum``, ``event``, ``oversized-body``, in words (``no authorization``) or as its text
        (see `Verify Webhook`).

        Example:
        | Webhook Should Be Refused | ${authorization} | ${changed body} | checksum |
        """
        wanted = _cause(cause)
        verdict = self._verdict(authorization, body, at)
        rows = verdict.rows()
        rows[1] = {"label": "Cause", "value": f"{verdict.cause or 'none'} (expected {wanted})"}
        log_table("Webhook verification", rows)
        if verdict.accepted:
            raise AssertionError(f"The webhook was accepted, but a receiver following LiveKit's rules must refuse it ({wanted}).")
        if verdict.cause != wanted:
            raise AssertionError(f"The webhook was refused for {verdict.cause} ({verdict.detail}), not for {wanted}.")

    @keyword
    def webhook_case_should_be_refused_by_our_verifier(self, case: str, cause: str) -> None:
        """Build the request of ``case`` (see `Create Webhook Request`) and check that this project refuses it for ``cause``.

        ``cause`` is a cause of `Webhook Should Be Refused`, also written as an outcome (``refused:
        checksum``, ``refused: no authorization``); ``accepted`` checks that it is accepted instead.

        Example:
        | Webhook Case Should Be Refused By Our Verifier | sha256 claim missing | refused: checksum |
        """
        request = self._request(case, oversized=webhook_settings.DEFAULT_OVERSIZED_BYTES)
        wanted = _outcome(cause)
        verdict = verify_webhook(
            request.headers.get(signing.AUTHORIZATION),
            request.body,
            self.keyring,
            max_body_bytes=webhook_settings.DEFAULT_OVERSIZED_BYTES // 2,
        )
        rows = [{"label": "Case", "value": f"{request.case}: {hostile.CASES[request.case][0]}"}, *verdict.rows()]
        rows[2] = {"label": "Cause", "value": f"{verdict.cause or 'none'} (expected {wanted})"}
        log_table("Webhook verification", rows)
        observed = "accepted" if verdict.accepted else verdict.cause
        if observed != wanted:
            how = "accepted" if verdict.accepted else f"refused for {verdict.cause} ({verdict.detail})"
            raise AssertionError(f"This project's verifier {how} the case '{request.case}', expected {wanted}.")

    @keyword
    def create_webhook_request(self, case: str) -> dict:
        """Return the request of ``case`` as a dictionary: ``headers`` (the token as a ``Secret``) and ``body`` (text).

        Cases: ``correctly signed`` (the event as the server sends it), ``no Authorization
        header``, ``empty Authorization header``, ``Bearer prefix``, ``signed with another
        secret``, ``unknown API key``, ``body changed after signing``, ``sha256 claim missing``,
        ``sha256 of another body``, ``expired token``, ``not yet valid token``, ``alg none``,
        ``HS512`` and ``oversized body`` (``${WEBHOOK_OVERSIZED_BYTES}``, 2 MiB by default). The
        event is ``${WEBHOOK_EVENT}`` in ``${WEBHOOK_ROOM}`` for ``${WEBHOOK_PARTICIPANT}``.

        Example:
        | ${request} = | Create Webhook Request | body changed after signing |
        | Webhook Should Be Refused | ${request}[headers][Authorization] | ${request}[body] | checksum |
        """
        request = self._request(case)
        headers = {name: Secret(value) if name == signing.AUTHORIZATION else value for name, value in request.headers.items()}
        return {"case": request.case, "headers": headers, "body": request.body.decode("utf-8")}

    # ------------------------------------------------------------------ the receiver under test

    @keyword
    def use_webhook_receiver(self, url: str | None = None, strict=None) -> str:
        """Choose the webhook receiver to check and return its URL.

        ``url`` (or ``LIVEKIT_WEBHOOK_URL``) names an app's receiver; without one, the reference
        receiver ``examples/webhook_receiver.py`` is started on a free port of 127.0.0.1 with the
        keys of this run. ``strict`` (``LIVEKIT_WEBHOOK_STRICT``) says whether the receiver claims
        to refuse the ``Bearer`` form; it defaults to true for the reference receiver only.

        Example:
        | ${receiver} = | Use Webhook Receiver | ${WEBHOOK_URL} | ${WEBHOOK_STRICT} |
        """
        _check_settings()
        given = url if url not in (None, "") else os.environ.get("LIVEKIT_WEBHOOK_URL", "").strip()
        try:
            claimed = webhook_settings.strictness(
                strict if strict not in (None, "") else os.environ.get("LIVEKIT_WEBHOOK_STRICT")
            )
        except ValueError as error:
            raise ConfigurationFailure(str(error)) from None
        self._judgements = []
        if given:
            try:
                target = check_endpoint_url(given, "LIVEKIT_WEBHOOK_URL")
            except UrlError as error:
                raise ConfigurationFailure(str(error)) from None
            how = "given by LIVEKIT_WEBHOOK_URL" if given == os.environ.get("LIVEKIT_WEBHOOK_URL", "").strip() else "given"
            self._receiver_is_reference = False
        else:
            environment = dict(os.environ)
            environment["LIVEKIT_KEYS"] = "\n".join(f"{api_key.key}: {api_key.secret}" for api_key in self.keyring)
            for name in ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"):
                environment.pop(name, None)
            self._started = processes.start(
                "the reference webhook receiver",
                lambda port: [sys.executable, str(REFERENCE_RECEIVER), "--host", "127.0.0.1", "--port", str(port)],
                lambda port: f"http://127.0.0.1:{port}/webhook",
                probe_path="",
                environ=environment,
                secrets=self.keyring.secrets(),
            )
            target = self._started.url
            how = f"reference receiver started by the suite ({REFERENCE_RECEIVER.relative_to(PROJECT_ROOT).as_posix()})"
            self._receiver_is_reference = True
        self._strict = self._receiver_is_reference if claimed is None else claimed
        self._receiver_url = target
        self._session = self._new_session(target)
        headers = self._extra_headers()
        log_table(
            "Webhook receiver",
            [
                {"key": "url", "label": "URL", "value": without_query(target)},
                {"key": "source", "label": "Source", "value": how},
                {
                    "key": "strict",
                    "label": "Claims to be strict",
                    "value": "yes" if self._strict else "no (the Bearer form is reported, not required)",
                },
                {"key": "signing_key", "label": "Signing key", "value": self._signing_key("")},
                {"key": "extra_headers", "label": "Extra request headers", "value": f"{len(headers)} (values not shown)"},
            ],
            kind="webhook_receiver",
            facts={
                "setting": "LIVEKIT_WEBHOOK_URL" if how == "given by LIVEKIT_WEBHOOK_URL" else None,
                "extra_headers": len(headers),
            },
        )
        return without_query(target)

    @keyword
    def stop_webhook_receiver(self) -> None:
        """Stop the reference receiver `Use Webhook Receiver` started; an app's receiver is left alone.

        Example:
        | Suite Teardown | Stop Webhook Receiver |
        """
        if self._started is not None:
            code = self._started.stop()
            logger.info(f"Stopped the reference webhook receiver (exit code {code}).")
            self._started = None

    @keyword
    def webhook_receiver_should_answer(self, case: str, expected: str) -> int | None:
        """Send the request of ``case`` to the receiver and check its answer; return the status.

        ``expected`` is ``accepted`` (a 2xx), ``refused`` (a 4xx; a 2xx, a 5xx or no answer fails)
        or ``refused if strict`` (a 4xx when the receiver claims to be strict, else reported).
        Every answer is recorded for the ``Webhooks`` line of the sign-off summary.

        Example:
        | Webhook Receiver Should Answer | signed with another secret | refused |
        """
        try:
            wanted = conformance.expectation(expected)
        except ValueError as error:
            raise AssertionError(str(error)) from None
        url = self._receiver()
        request = self._request(case)
        status, reason, body, failure, elapsed = self._send(url, request)
        answer = self._excerpt(body)
        cause = request.expected_cause
        reason_part = conformance.REASONS.get(cause) if self._receiver_is_reference and cause else None
        judgement = conformance.judge(request.case, wanted, status, self._strict, answer, failure, reason_part)
        self._judgements.append(judgement)
        rows = [
            {"label": "Case", "expected": None, "actual": f"{request.case}: {hostile.CASES[request.case][0]}", "ok": None},
            {"label": "Request", "expected": None, "actual": f"POST {without_query(url)}", "ok": None},
            {
                "label": "Token sent",
                "expected": None,
                "actual": _describe(request.token) if request.token else "none",
                "ok": None,
            },
            {"label": "Body size", "expected": None, "actual": f"{len(request.body):,} bytes", "ok": None},
            {
                "label": "Answer",
                "expected": _expected_words(wanted, self._strict),
                "actual": status_text(status, reason) if status is not None else (failure or "no answer"),
                "ok": None if judgement.reported_only else judgement.ok,
            },
            {"label": "Body of the answer", "expected": None, "actual": answer or "(empty)", "ok": None},
        ]
        if reason_part:
            rows.append({"label": "Reason", "expected": f"contains '{reason_part}'", "actual": answer, "ok": judgement.reason_ok})
        rows.append({"label": "Time", "expected": None, "actual": f"{elapsed * 1000:.0f} ms", "ok": None})
        logger.info(
            evidence.table(
                "Webhook receiver answer", rows, {"title": "Webhook receiver answer", "rows": rows, "webhook": judgement.record()}
            ),
            html=True,
        )
        if judgement.reported_only:
            set_test_message(judgement.sentence)
        elif not judgement.ok:
            raise AssertionError(judgement.sentence)
        return status

    @keyword
    def report_webhook_receiver_findings(self) -> None:
        """Record the ``Webhooks`` finding of the sign-off summary from the answers checked so far.

        Each forged webhook the receiver accepted, and each request it answered with a server error
        or not at all, is named in it and makes it a warning. Nothing is recorded when no request
        was sent.

        Example:
        | Suite Teardown | Report Webhook Receiver Findings |
        """
        if not self._judgements or self._receiver_url is None:
            return
        severity, text = conformance.summary(self._judgements, without_query(self._receiver_url), self._receiver_is_reference)
        report_finding("webhooks", text, severity)

    # ------------------------------------------------------------------ LiveKit's SDKs as oracles

    @keyword("Webhook Case Should Get Verdict From SDK")
    def webhook_case_should_get_verdict_from_sdk(self, sdk: str, case: str, verdict: str) -> None:
        """Give the request of ``case`` to ``sdk``'s ``WebhookReceiver`` and check its ``verdict``.

        ``sdk`` is ``livekit-api`` (Python) or ``livekit-server-sdk`` (Node.js); ``verdict`` is
        ``accepted`` (the event it reads back must be the one signed), ``refused`` or
        ``crashed`` (it fails in another way than a refusal). The webhook is signed with the
        first configured key, the one the SDK is given. Skips when Node.js or the pinned Node.js
        packages are missing.

        Example:
        | Webhook Case Should Get Verdict From SDK | livekit-server-sdk | body changed after signing | refused |
        """
        wanted = " ".join(str(verdict).split()).lower()
        if wanted not in SDK_VERDICTS:
            raise AssertionError(f"Expect one of {', '.join(SDK_VERDICTS)} from the SDK, not '{str(verdict)[:40]}'.")
        try:
            name = sdk_name(sdk)
        except ValueError as error:
            raise AssertionError(str(error)) from None
        oracle = self._oracle(name)
        primary = self.keyring.primary
        request = self._request(case, api_key=primary.key)
        authorization = request.headers.get(signing.AUTHORIZATION)
        ours = verify_webhook(authorization, request.body, self.keyring)
        try:
            read = oracle.receive_webhook(request.body.decode("utf-8"), authorization, primary.key, primary.secret)
            observed, detail = "accepted", f"{read.get('event')} in room {read.get('room', {}).get('name')!r}"
        except SdkUnavailable as missing:
            raise SkipExecution(str(missing)) from None
        except SdkFailure as failure:
            read, observed, detail = None, failure.outcome, failure.reason
        rows = [
            {"label": "Case", "expected": None, "actual": f"{request.case}: {hostile.CASES[request.case][0]}", "ok": None},
            {"label": "Token", "expected": None, "actual": _describe(request.token) if request.token else "none", "ok": None},
            {"label": f"{name} WebhookReceiver", "expected": wanted, "actual": f"{observed}: {detail}", "ok": observed == wanted},
            {"label": "This project", "expected": None, "actual": ours.reason, "ok": None},
        ]
        if read is not None and wanted == "accepted":
            sent = events.read_event(request.body)
            for label, got, signed in (
                ("Event type", read.get("event"), sent.event),
                ("Room", (read.get("room") or {}).get("name"), sent.room),
                ("Participant", (read.get("participant") or {}).get("identity"), sent.participant),
                ("Event id", read.get("id"), sent.event_id),
            ):
                rows.append({"label": label, "expected": signed, "actual": got, "ok": got == signed})
        log_table("SDK webhook receiver", rows)
        if observed != wanted:
            raise AssertionError(
                f"{name}'s WebhookReceiver {_sdk_words(observed)} the case '{request.case}' ({detail}), expected {wanted}."
            )
        wrong = [row["label"] for row in rows[4:] if not row["ok"]]
        if wrong:
            raise AssertionError(
                f"{name}'s WebhookReceiver read another event than was signed: {', '.join(wrong).lower()} differ."
            )

    # ------------------------------------------------------------------ the event collector

    @keyword
    def start_webhook_collector(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start a receiver that verifies and keeps every webhook POSTed to it, and return its URL.

        Put the URL in a LiveKit server's config (``webhook: {api_key: <key>, urls: [<url>]}``)
        with a key this run knows. Read what arrived with `Get Received Webhook Events` and
        `Received Webhook Events Should Include`; `Stop Webhook Collector` stops it.

        Example:
        | ${url} = | Start Webhook Collector |
        """
        if self._collector is not None and self._collector.running and not self._server_collector:
            raise AssertionError("A webhook collector is already running here; stop it first with Stop Webhook Collector.")
        if not is_loopback(str(host)):
            raise AssertionError(
                f"The webhook collector listens on this machine only; '{str(host)[:60]}' is no loopback address."
            )
        try:
            self._collector = start_collector(self.keyring, host, int(port))
            self._server_collector = False
        except OSError as error:
            raise AssertionError(f"Cannot start the webhook collector on {host}:{port}: {error.strerror or error}.") from None
        log_table(
            "Webhook collector",
            [{"label": "URL", "value": self._collector.url}, {"label": "Keys", "value": ", ".join(k.key for k in self.keyring)}],
        )
        return self._collector.url

    @keyword
    def stop_webhook_collector(self) -> None:
        """Stop the webhook collector; what it received stays readable.

        Example:
        | Suite Teardown | Stop Webhook Collector |
        """
        if self._collector is not None:
            self._collector.stop()

    @keyword
    def get_received_webhook_events(self, include_refused: bool = False) -> list:
        """Return the events the collector verified, in the order received, as dictionaries.

        Each has ``order``, ``event``, ``room``, ``participant``, ``id``, ``api_key``,
        ``algorithm``, ``hash_matches``, ``expires``, ``received_at`` and ``verified``.
        ``include_refused`` adds the requests it refused, with ``cause`` and ``reason``.

        Example:
        | ${events} = | Get Received Webhook Events |
        | Length Should Be | ${events} | 2 |
        """
        collector = self._collector_or_fail()
        received = collector.received() if include_refused else collector.events()
        log_table(
            "Webhooks received", [_event_row(item) for item in received] or [{"label": "(none)", "value": "nothing received"}]
        )
        return received

    @keyword
    def received_webhook_events_should_include(
        self, event: str, room: str | None = None, participant: str | None = None, timeout: Duration = "0 s"
    ) -> dict:
        """Check that the collector verified an ``event`` (in ``room``, for ``participant``), waiting up to ``timeout``.

        Returns the first matching event. A server sends webhooks in the background, so give a
        ``timeout`` when the event may still be on its way.

        Example:
        | Received Webhook Events Should Include | participant_joined | room=test_room | participant=client_test | timeout=10 s |
        """
        collector = self._collector_or_fail()
        wanted = {"event": event, "room": room, "participant": participant}
        wanted = {key: value for key, value in wanted.items() if value not in (None, "")}
        found = collector.wait_for(
            lambda item: all(item.get(key) == value for key, value in wanted.items()), _not_negative(timeout, "timeout")
        )
        received = collector.received()
        rows = [_event_row(item) for item in received] or [{"label": "(none)", "value": "nothing received"}]
        log_table("Webhooks received", rows)
        if found is None:
            described = ", ".join(f"{key} {value!r}" for key, value in wanted.items())
            verified = [item for item in received if item["verified"]]
            seen = "; ".join(f"{item['event']} in {item['room']!r}" for item in verified[:10]) or "none"
            refused = len(received) - len(verified)
            message = f"The collector received no verified webhook with {described}. Verified: {seen}" + (
                f"; {refused} refused." if refused else "."
            )
            raise AssertionError(self._delivery_diagnosed(message, received, described))
        return found

    @keyword("Use The Webhook Collector Of The LiveKit Server")
    def use_the_webhook_collector_of_the_livekit_server(self, forget_earlier: bool = True) -> str:
        """Read from now on the collector that the LiveKit server started by this run sends its webhooks to.

        `LiveKitHttp.Use LiveKit Server` configures a server it starts with that collector's URL
        (``webhook.urls``) and the first configured key (``webhook.api_key``). With
        ``forget_earlier`` the events received so far are dropped, so that the checks see only
        what follows. A server given by ``LIVEKIT_URL`` sends its webhooks where its own
        configuration says: when ``LIVEKIT_WEBHOOK_COLLECTOR`` names a loopback address and port
        (``127.0.0.1:7890``), the collector listens there for the whole run, and the server's
        ``webhook.urls`` must name it (``http://127.0.0.1:7890/webhook``); without that setting the
        calling suite is skipped with the sentence that says the webhooks were not checked.

        Example:
        | Use The Webhook Collector Of The LiveKit Server |
        """
        from livekit_server import current as current_server

        server = current_server.chosen()
        if server is None:
            raise AssertionError("No LiveKit server was chosen yet: call Use LiveKit Server first.")
        collector = server.collector if server.collector is not None else self._collector_for_given_server(server)
        given_server.record(given_server.checked_sentence(collector.url, started=server.started is not None))
        self._collector = collector
        self._server_collector = True
        if forget_earlier:
            self._collector.clear()
        log_table(
            "Webhook collector", [{"label": "URL", "value": self._collector.url}, {"label": "Server", "value": server.ws_url}]
        )
        return self._collector.url

    @staticmethod
    def _collector_for_given_server(server):
        """A server the run did not start: its webhooks reach the run only at ``LIVEKIT_WEBHOOK_COLLECTOR``; else skip, saying so."""
        sentence = given_server.not_checked_sentence(server.ws_url)
        given_server.record(sentence)
        raise SkipExecution(sentence)

    @keyword
    def received_webhooks_should_come_in_order(
        self, *expected: str, participant: str | None = None, timeout: Duration = "10 s"
    ) -> None:
        """Check that verified webhooks of the ``expected`` types arrived in that order (for ``participant``).

        Each type must be found after the one before it; waits up to ``timeout`` for the last one.

        Example:
        | Received Webhooks Should Come In Order | participant_joined | participant_left | participant=client_test |
        """
        collector = self._collector_or_fail()
        wanted = [str(name).strip() for name in expected if str(name).strip()]
        last = wanted[-1] if wanted else None

        def matching(item: dict, name: str) -> bool:
            return item.get("event") == name and (participant in (None, "") or item.get("participant") == participant)

        if last is not None:
            collector.wait_for(lambda item: matching(item, last), _not_negative(timeout, "timeout"))
        verified = collector.events()
        position, found = -1, []
        for name in wanted:
            hit = next((item for item in verified if item["order"] > position and matching(item, name)), None)
            found.append((name, hit))
            if hit is None:
                break
            position = hit["order"]
        rows = [
            {
                "label": name,
                "expected": "received, in this order",
                "actual": f"#{hit['order']}" if hit else "not after the one before",
                "ok": hit is not None,
            }
            for name, hit in found
        ]
        log_table("Order of the webhooks", rows)
        missing = [name for name, hit in found if hit is None]
        if missing:
            seen = ", ".join(f"#{item['order']} {item['event']}" for item in verified[:12]) or "none"
            message = f"No verified {missing[0]} webhook came in the expected order; verified: {seen}."
            raise AssertionError(self._delivery_diagnosed(message, collector.received(), missing[0]))

    @keyword
    def received_webhooks_should_be(self, *expected: str, participant: str | None = None, timeout: Duration = "10 s") -> None:
        """Check that the verified webhooks (of ``participant``) are exactly the ``expected`` types, in that order.

        Waits up to ``timeout`` for the last one. Unlike `Received Webhooks Should Come In Order`,
        nothing else may be among them: a client that connects twice makes the server announce
        the first connection too (``participant_connection_aborted``), and that fails here.

        Example:
        | Received Webhooks Should Be | participant_joined | participant_left | participant=client_test |
        """
        collector = self._collector_or_fail()
        wanted = [str(name).strip() for name in expected if str(name).strip()]
        if not wanted:
            raise AssertionError("Name the webhook types expected, such as participant_joined and participant_left.")

        def concerned(item: dict) -> bool:
            return participant in (None, "") or item.get("participant") == participant

        collector.wait_for(lambda item: concerned(item) and item.get("event") == wanted[-1], _not_negative(timeout, "timeout"))
        seen = [item for item in collector.events() if concerned(item)]
        rows = [
            {
                "label": f"#{position + 1}",
                "expected": wanted[position] if position < len(wanted) else "nothing",
                "actual": f"{seen[position]['event']} (#{seen[position]['order']})" if position < len(seen) else "nothing",
                "ok": position < len(wanted) and position < len(seen) and seen[position]["event"] == wanted[position],
            }
            for position in range(max(len(wanted), len(seen)))
        ]
        whose = f" of participant '{participant}'" if participant not in (None, "") else ""
        log_table(f"The webhooks{whose}", rows)
        if [item["event"] for item in seen] != wanted:
            received = ", ".join(item["event"] for item in seen) or "none"
            message = f"The verified webhooks{whose} were {received}, not {', '.join(wanted)}."
            missing = [name for name in wanted if name not in {item["event"] for item in seen}]
            if missing:  # not arrived: why a server's webhooks may not arrive is diagnosed
                message = self._delivery_diagnosed(message, collector.received(), missing[0])
            raise AssertionError(message)

    @keyword
    def every_received_webhook_should_verify(self) -> None:
        """Check that the collector refused nothing: every webhook it got verified (key, signature, ``sha256``, expiry).

        Example:
        | Every Received Webhook Should Verify |
        """
        received = self._collector_or_fail().received()
        rows = [_event_row(item) for item in received] or [{"label": "(none)", "value": "nothing received"}]
        log_table("Webhooks received", rows)
        if not received:
            report_finding("server-webhooks", "The LiveKit server sent no webhook to the collector.", "failure")
            raise AssertionError(self._delivery_diagnosed("The collector received no webhook at all.", [], "any webhook"))
        refused = [item for item in received if not item["verified"]]
        kinds = ", ".join(dict.fromkeys(str(item["event"]) for item in received if item["verified"]))
        if refused:
            first = refused[0]
            text = f"{len(refused)} of {len(received)} webhooks from the LiveKit server did not verify; the first: {first['reason']}."
            report_finding("server-webhooks", text, "failure")
            raise AssertionError(self._delivery_diagnosed(text, received, "a verified webhook"))
        keys = ", ".join(sorted({str(item["api_key"]) for item in received}))
        report_finding(
            "server-webhooks",
            f"The LiveKit server sent {len(received)} webhooks ({kinds}) and all {len(received)} verified: "
            f"signed with key {keys}, sha256 of the body matching, within their expiry.",
            "info",
        )

    @keyword("Received Webhook Should Be Read Alike By SDK")
    def received_webhook_should_be_read_alike_by_sdk(self, sdk: str, event: str) -> None:
        """Give the first verified ``event`` webhook the collector received, as received, to ``sdk``'s ``WebhookReceiver``.

        The SDK must accept it and read the same event type, room, participant and id as this
        project. ``sdk`` is ``livekit-api`` or ``livekit-server-sdk``.

        Example:
        | Received Webhook Should Be Read Alike By SDK | livekit-api | participant_joined |
        """
        collector = self._collector_or_fail()
        item = next((found for found in collector.events() if found.get("event") == event), None)
        if item is None:
            raise AssertionError(f"The collector has no verified {event} webhook to hand to {sdk}.")
        authorization, body = collector.request(item["order"])
        self._remember(authorization or "")
        try:
            name = sdk_name(sdk)
        except ValueError as error:
            raise AssertionError(str(error)) from None
        key = self.keyring.get(item["api_key"]) if item.get("api_key") in self.keyring else None
        if key is None:
            raise AssertionError(f"The webhook names the key {item.get('api_key')!r}, which this run does not know.")
        try:
            read = self._oracle(name).receive_webhook(body.decode("utf-8"), authorization, key.key, key.secret)
        except SdkUnavailable as missing:
            raise SkipExecution(str(missing)) from None
        except SdkFailure as failure:
            raise AssertionError(
                f"{name}'s WebhookReceiver did not accept the server's {event} webhook: {failure.reason}."
            ) from None
        rows = []
        for label, got, ours in (
            ("Event type", read.get("event"), item.get("event")),
            ("Room", (read.get("room") or {}).get("name"), item.get("room")),
            ("Participant", (read.get("participant") or {}).get("identity"), item.get("participant")),
            ("Event id", read.get("id"), item.get("id")),
        ):
            rows.append({"label": label, "expected": ours, "actual": got, "ok": got == ours})
        log_table(f"{name} WebhookReceiver on the server's webhook", rows)
        wrong = [row["label"].lower() for row in rows if not row["ok"]]
        if wrong:
            raise AssertionError(f"{name}'s WebhookReceiver read the server's webhook differently: {', '.join(wrong)} differ.")

    @keyword
    def send_webhook_case(self, url: str, case: str) -> int | None:
        """POST the request of ``case`` (see `Create Webhook Request`) to ``url`` and return the status (``${None}`` for no answer).

        For a receiver other than the one under test, such as the collector.

        Example:
        | ${status} = | Send Webhook Case | ${collector} | correctly signed |
        """
        try:
            target = check_endpoint_url(url, "url")
        except UrlError as error:
            raise AssertionError(str(error)) from None
        request = self._request(case)
        status, reason, body, failure, _ = self._send(target, request, self._new_session(target), extra=False)
        log_table(
            "Webhook sent",
            [
                {"label": "Case", "value": request.case},
                {"label": "Request", "value": f"POST {without_query(target)}"},
                {"label": "Token sent", "value": _describe(request.token) if request.token else "none"},
                {"label": "Answer", "value": status_text(status, reason) if status is not None else failure},
                {"label": "Body of the answer", "value": self._excerpt(body) or "(empty)"},
            ],
        )
        return status

    # ------------------------------------------------------------------ keys and plumbing

    @property
    def keyring(self) -> Keyring:
        """The run's key pairs, shared by every keyword library of the run."""
        return run_context().keyring

    def _signing_key(self, api_key: str) -> str:
        name = api_key or _setting("${WEBHOOK_API_KEY}", "LIVEKIT_WEBHOOK_API_KEY") or self.keyring.primary.key
        if name not in self.keyring:
            raise ConfigurationFailure(
                f"The webhook signing key '{str(name)[:60]}' is not a configured API key; "
                "add its secret to LIVEKIT_KEYS or name a configured key, as the server's webhook.api_key must."
            )
        return name

    def _request(self, case: str, api_key: str | None = None, oversized: int | None = None) -> hostile.WebhookRequest:
        _check_settings()
        try:
            name = hostile.case_name(case)
            size = oversized or webhook_settings.oversized_bytes(
                _setting("${WEBHOOK_OVERSIZED_BYTES}", "LIVEKIT_WEBHOOK_OVERSIZED_BYTES")
                or webhook_settings.DEFAULT_OVERSIZED_BYTES
            )
            request = hostile.build_request(
                name,
                self.keyring,
                api_key or self._signing_key(""),
                event=_setting("${WEBHOOK_EVENT}", "LIVEKIT_WEBHOOK_EVENT") or hostile.DEFAULT_EVENT,
                room=_setting("${WEBHOOK_ROOM}", "LIVEKIT_WEBHOOK_ROOM") or "test_room",
                participant=_setting("${WEBHOOK_PARTICIPANT}", "LIVEKIT_WEBHOOK_PARTICIPANT") or "client_test",
                oversized_bytes=size,
            )
        except ValueError as error:
            raise AssertionError(str(error)) from None
        if request.token:
            self._remember(request.token)
        return request

    def _verdict(self, authorization, body, at):
        if authorization is not None:
            with contextlib.suppress(TokenRejected):  # not text: the verdict says so
                self._remember(token_text(authorization))
        return verify_webhook(authorization, _body_bytes(body), self.keyring, at=current_time() if at is None else float(at))

    def _receiver(self) -> str:
        if self._receiver_url is None:
            raise AssertionError("No webhook receiver is chosen yet; call Use Webhook Receiver first (in Suite Setup).")
        return self._receiver_url

    def _delivery_diagnosed(self, message: str, received: list[dict], wanted: str) -> str:
        """``message`` with the diagnosis of a server's webhooks that did not arrive as expected."""
        if not self._server_collector:
            return message  # webhooks this suite sent itself: the message says all there is
        from livekit_server import current as current_server

        server = current_server.chosen()
        started_here = server is not None and server.collector is self._collector
        url = self._collector.url if self._collector is not None else None
        return recording.failure(message, lambda: deliveries.webhook_delivery(received, wanted, started_here, url))

    def _collector_or_fail(self) -> Collector:
        if self._collector is None:
            raise AssertionError("No webhook collector was started; call Start Webhook Collector first.")
        return self._collector

    def _oracle(self, name: str):
        if name == PYTHON_SDK:
            if self._python is None:
                self._python = PythonSdk()
            return self._python
        return self._node

    def _requests_library(self) -> RequestsLibrary:
        if self._requests is None:
            shared = library_instance("RequestsLibrary")
            self._requests = shared if isinstance(shared, RequestsLibrary) else RequestsLibrary()
        return self._requests

    def _new_session(self, url: str) -> requests.Session:
        parts = urlsplit(url)
        session = self._requests_library().create_session(
            RECEIVER_SESSION, f"{parts.scheme}://{parts.netloc}", max_retries=0, verify=tls.verify_setting()
        )
        if is_loopback(parts.hostname or ""):
            session.trust_env = False  # never send loopback traffic to a proxy from the environment
        return session

    def _send(self, url: str, request: hostile.WebhookRequest, session: requests.Session | None = None, extra: bool = True):
        session = session or self._session
        headers = dict(self._extra_headers()) if extra else {}
        headers.update(request.headers)
        # urllib3 logs each request line, query included, at DEBUG; a configured URL may carry a
        # credential in its query, so it stays quiet here (the table says what was sent).
        wire_log = logging.getLogger("urllib3")
        level = wire_log.level
        wire_log.setLevel(max(level, logging.INFO))
        started = current_time()
        try:
            response = deadline.call(
                lambda: session.post(url, data=request.body, headers=headers, timeout=self.timeout, allow_redirects=False), url
            )
        except requests.RequestException as error:
            return None, "", b"", transport_failure(error, "the webhook receiver", url, self.timeout), current_time() - started
        finally:
            wire_log.setLevel(level)
        return response.status_code, response.reason or "", response.content or b"", None, current_time() - started

    def _extra_headers(self) -> dict[str, str]:
        try:
            headers = read_extra_headers(robot_variable(HEADERS_VARIABLE), "WEBHOOK_RECEIVER_HEADERS")
        except HeaderError as error:
            raise ConfigurationFailure(str(error)) from None
        reserved = [name for name in headers if name.lower() in RESERVED_HEADERS]
        if reserved:
            raise ConfigurationFailure(
                f"WEBHOOK_RECEIVER_HEADERS sets {reserved[0]}, which carries LiveKit's webhook itself; "
                "use another header for the app's own protection."
            )
        for text in headers.values():
            if len(text) >= HEADER_SECRET_MIN and text not in self._header_secrets:
                self._header_secrets.add(text)
                evidence.remember_secret(text)
        return headers

    def _excerpt(self, body: bytes) -> str:
        return excerpt(body, tokens=self._known_tokens, secrets=[*self.keyring.secrets(), *self._header_secrets], limit=200)

    def _remember(self, token: str) -> None:
        if token and token not in self._known_tokens:
            self._known_tokens.add(token)
            evidence.remember_token(token)


# ---------------------------------------------------------------------- helpers


def _not_negative(duration: Duration, name: str) -> float:
    if duration < 0:
        raise AssertionError(f"{name} must not be negative, got {duration.written!r}.")
    return float(duration)


def _body_bytes(body) -> bytes:
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if not isinstance(body, str):
        raise AssertionError(f"A webhook body must be text, got {type(body).__name__}.")
    return body.encode("utf-8", "surrogatepass")


def _describe(token: str) -> str:
    return f"{len(token)} characters, {evidence.fingerprint(token)}"


def _outcome(text: str) -> str:
    """``accepted``, or the cause of a refusal written ``refused: checksum`` (or the cause alone)."""
    words = " ".join(str(text).split()).lower()
    said, separator, cause = words.partition(":")
    if words == "accepted":
        return "accepted"
    return _cause(cause if separator and said.strip() == "refused" else text)


def _cause(text: str) -> str:
    words = " ".join(str(text).split()).lower()
    for cause, meaning in CAUSES.items():
        if words in (cause, meaning.lower(), cause.replace("-", " ")):
            return cause
    raise AssertionError(f"Unknown webhook refusal cause '{str(text)[:40]}'; use one of: {', '.join(CAUSES)}.")


def _expected_words(expected: str, strict: bool) -> str:
    if expected == "accepted":
        return "2xx"
    if expected == "refused if strict" and not strict:
        return "reported (the receiver does not claim to be strict)"
    return "4xx"


def _sdk_words(outcome: str) -> str:
    return {"accepted": "accepted", "refused": "refused", "crashed": "failed on"}.get(outcome, outcome)


def _event_row(item: dict) -> dict:
    what = (
        f"{item['event']} room={item['room']!r} participant={item['participant']!r}"
        if item["verified"]
        else f"refused: {item['reason']}"
    )
    return {"label": f"#{item['order']} ({item['status']})", "value": what}


def _check_settings() -> None:
    problem = webhook_settings.configuration_problem()
    if problem:
        raise ConfigurationFailure(problem)


def _setting(variable: str, environment: str) -> str:
    value = robot_variable(variable)
    if value in (None, ""):
        value = os.environ.get(environment, "")
    return str(value).strip()
