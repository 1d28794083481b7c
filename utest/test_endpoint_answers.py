"""Every bad answer of a token endpoint fails with one sentence; small misbehaving servers on 127.0.0.1."""

from __future__ import annotations

import re
import socket
import time

import pytest
from helpers import LIVEKIT_SETTINGS, before_diagnosis
from http_test_support import Reply, ScriptedServer

from livekit_http import transport
from livekit_http.token_protocol import build_request, grants_beyond, read_answer, request_mismatches
from livekit_tokens.evidence import fingerprint
from livekit_tokens.keys import load_keyring
from livekit_tokens.minting import build_claims, encode
from LiveKitHttp import LiveKitHttp

KEYRING = load_keyring(environ={})
REQUEST = {
    "room_name": "test_room",
    "participant_identity": "alice",
    "participant_name": "Alice",
    "participant_metadata": '{"a": 1}',
    "participant_attributes": {"team": "qa"},
    "agent_name": "helper",
    "agent_metadata": "hi",
}


@pytest.fixture(autouse=True)
def _no_livekit_settings(monkeypatch):
    for name in LIVEKIT_SETTINGS:
        monkeypatch.delenv(name, raising=False)


def mint(identity="alice", room="test_room", **options) -> str:
    options.setdefault("room_join", True)
    options.setdefault("name", "Alice")
    options.setdefault("metadata", '{"a": 1}')
    options.setdefault("attributes", {"team": "qa"})
    options.setdefault("room_config", {"agents": [{"agentName": "helper", "metadata": "hi"}]})
    return encode(build_claims("devkey", identity, room, **options), KEYRING.prepared_secret("devkey"))


def answer_with(token: str, **extra) -> Reply:
    return Reply(201, {"server_url": "ws://127.0.0.1:7880", "participant_token": token, **extra}, {"Cache-Control": "no-store"})


def fetch(server_url: str, timeout: float = 5.0):
    http = LiveKitHttp(timeout=timeout)
    http.use_token_endpoint(server_url + "/token")
    return http, http.request_token_from_endpoint(**REQUEST)


def failure_of(server_reply, timeout: float = 5.0) -> str:
    with ScriptedServer(lambda seen: server_reply) as server, pytest.raises(AssertionError) as caught:
        fetch(server.url, timeout)
    return before_diagnosis(str(caught.value))


# ---------------------------------------------------------------------- no usable answer


def test_connection_refused():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AssertionError) as caught:
        fetch(f"http://127.0.0.1:{port}")
    assert before_diagnosis(str(caught.value)) == (
        f"Could not connect to the token endpoint at http://127.0.0.1:{port}/token: the connection was refused (is it running?)."
    )


def test_timeout():
    message = failure_of(Reply(hang=True), timeout=0.3)
    assert re.fullmatch(
        r"The token endpoint at http://127\.0\.0\.1:\d+/token accepted the connection but did not answer within 0\.3 s\.", message
    )


def test_non_2xx_shows_status_and_a_token_free_excerpt():
    leaked = mint()
    message = failure_of(Reply(500, f"Traceback: KeyError while caching {leaked}", {"Content-Type": "text/plain"}))
    assert message.startswith(
        "The token endpoint answered 500 Internal Server Error instead of a 2xx status: Traceback: KeyError"
    )
    assert leaked not in message
    assert f"<token {fingerprint(leaked)}>" in message


def test_redirect_is_not_followed():
    message = failure_of(Reply(302, "", {"Location": "http://127.0.0.1:1/elsewhere"}))
    assert message == "The token endpoint answered 302 Found instead of a 2xx status: (empty body)"


def test_non_json_body():
    message = failure_of(Reply(200, "<html><body>Sign in</body></html>", {"Content-Type": "text/html"}))
    assert (
        message == "The token endpoint answered 200 with a body that is not JSON (text/html): <html><body>Sign in</body></html>"
    )


