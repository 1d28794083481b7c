"""Robot Framework library for a real LiveKit client: LiveKit's Python real-time SDK joins the
server's room with a token, and the server's own answers show what it accepted and enforced."""

from __future__ import annotations

import json
import time

import requests
from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from client_decisions import DecisionKeywords, decision_expectation
from livekit_client import decisions, realtime, signal
from livekit_client.joined import where_row
from livekit_client.loop import poll
from livekit_client.loop import run as run_on_loop
from livekit_diagnosis import observe, recording
from livekit_diagnosis.model import EXPECTATION, SERVER_ANSWER, Expectation, Observations, ServerAnswer
from livekit_diagnosis.rules import diagnose
from livekit_http import deadline, tls
from livekit_http.answers import scrub, transport_failure
from livekit_server import current as current_server
from livekit_tokens import evidence, minting
from livekit_tokens import grants as model
from livekit_tokens.robot_context import log_table
from livekit_tokens.verification import TokenRejected, parse_token

__version__ = "1.0.0"

DATA_TOPIC = "livekit-auth-check"
# The server's ParticipantPermission field for each video grant of a token (livekit/protocol
# livekit_models.proto ParticipantPermission; auth/grants.go ToPermission).
PERMISSION_OF_GRANT = {
    "canSubscribe": "can_subscribe",
    "canPublish": "can_publish",
    "canPublishData": "can_publish_data",
    "canPublishSources": "can_publish_sources",
    "hidden": "hidden",
    "recorder": "recorder",
    "canUpdateOwnMetadata": "can_update_metadata",
    "agent": "agent",
    "canSubscribeMetrics": "can_subscribe_metrics",
    "canManageAgentSession": "can_manage_agent_session",
}
# Facts of the server's view, recorded under these stable keys for the sign-off.
ACCEPTANCE_KEY = "server_acceptance"
PUBLISH_WAIT = 10.0  # seconds for an allowed publication: the SDK's, then ListParticipants showing it
REFUSAL_WAIT = 2.0  # seconds in which a refused publication must not complete
LISTED_WAIT = 10.0


def _record(fact: str, title: str, rows: list[dict], **facts) -> None:
    """Log an evidence table whose record carries ``fact`` and ``facts`` under stable keys."""
    logger.info(evidence.table(title, rows, {"title": title, "rows": rows, ACCEPTANCE_KEY: fact, "facts": facts}), html=True)


def _normal_sources(value) -> list[str]:
    return sorted(str(item).upper().removeprefix("SOURCE_") for item in (value or []))


