"""How `Join Room As Client` joins: once, with the real-time SDK, against the real livekit-server; the
signal-level join only in the SDK's place when its transport cannot connect. The server's webhooks
show what it saw."""

from __future__ import annotations

import time

import pytest
from helpers import LIVEKIT_SETTINGS
from robot.api.types import Secret
from server_support import real_server

import LiveKitClient as client_library
from livekit_client import realtime, signal
from livekit_client.joined import REALTIME, SIGNAL
from livekit_tokens import minting
from LiveKitClient import LiveKitClient
from LiveKitHttp import LiveKitHttp

KEY = "client-join-check-key"
SECRET = "client-join-check-secret-7b3e91c04d5a26f8"
ROOM = "join_room"


@pytest.fixture
def server(monkeypatch):
    """The real server, started by LiveKitHttp with its webhook collector; the collector it sends to."""
    binary = real_server()
    for name in LIVEKIT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIVEKIT_SERVER_BINARY", binary)
    monkeypatch.setenv("LIVEKIT_API_KEY", KEY)
    monkeypatch.setenv("LIVEKIT_API_SECRET", SECRET)
    http = LiveKitHttp(timeout=5)
    http.use_livekit_server()
    yield http._state.collector
    http.stop_livekit_server()


@pytest.fixture
def records(monkeypatch) -> list[tuple[str, dict]]:
    """The evidence records the client library writes: (kind, facts)."""
    recorded: list[tuple[str, dict]] = []
    monkeypatch.setattr(client_library, "_record", lambda fact, title, rows, **facts: recorded.append((fact, facts)))
    return recorded


@pytest.fixture
def signal_joins(monkeypatch) -> list[str]:
    """Every signal-level join asked for ("join and leave", "publish", "stay"); the real one is still made."""
    asked: list[str] = []
    join_and_ask, join_and_stay = signal.join_and_ask_to_publish, signal.join_and_stay

    def asking(*arguments, **options):
        asked.append("publish" if options.get("publish") else "join and leave")
        return join_and_ask(*arguments, **options)

    def staying(*arguments, **options):
        asked.append("stay")
        return join_and_stay(*arguments, **options)

    monkeypatch.setattr(signal, "join_and_ask_to_publish", asking)
    monkeypatch.setattr(signal, "join_and_stay", staying)
    return asked


def listed(library: LiveKitClient, identity: str, expected: bool) -> bool:
    """Whether ListParticipants of the room names ``identity``, waiting up to 5 s for it to be ``expected``."""
    deadline = time.monotonic() + 5
    while True:
        found = identity in [item.get("identity") for item in library._list_participants(ROOM)]
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def token(identity: str, **grants) -> Secret:
    grants = {"room_join": True, "can_publish": False, "can_subscribe": True, **grants}
    claims = minting.build_claims(KEY, identity, ROOM, ttl="5 minutes", **grants)
    return Secret(minting.encode(claims, SECRET.encode()))


def events_of(collector, identity: str, last: str = "participant_left") -> list[str]:
    collector.wait_for(lambda item: item["participant"] == identity and item["event"] == last, timeout=10)
    return [item["event"] for item in collector.events() if item["participant"] == identity]


def test_the_client_joins_once_with_the_real_time_sdk_and_the_server_announces_one_join(server, records, signal_joins):
    library = LiveKitClient()
    library.join_room_as_client(token("alice"), alias="observer")
    (kind, joined), *_ = records
    assert kind == "joined"
    assert (joined["identity"], joined["room"], joined["through"]) == ("alice", ROOM, REALTIME)
    assert joined["transport"] is True and joined["transport_problem"] is None
    assert joined["server_version"].startswith("1.13.5 (livekit-server --version)")
    library.client_should_be_in_room("observer", "alice", ROOM)
    library.server_permissions_should_match_the_token("observer", token("alice"))
    kind, permissions = records[-1]
    assert kind == "permissions" and permissions["matches"] is True
    assert permissions["listed"] == ["recorder", "agent"]  # what the SDK leaves out, read from ListParticipants
    assert permissions["permissions"]["canSubscribe"] is True and permissions["permissions"]["canPublish"] is False
    library.client_leaves("observer")
    assert signal_joins == []
    assert events_of(server, "alice") == ["participant_joined", "participant_left"]


def test_the_server_applied_permissions_that_differ_from_the_token_fail_field_by_field(server, records):
    library = LiveKitClient()
    library.join_room_as_client(token("bob"), alias="observer")
    with pytest.raises(AssertionError) as caught:
        library.server_permissions_should_match_the_token("observer", token("bob", can_publish=True, can_publish_data=True))
    assert str(caught.value).startswith(
        "The server applied other permissions than the token grants: canPublish: token true, server false, "
        "canPublishData: token true, server false."
    )
    library.every_client_leaves()