def test_json_that_is_not_an_object():
    message = failure_of(Reply(201, ["ws://x", "token"]))
    assert message == "The token endpoint answered 201 with JSON a list, not an object with server_url and participant_token."


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"server_url": "ws://127.0.0.1:7880"}, "The token endpoint's answer lacks participant_token (it has: server_url)."),
        ({}, "The token endpoint's answer lacks server_url and participant_token (it has: no fields)."),
        (
            # camelCase is read, as livekit-client reads it: then the token itself is judged.
            {"serverUrl": "ws://x", "participantToken": "t"},
            "The participant_token in the endpoint's answer is not a LiveKit token: token is malformed: it has 1 segment instead of 3.",
        ),
        (
            {"server_url": "ws://x", "participant_token": 7},
            "The token endpoint's answer is not usable: participant_token is a number, not text.",
        ),
        (
            {"server_url": "127.0.0.1:7880", "participant_token": "t"},
            "The token endpoint's server_url '127.0.0.1:7880' is not a ws://, wss://, http:// or https:// URL.",
        ),
    ],
)
def test_missing_or_wrong_fields(document, expected):
    assert failure_of(Reply(201, document)) == expected


def test_a_participant_token_that_is_no_jwt():
    message = failure_of(Reply(201, {"server_url": "ws://x", "participant_token": "not-a-token"}))
    assert (
        message
        == "The participant_token in the endpoint's answer is not a LiveKit token: token is malformed: it has 1 segment instead of 3."
    )


# ---------------------------------------------------------------------- a token, but the wrong one


def _check_match(token: str) -> str:
    with ScriptedServer(lambda seen: answer_with(token)) as server:
        http, received = fetch(server.url)
        with pytest.raises(AssertionError) as caught:
            http.endpoint_token_should_match_the_request(received)
    return before_diagnosis(str(caught.value))


def test_token_for_another_identity():
    assert (
        _check_match(mint(identity="mallory"))
        == "The endpoint returned a token for identity 'mallory' instead of the requested 'alice'."
    )


def test_token_for_another_room():
    assert (
        _check_match(mint(room="other_room"))
        == "The endpoint returned a token for room 'other_room' instead of the requested 'test_room'."
    )


def test_expired_token():
    now = int(time.time())
    message = _check_match(mint(not_before=now - 4 * 3600, expires=now - 2 * 3600))
    assert re.fullmatch(r"The endpoint returned an expired token: it expired at \S+ \S+ UTC, 2 h ago \(leeway 60 s\)\.", message)


def test_missing_name_metadata_attributes_and_agent_are_each_named():
    token = encode(build_claims("devkey", "alice", "test_room", room_join=True), KEYRING.prepared_secret("devkey"))
    message = _check_match(token)
    assert message == (
        "The token carries nothing as participant name instead of the requested 'Alice'. "
        "The token carries nothing as participant metadata instead of the requested '{\"a\": 1}'. "
        "The token carries no value for attribute 'team' instead of the requested 'qa'. "
        "The token's roomConfig does not dispatch the requested agent 'helper' (it dispatches: none)."
    )


def test_a_matching_token_passes_and_agents_are_read_in_both_spellings():
    token = mint(room_config={"agents": [{"agent_name": "helper", "metadata": "hi"}]})
    with ScriptedServer(lambda seen: answer_with(token)) as server:
        http, received = fetch(server.url)
        http.endpoint_token_should_match_the_request(received)
        http.token_should_grant_no_more_than(received, "roomJoin, canPublish, canSubscribe, canPublishData")
        http.token_lifetime_should_be_between(received, "2 minutes", "24 hours")
        http.endpoint_token_should_be_fresh(received)
    assert server.seen[0].method == "POST"
    assert server.seen[0].headers["content-type"] == "application/json"


def test_the_standard_request_is_what_clients_send():
    import json

    with ScriptedServer(lambda seen: answer_with(mint())) as server:
        fetch(server.url)
    assert json.loads(server.seen[0].body) == {
        "room_name": "test_room",
        "participant_name": "Alice",
        "participant_identity": "alice",
        "participant_metadata": '{"a": 1}',
        "participant_attributes": {"team": "qa"},
        "room_config": {"agents": [{"agent_name": "helper", "metadata": "hi"}]},
    }
    assert build_request(room_name="", participant_identity=None, agent_name="") == {}


