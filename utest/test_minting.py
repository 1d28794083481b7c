"""Minting: the claims a token carries and how they are signed."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone

import jwt
import pytest

from livekit_tokens import minting
from livekit_tokens.keys import prepare_hmac_key

NOW = 1_768_831_737  # 2026-01-19 14:08:57 UTC


def claims(*args, **options):
    return minting.build_claims("devkey", *args, at=NOW, **options)


def test_documented_observer_token_claims():
    built = claims("client_test", "test_room", room_join=True, can_publish=False, can_subscribe=True, audience="test_room")
    assert built == {
        "video": {"roomJoin": True, "canPublish": False, "canSubscribe": True, "room": "test_room"},
        "sub": "client_test",
        "iss": "devkey",
        "nbf": NOW,
        "exp": NOW + 6 * 3600,
        "aud": "test_room",
    }


def test_no_audience_unless_asked_and_six_hours_by_default():
    built = claims("alice", "demo", room_join=True)
    assert "aud" not in built
    assert built["exp"] - built["nbf"] == 21600


def test_only_given_grants_are_written_as_go_and_node_do():
    assert claims("alice", "demo", room_join=True)["video"] == {"roomJoin": True, "room": "demo"}


def test_identity_left_out_when_empty():
    built = claims(room_list=True)
    assert "sub" not in built
    assert built["video"] == {"roomList": True}


def test_robot_text_values_are_converted_to_json_types():
    built = claims("a", "r", room_join="True", can_publish="false", can_publish_sources="camera, microphone")
    assert built["video"] == {"roomJoin": True, "canPublish": False, "canPublishSources": ["camera", "microphone"], "room": "r"}


def test_other_grants_by_prefix_or_dictionary():
    built = claims(sip_admin=True, sip_call="yes", agent_admin=True, inference_perform=True, observability={"write": True})
    assert built["sip"] == {"admin": True, "call": True}
    assert built["agent"] == {"admin": True}
    assert built["inference"] == {"perform": True}
    assert built["observability"] == {"write": True}


def test_video_agent_flag_is_not_the_agent_grant():
    assert claims("bot", "r", room_join=True, agent=True)["video"]["agent"] is True


def test_participant_fields():
    built = claims("a", "r", name="Alice", metadata={"team": "qa"}, attributes={"city": "Zürich"}, kind="agent")
    assert built["name"] == "Alice"
    assert built["metadata"] == '{"team":"qa"}'
    assert built["attributes"] == {"city": "Zürich"}
    assert built["kind"] == "agent"


def test_explicit_times():
    built = claims("a", "r", not_before="2026-01-19 19:08:57", expires=datetime(2026, 1, 20, 1, 8, 57, tzinfo=timezone.utc))
    assert built["nbf"] == 1_768_849_737
    assert built["exp"] == 1_768_871_337


def test_ttl_as_robot_time_string():
    assert claims("a", "r", ttl="90 minutes")["exp"] == NOW + 5400


@pytest.mark.parametrize(
    ("identity", "room", "message"),
    [
        ("", "r", "needs both an identity and a room"),
        ("a", "", "needs both an identity and a room"),
    ],
)
def test_join_without_identity_or_room_is_refused(identity, room, message):
    with pytest.raises(ValueError, match=message):
        claims(identity, room, room_join=True)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"room_joint": True}, "'room_joint' is not a LiveKit claim or grant"),
        ({"can_publish": "maybe"}, "can_publish must be true or false"),
        ({"can_publish_sources": "camera, webcam"}, "allowed sources are camera"),
        ({"kind": "robot"}, "kind must be one of"),
        ({"ttl": "soon"}, "ttl must be a duration"),
        ({"ttl": "-5 minutes"}, "ttl must be positive"),
        ({"attributes": {"n": 1}}, "attributes must be a dictionary of text"),
        ({"sip_dance": True}, "'dance' is not a field of the sip grant"),
    ],
)
def test_unknown_or_badly_typed_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        claims("a", "r", **options)


def test_encoding_is_byte_for_byte_pyjwt():
    built = claims("client_test", "test_room", room_join=True, name="Zoë", attributes={"k": "✓"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        expected = jwt.encode(built, "secret", algorithm="HS256")
    assert minting.encode(built, prepare_hmac_key("secret")) == expected


def test_generated_token_is_a_secret_that_verifies(dev_library):
    token = dev_library.generate_token("alice", "demo", room_join=True)
    assert str(token) == "<secret>"
    assert dev_library.verify_token(token)["sub"] == "alice"
    assert dev_library.verify_token(token.value)["video"]["room"] == "demo"


def test_generate_token_fails_with_a_sentence_for_bad_options(dev_library):
    with pytest.raises(AssertionError, match="Cannot mint the token: A token that joins a room needs both"):
        dev_library.generate_token("", "demo", room_join=True)


def test_generate_token_with_a_second_configured_key(monkeypatch):
    from LiveKitAuth import LiveKitAuth

    # Secrets of letters: the server reads LIVEKIT_KEYS as YAML and drops a secret made of digits (a number).
    monkeypatch.setenv("LIVEKIT_KEYS", "first: " + "f" * 32 + "\nsecond: " + "s" * 32)
    for name in ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    library = LiveKitAuth()
    token = library.generate_token("a", "r", room_join=True, api_key="second")
    assert library.verify_token(token)["iss"] == "second"
    with pytest.raises(AssertionError, match="API key 'third' is not configured"):
        library.generate_token("a", "r", api_key="third")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"attributes": "[" * 5000}, "attributes must be a dictionary or a JSON object of text values."),
        ({"room_config": "[" * 5000 + "]" * 5000}, "room_config must be a dictionary or a JSON object text."),
        ({"room_config": "not json"}, "room_config must be a dictionary or a JSON object text."),
    ],
)
def test_json_text_options_that_do_not_read_are_one_sentence(options, message):
    with pytest.raises(ValueError) as caught:
        claims("a", "r", **options)
    assert str(caught.value) == message
