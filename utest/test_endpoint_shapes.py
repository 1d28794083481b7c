"""The shapes of token endpoints, the times of their tokens and the findings, without Robot."""

from __future__ import annotations

import json
import time

import pytest
from endpoint_apps import mint_like_sdk

from livekit_endpoint import answers, asking, findings, shapes, times
from livekit_settings.endpoint import get_variables
from livekit_tokens.verification import parse_token

TOKEN = mint_like_sdk("2.19.2", "alice", "demo", 600)


@pytest.mark.parametrize(
    ("body", "form"),
    [
        ({"server_url": "ws://h:7880", "participant_token": TOKEN}, shapes.SNAKE),
        ({"serverUrl": "ws://h:7880", "participantToken": TOKEN, "roomName": "demo", "participantName": "A"}, shapes.CAMEL),
    ],
)
def test_either_json_name_of_the_answer_is_read_as_livekit_client_reads_it(body, form):
    answer, seen = answers.read(200, "OK", "application/json", "no-store", json.dumps(body).encode())
    assert (answer.token, answer.server_url, seen) == (TOKEN, "ws://h:7880", form)


def test_a_bare_token_is_read_and_named_so():
    answer, seen = answers.read(200, "OK", "text/html", None, TOKEN.encode() + b"\n")
    assert (answer.token, answer.server_url, seen) == (TOKEN, "", shapes.TEXT)
    assert shapes.detected_shape("POST", seen) == shapes.BARE


def test_an_answer_without_a_token_in_either_name_still_fails_with_its_sentence():
    with pytest.raises(AssertionError, match=r"lacks server_url and participant_token \(it has: accessToken\)"):
        answers.read(200, "OK", "application/json", None, b'{"accessToken": "x"}')


def test_a_camel_case_answer_without_a_server_url_says_so():
    with pytest.raises(AssertionError, match=r"^The token endpoint's answer \(camelCase JSON\) has a token but no serverUrl\.$"):
        answers.read(200, "OK", "application/json", None, json.dumps({"participantToken": TOKEN}).encode())


def test_connection_details_ask_by_get_in_the_apps_names():
    chosen = shapes.shape(shapes.CONNECTION_DETAILS)
    query, body = shapes.request_parts(chosen, {"room": "standup", "name": "Ann", "identity": ""}, "agent")
    assert (chosen.method, query, body) == ("GET", {"roomName": "standup", "participantName": "Ann"}, None)
    renamed = shapes.shape(shapes.CONNECTION_DETAILS, fields=shapes.parse_fields("room=room, name=user"))
    assert shapes.request_parts(renamed, {"room": "r", "name": "n"})[0] == {"room": "r", "user": "n"}


def test_the_standard_request_is_snake_case_json_with_agent_dispatch():
    chosen = shapes.shape(shapes.STANDARD)
    query, body = shapes.request_parts(chosen, {"identity": "alice", "attributes": {"a": "b"}}, "helper", "hi")
    assert query == {}
    assert body == {
        "participant_identity": "alice",
        "participant_attributes": {"a": "b"},
        "room_config": {"agents": [{"agent_name": "helper", "metadata": "hi"}]},
    }


def test_auto_tries_get_after_a_405_and_the_shape_decides_what_the_caller_chooses():
    settings = asking.Settings()
    first = settings.first()
    assert (first.name, first.method) == (shapes.STANDARD, "POST")
    second = settings.fallback(first, 405)
    assert (second.name, second.method) == (shapes.CONNECTION_DETAILS, "GET")
    assert settings.fallback(first, 400) is None
    assert asking.Settings(shape=shapes.STANDARD).fallback(first, 405) is None
    assert settings.chooses(shapes.STANDARD) == ()
    assert settings.chooses(shapes.CONNECTION_DETAILS) == ("room", "name")
    assert asking.Settings(caller_chooses="identity, metadata").chooses(shapes.STANDARD) == ("identity", "metadata")
    assert asking.Settings(caller_chooses="none").chooses(shapes.CONNECTION_DETAILS) == ()
    kept = asking.sent_values({"identity": "a", "room": "r", "metadata": "m", "attributes": {"x": "y"}}, ("metadata",))
    assert kept == {"metadata": "m", "attributes": {"x": "y"}}


@pytest.mark.parametrize("version", ["2.11.0", "2.12.0", "2.13.3", "2.14.0"])
def test_tokens_of_sdks_that_mint_nbf_0_live_from_the_request_and_say_nbf_missing(version):
    requested = time.time()
    claims = parse_token(mint_like_sdk(version, "alice", "demo", 15 * 60)).server_claims
    assert claims["nbf"] == 0 and "iat" not in claims
    minted = times.mint_time(claims)
    assert (minted.claim, minted.nbf_missing) == (None, True)
    counted = times.lifetime(claims, requested)
    assert counted.basis == "request" and 899 <= counted.seconds <= 901
    assert findings.nbf_missing(claims["nbf"]).sentence.startswith("The token's nbf is 0 and it has no iat")


