"""The verifier against the server's rules: every input ends in claims or one sentence, and the
verdict is the one golang-jwt and Go's encoding/json would give."""

from __future__ import annotations

import json
import time

import pytest
from signing_helpers import FIRST_SECRET, T0, b64, good_claims, keyring, sign, sign_text

from livekit_tokens import grants as model
from livekit_tokens import verification
from livekit_tokens.verification import MAX_TOKEN_CHARS, TokenRejected, identity_of, parse_token, verify

KEYS = keyring()


def refusal(token, at=T0) -> TokenRejected:
    with pytest.raises(TokenRejected) as caught:
        verify(token, KEYS, at=at)
    rejection = caught.value
    assert isinstance(rejection, AssertionError)
    assert str(rejection).startswith("Token refused: ") and str(rejection).endswith(".")
    assert "\n" not in str(rejection)
    return rejection


def cause(token, at=T0) -> str:
    return refusal(token, at).cause


def accepted(token, at=T0) -> dict:
    return verify(token, KEYS, at=at).claims


# ---------------------------------------------------------------- any input, one sentence


class _EvilValue:
    @property
    def value(self):
        raise RuntimeError("boom")


class _EvilText(str):
    def __str__(self):
        raise RuntimeError("boom")

    def split(self, *args):
        raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "not-text"),
        (42, "not-text"),
        (4.2, "not-text"),
        (["a", "b", "c"], "not-text"),
        ({"token": "x"}, "not-text"),
        (memoryview(b"a.b.c"), "not-text"),
        (_EvilValue(), "not-text"),
        (b"\xff\xfe.\x00.\x80", "malformed"),
        (bytearray(b"a.b"), "malformed"),
        ("", "malformed"),
    ],
)
def test_values_that_are_not_tokens_are_refused_with_a_cause(value, expected):
    assert cause(value) == expected


def test_a_str_subclass_is_read_as_plain_text():
    token = sign(good_claims())
    assert accepted(_EvilText(token))["sub"] == "alice"


def test_a_secret_like_object_is_read_through_its_value():
    class Holder:
        value = sign(good_claims())

    assert accepted(Holder())["sub"] == "alice"


def test_bytes_are_read_as_ascii():
    assert accepted(sign(good_claims()).encode("ascii"))["sub"] == "alice"


@pytest.mark.parametrize("size", [MAX_TOKEN_CHARS + 1, 5 * MAX_TOKEN_CHARS])
def test_oversized_text_and_bytes_are_refused_early_with_the_size(size):
    for value in ("a" * size, b"a" * size):
        started = time.perf_counter()
        rejection = refusal(value)
        assert rejection.cause == "oversized"
        assert f"{size:,}" in rejection.detail
        assert time.perf_counter() - started < 1.0  # a bound, not a timing test: no parsing happened