def test_more_grants_than_allowed():
    token = mint(room_admin=True, sip_admin=True)
    with ScriptedServer(lambda seen: answer_with(token)) as server:
        http, received = fetch(server.url)
        with pytest.raises(AssertionError) as caught:
            http.token_should_grant_no_more_than(received, "roomJoin, canPublish, canSubscribe, canPublishData")
    assert before_diagnosis(str(caught.value)) == "The token grants more than allowed: roomAdmin, sip.admin."


def test_omitted_can_publish_counts_as_granted():
    claims = build_claims("devkey", "alice", "r", room_join=True)
    assert grants_beyond(claims, ["roomJoin", "canSubscribe"]) == ["canPublish", "canPublishData"]
    assert grants_beyond(claims, ["ROOMJOIN", "can_publish", "canSubscribe", "canPublishData"]) == []


@pytest.mark.parametrize(
    ("ttl", "expected"),
    [
        ("30 seconds", "The token lives 30 s, shorter than the 2 min allowed."),
        ("7 days", "The token lives 7 d, longer than the 1 d allowed."),
    ],
)
def test_lifetime_outside_the_sane_range(ttl, expected):
    token = mint(ttl=ttl)
    with ScriptedServer(lambda seen: answer_with(token)) as server:
        http, received = fetch(server.url)
        with pytest.raises(AssertionError) as caught:
            http.token_lifetime_should_be_between(received, "2 minutes", "24 hours")
    assert before_diagnosis(str(caught.value)) == expected


def test_a_cached_token_is_caught_by_its_nbf():
    now = int(time.time())
    token = mint(not_before=now - 3600, expires=now + 3600)
    with ScriptedServer(
        lambda seen: Reply(201, {"server_url": "ws://x", "participant_token": token}, {"Cache-Control": "public, max-age=3600"})
    ) as server:
        http, received = fetch(server.url)
        with pytest.raises(AssertionError) as caught:
            http.endpoint_token_should_be_fresh(received, "5 seconds")
    assert re.fullmatch(
        r"The endpoint returned a token minted 1 h before the request \(nbf \S+ \S+ UTC\): the answer looks cached\.",
        before_diagnosis(str(caught.value)),
    )


def test_freshness_falls_back_to_iat_and_else_to_a_second_request():
    now = int(time.time())
    claims = build_claims("devkey", "alice", "test_room", room_join=True, issued_at=now)
    claims.pop("nbf")
    fresh = encode(claims, KEYRING.prepared_secret("devkey"))
    claims.pop("iat")
    timeless = encode(claims, KEYRING.prepared_secret("devkey"))
    with ScriptedServer(lambda seen: answer_with(fresh if len(server.seen) == 1 else timeless)) as server:
        http, received = fetch(server.url)
        http.endpoint_token_should_be_fresh(received)
        second = http.request_token_from_endpoint(**REQUEST)
        # Without a mint time, a second request decides: this endpoint hands the same token again.
        with pytest.raises(
            AssertionError,
            match=re.escape(
                "The endpoint's tokens carry no mint time, and two requests got the same token: the answer looks cached."
            ),
        ):
            http.endpoint_token_should_be_fresh(second)


def test_a_token_not_requested_cannot_be_checked_for_freshness():
    with ScriptedServer(lambda seen: answer_with(mint())) as server:
        http, _ = fetch(server.url)
        with pytest.raises(AssertionError, match="did not come from Request Token From Endpoint"):
            http.endpoint_token_should_be_fresh(mint(identity="other"))


# ---------------------------------------------------------------------- empty request


@pytest.mark.parametrize("status", [201, 400, 422])
def test_empty_request_may_get_2xx_or_4xx(status):
    with ScriptedServer(lambda seen: Reply(status, {"error": "room_name is required"})) as server:
        http = LiveKitHttp()
        http.use_token_endpoint(server.url + "/token")
        assert http.endpoint_should_not_fail_on_empty_request() == status
    assert server.seen[0].body == b"{}"


