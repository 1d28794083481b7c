"""Keywords of `LiveKitClient` that check what the server decides for a participant, whatever its token
grants (a mixin: the class holds keywords, ``livekit_client.decisions`` the server's rules and
``livekit_client.realtime`` the real-time SDK).

Each keyword reads the token's own grants, says what the server should let the participant do, asks
the server with the real client, and compares. What the server shows a moment after it decided (a
participant another one sees, a subscription, changed metadata) is waited for within a bounded time;
what it must not show is looked for during a short, fixed time.
"""

from __future__ import annotations

import secrets as random_source

from robot.api import SkipExecution
from robot.api.deco import keyword
from robot.api.types import Secret

from livekit_client import decisions, realtime
from livekit_client.loop import poll
from livekit_diagnosis import observe
from livekit_diagnosis.model import EXPECTATION, Expectation
from livekit_tokens import grants as model

SHOWN_WAIT = 10.0  # seconds within which the server shows what it allowed
ABSENT_WAIT = 3.0  # seconds during which what it refused must not show
DECISION_DATA_TOPIC = "livekit-auth-decision"
METADATA_RETRIES = 2  # more requests after one the SDK timed out
# The fact kind the sign-off may read these checks by.
DECISION = "decision"


def decision_expectation(facts, grant: str, allowed: bool, what: str) -> Expectation:
    """The expectation of a server that did not decide as the token's ``grant`` says (``allowed``: the token allows ``what``)."""
    written = grant in model.server_view(facts.video or {}, model.VIDEO_FIELDS) if facts is not None else False
    return Expectation("decision", grant, allowed, not allowed, written=written, detail=what)