def test_a_refused_join_fails_with_the_servers_status_and_reason_and_no_signal_level_join(server, signal_joins):
    library = LiveKitClient()
    with pytest.raises(AssertionError) as caught:
        library.join_room_as_client(token("carol", room_join=False), alias="refused")
    assert str(caught.value).startswith(
        "The client 'refused' could not join: the server refused the join: "
        "engine: signal failure: client error: 401 Unauthorized - permissions denied."
    )
    library.joining_should_be_refused(token("carol", room_join=False), 401, "permissions denied")
    assert signal_joins == []


def test_when_the_transport_cannot_connect_a_signal_level_join_takes_the_clients_place_until_it_leaves(
    server, records, signal_joins, monkeypatch
):
    tried: list[str] = []

    def no_transport(alias, *arguments):
        tried.append(alias)
        raise realtime.JoinRefused("the WebRTC transport did not connect within 20 s", None, transport=True)

    monkeypatch.setattr(realtime, "join", no_transport)
    library = LiveKitClient()
    library.join_room_as_client(token("dave"), alias="observer")
    library.join_room_as_client(token("erin"), alias="publisher")
    assert tried == ["observer"]  # the second client does not wait for a transport already seen failing
    assert signal_joins == ["stay", "stay"]
    joins = [facts for kind, facts in records if kind == "joined"]
    assert [(facts["identity"], facts["through"]) for facts in joins] == [("dave", SIGNAL), ("erin", SIGNAL)]
    assert joins[0]["server_version"] == "1.13.5 (its join answer)"
    assert joins[0]["transport"] is False
    assert joins[0]["transport_problem"] == "the WebRTC transport did not connect within 20 s"
    library.server_permissions_should_match_the_token("observer", token("dave"))
    kind, permissions = records[-1]
    assert kind == "permissions" and permissions["matches"] is True and permissions["listed"] == []
    library.room_service_should_list_the_client("observer", token("dave"))  # the connection is held
    library.client_leaves("observer")
    assert not listed(library, "dave", expected=False)
    assert listed(library, "erin", expected=True)
    library.every_client_leaves()
    assert not listed(library, "erin", expected=False)


def test_the_sdks_permissions_read_as_the_servers_fields_without_the_two_it_leaves_out():
    from livekit.rtc._proto import participant_pb2, track_pb2

    permission = participant_pb2.ParticipantPermission(
        can_subscribe=True,
        can_publish=True,
        can_publish_data=False,
        hidden=False,
        can_update_metadata=True,
        can_subscribe_metrics=False,
        can_manage_agent_session=False,
    )
    permission.can_publish_sources.extend([track_pb2.TrackSource.SOURCE_SCREENSHARE, track_pb2.TrackSource.SOURCE_MICROPHONE])
    assert realtime.sdk_permission_dict(permission) == {
        "can_subscribe": True,
        "can_publish": True,
        "can_publish_data": False,
        "can_publish_sources": ["SCREEN_SHARE", "MICROPHONE"],
        "hidden": False,
        "can_update_metadata": True,
        "can_subscribe_metrics": False,
        "can_manage_agent_session": False,
    }


@pytest.mark.parametrize(
    ("said", "status", "transport"),
    [
        ("engine: signal failure: client error: 401 Unauthorized - permissions denied", 401, False),
        ("engine: signal failure: client error: 400 Bad Request - identity too long", 400, False),
        ("engine: failed to connect to ws://127.0.0.1:7880/rtc: connection refused", None, True),
        ("engine: peer connection to 127.0.0.1 failed after 500 ms", None, True),
    ],
)
def test_a_refusal_is_told_from_a_transport_failure_by_the_status_the_sdk_quotes(said, status, transport):
    refused = realtime._refusal(said, "no-token-here")
    assert (refused.status, refused.transport) == (status, transport)


def test_a_client_the_room_service_does_not_list_fails_naming_who_it_lists(server, monkeypatch):
    library = LiveKitClient()
    library.join_room_as_client(token("frank"), alias="observer")
    listing = library._list_participants
    monkeypatch.setattr(
        library, "_list_participants", lambda room: [item for item in listing(room) if item["identity"] != "frank"]
    )
    with pytest.raises(AssertionError) as caught:
        library.room_service_should_list_the_client("observer", token("frank"))
    assert str(caught.value) == f"ListParticipants of room '{ROOM}' does not list 'frank' (it lists: nobody)."
    with pytest.raises(AssertionError) as caught:
        library.server_permissions_should_match_the_token("observer", token("frank"))
    assert str(caught.value) == (
        f"ListParticipants of room '{ROOM}' does not list 'frank', so the permissions the real-time SDK leaves out "
        "(recorder, agent) cannot be read; is the client still connected?"
    )
    library.every_client_leaves()
