"""Policy findings: each rule finds what it names, says its consequence, and stays apart from the
authentication verdict; the keyword warns or fails as configured."""

from __future__ import annotations

import pytest
from signing_helpers import T0, good_claims, sign

from livekit_tokens import policy
from livekit_tokens.keys import ApiKey
from livekit_tokens.robot_context import ConfigurationFailure
from livekit_tokens.verification import parse_token
from LiveKitAuth import LiveKitAuth

STRONG = ApiKey("k1", "first-secret-of-thirty-two-bytes!")


def findings(claims, api_key=STRONG, max_ttl=6 * 3600) -> dict[str, str]:
    parsed = parse_token(sign(claims, api_key.secret))
    return {finding.id: finding.text for finding in policy.evaluate(parsed, api_key, max_ttl, at=T0)}


def test_a_clean_token_has_no_finding():
    assert findings(good_claims(exp=T0 + 3600, nbf=T0 - 60)) == {}


def test_weak_and_blank_padded_secrets():
    weak = findings(good_claims(exp=T0 + 60), ApiKey("k1", "secret"))
    assert list(weak) == ["weak-secret"]
    assert "6 bytes" in weak["weak-secret"] and "guessed offline" in weak["weak-secret"]
    padded = findings(good_claims(exp=T0 + 60), ApiKey("k1", "first-secret-of-thirty-two-bytes "))
    assert list(padded) == ["secret-whitespace"]
    assert ".env" in padded["secret-whitespace"]


def test_an_unknown_key_gives_no_key_finding():
    parsed = parse_token(sign(good_claims(iss="nobody", exp=T0 + 60)))
    assert policy.evaluate(parsed, None, 6 * 3600, at=T0) == []


@pytest.mark.parametrize(
    ("nbf", "iat", "exp", "found"),
    [
        (T0, None, T0 + 6 * 3600, False),
        (T0, None, T0 + 6 * 3600 + 1, True),
        (None, T0, T0 + 7 * 3600, True),
        (None, None, T0 + 5 * 3600, False),
        (None, None, T0 + 7 * 3600, True),
    ],
)
def test_ttl_is_measured_from_nbf_else_iat_else_now(nbf, iat, exp, found):
    claims = good_claims(exp=exp, nbf=nbf)
    if nbf is None:
        del claims["nbf"]
    if iat is not None:
        claims["iat"] = iat
    assert ("ttl-too-long" in findings(claims)) is found


def test_aud_is_reported_with_the_python_verifier_consequence():
    text = findings(good_claims(aud=["a", "b"], exp=T0 + 60))["audience-present"]
    assert "'a, b'" in text and "TokenVerifier" in text


def test_a_joining_token_without_can_publish_may_publish():
    video = {"roomJoin": True, "room": "demo", "canSubscribe": True}
    assert "publish-not-stated" in findings(good_claims(video=video, exp=T0 + 60))
    assert "publish-not-stated" not in findings(good_claims(video={**video, "CANPUBLISH": False}, exp=T0 + 60))
    assert "publish-not-stated" not in findings(good_claims(video={"roomList": True}, exp=T0 + 60))


@pytest.mark.parametrize(
    ("field", "meant"),
    [("roomName", "room"), ("can_publish", "canPublish"), ("roomJion", "roomJoin"), ("superUser", None)],
)
def test_unknown_grant_fields_name_what_was_likely_meant(field, meant):
    video = {"roomJoin": True, "room": "demo", "canPublish": False, field: "x"}
    text = findings(good_claims(video=video, exp=T0 + 60))["unknown-grant-field"]
    assert f"video.{field}" in text
    if meant:
        assert f"meant as {meant}" in text
    else:
        assert "meant as" not in text


def test_room_name_for_room_says_no_room_is_named():
    video = {"roomJoin": True, "roomName": "demo", "canPublish": False}
    assert "names no room" in findings(good_claims(video=video, exp=T0 + 60))["unknown-grant-field"]


@pytest.mark.parametrize("nbf", [None, 0, "0"])
def test_nbf_missing_or_zero(nbf):
    claims = good_claims(exp=T0 + 60, nbf=nbf)
    if nbf is None:
        del claims["nbf"]
    assert "nbf-missing" in findings(claims)


def test_policy_findings_do_not_change_the_verdict():
    library = LiveKitAuth(api_key="devkey", api_secret="secret")
    token = library.generate_token("alice", "demo", room_join=True, audience="room", ttl="400 days")
    library.verify_token(token)
    assert set(library.get_policy_findings(token)) == {"weak-secret", "audience-present", "ttl-too-long", "publish-not-stated"}


def test_the_keyword_warns_or_fails_as_configured(monkeypatch):
    library = LiveKitAuth(api_key="k1", api_secret="first-secret-of-thirty-two-bytes!")
    token = library.generate_token("alice", "demo", room_join=True, can_publish=False, ttl="2 days")
    library.token_should_meet_policy(token, on_finding="warn")
    with pytest.raises(AssertionError, match=r"breaks the team policy \(ttl-too-long\): The token is valid for 2 d"):
        library.token_should_meet_policy(token, on_finding="fail")
    library.token_should_meet_policy(token, max_ttl="3 days", on_finding="fail")
    monkeypatch.setenv("LIVEKIT_MAX_TTL", "1 day")
    monkeypatch.setenv("LIVEKIT_POLICY", "fail")
    with pytest.raises(AssertionError, match="team policy"):
        library.token_should_meet_policy(token)
    with pytest.raises(ConfigurationFailure, match="warn or fail"):
        library.token_should_meet_policy(token, on_finding="maybe")


def test_policy_findings_should_be_checks_the_exact_set():
    library = LiveKitAuth(api_key="k1", api_secret="first-secret-of-thirty-two-bytes!")
    token = library.generate_token("alice", "demo", room_join=True, can_publish=False, audience="x")
    library.policy_findings_should_be(token, "audience-present")
    library.policy_findings_should_be(token, "Audience present")
    with pytest.raises(AssertionError, match="are audience-present, expected none"):
        library.policy_findings_should_be(token, "none")
    with pytest.raises(AssertionError, match="Unknown policy finding"):
        library.policy_findings_should_be(token, "aud")
