"""The server's decisions for tokens of every kind, read by LiveKitClient's keywords against the real
livekit-server v1.13.5: publisher, observer, canPublishSources, canPublishData, hidden, canSubscribe,
canUpdateOwnMetadata and room admin. Each keyword passes on the server's verdict, and fails, naming
the grant as the token carries it, when the expectation differs from what the server decided."""

from __future__ import annotations

import pytest
from helpers import LIVEKIT_SETTINGS
from robot.api.types import Secret
from server_support import real_server

import client_decisions
import LiveKitClient as client_library
from livekit_client import decisions
from livekit_diagnosis.model import Expectation, Observations, TokenFacts
from livekit_diagnosis.rules import diagnose
from livekit_tokens import minting
from LiveKitClient import LiveKitClient
from LiveKitHttp import LiveKitHttp

KEY = "client-decisions-key"
SECRET = "client-decisions-secret-5d0c8e2b7a91f364"
ROOM = "decisions_room"


@pytest.fixture(scope="module")
def server():
    """The real server, started once for the module by LiveKitHttp with this module's key."""
    binary = real_server()
    patch = pytest.MonkeyPatch()
    for name in LIVEKIT_SETTINGS:
        patch.delenv(name, raising=False)
    patch.setenv("LIVEKIT_SERVER_BINARY", binary)
    patch.setenv("LIVEKIT_API_KEY", KEY)
    patch.setenv("LIVEKIT_API_SECRET", SECRET)
    http = LiveKitHttp(timeout=5)
    http.use_livekit_server()
    yield http
    http.stop_livekit_server()
    patch.undo()


@pytest.fixture
def records(monkeypatch) -> list[tuple[str, dict]]:
    recorded: list[tuple[str, dict]] = []
    monkeypatch.setattr(client_library, "_record", lambda fact, title, rows, **facts: recorded.append((fact, facts)))
    return recorded


def token(identity: str, room: str = ROOM, **video) -> Secret:
    claims = minting.build_claims(KEY, identity, room, ttl="5 minutes", room_join=True)
    claims["video"].update(video)
    return Secret(minting.encode(claims, SECRET.encode()))


def joined_pair(library: LiveKitClient, client: Secret, room: str = ROOM) -> None:
    """The client under test as ``observer``, then a publisher beside it, as the live suite joins them."""
    library.join_room_as_client(client, alias="observer")
    library.join_room_as_client(library.create_publisher_token(room=room), alias="publisher")


def decided(records, check: str) -> dict:
    return next(facts for kind, facts in records if kind == client_decisions.DECISION and facts["check"] == check)


def test_a_publishers_track_is_published_and_listed_and_every_source_is_allowed(server, records):
    library = LiveKitClient()
    publisher = token("pia", canPublish=True)
    library.join_room_as_client(publisher, alias="observer")
    library.publishing_should_be_as_the_token_grants("observer", publisher)
    kind, facts = records[-1]
    assert kind == "publish" and facts["matches"] is True and facts["expected"] == "allowed"
    assert facts["sources"] == {source: "OK" for source in decisions.SOURCES}


def test_an_observer_is_refused_every_source(server, records):
    library = LiveKitClient()
    observer = token("otto", canPublish=False)
    library.join_room_as_client(observer, alias="observer")
    library.publishing_should_be_as_the_token_grants("observer", observer)
    _, facts = records[-1]
    assert facts["refused"] is True and facts["sources"] == {source: "NOT_ALLOWED" for source in decisions.SOURCES}


def test_can_publish_sources_allow_only_the_sources_named(server, records):
    library = LiveKitClient()
    camera = token("cam", canPublish=True, canPublishSources=["camera", "screen_share_audio"])
    library.join_room_as_client(camera, alias="observer")
    library.publishing_should_be_as_the_token_grants("observer", camera)
    _, facts = records[-1]
    assert facts["sources"] == {
        "camera": "OK",
        "microphone": "NOT_ALLOWED",
        "screen_share": "NOT_ALLOWED",
        "screen_share_audio": "OK",
    }


def test_a_publisher_expected_to_be_refused_fails_naming_the_grant_the_token_carries(server):
    library = LiveKitClient()
    publisher = token("paul", canPublish=True)
    library.join_room_as_client(publisher, alias="observer")
    with pytest.raises(AssertionError) as caught:
        library.publishing_should_be_refused("observer", publisher)
    message = str(caught.value)
    assert message.startswith("The server did not decide publishing for 'observer' as its token grants (")
    assert "Diagnosis: The token grants canPublish = true, where false is expected." in message