def test_a_token_of_exactly_the_limit_is_parsed():
    claims = good_claims(filler="")
    base = len(sign(claims))
    claims["filler"] = "a" * ((MAX_TOKEN_CHARS - base) * 3 // 4)
    token = sign(claims)
    assert len(token) <= MAX_TOKEN_CHARS
    assert accepted(token)["sub"] == "alice"


def test_messages_never_quote_the_token():
    token = sign(good_claims(iss="nobody"))
    for variant in (token, token + "x", token[:-3], "Bearer " + token, token.replace(".", "..", 1)):
        detail = refusal(variant).detail
        for segment in variant.split("."):
            if len(segment) >= 8:
                assert segment not in detail


# ---------------------------------------------------------------- structure and JSON


@pytest.mark.parametrize("dots", [0, 1, 3, 4])
def test_the_number_of_segments_must_be_three(dots):
    token = ".".join(["eyJhbGciOiJIUzI1NiJ9"] * (dots + 1))
    rejection = refusal(token)
    assert rejection.cause == "malformed"
    assert f"{dots + 1} segment" in rejection.detail


def test_a_trailing_line_break_is_skipped_like_gos_base64_decoder():
    token = sign(good_claims())
    assert accepted(token + "\n")["sub"] == "alice"
    assert accepted(token[:-5] + "\r\n" + token[-5:])["sub"] == "alice"


def test_a_line_break_in_the_signed_part_changes_what_was_signed():
    token = sign(good_claims())
    header, payload, signature = token.split(".")
    assert cause(f"{header}.{payload[:5]}\n{payload[5:]}.{signature}") == "signature"


def test_claims_nested_within_gos_limit_are_read_without_recursion():
    # The payload object is level 1; Go refuses more than 10,000 levels.
    within = json.dumps(good_claims())[:-1] + ', "deep": ' + "[" * 9999 + "]" * 9999 + "}"
    beyond = json.dumps(good_claims())[:-1] + ', "deep": ' + "[" * 10000 + "]" * 10000 + "}"
    header = json.dumps({"alg": "HS256"})
    assert accepted(sign_text(header, within))["sub"] == "alice"
    rejection = refusal(sign_text(header, beyond))
    assert rejection.cause == "malformed"
    assert "10,000" in rejection.detail


def test_deep_json_is_read_the_same_way_with_and_without_recursion():
    document = {"a": [1, 2.5, "x", True, None, {"b": [[], {}]}], "c": {"d": "\u00e9"}, "e": -0.0}
    text = json.dumps(document)
    decoder = verification._DECODERS[("payload", False)]
    assert verification._decode_without_recursion(text, decoder, whole=True)[0] == document


@pytest.mark.parametrize(
    "text",
    ["{", '{"a" 1}', '{"a": 1,}', "[1,]", '{"a": tru}', '{"a": 01}', '{"a": "\\x"}', '{"a": "\u0001"}', "{} {}", "{1: 2}"],
)
def test_invalid_json_is_refused_by_both_readers(text):
    decoder = verification._DECODERS[("header", False)]
    with pytest.raises(ValueError):
        verification._decode_without_recursion(text, decoder, whole=True)
    with pytest.raises(ValueError):
        decoder.decode(text)


def test_header_numbers_beyond_a_float_are_refused_as_go_does():
    for number in ("1e400", "-1e400", "1" + "0" * 400):
        token = sign_text(json.dumps({"alg": "HS256"})[:-1] + f', "x": {number}}}', json.dumps(good_claims()))
        assert cause(token) == "malformed"


def test_huge_numbers_in_unknown_claims_are_skipped_as_go_does():
    # Go skips fields its claims struct does not have; Python alone would refuse 5,000 digits.
    payload = json.dumps(good_claims())[:-1] + ', "big": ' + "9" * 5000 + ', "bigger": 1e400}'
    assert accepted(sign_text(json.dumps({"alg": "HS256"}), payload))["sub"] == "alice"


def test_exp_beyond_a_float_is_refused_for_its_claims():
    payload = json.dumps(good_claims())[:-1] + ', "exp": ' + "9" * 5000 + "}"
    assert cause(sign_text(json.dumps({"alg": "HS256"}), payload)) == "claims"


def test_escaped_lone_surrogates_become_replacement_characters():
    payload = json.dumps(good_claims())[:-1] + ', "note": "a\\ud800b", "list": [["\\udc00"]]}'
    claims = accepted(sign_text(json.dumps({"alg": "HS256"}), payload))
    assert claims["note"] == "a\ufffdb"
    assert claims["list"] == [["\ufffd"]]


def test_json_null_payload_means_no_claims_so_no_api_key():
    assert cause(sign_text(json.dumps({"alg": "HS256"}), "null")) == "unknown-api-key"


def test_text_after_the_claims_json_is_ignored_but_not_after_the_header():
    claims_text = json.dumps(good_claims()) + " trailing"
    assert accepted(sign_text(json.dumps({"alg": "HS256"}), claims_text))["sub"] == "alice"
    assert cause(sign_text(json.dumps({"alg": "HS256"}) + " trailing", json.dumps(good_claims()))) == "malformed"


# ---------------------------------------------------------------- algorithm and key


@pytest.mark.parametrize(("alg", "expected"), [("none", "algorithm"), ("NONE", "algorithm"), ("HS512", "algorithm")])
def test_only_hs256_is_allowed(alg, expected):
    assert cause(sign(good_claims(), header={"alg": alg})) == expected


def test_a_known_algorithm_is_refused_after_the_key_lookup_and_an_unknown_one_before():
    unknown_key = good_claims(iss="nobody")
    assert cause(sign(unknown_key, header={"alg": "HS512"})) == "unknown-api-key"
    assert cause(sign(unknown_key, header={"alg": "HS999"})) == "algorithm"


def test_the_secret_is_chosen_by_iss_among_every_configured_key():
    from signing_helpers import SECOND_SECRET

    assert accepted(sign(good_claims(iss="k2"), SECOND_SECRET))["iss"] == "k2"
    assert cause(sign(good_claims(iss="k2"), FIRST_SECRET)) == "signature"
    assert cause(sign(good_claims(iss="K1"))) == "unknown-api-key"


def test_claim_names_match_case_insensitively_as_in_go():
    claims = good_claims()
    claims["ISS"] = claims.pop("iss")
    claims["Sub"] = claims.pop("sub")
    parsed = verify(sign(claims), KEYS, at=T0)
    assert parsed.issuer == "k1"
    assert identity_of(parsed.claims) == "alice"


# ---------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("exp_offset", "expected"),
    [(-61, "expired"), (-60, "expired"), (-59, None), (0, None), (3600, None)],
)
def test_exp_leeway_boundary(exp_offset, expected):
    token = sign(good_claims(exp=T0 + exp_offset))
    if expected is None:
        assert accepted(token)["sub"] == "alice"
    else:
        assert cause(token) == expected


@pytest.mark.parametrize(("nbf_offset", "expected"), [(61, "not-yet-valid"), (60, None), (59, None), (-3600, None)])
def test_nbf_leeway_boundary(nbf_offset, expected):
    token = sign(good_claims(nbf=T0 + nbf_offset))
    if expected is None:
        assert accepted(token)["sub"] == "alice"
    else:
        assert cause(token) == expected


