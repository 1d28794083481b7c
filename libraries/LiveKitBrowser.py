"""Robot Framework library for a real browser as a LiveKit client: the system's Chromium or Chrome runs
the pinned ``livekit-client`` in the project's own page, and what the browser received shows what
the server accepted and enforced."""

from __future__ import annotations

import secrets as random_source
import time

from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from livekit_browser import executable, page, traffic
from livekit_browser.observed import (
    LOOPBACK_HOSTS,
    SERVER_REFUSED_PUBLISH_LINE,
    compare_permissions,
    current_server_ws,
    evidence_rows,
    listed_tracks,
    python_participant,
    record,
    server_host,
    server_log_says,
)
from livekit_browser.session import BrowserSession, scrubber
from livekit_client import realtime
from livekit_client.joined import where_row
from livekit_settings.browser import browser_required
from livekit_tokens import evidence
from livekit_tokens import grants as model
from livekit_tokens.verification import TokenRejected, parse_token

__version__ = "1.0.0"

DATA_TOPIC = "livekit-auth-check"
JOIN_TIMEOUT = 20.0  # seconds for livekit-client's signal join and WebRTC transport together
# Seconds to wait for the server's answer to a publish the page forces (the Python client waits as long).
FORCED_PUBLISH_WAIT = 2.0


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
class LiveKitBrowser:
    """Join a LiveKit room from a real browser with LiveKit's JavaScript SDK, ``livekit-client``.

    The browser is the system's Chromium or Chrome (``LIVEKIT_BROWSER`` names one, else it is found
    on the PATH or in the usual install folders), driven by Playwright for Python; Playwright's own
    browser downloads are never used. The page is the project's own, served from 127.0.0.1, and
    loads the pinned ``livekit-client`` from the project's installed npm packages.

    Tokens are taken as ``Secret`` and go to the page as a function argument only; the browser's
    console and the page's errors are kept for the log, scrubbed of every token and secret.

    Without a browser every keyword skips with one sentence naming how to get one;
    ``LIVEKIT_REQUIRE_BROWSER=1`` (as in CI) makes that a failure.
    """

    def __init__(self):
        self._session: BrowserSession | None = None
        self._tokens: set[str] = set()
        self._joined: dict[str, dict] = {}
        self._capture: traffic.Capture | None = None
        self._capture_problem: str | None = None
        self._unavailable: str | None = None

    # ------------------------------------------------------------------ the browser

    @keyword
    def start_the_browser(self, watch_traffic: bool = True) -> None:
        """Start the system's Chromium or Chrome with the loopback flags and serve the client's page.

        With ``watch_traffic`` the machine's other interfaces are watched from before the launch
        until `Browser Traffic Should Stay On This Machine`. Without a browser (or without the
        installed livekit-client) the test skips with the sentence saying how to get one.

        Example:
        | Start The Browser |
        """
        found = executable.find_browser()
        missing = None if found else executable.HOW_TO_GET_A_BROWSER
        missing = missing or (page.missing_client() and f"The browser client cannot run: {page.missing_client()}.")
        if missing:
            self._unavailable = missing
            self._skip()
        if watch_traffic:
            self._capture = traffic.Capture()
            try:
                self._capture.start()
            except traffic.CaptureUnavailable as problem:
                self._capture, self._capture_problem = None, str(problem)
        self._session = BrowserSession(found, scrubber(lambda: self._tokens, self._secrets), server_host())
        self._session.start()
        rows = [
            {"label": "Browser", "value": f"{found} ({self._session.version})"},
            {"label": "livekit-client", "value": page.client_version()},
            {"label": "Page", "value": "served by this run from 127.0.0.1"},
        ]
        record("browser", "The browser client", rows, browser=self._session.version, client=page.client_version())

    @keyword
    def stop_the_browser(self) -> None:
        """Close every page (logging its console) and the browser, and stop serving the page.

        Example:
        | Suite Teardown | Stop The Browser |
        """
        if self._session is not None:
            for alias in list(self._joined):
                self._close(alias)
            self._session.stop()
            self._session = None
        if self._capture is not None:
            self._capture.stop()
            self._capture = None

    # ------------------------------------------------------------------ joining

    @keyword
    def join_room_in_the_browser(self, token: Secret, alias: str = "browser") -> None:
        """Open a page as ``alias`` and join the room of ``token`` with livekit-client; log what the server answered.

        The table shows the identity and room the server put the participant in, the server's
        version, the connection state, and the time from the browser's launch (first join) or the
        page's opening to joined. A refusal fails with the server's status and reason, scrubbed.

        Example:
        | Join Room In The Browser | ${TOKEN_UNDER_TEST} | alias=browser |
        """
        session = self._running()
        text = self._text(token)
        opened = time.monotonic()
        session.open_page(alias)
        answer = session.call(alias, "join", [current_server_ws(), text, JOIN_TIMEOUT, self._probe()], JOIN_TIMEOUT)
        if not answer.get("ok"):
            self._close(alias)
            raise AssertionError(f"The browser could not join as '{alias}': {self._said(answer)}.")
        first = not any(entry.get("launch") for entry in self._joined.values())
        since = session.launched_at if first else opened
        seconds = round(time.monotonic() - since, 2)
        self._joined[alias] = {**answer, "launch": first}
        rows = [
            {"label": "Client", "value": f"livekit-client {page.client_version()} in {session.version}"},
            {"label": "Server", "value": f"{current_server_ws()}, version {answer.get('serverVersion') or 'not reported'}"},
            {"label": "Participant", "value": answer.get("identity")},
            {"label": "Room", "value": answer.get("room")},
            {"label": "Connection", "value": answer.get("connectionState")},
            {"label": "Launch to joined" if first else "Page to joined", "value": f"{seconds} s"},
        ]
        record(
            "joined",
            f"Joined in the browser as {alias}",
            rows,
            alias=alias,
            identity=answer.get("identity"),
            room=answer.get("room"),
            browser=session.version,
            client=page.client_version(),
            server_version=answer.get("serverVersion"),
            seconds=seconds,
            since="launch" if first else "page",
            token=evidence.fingerprint(text),
        )

    @keyword
    def browser_client_should_be_in_room(self, alias: str, identity: str | None = None, room: str | None = None) -> None:
        """Check that the server's join answer, as the browser received it, names ``identity`` in ``room``.

        An identity or room that is not set (a supplied token's, when the settings leave it out) is
        reported as the server's answer, not checked.

        Example:
        | Browser Client Should Be In Room | browser | client_test | test_room |
        """
        joined = self._answer(alias)
        rows = [where_row("Participant", identity, joined.get("identity")), where_row("Room", room, joined.get("room"))]
        evidence_rows(f"Where the server put {alias}", rows)
        if any(row["ok"] is False for row in rows):
            raise AssertionError(
                f"The server put the browser '{alias}' in room '{joined.get('room')}' as '{joined.get('identity')}', "
                f"not in room '{room}' as '{identity}'."
            )

    @keyword
    def browser_permissions_should_match_the_token(self, alias: str, token: Secret) -> None:
        """Compare, field by field, the permissions the browser received from the server with Step 4's decision for ``token``.

        All ten fields of the server's ``ParticipantPermission`` as livekit-client holds them.

        Example:
        | Browser Permissions Should Match The Token | browser | ${TOKEN_UNDER_TEST} |
        """
        received = self._answer(alias).get("permissions") or {}
        try:
            offline = model.effective_video_grant(parse_token(self._text(token)).server_claims.get("video"))
        except TokenRejected as rejection:
            raise AssertionError(f"The token cannot be read: {rejection.detail}.") from None
        rows, different = compare_permissions(offline, received)
        matches = not different
        record(
            "permissions",
            f"Permissions the browser received as {alias}",
            rows,
            alias=alias,
            permissions=received,
            matches=matches,
        )
        if not matches:
            raise AssertionError(f"The permissions the browser received differ from Step 4's: {'; '.join(different)}.")

    @keyword
    def browser_joining_should_be_refused(
        self, token: Secret, status: int, reason: str, case: str = "a token", alias: str = "refused browser"
    ) -> None:
        """Check that livekit-client cannot join with ``token``: the server answers ``status`` with ``reason``.

        ``reason`` is a stable part of the server's message (case-insensitive); the message is shown
        scrubbed, the token replaced by its fingerprint. ``case`` says in words what the token is,
        for the log and the sign-off.

        Example:
        | Browser Joining Should Be Refused | ${token} | 401 | token is expired | case=expired |
        """
        session = self._running()
        text = self._text(token)
        started = time.monotonic()
        session.open_page(alias)
        try:
            answer = session.call(alias, "join", [current_server_ws(), text, JOIN_TIMEOUT, self._probe()], JOIN_TIMEOUT)
        finally:
            console = self._close(alias)
        said = self._said(answer)
        refused = not answer.get("ok") and answer.get("status") == int(status) and reason.lower() in said.lower()
        rows = [
            {"label": "Joined", "expected": False, "actual": bool(answer.get("ok")), "ok": not answer.get("ok")},
            {
                "label": "Status",
                "expected": int(status),
                "actual": answer.get("status"),
                "ok": answer.get("status") == int(status),
            },
            {"label": "Server's reason", "expected": reason, "actual": said, "ok": reason.lower() in said.lower()},
            {"label": "Answered in", "value": f"{round(time.monotonic() - started, 2)} s"},
        ]
        record(
            "refused",
            f"Joining refused in the browser as {alias}",
            rows,
            alias=alias,
            case=case,
            status=answer.get("status"),
            reason=self._scrubbed(answer.get("message") or ""),
            refused=refused,
            console_lines=len(console),
            token=evidence.fingerprint(text),
        )
        if not refused:
            if answer.get("ok"):
                raise AssertionError(f"The browser joined with a token the server should refuse with {status} '{reason}'.")
            raise AssertionError(f"The server refused the browser with {said!r}, not {status} '{reason}'.")

    # ------------------------------------------------------------------ publishing and data

    @keyword
    def browser_publishing_should_be_refused(self, alias: str) -> None:
        """Check that ``alias`` may not publish: livekit-client refuses from the permissions the server sent,
        and when the page forces ``canPublish`` on and publishes anyway, the server never publishes the track.

        The server's side is read from its answer (none within a few seconds), RoomService
        ``ListParticipants`` (no track) and, for a server this run started, its log line
        ``no permission to publish track``.

        Example:
        | Browser Publishing Should Be Refused | browser |
        """
        session = self._running()
        client = session.call(alias, "publishCamera", [False, FORCED_PUBLISH_WAIT], FORCED_PUBLISH_WAIT)
        forced = session.call(alias, "publishCamera", [True, FORCED_PUBLISH_WAIT], FORCED_PUBLISH_WAIT)
        joined = self._answer(alias)
        tracks = listed_tracks(joined.get("room"), joined.get("identity"))
        logged = server_log_says(SERVER_REFUSED_PUBLISH_LINE)
        client_said = self._said(client)
        rows = [
            {
                "label": "livekit-client's own check",
                "expected": "refused (insufficient permissions)",
                "actual": "published" if client.get("ok") else client_said,
                "ok": not client.get("ok") and "permission" in client_said.lower(),
            },
            {
                "label": "Forced by the page: server's answer",
                "expected": f"none within {FORCED_PUBLISH_WAIT:g} s",
                "actual": "published" if forced.get("ok") else self._said(forced),
                "ok": not forced.get("ok"),
            },
            {"label": "Tracks in ListParticipants", "expected": 0, "actual": tracks, "ok": tracks == 0},
        ]
        if logged is not None:
            rows.append(
                {
                    "label": "Server's log",
                    "expected": SERVER_REFUSED_PUBLISH_LINE,
                    "actual": "said so" if logged else "not said",
                    "ok": logged,
                }
            )
        outcome = all(row["ok"] for row in rows)
        record(
            "publish",
            f"Publishing from the browser as {alias}",
            rows,
            alias=alias,
            client_refused=rows[0]["ok"],
            client_said=client_said,
            server_refused=all(row["ok"] for row in rows[1:]),
            server_logged=logged,
            refused=outcome,
        )
        if not outcome:
            wrong = "; ".join(f"{row['label']}: {row['actual']}" for row in rows if not row["ok"])
            raise AssertionError(f"Publishing from the browser as '{alias}' was not refused as expected ({wrong}).")

    @keyword
    def browser_publishing_should_be_allowed(self, alias: str) -> None:
        """Check that ``alias`` publishes its fake camera: the server answers with the track, ListParticipants lists it.

        Example:
        | Browser Publishing Should Be Allowed | browser publisher |
        """
        answer = self._running().call(alias, "publishCamera", [False, 10], 10)
        joined = self._answer(alias)
        tracks = listed_tracks(joined.get("room"), joined.get("identity"))
        rows = [
            {
                "label": "Server's answer",
                "expected": "published",
                "actual": f"published ({answer.get('sid')})" if answer.get("ok") else self._said(answer),
                "ok": bool(answer.get("ok")),
            },
            {"label": "Tracks in ListParticipants", "expected": "1 or more", "actual": tracks, "ok": tracks >= 1},
        ]
        outcome = all(row["ok"] for row in rows)
        record("publish", f"Publishing from the browser as {alias}", rows, alias=alias, allowed=outcome, refused=False)
        if not outcome:
            wrong = "; ".join(f"{row['label']}: {row['actual']}" for row in rows if not row["ok"])
            raise AssertionError(f"The browser '{alias}' could not publish its camera ({wrong}).")

    @keyword
    def data_from_the_browser_should_reach(self, receiver: str, sender: str = "browser") -> None:
        """Send a reliable data packet from the browser ``sender``; the Python real-time SDK client ``receiver`` must get it.

        ``receiver`` is an alias `LiveKitClient.Join Room As Client` joined.

        Example:
        | Data From The Browser Should Reach | python publisher | browser |
        """
        payload = b"livekit-auth " + random_source.token_hex(8).encode()
        answer = self._running().call(sender, "sendData", [list(payload), DATA_TOPIC, 10], 10)
        if not answer.get("ok"):
            raise AssertionError(f"The browser '{sender}' could not send data: {self._said(answer)}.")
        target = python_participant(receiver)
        packet = realtime.wait_for_data(target, DATA_TOPIC, payload)
        identity = self._answer(sender).get("identity")
        self._data_outcome(sender, receiver, identity, packet and packet["sender"], packet is not None, len(payload))

    @keyword
    def data_should_reach_the_browser(self, receiver: str = "browser", sender: str = "python publisher") -> None:
        """Send a reliable data packet from the Python real-time SDK client ``sender``; the browser ``receiver`` must get it.

        Example:
        | Data Should Reach The Browser | browser | python publisher |
        """
        session = self._running()
        source = python_participant(sender)
        payload = realtime.send_data(source, DATA_TOPIC)
        packet = session.call(receiver, "waitForData", [list(payload), DATA_TOPIC, 10], 10)
        self._data_outcome(sender, receiver, source.identity, packet and packet.get("sender"), packet is not None, len(payload))

    # ------------------------------------------------------------------ console and traffic

    @keyword
    def browser_console_should_be_kept_without_tokens(self, alias: str = "browser") -> None:
        """Log what the browser's console and the page's errors said as ``alias``, and check no token is in it.

        Example:
        | Browser Console Should Be Kept Without Tokens | browser |
        """
        lines = list(self._running().page(alias).console)
        logger.info(f"The browser's console as {alias} ({len(lines)} lines):\n" + "\n".join(lines))
        leaked = [line for line in lines if any(token in line for token in self._tokens)]
        if leaked:
            raise AssertionError(f"{len(leaked)} console line(s) of '{alias}' hold a token of this run.")

    @keyword
    def browser_traffic_should_stay_on_this_machine(self) -> None:
        """Check that no packet of the browser crossed a network interface other than loopback since the launch.

        The machine's other interfaces were watched from before the browser started; the table lists
        every packet found to be the browser's (a lookup, mDNS, WebRTC), and counts the others'.

        Example:
        | Browser Traffic Should Stay On This Machine |
        """
        self._running()
        host = server_host()
        if host not in LOOPBACK_HOSTS:
            raise SkipExecution(f"The server is on {host}, not on this machine: the browser's packets go to it by design.")
        if self._capture is None:
            self._skip(f"Packets were not captured: {self._capture_problem or 'the browser was started without watching'}.")
        capture, self._capture = self._capture, None
        capture.stop()
        browsers, others = capture.browsers(), capture.others()
        rows = [
            {"label": "Interfaces watched", "value": ", ".join(sorted(capture.interfaces)) or "none but loopback"},
            {"label": "Browser's sockets seen", "value": len(capture.browser_ports)},
            {"label": "Browser's packets", "expected": 0, "actual": len(browsers), "ok": not browsers},
            {"label": "Other programs' packets", "value": dict(others) or 0},
        ]
        rows += [{"label": "Browser packet", "value": packet.describe()} for packet in browsers[:10]]
        record(
            "traffic",
            "Traffic of the browser beyond loopback",
            rows,
            packets=len(browsers),
            interfaces=sorted(capture.interfaces),
        )
        if browsers:
            raise AssertionError(
                f"{len(browsers)} packet(s) of the browser left this machine, the first: {browsers[0].describe()}."
            )

    # ------------------------------------------------------------------ helpers

    def _data_outcome(self, sender: str, receiver: str, identity, got_from, received: bool, size: int) -> None:
        rows = [
            {"label": "Sent by", "expected": identity, "actual": got_from, "ok": received and got_from in (identity, "")},
            {"label": "Bytes", "expected": size, "actual": size if received else "nothing received within 10 s", "ok": received},
        ]
        ok = all(row["ok"] for row in rows)
        record("data", f"Data from {sender} to {receiver}", rows, sender=sender, receiver=receiver, received=ok)
        if not ok:
            raise AssertionError(f"The data packet {sender} sent did not reach {receiver} over the transport.")

    def _close(self, alias: str) -> list[str]:
        self._joined.pop(alias, None)
        lines = self._session.close_page(alias) if self._session else []
        if lines:
            logger.info(f"The browser's console as {alias} ({len(lines)} lines):\n" + "\n".join(lines))
        return lines

    def _said(self, answer: dict | None) -> str:
        if not answer:
            return "no answer"
        status = f" (status {answer.get('status')})" if answer.get("status") else ""
        return self._scrubbed(f"{answer.get('name')}{status}: {answer.get('message')}")

    def _scrubbed(self, text: str) -> str:
        return scrubber(lambda: self._tokens, self._secrets)(text)

    def _probe(self) -> str | None:
        return self._capture.probe_name if self._capture is not None else None

    def _answer(self, alias: str) -> dict:
        joined = self._joined.get(alias)
        if joined is None:
            raise AssertionError(f"No browser page joined as '{alias}'; use Join Room In The Browser first.")
        return joined

    def _running(self) -> BrowserSession:
        if self._session is None:
            self._skip()
        return self._session

    def _skip(self, reason: str | None = None) -> None:
        reason = reason or self._unavailable or "The browser was not started; use Start The Browser first (in Suite Setup)."
        if browser_required():
            raise AssertionError(f"LIVEKIT_REQUIRE_BROWSER=1 but the browser check cannot run: {reason}")
        raise SkipExecution(reason)

    def _text(self, token) -> str:
        text = token.value if isinstance(token, Secret) else token
        if not isinstance(text, str) or not text:
            raise AssertionError("A token is needed here: pass it as a Secret, such as ${TOKEN_UNDER_TEST}.")
        evidence.remember_token(text)
        self._tokens.add(text)
        return text

    @staticmethod
    def _secrets() -> tuple[str, ...]:
        from livekit_tokens.robot_context import run_context

        try:
            return tuple(run_context().keyring.secrets())
        except AssertionError:
            return ()