def test_empty_request_must_not_get_5xx():
    with ScriptedServer(lambda seen: Reply(500, "KeyError: 'room_name'", {"Content-Type": "text/plain"})) as server:
        http = LiveKitHttp()
        http.use_token_endpoint(server.url + "/token")
        with pytest.raises(AssertionError) as caught:
            http.endpoint_should_not_fail_on_empty_request()
    assert before_diagnosis(str(caught.value)) == (
        "The token endpoint answered an empty request {} with 500 Internal Server Error, "
        "a server error instead of a 2xx or 4xx: KeyError: 'room_name'"
    )


# ---------------------------------------------------------------------- pure protocol helpers


def test_read_answer_accepts_any_2xx_and_reports_cache_control():
    answer = read_answer(
        200, "OK", "application/json", "no-store", b'{"server_url": "wss://x", "participant_token": "t", "extra": 1}'
    )
    assert (answer.status, answer.server_url, answer.token, answer.cache_control) == (200, "wss://x", "t", "no-store")


def test_request_mismatches_ignore_fields_not_asked_for():
    claims = build_claims("devkey", "bob", "r", room_join=True)
    assert request_mismatches(claims, {}) == []


# ---------------------------------------------------------------------- settings


def test_endpoint_settings_default_to_the_documented_participant():
    from livekit_settings.endpoint import get_variables

    variables = get_variables({})
    assert (variables["ENDPOINT_ROOM"], variables["ENDPOINT_IDENTITY"], variables["TOKEN_ENDPOINT"]) == (
        "test_room",
        "client_test",
        "",
    )
    assert "roomAdmin" not in variables["ENDPOINT_ALLOWED_GRANTS"]


def test_endpoint_settings_come_from_the_environment():
    from livekit_settings.endpoint import get_variables

    variables = get_variables(
        {
            "LIVEKIT_ROOM": "lobby",
            "LIVEKIT_IDENTITY": "bob",
            "LIVEKIT_ENDPOINT_IDENTITY": "carol",
            "LIVEKIT_ENDPOINT_METADATA": "",
            "LIVEKIT_ENDPOINT_ATTRIBUTES": '{"team": "qa"}',
            "LIVEKIT_TOKEN_ENDPOINT": " https://app.example.com/token ",
        }
    )
    assert variables["ENDPOINT_ROOM"] == "lobby"
    assert variables["ENDPOINT_IDENTITY"] == "carol"
    assert variables["ENDPOINT_METADATA"] == ""  # left out of the request
    assert variables["ENDPOINT_ATTRIBUTES"] == {"team": "qa"}
    assert variables["TOKEN_ENDPOINT"] == "https://app.example.com/token"


def test_endpoint_attributes_must_be_a_json_object_of_text():
    from livekit_settings.endpoint import get_variables

    with pytest.raises(ValueError, match=r"LIVEKIT_ENDPOINT_ATTRIBUTES must be a JSON object of text values"):
        get_variables({"LIVEKIT_ENDPOINT_ATTRIBUTES": '{"n": 1}'})


# ---------------------------------------------------------------------- hostile answers and settings

DEEP = "[" * 20000 + "]" * 20000


def test_json_nested_too_deeply_is_one_sentence():
    message = failure_of(Reply(201, DEEP))
    assert message == "The token endpoint answered 201 with JSON nested too deeply to read."


def test_an_empty_request_answered_with_deep_json_is_judged_by_its_status():
    with ScriptedServer(lambda seen: Reply(200, DEEP)) as server:
        http = LiveKitHttp(timeout=5)
        http.use_token_endpoint(server.url + "/token")
        assert http.endpoint_should_not_fail_on_empty_request() == 200


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        (DEEP.encode(), "The JS client script printed a summary nested too deeply to read."),
        (b"[1, 2]", "The JS client script printed JSON a list instead of a summary object."),
        (b"npm warn", "The JS client script printed no JSON summary: npm warn"),
    ],
)
def test_an_unreadable_js_client_summary_is_one_sentence(monkeypatch, printed, expected):
    import subprocess

    import LiveKitHttp as module

    finished = subprocess.CompletedProcess(["node"], 0, stdout=printed, stderr=b"")
    monkeypatch.setattr(module, "_node_or_skip", lambda: "node")
    monkeypatch.setattr(module.subprocess, "run", lambda *args, **kwargs: finished)
    http = LiveKitHttp(timeout=5)
    http.use_token_endpoint("http://127.0.0.1:9/token")
    with pytest.raises(AssertionError) as caught:
        http.livekit_js_client_should_fetch_a_token("test_room", "client_test")
    assert before_diagnosis(str(caught.value)) == expected