def _same(grant: str, offline, server) -> bool:
    if grant == "canPublishSources":
        return _normal_sources(offline) == _normal_sources(server)
    return bool(offline) == bool(server)


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
class LiveKitClient(DecisionKeywords):
    """Join a LiveKit room with a real client and read what the server applied.

    The client is LiveKit's Python real-time SDK (``livekit`` on PyPI): it joins over the server's
    signal WebSocket and connects the WebRTC transport, as an app's client does, once per
    participant. A signal-level join (LiveKit's protocol messages over the same WebSocket) is used
    only for what the SDK cannot give: the server's ``NOT_ALLOWED`` to a track an observer asks to
    publish, and the join answer when the SDK's transport cannot connect.

    The server is the one `LiveKitHttp.Use LiveKit Server` chose (in the suite setup). Tokens are
    taken as ``Secret`` and never logged; the SDK's own log lines are kept at WARNING and scrubbed
    of anything token-shaped.

    Participants are named by an ``alias`` (``observer``, ``publisher``...), so that a suite can
    say who does what.

    = Transport =

    When WebRTC cannot connect on a machine (no usable network interface), the real-time SDK's join
    does not complete, and a signal-level join reads the server's join answer in its place:
    `Join Room As Client` records that the transport was not checked and why, and the data check
    is skipped with that reason. With ``LIVEKIT_REQUIRE_TRANSPORT=1`` it fails instead.
    """

    def __init__(self, timeout: float = realtime.CONNECT_TIMEOUT):
        """``timeout`` is the number of seconds a join may take, signal and transport together.

        Example:
        | Library | LiveKitClient | timeout=20 |
        """
        self.timeout = float(timeout)
        self._participants: dict[str, realtime.Participant] = {}
        self._joins: dict[str, realtime.Joined] = {}
        self._held: dict[str, signal.HeldJoin] = {}  # signal-level joins standing in for the SDK's
        self._transport_problem: str | None = None
        self._tracks_of: dict[str, str] = {}  # alias -> the sid of the silent track it keeps published

    # ------------------------------------------------------------------ joining

    @keyword
    def join_room_as_client(self, token: Secret, alias: str = "observer") -> None:
        """Join the room of ``token`` with the real-time SDK as ``alias`` and log the server's answer.

        The server sees one connection: the SDK's, signal and WebRTC transport. The table shows the
        identity and room the server put the participant in, the server's version, and whether the
        transport connected. When it cannot connect, a signal-level join reads the server's join
        answer instead (and its version); the transport is then recorded as not checked. A refusal
        fails with the server's status and reason.

        Example:
        | Join Room As Client | ${TOKEN_UNDER_TEST} | alias=observer |
        """
        server = self._server()
        text = self._text(token)
        joined = self._join(alias, text)
        participant = self._participants.get(alias)
        transport = "connected (WebRTC, UDP on 127.0.0.1)" if participant else f"not checked: {self._transport_problem}"
        # The SDK does not pass on the server's version from its join answer; the signal-level join does.
        version = f"{joined.server_version} (its join answer)" if joined.server_version else server.version
        rows = [
            {"label": "Client", "value": f"LiveKit Python real-time SDK {_sdk_version()}"},
            {"label": "Joined through", "value": _through(joined)},
            {"label": "Server", "value": f"{server.ws_url}, version {version or 'not reported'}"},
            {"label": "Participant", "value": joined.identity},
            {"label": "Room", "value": joined.room},
            {"label": "Transport", "value": transport},
        ]
        _record(
            "joined",
            f"Joined as {alias}",
            rows,
            alias=alias,
            client=f"LiveKit Python real-time SDK {_sdk_version()}",
            identity=joined.identity,
            room=joined.room,
            through=joined.through,
            server_version=version,
            transport=participant is not None and self._transport_problem is None,
            transport_problem=self._transport_problem,
            token=evidence.fingerprint(text),
        )
        if self._transport_problem and _transport_required():
            raise AssertionError(f"The WebRTC transport did not connect: {self._transport_problem}.")

    @keyword
    def client_should_be_in_room(self, alias: str, identity: str | None = None, room: str | None = None) -> None:
        """Check that the server put ``alias`` in ``room`` as ``identity`` (from its join answer).

        An identity or room that is not set (``${None}`` or empty, as for a supplied token whose
        settings leave them out) is reported as the server's answer, not checked.

        Example:
        | Client Should Be In Room | observer | client_test | test_room |
        """
        joined = self._joined(alias)
        rows = [
            where_row("Participant", identity, joined.identity),
            where_row("Room", room, joined.room),
        ]
        log_table(f"Where the server put {alias}", rows)
        wrong = [row["label"].lower() for row in rows if row["ok"] is False]
        if wrong:
            message = (
                f"The server put '{alias}' in room '{joined.room}' as '{joined.identity}', "
                f"not in room '{room}' as '{identity}' ({' and '.join(wrong)} differ)."
            )
            if "room" in wrong:
                expected = Expectation("grant", "room", room, joined.room)
            else:
                expected = Expectation("claim", "sub", identity, joined.identity)
            raise AssertionError(self._diagnosed(message, EXPECTATION, expectation=expected))

    @keyword
    def get_room_of_token(self, token: Secret) -> str:
        """Return the room ``token`` grants, as the server reads it (the room its client joins).

        Example:
        | ${room} = | Get Room Of Token | ${TOKEN_UNDER_TEST} |
        """
        return str(self._offline_grants(token).get("room") or "")

    @keyword
    def get_room_of_client(self, alias: str) -> str:
        """Return the room the server put ``alias`` in (from its join answer).

        Example:
        | ${room} = | Get Room Of Client | observer |
        """
        return self._joined(alias).room

    @keyword
    def joining_should_be_refused(self, token: Secret, status: int, reason: str, alias: str = "refused client") -> None:
        """Check that the real-time SDK cannot join with ``token``: the server answers ``status`` with ``reason``.

        ``reason`` is a stable part of the server's message (case-insensitive).

        Example:
        | Joining Should Be Refused | ${token} | 401 | permissions denied |
        """
        server = self._server()
        text = self._text(token)
        try:
            participant = realtime.join(alias, server.ws_url, text, self.timeout)
        except realtime.JoinRefused as refused:
            if refused.certificate:
                raise AssertionError(str(refused)) from None
            observed_status, message = refused.status, str(refused)
        else:
            realtime.leave(participant)
            observed_status, message = None, f"joined room '{participant.room_name}' as '{participant.identity}'"
        ok = observed_status == int(status) and reason.lower() in message.lower()
        log_table(
            "Join refused",
            [
                {"label": "Status", "expected": int(status), "actual": observed_status, "ok": observed_status == int(status)},
                {"label": "Reason", "expected": reason, "actual": message, "ok": reason.lower() in message.lower()},
            ],
        )
        if not ok:
            failure = f"Expected the server to refuse the join with {status} '{reason}', but {message}."
            raise AssertionError(
                self._answer_diagnosed(
                    failure, 200 if observed_status is None else observed_status, message, text, int(status), reason
                )
            )

    @keyword
    def client_should_not_be_in_room(self, token: Secret, room: str, alias: str = "other room client") -> None:
        """Join with ``token`` and check that the server did not put the client in ``room``.

        The room of a join comes from the token alone: a token for another room joins that room.
        The room service's participant list of ``room``, read while the client is connected, must
        not name the client either. The client then leaves.

        Example:
        | Client Should Not Be In Room | ${token for another room} | test_room |
        """
        server = self._server()
        text = self._text(token)
        joined = self._join(alias, text)
        try:
            listed = [participant.get("identity") for participant in self._list_participants(room)]
        finally:
            self._leave(alias)
        inside = joined.room == room or joined.identity in listed
        log_table(
            f"Where the server put {alias}",
            [
                {"label": "Room of the join", "expected": f"not {room}", "actual": joined.room, "ok": joined.room != room},
                {
                    "label": f"Participants of {room}",
                    "expected": f"without {joined.identity}",
                    "actual": ", ".join(listed) or "none",
                    "ok": joined.identity not in listed,
                },
            ],
        )
        logger.info(f"Server: {server.ws_url}")
        if inside:
            raise AssertionError(f"The token put '{joined.identity}' in room '{room}', which it does not name.")

    # ------------------------------------------------------------------ what the server applied

    @keyword
    def server_permissions_should_match_the_token(self, alias: str, token: Secret) -> None:
        """Compare, field by field, the permissions the server applied to ``alias`` with the token's grants.

        The token's side is what Step 4 decides offline (defaults of absent grants included); the
        server's side is the ``ParticipantPermission`` of its join answer, as the real-time SDK's
        participant holds it. The SDK leaves out ``recorder`` and ``agent``: those two are read
        from RoomService ``ListParticipants`` (admin token) while the client is connected, and
        their rows say so. Any difference fails.

        Example:
        | Server Permissions Should Match The Token | observer | ${TOKEN_UNDER_TEST} |
        """
        joined = self._joined(alias)
        offline = self._offline_grants(token)
        permission = dict(joined.permission)
        missing = [field for field in PERMISSION_OF_GRANT.values() if field not in permission]
        if missing:
            permission.update(self._listed_permission(joined, missing))
        rows, different = self._compare(offline, permission)
        for row, field in zip(rows, PERMISSION_OF_GRANT.values(), strict=True):
            if field in missing:
                row["label"] = f"{row['label'][:-1]}, read from ListParticipants)"
        _record(
            "permissions",
            f"Permissions the server applied to {alias}",
            rows,
            alias=alias,
            permissions={grant: permission.get(field) for grant, field in PERMISSION_OF_GRANT.items()},
            through=joined.through,
            listed=missing,
            matches=not different,
        )
        if different:
            message = f"The server applied other permissions than the token grants: {', '.join(different)}."
            expected = Expectation("permissions", "join answer", None, tuple(different))
            raise AssertionError(self._diagnosed(message, EXPECTATION, expectation=expected))

    @keyword
    def room_service_should_list_the_client(self, alias: str, token: Secret) -> None:
        """Check that RoomService ``ListParticipants`` (with an admin token) lists ``alias`` with the token's permissions.

        Example:
        | Room Service Should List The Client | observer | ${TOKEN_UNDER_TEST} |
        """
        joined = self._joined(alias)
        entry, permission = self._listing(
            joined, lambda listed: f" (it lists: {', '.join(str(name) for name in listed) or 'nobody'})."
        )
        rows, different = self._compare(self._offline_grants(token), permission)
        tracks = len(entry.get("tracks") or [])
        rows.append({"label": "Published tracks", "expected": None, "actual": tracks, "ok": None})
        _record("listed", f"{alias} as ListParticipants shows it", rows, alias=alias, tracks=tracks, matches=not different)
        if different:
            message = f"ListParticipants shows other permissions than the token grants: {', '.join(different)}."
            expected = Expectation("permissions", "ListParticipants", None, tuple(different))
            raise AssertionError(self._diagnosed(message, EXPECTATION, expectation=expected))

    @keyword
    def publishing_should_be_refused(self, alias: str, token: Secret) -> None:
        """Check that the server refuses to let ``alias`` publish a track (a silent one: no media is sent).

        Three observations, each the server's: the real-time SDK's publication never completes;
        ``ListParticipants`` shows no track for the participant; and a signal-level request to
        publish with the same token is answered ``NOT_ALLOWED`` (the SDK does not report that
        answer). The signal-level request takes the participant's place (the server allows one
        connection per identity), so the client leaves first. Without a transport only the
        signal-level request is made.

        Example:
        | Publishing Should Be Refused | observer | ${TOKEN_UNDER_TEST} |
        """
        self._check_publishing(alias, token, {decisions.SDK_SOURCE: False})

    @keyword
    def publishing_should_be_allowed(self, alias: str, token: Secret) -> None:
        """Check that the server lets ``alias`` publish a silent track, the opposite of `Publishing Should Be Refused`.

        Example:
        | Publishing Should Be Allowed | publisher | ${token} |
        """
        self._check_publishing(alias, token, {decisions.SDK_SOURCE: True})

    @keyword
    def data_should_reach(self, receiver: str, sender: str) -> None:
        """Send a reliable data packet from ``sender`` and check that ``receiver`` gets it over the real transport.

        The packet holds random bytes on the topic ``livekit-auth-check``; the receiver must get
        exactly those bytes, naming ``sender`` as the participant who sent them.

        Example:
        | Data Should Reach | observer | publisher |
        """
        if self._transport_problem:
            if _transport_required():
                raise AssertionError(f"The WebRTC transport did not connect: {self._transport_problem}.")
            raise SkipExecution(f"The transport was not checked: {self._transport_problem}.")
        source, target = self._participant(sender), self._participant(receiver)
        payload = realtime.send_data(source, DATA_TOPIC)
        packet = realtime.wait_for_data(target, DATA_TOPIC, payload)
        rows = [
            {"label": "Sent by", "expected": source.identity, "actual": packet["sender"] if packet else None, "ok": None},
            {"label": "Topic", "expected": DATA_TOPIC, "actual": packet["topic"] if packet else None, "ok": None},
            {
                "label": "Bytes",
                "expected": len(payload),
                "actual": len(packet["data"]) if packet else "nothing received within 10 s",
                "ok": packet is not None,
            },
        ]
        if packet is not None:
            rows[0]["ok"] = packet["sender"] in (source.identity, "")
            rows[1]["ok"] = packet["topic"] == DATA_TOPIC
        received = packet is not None and all(row["ok"] for row in rows)
        _record(
            "data", f"Data from {sender} to {receiver}", rows, sender=source.identity, receiver=target.identity, received=received
        )
        if not received:
            message = f"The data packet {sender} sent did not reach {receiver} over the transport."
            expected = Expectation("data", sender, receiver, packet is not None)
            raise AssertionError(self._diagnosed(message, EXPECTATION, expectation=expected))

    @keyword
    def client_leaves(self, alias: str) -> None:
        """Disconnect the participant joined as ``alias`` (its real-time SDK or signal-level connection).

        Example:
        | Client Leaves | observer |
        """
        if self._leave(alias):
            return
        if self._transport_problem and alias in self._joins:
            logger.info(f"'{alias}' has no connection left (the transport did not connect): nothing to leave.")
            return
        self._participant(alias)  # fails with the sentence naming the missing client

    @keyword
    def every_client_leaves(self) -> None:
        """Disconnect every participant this library joined (for a suite teardown).

        Example:
        | Suite Teardown | Every Client Leaves |
        """
        for alias in [*self._participants, *self._held]:
            self._leave(alias)

    @keyword
    def create_publisher_token(self, identity: str = "livekit-auth-publisher", room: str = "test_room") -> Secret:
        """Mint a 10-minute token that joins ``room`` as ``identity`` with publish and data rights.

        Example:
        | ${token} = | Create Publisher Token | room=test_room |
        """
        keyring = self._keyring()
        key = keyring.primary
        claims = minting.build_claims(
            key.key, identity, room, ttl="10 minutes", room_join=True, can_publish=True, can_publish_data=True, can_subscribe=True
        )
        token = minting.encode(claims, keyring.prepared_secret(key.key))
        evidence.remember_token(token)
        observe.note_issued(token, "this run")
        return Secret(token)

    # ------------------------------------------------------------------ for other client libraries

    def connected_participant(self, alias: str) -> realtime.Participant:
        """The real-time SDK participant joined as ``alias`` (the browser client exchanges data with it)."""
        if self._transport_problem:
            if _transport_required():
                raise AssertionError(f"The WebRTC transport did not connect: {self._transport_problem}.")
            raise SkipExecution(f"The transport was not checked: {self._transport_problem}.")
        return self._participant(alias)

    def listed_track_count(self, room: str, identity: str) -> int:
        """How many tracks RoomService ListParticipants shows for ``identity`` in ``room``."""
        listed = {item.get("identity"): item for item in self._list_participants(room)}
        return len((listed.get(identity) or {}).get("tracks") or [])

    # ------------------------------------------------------------------ helpers

    def _check_publishing(self, alias: str, token: Secret, expected: dict[str, bool]) -> None:
        """Publish as the real-time SDK, then ask at signal level, and compare each answer with ``expected``.

        ``expected`` says, per track source (``microphone``, ``camera``, ...), whether the server should
        let ``alias`` publish it; the SDK publishes a silent microphone track, the signal-level join asks
        for every source in ``expected``.
        """
        participant = self._participants.get(alias)
        text = self._text(token)
        rows = []
        sid = None
        microphone = expected.get(decisions.SDK_SOURCE)
        if participant is not None and microphone is not None:
            sid = realtime.try_to_publish_silent_track(participant, PUBLISH_WAIT if microphone else REFUSAL_WAIT)
            wait = f"within {PUBLISH_WAIT if microphone else REFUSAL_WAIT:g} s"
            rows.append(
                {
                    "label": "Real-time SDK publication (microphone)",
                    "expected": "published" if microphone else "none",
                    "actual": f"published ({sid})" if sid else f"none {wait}",
                    "ok": (sid is not None) == microphone,
                }
            )
            joined = self._joined(alias)
            # The server lists a track once the publication is complete, a moment after it announced it.
            tracks, _ = poll(
                lambda: self._listed_tracks(joined),
                lambda count: (count > 0) == microphone,
                LISTED_WAIT if microphone and sid else 0,
            )
            rows.append(
                {
                    "label": "Tracks in ListParticipants",
                    "expected": "1 or more" if microphone else 0,
                    "actual": tracks if tracks or not microphone else f"0 within {LISTED_WAIT:g} s",
                    "ok": (tracks > 0) == microphone,
                }
            )
        self._leave(alias)
        _, answers = self._over_the_signal(alias, text, publish=True, sources=tuple(expected))
        for source, allowed in expected.items():
            answer = answers[source]
            rows.append(
                {
                    "label": f"Server's answer to AddTrack ({source.replace('_', ' ')})",
                    "expected": "OK (published)" if allowed else "NOT_ALLOWED",
                    "actual": "OK (published)" if answer.published else answer.reason,
                    "ok": answer.published if allowed else answer.reason == "NOT_ALLOWED",
                }
            )
        outcome = all(row["ok"] for row in rows)
        first = answers.get(decisions.SDK_SOURCE) or next(iter(answers.values()))
        _record(
            "publish",
            f"Publishing as {alias}",
            rows,
            alias=alias,
            expected="allowed" if microphone else "refused",
            answer=first.reason,
            refused=first.reason == "NOT_ALLOWED" and not sid,
            sources={source: answers[source].reason for source in expected},
            matches=outcome,
        )
        if not outcome:
            wrong = "; ".join(f"{row['label']}: {row['actual']}" for row in rows if not row["ok"])
            message = f"The server did not decide publishing for '{alias}' as its token grants ({wrong})."
            facts = observe.token_facts(text, self._keyring())
            grants = self._offline_grants(token)
            different = [source for source, allowed in expected.items() if answers[source].published != allowed]
            source = different[0] if different else decisions.SDK_SOURCE
            grant = "canPublishSources" if grants.get("canPublish") and grants.get("canPublishSources") else "canPublish"
            if decisions.may_publish(grants, source) != expected[source]:  # the token grants otherwise than expected
                video = facts.video or {}
                written = grant in model.server_view(video, model.VIDEO_FIELDS)
                expectation = Expectation("grant", grant, expected[source], grants.get(grant), written=written)
            else:  # the token grants what was expected; the server decided otherwise
                what = f"publish a {source.replace('_', ' ')} track"
                expectation = decision_expectation(facts, grant, expected[source], what)
            raise AssertionError(self._diagnosed(message, EXPECTATION, expectation=expectation, token=facts))

    def _listed_tracks(self, joined: realtime.Joined) -> int:
        listed = {item.get("identity"): item for item in self._list_participants(joined.room)}
        return len((listed.get(joined.identity) or {}).get("tracks") or [])

    def _diagnosed(self, message: str, failure: str, **facts) -> str:
        """``message`` with the diagnosis of what was observed added (and recorded as a finding)."""
        return recording.failure(message, lambda: diagnose(self._observations(failure, **facts)))

    def _observations(self, failure: str, **facts) -> Observations:
        server = current_server.chosen()
        try:
            keys, padded = observe.key_facts(self._keyring())
        except AssertionError:
            keys, padded = (), ()
        observed = Observations(
            failure,
            keys=keys,
            padded_keys=padded,
            server_url=server.ws_url if server else None,
            server_version=server.version if server else None,
            now=time.time(),
            **facts,
        )
        return observed

    def _answer_diagnosed(
        self, message: str, status: int | None, said: str, token: str, expected: int | None = None, reason: str | None = None
    ) -> str:
        try:
            said = scrub(said, tokens=(token,), secrets=self._secrets())
            reply = ServerAnswer(status, said, "join", expected_status=expected, expected_text=reason)
            try:
                facts = observe.token_facts(token, self._keyring())
            except AssertionError:
                facts = observe.token_facts(token, None)
        except Exception:  # a diagnosis explains a failure; it must never replace it
            return message
        return self._diagnosed(message, SERVER_ANSWER, server=reply, token=facts)

    def _compare(self, offline: dict, server: dict) -> tuple[list[dict], list[str]]:
        rows, different = [], []
        for grant, field in PERMISSION_OF_GRANT.items():
            ok = _same(grant, offline.get(grant), server.get(field, False if grant != "canPublishSources" else []))
            rows.append({"label": f"{grant} ({field})", "expected": offline.get(grant), "actual": server.get(field), "ok": ok})
            if not ok:
                different.append(f"{grant}: token {evidence.show(offline.get(grant))}, server {evidence.show(server.get(field))}")
        return rows, different

    def _offline_grants(self, token: Secret) -> dict:
        try:
            claims = parse_token(self._text(token)).server_claims
        except TokenRejected as rejection:
            raise AssertionError(f"The token cannot be read: {rejection.detail}.") from None
        return model.effective_video_grant(claims.get("video"))

    def _join(self, alias: str, text: str) -> realtime.Joined:
        """One join as ``alias``: the real-time SDK's, or the signal-level one when the SDK's transport cannot connect.

        A refusal by the server fails, diagnosed. The signal-level join is also used at once when
        an earlier client's transport did not connect: another would wait as long in vain.
        """
        participant = None
        if self._transport_problem is None:
            try:
                participant = realtime.join(alias, self._server().ws_url, text, self.timeout)
            except realtime.JoinRefused as refused:
                if refused.certificate:
                    raise AssertionError(str(refused)) from None
                if not refused.transport:
                    message = f"The client '{alias}' could not join: {refused}."
                    raise AssertionError(self._answer_diagnosed(message, refused.status, str(refused), text)) from None
                self._transport_problem = str(refused)
            else:
                if not participant.connected:
                    realtime.leave(participant)
                    participant = None
                    self._transport_problem = "the client's connection state is not connected"
        if participant is None:
            server = self._server()
            held = self._signal_answer(
                alias,
                text,
                signal.join_and_stay(server.ws_url, server.http_url, text, secrets=self._secrets()),
                f"The signal-level join as {alias}",
            )
            self._held[alias] = held
            joined = held.joined.joined()
        else:
            self._participants[alias] = participant
            joined = participant.joined()
        self._joins[alias] = joined
        return joined

    def _listed_permission(self, joined: realtime.Joined, fields: list[str]) -> dict:
        """The permission ``fields`` of ``joined`` as ListParticipants shows them (a field it leaves out is false)."""
        _, permission = self._listing(
            joined,
            lambda _: (
                f", so the permissions the real-time SDK leaves out ({', '.join(fields)}) cannot be read; "
                "is the client still connected?"
            ),
        )
        return {field: permission.get(field, False) for field in fields}

    def _listing(self, joined: realtime.Joined, why_it_matters) -> tuple[dict, dict]:
        """The ListParticipants entry of ``joined`` and its permission (snake_case names).

        When the room does not list ``joined``, the failure says so, and its sentence ends with
        ``why_it_matters(listed)`` (``listed``: the identities the room lists).
        """
        listed = {item.get("identity"): item for item in self._list_participants(joined.room)}
        entry = listed.get(joined.identity)
        if entry is None:
            raise AssertionError(
                f"ListParticipants of room '{joined.room}' does not list '{joined.identity}'{why_it_matters(listed)}"
            )
        return entry, {_snake(name): value for name, value in (entry.get("permission") or {}).items()}

    def _over_the_signal(self, alias: str, text: str, publish: bool, sources: tuple[str, ...] = (decisions.SDK_SOURCE,)):
        """The signal-level join and leave (with ``publish``, the answers to silent tracks of ``sources``);
        a refusal fails, diagnosed."""
        server = self._server()
        what = f"Asking to publish as {alias}" if publish else f"The signal-level join as {alias}"
        coroutine = signal.join_and_ask_to_publish(
            server.ws_url, server.http_url, text, publish=publish, secrets=self._secrets(), sources=sources
        )
        return self._signal_answer(alias, text, coroutine, what)

    def _signal_answer(self, alias: str, text: str, coroutine, what: str):
        try:
            return run_on_loop(coroutine, 20, what)
        except signal.SignalRefused as refused:
            message = f"The server refused '{alias}': {refused.status} {refused.reason}."
            raise AssertionError(self._answer_diagnosed(message, refused.status or None, refused.reason, text)) from None

    def _leave(self, alias: str) -> bool:
        """Close the connection ``alias`` holds (the SDK's, or a signal-level one); False when it holds none."""
        participant, held = self._participants.pop(alias, None), self._held.pop(alias, None)
        if participant is not None:
            realtime.leave(participant)
        if held is not None:
            try:
                run_on_loop(held.leave(), 10, f"Leaving the room as {alias}")
            except AssertionError as slow:  # the server removes a participant without transport within a minute
                logger.info(f"{slow} The server removes the participant itself.")
        return participant is not None or held is not None

    def _list_participants(self, room: str) -> list[dict]:
        keyring = self._keyring()
        key = keyring.primary
        claims = minting.build_claims(key.key, "livekit-auth-admin", room, ttl="5 minutes", room_admin=True)
        admin = minting.encode(claims, keyring.prepared_secret(key.key))
        evidence.remember_token(admin)
        status, body = self._room_service_post("ListParticipants", {"room": room}, admin)
        if status != 200:
            message = f"ListParticipants of room '{room}' answered {status}: {body[:200]}"
            reply = ServerAnswer(status, body[:200], "RoomService/ListParticipants", room=room)
            token = observe.token_facts(admin, keyring)
            raise AssertionError(self._diagnosed(message, SERVER_ANSWER, server=reply, token=token))
        try:
            return list(json.loads(body).get("participants") or [])
        except (ValueError, AttributeError, RecursionError):
            raise AssertionError("ListParticipants answered something that is not its JSON object.") from None

    def _room_service_post(self, method: str, body: dict, token: str) -> tuple[int, str]:
        """POST a RoomService call with ``token``; the status and the body, every token and secret replaced."""
        server = self._server()
        session = deadline.Session()
        session.trust_env = False
        session.verify = tls.verify_setting()
        try:
            answer = session.post(
                f"{server.http_url}/twirp/livekit.RoomService/{method}",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
        except requests.RequestException as error:
            raise AssertionError(transport_failure(error, "the LiveKit server", server.http_url, 10)) from None
        finally:
            session.close()
        return answer.status_code, scrub(answer.text, tokens=(token,), secrets=self._secrets())

    @staticmethod
    def _fact(fact: str, title: str, rows: list[dict], **facts) -> None:
        _record(fact, title, rows, **facts)

    def _joined(self, alias: str) -> realtime.Joined:
        joined = self._joins.get(alias)
        if joined is None:
            raise AssertionError(f"No client joined as '{alias}'; use Join Room As Client first.")
        return joined

    def _participant(self, alias: str) -> realtime.Participant:
        participant = self._participants.get(alias)
        if participant is None:
            raise AssertionError(f"No real-time client is connected as '{alias}'; use Join Room As Client first.")
        return participant

    @staticmethod
    def _server() -> current_server.ChosenServer:
        server = current_server.chosen()
        if server is None:
            raise AssertionError("No LiveKit server is chosen yet; call Use LiveKit Server first (in Suite Setup).")
        return server

    @staticmethod
    def _text(token) -> str:
        text = token.value if isinstance(token, Secret) else token
        if not isinstance(text, str) or not text:
            raise AssertionError("A token is needed here: pass it as a Secret, such as ${TOKEN_UNDER_TEST}.")
        evidence.remember_token(text)
        return text

    @staticmethod
    def _keyring():
        from livekit_tokens.robot_context import run_context

        return run_context().keyring

    def _secrets(self) -> tuple[str, ...]:
        try:
            return tuple(self._keyring().secrets())
        except AssertionError:
            return ()


def _through(joined: realtime.Joined) -> str:
    if joined.through == realtime.REALTIME:
        return "the real-time SDK (signal and WebRTC transport, one connection)"
    return "a signal-level join (livekit-protocol over the server's WebSocket), the SDK's transport did not connect"


def _snake(name: str) -> str:
    return model.to_snake(name) if any(ch.isupper() for ch in name) else name


def _sdk_version() -> str:
    from livekit_tokens.environment import package_version

    return package_version("livekit")


def _transport_required() -> bool:
    import os

    return os.environ.get("LIVEKIT_REQUIRE_TRANSPORT", "").strip().lower() in ("1", "true", "yes")