class DecisionKeywords:
    """The server's decisions for the token under test: one keyword per grant."""

    @keyword
    def publishing_should_be_as_the_token_grants(self, alias: str, token: Secret) -> None:
        """Check that the server lets ``alias`` publish exactly the track sources its token allows.

        The token's ``canPublish`` and ``canPublishSources`` decide, as the server reads them: the
        real-time SDK publishes a silent microphone track (the server lists it within 10 s when it
        is allowed), then, after the client left, a signal-level join asks to publish a camera,
        microphone, screen share and screen share audio track, and each answer (published or
        ``NOT_ALLOWED``) is compared. The client has left when the keyword returns.

        Example:
        | Publishing Should Be As The Token Grants | observer | ${TOKEN_UNDER_TEST} |
        """
        self._check_publishing(alias, token, decisions.publishing(self._offline_grants(token)))

    @keyword
    def data_sent_by_the_client_should_arrive_as_the_token_grants(self, sender: str, receiver: str, token: Secret) -> None:
        """Check that a data packet ``sender`` sends reaches ``receiver`` exactly when its token grants ``canPublishData``.

        ``canPublishData`` follows ``canPublish`` when the token leaves it out. An allowed packet must
        arrive within 10 s; a refused one must not arrive within 3 s (the server drops it).

        Example:
        | Data Sent By The Client Should Arrive As The Token Grants | observer | publisher | ${TOKEN_UNDER_TEST} |
        """
        self._transport_or_skip()
        allowed = decisions.may_publish_data(self._offline_grants(token))
        source, target = self._participant(sender), self._participant(receiver)
        payload = realtime.send_data(source, DECISION_DATA_TOPIC)
        packet = realtime.wait_for_data(target, DECISION_DATA_TOPIC, payload, SHOWN_WAIT if allowed else ABSENT_WAIT)
        waited = SHOWN_WAIT if allowed else ABSENT_WAIT
        rows = [
            self._grant_row(token, "canPublishData"),
            {
                "label": f"Packet received by {receiver}",
                "expected": decisions.word(allowed, "received", f"none within {waited:g} s"),
                "actual": decisions.word(packet is not None, "received", f"none within {waited:g} s"),
                "ok": (packet is not None) == allowed,
            },
        ]
        self._decided(
            "data", f"Data from {sender} to {receiver}", rows, token, "canPublishData", allowed, f"send data to {receiver}"
        )

    @keyword
    def other_participants_should_see_the_client_as_the_token_grants(self, alias: str, viewer: str, token: Secret) -> None:
        """Check that ``viewer`` is told about ``alias`` exactly when its token is not ``hidden``.

        What ``viewer`` sees are the participants the server told it about (in its join answer and
        the updates after it); a visible participant must be seen within 10 s, a hidden one must not
        be seen within 3 s. ListParticipants lists the participant either way.

        Example:
        | Other Participants Should See The Client As The Token Grants | observer | publisher | ${TOKEN_UNDER_TEST} |
        """
        joined = self._joined(alias)
        visible = decisions.visible(self._offline_grants(token))
        waited = SHOWN_WAIT if visible else ABSENT_WAIT
        watcher = self._participants.get(viewer)
        if watcher is not None:
            seen, _ = poll(lambda: realtime.remote_identities(watcher), lambda names: joined.identity in names, waited, 0.2)
        else:  # a signal-level join in the SDK's place: its join answer names whom the server showed it
            held = self._held.get(viewer)
            if held is None:
                self._participant(viewer)  # fails with the sentence naming the missing client
            seen = held.joined.other_participants
        listed = [item.get("identity") for item in self._list_participants(joined.room)]
        rows = [
            self._grant_row(token, "hidden"),
            {
                "label": f"Participants {viewer} is told about",
                "expected": decisions.word(visible, f"with {joined.identity}", f"without {joined.identity}"),
                "actual": ", ".join(seen) or "none",
                "ok": (joined.identity in seen) == visible,
            },
            {
                "label": f"ListParticipants of {joined.room}",
                "expected": f"with {joined.identity}",
                "actual": ", ".join(str(name) for name in listed) or "none",
                "ok": joined.identity in listed,
            },
        ]
        self._decided("visible", f"What {viewer} sees of {alias}", rows, token, "hidden", visible, f"show {alias} to {viewer}")

    @keyword
    def subscribing_should_be_as_the_token_grants(self, alias: str, publisher: str, token: Secret) -> None:
        """Check that ``alias`` subscribes to a track ``publisher`` publishes exactly when its token grants ``canSubscribe``.

        ``publisher`` publishes a silent microphone track (no media is sent) once; the real-time SDK of
        ``alias`` subscribes to the tracks of others automatically, which the server allows only with
        ``canSubscribe``: an allowed subscription must show within 10 s, a refused one not within 3 s.

        Example:
        | Subscribing Should Be As The Token Grants | observer | publisher | ${TOKEN_UNDER_TEST} |
        """
        self._transport_or_skip()
        allowed = decisions.may_subscribe(self._offline_grants(token))
        subscriber, source = self._participant(alias), self._participant(publisher)
        if publisher not in self._tracks_of:
            sid = realtime.try_to_publish_silent_track(source, SHOWN_WAIT)
            if sid is None:
                raise AssertionError(f"'{publisher}' could not publish the track to subscribe to within {SHOWN_WAIT:g} s.")
            self._tracks_of[publisher] = sid
        waited = SHOWN_WAIT if allowed else ABSENT_WAIT
        count, _ = poll(lambda: realtime.subscribed_tracks(subscriber), lambda found: found > 0, waited, 0.2)
        rows = [
            self._grant_row(token, "canSubscribe"),
            {
                "label": f"Tracks of {publisher} {alias} is subscribed to",
                "expected": decisions.word(allowed, "1 or more", f"none within {waited:g} s"),
                "actual": count if count else f"none within {waited:g} s",
                "ok": (count > 0) == allowed,
            },
        ]
        self._decided(
            "subscribe", f"{alias} subscribing", rows, token, "canSubscribe", allowed, f"subscribe to {publisher}'s track"
        )

    @keyword
    def updating_own_metadata_should_be_as_the_token_grants(self, alias: str, token: Secret) -> None:
        """Check that ``alias`` may set its own metadata exactly when its token grants ``canUpdateOwnMetadata``.

        The real-time SDK asks to set a random value; the server answers a participant without the
        grant ``NOT_ALLOWED`` ("does not have permission to update own metadata"), as the SDK's
        native library reports it. ListParticipants must show an allowed value within 10 s and must
        not show a refused one.

        Example:
        | Updating Own Metadata Should Be As The Token Grants | observer | ${TOKEN_UNDER_TEST} |
        """
        self._transport_or_skip()
        allowed = decisions.may_update_metadata(self._offline_grants(token))
        participant, joined = self._participant(alias), self._joined(alias)
        value = f"livekit-auth {random_source.token_hex(6)}"
        refusal = realtime.update_own_metadata(participant, value)
        for _ in range(METADATA_RETRIES):
            # The SDK gives up on an answer after 5 s ("request timeout"); under load the answer to an
            # allowed or a refused update can come later or be lost, so the update is asked again.
            if refusal is None or "timeout" not in refusal.lower():
                break
            refusal = realtime.update_own_metadata(participant, value)
        if refusal is not None and "timeout" in refusal.lower():
            raise AssertionError(
                f"The server did not answer '{alias}''s request to update its own metadata: the real-time SDK's "
                f"request timed out {METADATA_RETRIES + 1} times ({refusal})."
            )

        def metadata() -> str | None:
            listed = {item.get("identity"): item for item in self._list_participants(joined.room)}
            return (listed.get(joined.identity) or {}).get("metadata")

        shown, _ = poll(metadata, lambda text: text == value, SHOWN_WAIT if allowed else 0, 0.2)
        rows = [
            self._grant_row(token, "canUpdateOwnMetadata"),
            {
                "label": "Server's answer",
                "expected": decisions.word(allowed, "accepted", "NotAllowed"),
                "actual": refusal or "accepted",
                "ok": refusal is None if allowed else "NotAllowed" in (refusal or ""),
            },
            {
                "label": "Metadata in ListParticipants",
                "expected": decisions.word(allowed, "the new value", "unchanged"),
                "actual": decisions.word(shown == value, "the new value", "unchanged"),
                "ok": (shown == value) == allowed,
            },
        ]
        self._decided(
            "metadata", f"{alias} updating its metadata", rows, token, "canUpdateOwnMetadata", allowed, "update its own metadata"
        )

    @keyword
    def the_room_service_should_answer_the_token_as_it_grants(self, alias: str, token: Secret) -> None:
        """Check that RoomService answers the token of ``alias`` itself as its admin grants decide.

        ``ListParticipants`` of the room ``alias`` joined needs ``roomAdmin`` for that room,
        ``ListRooms`` needs ``roomList``: 200 when the token grants it, else 401 ``unauthenticated``.
        Both calls only read.

        Example:
        | The Room Service Should Answer The Token As It Grants | observer | ${TOKEN_UNDER_TEST} |
        """
        joined = self._joined(alias)
        text = self._text(token)
        grants = self._offline_grants(token)
        rows, wrong = [], None
        for call in decisions.room_service_calls(grants, joined.room):
            status, body = self._room_service_post(call.method, {"room": joined.room} if call.method != "ListRooms" else {}, text)
            ok = status == 200 if call.allowed else status == 401 and "unauthenticated" in body.lower()
            rows.append(self._grant_row(token, call.grant))
            rows.append(
                {
                    "label": f"{call.method} with this token",
                    "expected": decisions.word(call.allowed, "200", "401 unauthenticated"),
                    "actual": f"{status} {body[:80]}".strip(),
                    "ok": ok,
                }
            )
            if not ok and wrong is None:
                wrong = call
        grant = wrong.grant if wrong else "roomAdmin"
        allowed = wrong.allowed if wrong else True
        self._decided("room_service", f"RoomService with {alias}'s token", rows, token, grant, allowed, "call RoomService")

    # ------------------------------------------------------------------ helpers

    def _transport_or_skip(self) -> None:
        if self._transport_problem:
            if _transport_required():
                raise AssertionError(f"The WebRTC transport did not connect: {self._transport_problem}.")
            raise SkipExecution(f"Not checked without the transport: {self._transport_problem}.")

    def _grant_row(self, token: Secret, grant: str) -> dict:
        value = self._offline_grants(token).get(grant)
        return {"label": f"The token's {grant}", "expected": None, "actual": value, "ok": None}

    def _decided(self, check: str, title: str, rows: list[dict], token: Secret, grant: str, allowed: bool, what: str) -> None:
        """Record the check's rows; when one differs, fail naming the grant as the token carries it."""
        outcome = all(row["ok"] is not False for row in rows)
        self._fact(DECISION, title, rows, check=check, grant=grant, allowed=allowed, matches=outcome)
        if outcome:
            return
        wrong = "; ".join(f"{row['label']}: {row['actual']}" for row in rows if row["ok"] is False)
        said = "allow" if allowed else "refuse"
        message = f"The server did not {said} the request to {what} as the token's {grant} says ({wrong})."
        facts = observe.token_facts(self._text(token), self._keyring())
        expectation = decision_expectation(facts, grant, allowed, what)
        raise AssertionError(self._diagnosed(message, EXPECTATION, expectation=expectation, token=facts))


def _transport_required() -> bool:
    import os

    return os.environ.get("LIVEKIT_REQUIRE_TRANSPORT", "").strip().lower() in ("1", "true", "yes")