@pytest.mark.parametrize(
    ("cache_control", "cacheable"),
    [
        ("max-age=²", False),
        ("max-age=٣", False),
        ('s-maxage="1e3"', False),
        ("max-age=" + "9" * 5000, True),
        ("max-age=" + "0" * 5000 + "1", True),
        ("max-age=" + "0" * 5000, False),
    ],
)
def test_odd_cache_control_numbers_are_read_without_error(cache_control, cacheable):
    assert transport.cacheable(cache_control) is cacheable


def test_a_freshness_check_with_an_odd_cache_control_reports_it(monkeypatch):
    recorded = []
    monkeypatch.setattr(LiveKitHttp, "_finding", staticmethod(lambda *finding: recorded.append(finding)))
    with ScriptedServer(lambda seen: Reply(201, answer_with(mint()).body, {"Cache-Control": "max-age=²"})) as server:
        http, token = fetch(server.url)
        http.endpoint_token_should_be_fresh(token)
    assert recorded == []  # not cacheable, and the header is present


def endpoint_headers(monkeypatch, headers) -> LiveKitHttp:
    import LiveKitHttp as module

    monkeypatch.setattr(module, "robot_variable", lambda name: headers if name == module.HEADERS_VARIABLE else None)
    return LiveKitHttp(timeout=5)


@pytest.mark.parametrize(
    "value",
    [
        "app-secret-value\n",
        "app-secret\r\nX-Injected: 1",
        "app-secret-€-value",
        " app-secret-value",
        "app-secret-value ",
        "app-secret\x00value",
    ],
)
def test_header_values_that_http_cannot_carry_stop_the_run_without_showing_them(monkeypatch, value):
    from robot.api.types import Secret

    from livekit_tokens.robot_context import ConfigurationFailure

    for given in (value, Secret(value)):
        http = endpoint_headers(monkeypatch, {"X-App-Key": given})
        with ScriptedServer(lambda seen: answer_with(mint())) as server, pytest.raises(ConfigurationFailure) as caught:
            http.use_token_endpoint(server.url + "/token")
        assert before_diagnosis(str(caught.value)) == (
            "The value of TOKEN_ENDPOINT_HEADERS 'X-App-Key' cannot be sent in an HTTP header (value not shown): "
            "it must be Latin-1 text without line breaks, control characters or outer spaces."
        )
        assert server.seen == []


@pytest.mark.parametrize(("name", "shown"), [("X App", "X App"), ("X:App", "X:App"), ("", ""), ("Ünï", "Ünï"), ("X\nA", "X?A")])
def test_header_names_that_http_cannot_carry_are_named(monkeypatch, name, shown):
    from livekit_tokens.robot_context import ConfigurationFailure

    http = endpoint_headers(monkeypatch, {name: "app-secret-value"})
    with pytest.raises(ConfigurationFailure) as caught:
        http.use_token_endpoint("http://127.0.0.1:9/token")
    assert before_diagnosis(str(caught.value)) == (
        f"TOKEN_ENDPOINT_HEADERS has '{shown}', which is no HTTP header name: use letters, digits and !#$%&'*+-.^_`|~ only."
    )
    assert "app-secret-value" not in str(caught.value)


def test_valid_headers_with_inner_spaces_and_latin1_are_sent(monkeypatch):
    http = endpoint_headers(monkeypatch, {"Authorization": "Bearer app-session", "X-Name": "Zoë\tand Ana"})
    with ScriptedServer(lambda seen: answer_with(mint())) as server:
        http.use_token_endpoint(server.url + "/token")
        http.request_token_from_endpoint(**REQUEST)
    assert server.seen[0].headers["authorization"] == "Bearer app-session"
    assert server.seen[0].headers["x-name"] == "Zoë\tand Ana"