def test_data_hidden_subscribe_metadata_and_room_service_of_an_observer(server, records):
    library = LiveKitClient()
    observer = token("olga", canPublish=False, canSubscribe=True)
    joined_pair(library, observer)
    library.other_participants_should_see_the_client_as_the_token_grants("observer", "publisher", observer)
    library.data_sent_by_the_client_should_arrive_as_the_token_grants("observer", "publisher", observer)
    library.subscribing_should_be_as_the_token_grants("observer", "publisher", observer)
    library.updating_own_metadata_should_be_as_the_token_grants("observer", observer)
    library.the_room_service_should_answer_the_token_as_it_grants("observer", observer)
    library.every_client_leaves()
    assert [(facts["check"], facts["allowed"], facts["matches"]) for _, facts in records if _ == "decision"] == [
        ("visible", True, True),
        ("data", False, True),  # canPublishData follows canPublish, left out
        ("subscribe", True, True),
        ("metadata", False, True),
        ("room_service", True, True),
    ]


def test_a_hidden_subscriber_without_data_subscribe_and_with_metadata_and_admin_grants(server, records):
    library = LiveKitClient()
    room = "decisions_admin_room"
    hidden = token(
        "hugo",
        room=room,
        hidden=True,
        canPublish=True,
        canPublishData=False,
        canSubscribe=False,
        canUpdateOwnMetadata=True,
        roomAdmin=True,
        roomList=True,
    )
    joined_pair(library, hidden, room)
    library.other_participants_should_see_the_client_as_the_token_grants("observer", "publisher", hidden)
    library.data_sent_by_the_client_should_arrive_as_the_token_grants("observer", "publisher", hidden)
    library.subscribing_should_be_as_the_token_grants("observer", "publisher", hidden)
    library.updating_own_metadata_should_be_as_the_token_grants("observer", hidden)
    library.the_room_service_should_answer_the_token_as_it_grants("observer", hidden)
    library.every_client_leaves()
    assert [(facts["check"], facts["allowed"], facts["matches"]) for _, facts in records if _ == "decision"] == [
        ("visible", False, True),
        ("data", False, True),
        ("subscribe", False, True),
        ("metadata", True, True),
        ("room_service", True, True),
    ]


def test_a_server_that_decides_otherwise_than_the_token_fails_naming_the_grant_the_token_carries(server, monkeypatch):
    library = LiveKitClient()
    subscriber = token("sam", canPublish=False)
    joined_pair(library, subscriber)
    # As if the rules said a participant may not subscribe: the real server lets it, so the check fails.
    monkeypatch.setattr(decisions, "may_subscribe", lambda grants: False)
    with pytest.raises(AssertionError) as caught:
        library.subscribing_should_be_as_the_token_grants("observer", "publisher", subscriber)
    library.every_client_leaves()
    message = str(caught.value)
    assert message.startswith(
        "The server did not refuse the request to subscribe to publisher's track as the token's canSubscribe says "
        "(Tracks of publisher observer is subscribed to: 1)."
    )
    assert "The token grants canSubscribe = true (left out: the server's default)" in message


def test_a_decision_diagnosis_names_the_grant_as_the_token_writes_it():
    facts = TokenFacts(claims={"video": {"roomJoin": True, "room": ROOM, "canPublish": True, "canPublishSources": ["camera"]}})
    observed = Observations(
        "expectation",
        token=facts,
        server_url="ws://127.0.0.1:7880",
        server_version="1.13.5",
        expectation=Expectation("decision", "canPublishSources", True, False, detail="publish a camera track"),
    )
    diagnosis = diagnose(observed)
    assert diagnosis.cause == "permissions-updated"
    assert diagnosis.sentence.startswith(
        "The token grants canPublish = true and canPublishSources = ['camera'], so the server should have allowed "
        "the request to publish a camera track, but the server at ws://127.0.0.1:7880 refused it"
    )
    assert [candidate.cause for candidate in diagnosis.candidates] == ["permissions-updated", "server-rules-differ"]


@pytest.mark.parametrize(
    ("grants", "allowed"),
    [
        ({"canPublish": False, "canPublishSources": []}, []),
        ({"canPublish": True, "canPublishSources": []}, list(decisions.SOURCES)),
        ({"canPublish": True, "canPublishSources": ["camera"]}, ["camera"]),
        ({"canPublish": True, "canPublishSources": ["CAMERA"]}, []),  # the server compares in lower case exactly
    ],
)
def test_publishing_follows_can_publish_and_its_sources(grants, allowed):
    assert [source for source, yes in decisions.publishing(grants).items() if yes] == allowed