@pytest.mark.parametrize("version", ["2.15.2", "2.19.2"])
def test_tokens_of_current_sdks_live_from_their_nbf(version):
    claims = parse_token(mint_like_sdk(version, "alice", "demo", 300)).server_claims
    assert times.mint_time(claims).claim == "nbf"
    assert times.lifetime(claims, 0).seconds == 300


def test_freshness_without_a_mint_time_is_decided_by_two_requests():
    first = {"exp": 1000}
    assert times.compare_answers(first, {"exp": 1003}, "t1", "t2", 3).fresh
    assert times.compare_answers(first, {"exp": 1000}, "t1", "t1", 3).reason == "two requests got the same token"
    stale = times.compare_answers(first, {"exp": 1000}, "t1", "t2", 5)
    assert not stale.fresh and stale.reason == "the second token, asked for 5 s later, expires no later than the first"


def test_findings_carry_severity_sentence_evidence_and_fix():
    found = findings.impersonation("bob__ab12", "bob__ab12", "by sending the cookie p it trusts", authenticated=False)
    assert (found.severity, found.fails, found.evidence["identity"]) == ("critical", True, "bob__ab12")
    assert findings.impersonation("bob__ab12", "bob__zz99", "x", False) is None
    assert findings.room_configuration({"roomConfig": {"agents": [{"agentName": "a"}], "emptyTimeout": 0}}) is None
    assert findings.room_configuration({"roomConfig": {"maxParticipants": 9}}).severity == "high"
    assert findings.no_authentication(401, 0) is None and findings.no_authentication(201, 0).fails
    assert findings.shared(("a", "b"), False) is None and findings.shared(("a", "a"), False).id == "shared-identity"
    assert findings.cors(204, "*", None, "https://x", "").__class__ is type(None)
    assert findings.cors(204, "*", None, "https://x", "cookie").severity == "medium"
    assert findings.error_body(400, "Missing required query parameter: roomName") is None
    assert findings.error_body(500, "Unexpected end of JSON input").severity == "low"
    assert findings.error_body(400, "Expecting value: line 1 column 15 (char 14)").severity == "low"
    assert findings.error_body(400, '{"error": "The request body is not valid JSON."}') is None  # a fixed sentence of its own
    assert [item.id for item in findings.grants(["roomJoin", "canPublish"], viewer=True)] == ["broad-grants"]
    assert findings.grants(["roomJoin", "canPublish"], viewer=False) == []
    ranked = findings.ranked([findings.nbf_missing(0), found])
    assert [item.severity for item in ranked] == ["critical", "info"]


@pytest.mark.parametrize(
    ("setting", "value", "sentence"),
    [
        (
            "LIVEKIT_ENDPOINT_SHAPE",
            "graphql",
            "LIVEKIT_ENDPOINT_SHAPE must be one of auto, standard, connection-details, bare-token, got 'graphql'.",
        ),
        ("LIVEKIT_ENDPOINT_METHOD", "PUT", "LIVEKIT_ENDPOINT_METHOD must be GET or POST, got 'PUT'."),
        ("LIVEKIT_ENDPOINT_TIMEOUT", "soon", "LIVEKIT_ENDPOINT_TIMEOUT must be a duration such as '30 seconds', got 'soon'."),
        (
            "LIVEKIT_ENDPOINT_CALLER_CHOOSES",
            "identity, avatar",
            "LIVEKIT_ENDPOINT_CALLER_CHOOSES names fields among identity, room, name, metadata (or none), got 'avatar'.",
        ),
        ("LIVEKIT_ENDPOINT_VIEWER", "maybe", "LIVEKIT_ENDPOINT_VIEWER must be yes or no, got 'maybe'."),
    ],
)
def test_a_wrong_endpoint_setting_stops_with_one_sentence(setting, value, sentence):
    with pytest.raises(ValueError) as caught:
        get_variables({setting: value})
    assert str(caught.value) == sentence


def test_the_endpoint_settings_default_to_detection_and_to_the_app_choosing():
    variables = get_variables({})
    assert (variables["ENDPOINT_SHAPE"], variables["ENDPOINT_CALLER_CHOOSES"], variables["ENDPOINT_WARM_UP"]) == (
        "auto",
        "",
        "none",
    )
    assert get_variables({"LIVEKIT_ENDPOINT_WARM_UP": "60 seconds"})["ENDPOINT_WARM_UP"] == "60 seconds"
