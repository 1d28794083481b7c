"""Server profiles: each rule where LiveKit release lines differ, checked offline for every line.

The v1.13.5 rules were checked against a livekit-server v1.13.5 binary and the v1.12 rules against
a v1.9.11 binary (the security catalogue and the property tests, see docs/security.md); the
current and v1.13.11 rules are read in their sources and checked here only.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from signing_helpers import FIRST_SECRET, SECOND_SECRET, T0, b64, good_claims, keyring, sign, sign_text

from livekit_tokens import profiles
from livekit_tokens.profiles import CURRENT, PROFILES, V1_12, V1_13_5, V1_13_11, UnknownVersion, profile_for_version
from livekit_tokens.verification import KEY, PARSE, VERIFY, TokenRejected, verify

KEYS = keyring()
HEADER = json.dumps({"alg": "HS256"})


def outcome(token, profile, at=T0) -> str:
    try:
        verify(token, KEYS, at=at, profile=profile)
    except TokenRejected as rejection:
        return rejection.cause
    return "accepted"


def outcomes(token, at=T0) -> dict[str, str]:
    return {profile.name: outcome(token, profile, at) for profile in PROFILES}


def everywhere(result: str, **others: str) -> dict[str, str]:
    expected = {profile.name: result for profile in PROFILES}
    expected.update({name.replace("_", "."): value for name, value in others.items()})
    return expected


# ---------------------------------------------------------------- which release line


@pytest.mark.parametrize(
    ("version", "name"),
    [
        ("1.9.11", "v1.12"),
        ("v1.12.9", "v1.12"),
        ("1.5", "v1.12"),
        ("1.13.0", "v1.13.5"),
        ("1.13.5 (livekit-server --version)", "v1.13.5"),
        ("v1.13.6", "v1.13.11"),
        ("1.13.11 (from the Server header)", "v1.13.11"),
        ("1.13.12", "current"),
        ("2.0.0", "current"),
        ("current", "current"),
        ("main", "current"),
        (None, "current"),
    ],
)
def test_a_server_version_chooses_the_profile_of_its_release_line(version, name):
    assert profile_for_version(version).name == name
    assert profiles.by_name(name) is profile_for_version(version)


@pytest.mark.parametrize("text", ["", "abc", "one.two", "\x00\n"])
def test_a_text_that_is_no_version_is_refused_in_one_sentence(text):
    with pytest.raises(UnknownVersion) as caught:
        profile_for_version(text)
    message = str(caught.value)
    assert message.endswith("is not a LiveKit server version such as 1.13.5.")
    assert "\n" not in message and "\x00" not in message


def test_each_profile_names_its_lines_and_sources():
    assert [profile.name for profile in PROFILES] == ["v1.12", "v1.13.5", "v1.13.11", "current"]
    assert CURRENT.title == "the current LiveKit rules"
    assert V1_13_5.title == "LiveKit v1.13.0 to v1.13.5 rules"
    for profile in PROFILES:
        assert profile.read_in and profile.versions


# ---------------------------------------------------------------- the rules, one by one


def test_exp_is_required_from_v1_13_6_on_and_optional_before():
    claims = good_claims()
    del claims["exp"]
    assert outcomes(sign(claims)) == everywhere("exp-required", v1_13_5="accepted", v1_12="accepted")
    assert outcomes(sign(good_claims(exp=None))) == everywhere("exp-required", v1_13_5="accepted", v1_12="accepted")


def test_without_a_profile_the_current_rules_refuse_and_name_the_older_lines_that_accept():
    claims = good_claims()
    del claims["exp"]
    with pytest.raises(TokenRejected) as caught:
        verify(sign(claims), KEYS, at=T0)
    rejection = caught.value
    assert rejection.cause == "exp-required"
    assert [profile.name for profile in rejection.accepted_by] == ["v1.13.5", "v1.12"]
    assert str(rejection) == (
        "Token refused: exp claim is required (accepted by v1.13.0 to v1.13.5 and v1.12 or older servers, "
        "refused by current ones)."
    )
    with pytest.raises(TokenRejected) as explicit:
        verify(sign(claims), KEYS, at=T0, profile=CURRENT)
    assert explicit.value.accepted_by == () and str(explicit.value) == "Token refused: exp claim is required."


def test_a_refusal_every_line_shares_names_no_older_line():
    with pytest.raises(TokenRejected) as caught:
        verify(sign(good_claims(), SECOND_SECRET), KEYS, at=T0)
    assert caught.value.accepted_by == () and caught.value.note == ""


def test_hs384_and_hs512_are_accepted_up_to_v1_12():
    for algorithm in ("HS384", "HS512"):
        token = sign_text(json.dumps({"alg": algorithm}), json.dumps(good_claims()))  # signed with HS256
        assert outcomes(token) == everywhere("algorithm", v1_12="signature")
    signing_input = f"{b64(json.dumps({'alg': 'HS512'}))}.{b64(json.dumps(good_claims()))}"
    digest = hmac.new(FIRST_SECRET.encode(), signing_input.encode(), hashlib.sha512).digest()
    assert outcomes(f"{signing_input}.{b64(digest)}") == everywhere("algorithm", v1_12="accepted")


def test_iat_more_than_the_leeway_ahead_is_refused_up_to_v1_12():
    assert outcomes(sign(good_claims(iat=T0 + 61))) == everywhere("accepted", v1_12="issued-in-the-future")
    assert outcomes(sign(good_claims(iat=T0 + 60))) == everywhere("accepted")


def test_at_exactly_exp_plus_the_leeway_only_v1_12_still_accepts():
    assert outcomes(sign(good_claims(exp=T0 - 60))) == everywhere("expired", v1_12="accepted")
    assert outcomes(sign(good_claims(exp=T0 - 61))) == everywhere("expired")


def test_dates_as_text_are_refused_up_to_v1_12():
    assert outcomes(sign(good_claims(exp=str(T0 + 60)))) == everywhere("accepted", v1_12="claims")


def test_fractions_are_rounded_down_by_golang_jwt_and_toward_zero_by_go_jose():
    before_1970 = sign(good_claims(exp=-0.5, nbf=None))
    assert outcomes(before_1970, at=59.2) == everywhere("expired", v1_12="accepted")


def test_claim_names_match_in_any_case_except_up_to_v1_12():
    claims = good_claims()
    claims["ISS"] = claims.pop("iss")
    assert outcomes(sign(claims)) == everywhere("accepted", v1_12="unknown-api-key")
    assert outcomes(sign(good_claims(video={"roomJoin": True, "room": "demo", "ROOMADMIN": "no"}))) == everywhere(
        "claims", v1_12="accepted"
    )


def test_keys_given_twice_are_refused_up_to_v1_12_where_the_last_one_won_since():
    twice = json.dumps(good_claims())[:-1] + ', "sub": "bob"}'
    assert outcomes(sign_text(HEADER, twice)) == everywhere("accepted", v1_12="claims")
    header_twice = '{"alg": "none", "alg": "HS256"}'
    assert outcomes(sign_text(header_twice, json.dumps(good_claims()))) == everywhere("accepted", v1_12="malformed")
    attributes = json.dumps(good_claims())[:-1] + ', "attributes": {"a": "1", "a": "2"}}'
    assert outcomes(sign_text(HEADER, attributes)) == everywhere("accepted", v1_12="claims")
    unknown_field_twice = json.dumps(good_claims())[:-1] + ', "note": {"a": 1, "a": 2}}'
    assert outcomes(sign_text(HEADER, unknown_field_twice)) == everywhere("accepted")


def test_json_deeper_than_gos_limit_is_read_up_to_v1_12():
    deep = json.dumps(good_claims())[:-1] + ', "deep": ' + "[" * 10_000 + "]" * 10_000 + "}"
    assert outcomes(sign_text(HEADER, deep)) == everywhere("malformed", v1_12="accepted")


def test_whitespace_anywhere_in_the_token_is_dropped_up_to_v1_12():
    token = sign(good_claims())
    header, payload, signature = token.split(".")
    for variant in (f" {token} ", f"{header}.{payload[:9]} \t{payload[9:]}.{signature}", f"{token[:20]}\u2028{token[20:]}"):
        assert outcomes(variant)["v1.12"] == "accepted"
        assert outcome(variant, V1_13_5) in ("malformed", "signature")


def test_v1_12_verifies_the_segments_as_decoded_so_padding_and_unused_bits_do_not_matter():
    token = sign(good_claims())
    header, payload, signature = token.split(".")
    assert outcomes(f"{header}=.{payload}.{signature}") == everywhere("malformed", v1_12="accepted")
    assert outcomes(f"{header}.{payload}.{signature}=") == everywhere("malformed", v1_12="accepted")


def test_v1_12_reads_alg_kid_and_jwk_of_the_header_while_parsing():
    claims = json.dumps(good_claims())
    assert outcomes(sign_text(json.dumps({"alg": 256}), claims)) == everywhere("algorithm", v1_12="malformed")
    assert outcomes(sign_text(json.dumps({"alg": "HS256", "kid": 7}), claims)) == everywhere("accepted", v1_12="malformed")
    secret_jwk = {"alg": "HS256", "jwk": {"kty": "oct", "k": "YXR0YWNrZXI"}}
    assert outcomes(sign_text(json.dumps(secret_jwk), claims)) == everywhere("accepted", v1_12="malformed")
    public_jwk = {"alg": "HS256", "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}
    assert outcomes(sign_text(json.dumps(public_jwk), claims)) == everywhere("accepted")


def test_room_config_discards_unknown_fields_and_enum_names_since_v1_13():
    assert outcomes(sign(good_claims(roomConfig={"hunter2": 1}))) == everywhere("accepted", v1_12="claims")
    unknown_name = {"agents": [{"restartPolicy": "NOT_A_POLICY"}]}
    assert outcomes(sign(good_claims(roomConfig=unknown_name))) == everywhere("accepted", v1_12="claims")
    assert outcomes(sign(good_claims(roomConfig={"departureTimeout": "soon"}))) == everywhere("claims")


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ({"agent": {"simulationAdmin": "yes"}}, everywhere("claims", v1_12="accepted")),
        ({"agent": {"databaseAdmin": "yes"}}, everywhere("accepted", v1_13_11="claims")),
        ({"agent": {"dispatchAdmin": "yes"}}, everywhere("claims", v1_13_5="accepted", v1_12="accepted")),
        ({"agentEndpoint": 5}, everywhere("claims", v1_13_5="accepted", v1_12="accepted")),
        ({"agentThread": {"sql": "yes"}}, everywhere("accepted", current="claims")),
        ({"agentDatabase": {"read": "yes"}}, everywhere("accepted", current="claims")),
        ({"video": {"roomJoin": True, "room": "demo", "canManageAgentSession": "yes"}}, everywhere("claims", v1_12="accepted")),
        ({"identity": 5}, everywhere("claims")),
        ({"kindDetails": [1]}, everywhere("claims")),
    ],
)
def test_each_line_decodes_its_own_grant_fields(claim, expected):
    assert outcomes(sign(good_claims(**claim))) == expected


# ---------------------------------------------------------------- the order of checks


@pytest.mark.parametrize(
    ("claims", "cause", "stage"),
    [
        (good_claims(iss="nobody", video="admin"), "unknown-api-key", KEY),
        (good_claims(iss="nobody", sub=5), "claims", PARSE),
        (good_claims(iss="nobody", exp=True), "claims", PARSE),
        (good_claims(video="admin"), "claims", VERIFY),
        (good_claims(iss="nobody"), "unknown-api-key", KEY),
        (good_claims(exp=T0 - 3600), "expired", VERIFY),
    ],
)
def test_registered_claims_are_typed_before_the_key_lookup_and_the_others_after(claims, cause, stage):
    for profile in PROFILES:
        with pytest.raises(TokenRejected) as caught:
            verify(sign(claims), KEYS, at=T0, profile=profile)
        assert (caught.value.cause, caught.value.stage) == (cause, stage), profile.name


def test_the_signature_segment_is_decoded_before_the_key_lookup():
    token = sign(good_claims(iss="nobody"))
    with pytest.raises(TokenRejected) as caught:
        verify(token[:-1] + "*", KEYS, at=T0, profile=V1_13_5)
    assert (caught.value.cause, caught.value.stage) == ("malformed", PARSE)
    with pytest.raises(TokenRejected) as padded:
        verify(token + "=", KEYS, at=T0, profile=V1_12)  # go-jose trims the padding first
    assert padded.value.cause == "unknown-api-key"


def test_golang_jwt_decodes_the_claims_before_the_signature_and_go_jose_after():
    token = sign(good_claims(video="admin"), SECOND_SECRET)  # iss k1, signed with k2's secret
    assert outcomes(token) == everywhere("claims", v1_12="signature")


def test_an_unknown_alg_is_refused_before_the_key_lookup_by_golang_jwt_only():
    token = sign_text(json.dumps({"alg": "HS999"}), json.dumps(good_claims(iss="nobody")))
    assert outcomes(token) == everywhere("algorithm", v1_12="unknown-api-key")


def test_not_yet_valid_and_expired_is_refused_for_exp_by_golang_jwt_and_for_nbf_by_go_jose():
    token = sign(good_claims(nbf=T0 + 3600, exp=T0 - 3600))
    assert outcomes(token) == everywhere("expired", v1_12="not-yet-valid")


def test_v1_13_11_is_the_only_line_with_both_database_and_dispatch_admin():
    assert set(V1_13_11.grant_objects["agent"]) == {"admin", "simulationAdmin", "databaseAdmin", "dispatchAdmin"}
    assert "agentDatabase" in CURRENT.grant_objects and "agentDatabase" not in V1_13_11.grant_objects
    assert "sql" in CURRENT.grant_objects["agentThread"] and "sql" not in V1_13_11.grant_objects["agentThread"]