def test_fractions_of_a_second_count_as_in_go():
    token = sign(good_claims(exp=T0 - 60 + 0.5))
    assert accepted(token, at=T0 + 0.25)["sub"] == "alice"
    assert cause(token, at=T0 + 0.5) == "expired"
    assert cause(token, at=T0 + 0.75) == "expired"


def test_a_fractional_leeway_is_applied_exactly():
    parsed = parse_token(sign(good_claims(exp=T0 - 30)))
    verification.check_times(parsed, at=T0, leeway=30.5)
    with pytest.raises(TokenRejected):
        verification.check_times(parsed, at=T0, leeway=29.5)


def test_exp_beyond_gos_clock_wraps_to_the_past_and_so_does_nbf():
    assert cause(sign(good_claims(exp=1e19))) == "expired"
    assert cause(sign(good_claims(exp=9_223_372_036_854_775_000))) == "expired"
    assert cause(sign(good_claims(exp=-1e19))) == "expired"
    assert accepted(sign(good_claims(nbf=1e19)))["sub"] == "alice"
    assert cause(sign(good_claims(nbf=1e15))) == "not-yet-valid"  # far future, still on the clock


@pytest.mark.parametrize(("value", "expected"), [(None, "exp-required"), ("123x", "claims"), (True, "claims"), ([1], "claims")])
def test_exp_must_be_a_number_or_a_numeric_string(value, expected):
    assert cause(sign(good_claims(exp=value))) == expected


def test_a_numeric_string_exp_is_read_as_its_number():
    assert accepted(sign(good_claims(exp=str(T0 + 60))))["sub"] == "alice"
    assert cause(sign(good_claims(exp=str(T0 - 61)))) == "expired"


def test_iat_is_never_compared_with_the_clock_but_its_type_is_checked():
    assert accepted(sign(good_claims(iat=T0 + 10**6)))["sub"] == "alice"
    assert cause(sign(good_claims(iat="soon"))) == "claims"


# ---------------------------------------------------------------- claims and grants


def test_duplicate_grant_objects_merge_as_go_decodes_into_the_same_struct():
    payload = json.dumps(good_claims())[:-1] + ', "video": {"canSubscribe": false}}'
    parsed = verify(sign_text(json.dumps({"alg": "HS256"}), payload), KEYS, at=T0)
    effective = model.effective_video_grant(parsed.server_claims["video"])
    assert effective["roomJoin"] is True  # from the first object
    assert effective["canSubscribe"] is False  # from the second
    assert effective["canPublish"] is False


def test_duplicate_attributes_merge_as_a_go_map():
    payload = json.dumps(good_claims(attributes={"a": "1"}))[:-1] + ', "attributes": {"b": "2"}}'
    parsed = verify(sign_text(json.dumps({"alg": "HS256"}), payload), KEYS, at=T0)
    assert dict(parsed.server_claims["attributes"]) == {"a": "1", "b": "2"}


def test_null_after_a_grant_removes_it():
    payload = json.dumps(good_claims())[:-1] + ', "video": null}'
    parsed = verify(sign_text(json.dumps({"alg": "HS256"}), payload), KEYS, at=T0)
    assert "video" not in parsed.server_claims
    assert model.effective_video_grant(parsed.server_claims.get("video"))["canPublish"] is False


def test_an_empty_video_grant_keeps_the_servers_defaults():
    parsed = verify(sign(good_claims(video={})), KEYS, at=T0)
    effective = model.effective_video_grant(parsed.server_claims["video"])
    assert effective["canPublish"] is True
    assert effective["canSubscribe"] is True
    assert effective["roomJoin"] is False


@pytest.mark.parametrize(
    ("room_config", "expected"),
    [
        ({"agents": [{"agentName": "helper"}]}, None),
        ({"name": "demo", "emptyTimeout": 30}, None),
        ({"agent": [{"agentName": "helper"}]}, "claims"),
        ({"emptyTimeout": "soon"}, "claims"),
        ("demo", "claims"),
        (None, None),
    ],
)
def test_room_config_is_read_as_the_servers_protojson_reads_it(room_config, expected):
    token = sign(good_claims(roomConfig=room_config))
    if expected is None:
        assert accepted(token)["sub"] == "alice"
    else:
        assert cause(token) == expected


def test_a_room_config_field_given_twice_is_refused_like_protojson():
    payload = json.dumps(good_claims())[:-1] + ', "roomConfig": {"name": "a", "name": "b"}}'
    assert cause(sign_text(json.dumps({"alg": "HS256"}), payload)) == "claims"


def test_identity_is_sub_else_jti():
    assert identity_of(good_claims()) == "alice"
    claims = good_claims(jti="session-7")
    del claims["sub"]
    assert identity_of(claims) == "session-7"
    assert identity_of(good_claims(sub="", jti="session-8")) == "session-8"


def test_base64_segments_are_encoded_as_the_helpers_assume():
    assert b64("{}") == "e30"
