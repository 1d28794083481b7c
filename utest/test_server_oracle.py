"""The server oracle: what /rtc/validate must answer for an offline verdict, how a token travels,
and that the answer never carries the token back into the results."""

from __future__ import annotations

import math
import time
from urllib.parse import parse_qs

import pytest
from http_test_support import Reply, ScriptedServer
from signing_helpers import SECOND_SECRET, T0, good_claims, keyring, sign

from livekit_http import server_oracle
from livekit_http.server_oracle import Expectation, ServerJudge, expected_answer, new_session, validate
from livekit_tokens.profiles import CURRENT, V1_12, V1_13_5

KEYS = keyring()


def expect(token, profile=V1_13_5, at=T0) -> Expectation:
    return expected_answer(token, KEYS, profile, at)


@pytest.mark.parametrize(
    ("token", "status", "text"),
    [
        (sign(good_claims()), 200, "success"),
        (sign(good_claims(video=None)), 401, "no permissions to access the room"),
        (sign(good_claims(video={})), 401, "permissions denied"),
        (sign(good_claims(video={"roomJoin": False, "room": "demo"})), 401, "permissions denied"),
        (sign(good_claims(sub="")), 400, "identity cannot be empty"),
        (sign(good_claims(sub="", jti="session-1")), 200, "success"),
        (sign(good_claims(sub="a" * 256)), 200, "success"),
        (sign(good_claims(sub="\u00e9" * 129)), 400, "identity length exceeds limits"),
        (sign(good_claims(video={"roomJoin": True})), 400, "no room name"),
        (sign(good_claims(video={"roomJoin": True, "room": "r" * 257})), 400, "room name length exceeds limits"),
        ("", 401, "invalid authorization header"),
        ("not a token", 401, "invalid authorization token"),
        (sign(good_claims(sub=5)), 401, "invalid authorization token"),
        (sign(good_claims(iss="nobody")), 401, "invalid API key"),
        (sign(good_claims(video="admin")), 401, "invalid token: could not JSON decode claim"),
        (sign(good_claims(), SECOND_SECRET), 401, "invalid token: signature is invalid"),
        (sign(good_claims(exp=T0 - 3600)), 401, "invalid token: token is expired"),
        (sign(good_claims(nbf=T0 + 3600)), 401, "invalid token: token is not valid yet"),
        ("a" * 2_000_000, 431, ""),
    ],
)
def test_an_offline_verdict_predicts_the_status_and_words_of_rtc_validate(token, status, text):
    expected = expect(token)
    assert (expected.status, expected.text) == (status, text)


def test_the_wording_follows_the_jwt_library_of_the_release_line():
    claims = good_claims()
    del claims["exp"]
    assert expect(sign(claims), CURRENT).text == "invalid token: exp claim is required"
    assert expect(sign(claims), V1_13_5).status == 200
    assert expect(sign(good_claims(exp=T0 - 3600)), V1_12).text == "invalid token: token is expired (exp)"
    assert expect(sign(good_claims(), SECOND_SECRET), V1_12).text == "invalid token: error in cryptographic primitive"
    assert expect(sign(good_claims(video="admin")), V1_12).text == "invalid token: error: json or proto: ..."


def test_a_value_that_is_no_text_is_not_sent():
    assert expect(42).status is None
    answer = validate(new_session(), "http://127.0.0.1:9", 42)
    assert answer.status is None and answer.transport == "nothing"
    assert expect(42).matches(answer)


def test_tokens_travel_in_the_header_unless_a_header_would_change_them():
    token = sign(good_claims())
    cases = {
        token: ("header", token),
        "": ("header", ""),
        token.encode("ascii"): ("header", token),
        f"{token} ": ("form body", f"{token} ".encode()),
        f" {token}": ("form body", f" {token}".encode()),
        f"{token}\n": ("form body", f"{token}\n".encode()),
        f"{token[:9]}\u00e9{token[9:]}": ("form body", f"{token[:9]}\u00e9{token[9:]}".encode()),
        f"{token[:9]}\ud800{token[9:]}": ("form body", f"{token[:9]}\ud800{token[9:]}".encode("utf-8", "surrogatepass")),
        b"\xff\xfe.a.b": ("form body", b"\xff\xfe.a.b"),
        f"{token[:9]}\t{token[9:]}": ("header", f"{token[:9]}\t{token[9:]}"),
    }
    for value, wire in cases.items():
        assert server_oracle._wire_form(value) == wire, value


def test_the_answer_carries_no_token_and_the_request_carries_it_exactly():
    token = sign(good_claims(exp=T0 - 3600))

    def script(seen):
        if seen.method == "POST":
            sent = parse_qs(seen.body.decode("utf-8", "surrogateescape"), keep_blank_values=True)["access_token"][0]
        else:
            sent = seen.headers["authorization"].removeprefix("Bearer ")
        return Reply(
            401, f"invalid token: {sent}, error: token has invalid claims: token is expired", {"Content-Type": "text/plain"}
        )

    with ScriptedServer(script) as server:
        session = new_session()
        header = validate(session, server.url, token)
        form = validate(session, server.url, token + "\n")
        assert server.seen[0].headers["authorization"] == f"Bearer {token}"
        assert parse_qs(server.seen[1].body.decode())["access_token"] == [token + "\n"]
    for answer in (header, form):
        assert token not in answer.body and token.split(".")[2] not in answer.body
        assert answer.body.startswith("invalid token: <token sha256:") and answer.body.endswith("token is expired")
        assert expect(token).matches(answer)
    assert (header.transport, form.transport) == ("header", "form body")


def test_only_loopback_servers_are_asked_and_a_failure_is_one_sentence():
    with pytest.raises(AssertionError, match=r"must be on loopback, not 192\.0\.2\.1"):
        validate(new_session(), "http://192.0.2.1:7880", "a.b.c")
    with pytest.raises(AssertionError) as caught:
        validate(new_session(), "http://127.0.0.1:9", "a.b.c", timeout=2)
    assert str(caught.value).startswith("Could not connect to the LiveKit server at http://127.0.0.1:9/rtc/validate")


def test_a_disagreement_is_reported_and_an_agreement_is_not():
    always_success = ScriptedServer(lambda seen: Reply(200, "success", {"Content-Type": "text/plain"}))
    with always_success as server:
        judge = ServerJudge(server.url, "1.13.5", V1_13_5, KEYS)
        good = judge.judge(sign(good_claims(exp=math.floor(time.time()) + 3600, nbf=None)))
        forged = judge.judge(sign(good_claims(exp=math.floor(time.time()) + 3600), SECOND_SECRET))
    assert good.agrees
    assert not forged.agrees and forged.expected.text == "invalid token: signature is invalid"
    assert forged.answer.summary == "200 OK 'success'"


def test_a_verdict_that_changes_while_the_server_checks_is_sent_again(monkeypatch):
    limit = 2_000_000_000
    token = sign(good_claims(exp=limit - 60, nbf=None))  # expired from `limit` on
    moments = iter([limit - 0.5, limit + 0.5, limit + 1.0, limit + 1.5])  # the first exchange spans the limit
    monkeypatch.setattr(server_oracle, "_clock", lambda: next(moments))
    with ScriptedServer(lambda seen: Reply(401, "invalid token: x, error: token is expired", {})) as server:
        comparison = ServerJudge(server.url, "1.13.5", V1_13_5, KEYS).judge(token)
        assert len(server.seen) == 2
    assert comparison.agrees and comparison.expected.text == "invalid token: token is expired"
