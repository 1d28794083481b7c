"""The verifier against the server's rules: every input ends in claims or one sentence, and the
verdict is the one golang-jwt and Go's encoding/json would give."""

from __future__ import annotations

import json
import math
import time

import pytest
from signing_helpers import FIRST_SECRET, T0, b64, good_claims, keyring, sign, sign_text

from livekit_tokens import grants as model
from livekit_tokens import verification
from livekit_tokens.profiles import CURRENT
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


def test_text_after_the_json_is_refused_in_the_claims_as_in_the_header():
    # golang-jwt v5 decodes both with json.Unmarshal, which allows only whitespace after the value.
    header, claims = json.dumps({"alg": "HS256"}), json.dumps(good_claims())
    for tail in (" trailing", "}", " {}", "\u00a0", "x"):
        rejection = refusal(sign_text(header, claims + tail))
        assert rejection.cause == "malformed"
        assert rejection.detail == "token is malformed: the payload is not valid JSON (text after the JSON value)"
        assert refusal(sign_text(header + tail, claims)).cause == "malformed"
    assert accepted(sign_text(header + " \r\n", " \t" + claims + " \n\t\r "))["sub"] == "alice"


def test_text_after_deeply_nested_claims_is_refused_too():
    deep = json.dumps(good_claims())[:-1] + ', "deep": ' + "[" * 2000 + "]" * 2000 + "}"
    header = json.dumps({"alg": "HS256"})
    assert accepted(sign_text(header, deep + "\n"))["sub"] == "alice"
    rejection = refusal(sign_text(header, deep + " trailing"))
    assert rejection.cause == "malformed"
    assert "after the top-level value" in rejection.detail


def sign_bytes(payload: bytes) -> str:
    """A token over payload bytes that need not be valid UTF-8, signed by k1."""
    import hashlib
    import hmac

    signing_input = f"{b64(json.dumps({'alg': 'HS256'}))}.{b64(payload)}"
    signature = hmac.new(FIRST_SECRET.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        (b"a\xe2\x82b", "a\ufffd\ufffdb"),  # a cut 3-byte sequence: one U+FFFD per byte, as Go reads it
        (b"\xf0\x9f\x98", "\ufffd" * 3),
        (b"\xed\xa0\x80", "\ufffd" * 3),  # a surrogate written in UTF-8
        (b"\xc0\x80", "\ufffd" * 2),  # an overlong NUL
        (b"\xff", "\ufffd"),
        ("caf\u00e9 \u2713".encode(), "caf\u00e9 \u2713"),
    ],
)
def test_invalid_utf8_in_claim_strings_becomes_one_replacement_character_per_byte(raw, read):
    payload = json.dumps(good_claims())[:-1].encode() + b', "note": "' + raw + b'", "' + raw + b'": 1}'
    claims = accepted(sign_bytes(payload))
    assert claims["note"] == read
    assert claims[read] == 1


def test_invalid_utf8_outside_a_string_is_malformed():
    payload = json.dumps(good_claims())[:-1].encode() + b', "note": 1\xff}'
    assert cause(sign_bytes(payload)) == "malformed"


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


@pytest.mark.parametrize(
    ("key", "folded"),
    [
        ("sub", "SUB"),
        ("roomAdmin", "ROOMADMIN"),
        ("\u017fub", "SUB"),  # long s folds with s
        ("\u212aind", "KIND"),  # Kelvin sign folds with k
        ("\u0131ss", "\u0131SS"),  # dotless i: its fold orbit holds no ASCII letter
        ("\u0130ss", "\u0130SS"),  # dotted capital I
        ("stra\u00dfe", "STRA\u00dfE"),  # sharp s stays
        ("roomLi\ufb06", "ROOMLI\ufb06"),  # st ligature stays
        ("roomCon\ufb01g", "ROOMCON\ufb01G"),  # fi ligature stays
        ("\u00e9", "\u00e9"),
    ],
)
def test_keys_fold_as_gos_encoding_json_folds_them(key, folded):
    assert model.go_fold(key) == folded


@pytest.mark.parametrize(
    ("key", "fields", "field"),
    [
        ("\u017fub", CURRENT.claim_fields, "sub"),
        ("\u212aIND", CURRENT.claim_fields, "kind"),
        ("i\u017f\u017f", CURRENT.claim_fields, "iss"),
        ("\u0131ss", CURRENT.claim_fields, None),
        ("roomCon\ufb01g", CURRENT.claim_fields, None),
        ("roomAdm\u0131n", model.VIDEO_FIELDS, None),
        ("roomLi\ufb06", model.VIDEO_FIELDS, None),
        ("ROOMLIST", model.VIDEO_FIELDS, "roomList"),
    ],
)
def test_only_ascii_case_the_kelvin_sign_and_the_long_s_match_a_field(key, fields, field):
    assert model.match_field(key, fields) == field


def test_non_ascii_look_alikes_of_claim_names_are_unknown_fields_and_ignored():
    claims = good_claims(video={"roomJoin": True, "room": "demo", "roomAdm\u0131n": "yes", "roomLi\ufb06": 5})
    claims["roomCon\ufb01g"] = "not an object"
    parsed = verify(sign(claims), KEYS, at=T0)
    effective = model.effective_video_grant(parsed.server_claims["video"])
    assert effective["roomAdmin"] is False and effective["roomList"] is False
    assert "roomConfig" not in parsed.server_claims
    only_look_alike = good_claims()
    only_look_alike["\u0131ss"] = only_look_alike.pop("iss")
    assert refusal(sign(only_look_alike)).detail == "invalid API key: the token has no iss"


def test_the_long_s_and_the_kelvin_sign_set_the_field_they_fold_to():
    claims = good_claims()
    claims["\u017fub"] = claims.pop("sub").upper()
    claims["\u212aind"] = "agent"
    parsed = verify(sign(claims), KEYS, at=T0)
    assert identity_of(parsed.claims) == "ALICE"
    assert parsed.server_claims["kind"] == "agent"
    assert cause(sign(good_claims(**{"\u212aind": 5}))) == "claims"
    assert cause(sign(good_claims(**{"i\u017fs": "k2"}))) == "signature"  # the later key wins: iss is k2


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


def test_dates_are_read_in_whole_seconds_rounded_down_as_golang_jwt_does():
    # golang-jwt v5.3.1 types.go 38-47: NewNumericDate truncates to TimePrecision (1 s).
    token = sign(good_claims(exp=T0 - 60 + 0.5))  # read as T0 - 60
    assert accepted(token, at=T0 - 0.25)["sub"] == "alice"
    rejection = refusal(token, at=T0 + 0.2)
    assert rejection.cause == "expired"
    assert rejection.detail.endswith("exp read in whole seconds (leeway 60 s)")
    assert accepted(sign(good_claims(nbf=T0 + 60.9)), at=T0)["sub"] == "alice"  # read as T0 + 60
    assert cause(sign(good_claims(nbf=T0 + 61.9)), at=T0) == "not-yet-valid"
    # A negative fraction moves into the second before (time.Unix), then is truncated.
    before_1970 = sign(good_claims(exp=-0.5, nbf=None))  # read as -1
    assert accepted(before_1970, at=58.5)["sub"] == "alice"
    assert cause(before_1970, at=59.2) == "expired"


def test_a_fractional_leeway_is_applied_exactly():
    parsed = parse_token(sign(good_claims(exp=T0 - 30)))
    verification.check_times(parsed, at=T0, leeway=30.5)
    with pytest.raises(TokenRejected):
        verification.check_times(parsed, at=T0, leeway=29.5)


BAD_MOMENTS = [
    (math.nan, "at must be epoch seconds as a finite number, got nan."),
    (math.inf, "at must be epoch seconds as a finite number, got inf."),
    (-math.inf, "at must be epoch seconds as a finite number, got -inf."),
    ("abc", "at must be epoch seconds as an int or a float, got str."),
    (str(T0), "at must be epoch seconds as an int or a float, got str."),
    ([1], "at must be epoch seconds as an int or a float, got list."),
    (True, "at must be epoch seconds as an int or a float, got bool."),
    (10**5000, "at must be epoch seconds within the range of a 64-bit float, got a larger number."),
]
BAD_LEEWAYS = [
    (math.nan, "leeway must be seconds as a finite number, got nan."),
    (math.inf, "leeway must be seconds as a finite number, got inf."),
    ("60", "leeway must be seconds as an int or a float, got str."),
    (None, "leeway must be seconds as an int or a float, got NoneType."),
    (10**5000, "leeway must be seconds within the range of a 64-bit float, got a larger number."),
    (-1, "leeway must be zero or more seconds, got -1."),
]


@pytest.mark.parametrize(("at", "message"), BAD_MOMENTS, ids=range(len(BAD_MOMENTS)))
def test_a_bad_moment_is_a_value_error_of_one_sentence(at, message):
    token = sign(good_claims())
    for call in (lambda: verify(token, KEYS, at=at), lambda: verification.check_times(parse_token(token), at=at)):
        with pytest.raises(verification.InvalidArgument) as caught:
            call()
        assert isinstance(caught.value, ValueError)
        assert str(caught.value) == message
    with pytest.raises(verification.InvalidArgument):
        verify("not a token", KEYS, at=at)  # the arguments are checked before the token


@pytest.mark.parametrize(("leeway", "message"), BAD_LEEWAYS, ids=range(len(BAD_LEEWAYS)))
def test_a_bad_leeway_is_a_value_error_of_one_sentence(leeway, message):
    token = sign(good_claims())
    for call in (
        lambda: verify(token, KEYS, at=T0, leeway=leeway),
        lambda: verification.check_times(parse_token(token), at=T0, leeway=leeway),
    ):
        with pytest.raises(verification.InvalidArgument) as caught:
            call()
        assert str(caught.value) == message


def test_moments_and_leeways_of_any_finite_size_are_read():
    token = sign(good_claims())
    assert accepted(token, at=T0 + 0.5)["sub"] == "alice"
    assert cause(token, at=1e300) == "expired"
    assert cause(token, at=-1e300) == "not-yet-valid"
    assert verify(token, KEYS, at=T0, leeway=0).claims["sub"] == "alice"
    assert verify(sign(good_claims(exp=T0 - 10**6)), KEYS, at=T0, leeway=10**7).claims["sub"] == "alice"


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
        ({"agent": [{"agentName": "helper"}]}, None),  # DiscardUnknown: protocol utils/protojson/protojson.go 40-45
        ({"agents": [{"restartPolicy": "NOT_A_POLICY"}]}, None),  # unknown enum names too
        ({"agents": [{"restartPolicy": ["JRP_NEVER"]}]}, "claims"),
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


@pytest.mark.parametrize(
    ("room_config", "detail"),
    [
        ({"departureTimeout": "hunter2"}, "roomConfig.departureTimeout is not a valid number"),
        ({"departure_timeout": -1}, "roomConfig.departureTimeout is not a valid number"),
        ({"emptyTimeout": 1.5}, "roomConfig.emptyTimeout is not a valid number"),
        ({"name": [[[["hunter2"]]]]}, "roomConfig.name is not a valid string"),
        ({"agents": [{"agentName": 5}]}, "roomConfig.agents.agentName is not a valid string"),
        ({"agents": {"agentName": "hunter2"}}, "roomConfig.agents is not a valid RoomAgentDispatch list"),
        ({"agents": [None]}, "roomConfig.agents is not a valid RoomAgentDispatch list"),
        ({"agents": [{"attributes": {"a": 1}}]}, "roomConfig.agents.attributes is not a valid JSON object"),
        (
            {"egress": {"room": {"audioMixing": ["hunter2"]}}},
            "roomConfig.egress.room.audioMixing is not a valid AudioMixing value",
        ),
        (
            {"egress": {"room": {"fileOutputs": [{"filepath": 3}]}}},
            "roomConfig.egress.room.fileOutputs.filepath is not a valid string",
        ),
        ("hunter2", "roomConfig must be a JSON object, got a string"),
    ],
)
def test_a_refused_room_config_is_named_by_its_field_path_and_kind_never_its_value(room_config, detail):
    rejection = refusal(sign(good_claims(roomConfig=room_config)))
    assert rejection.cause == "claims"
    assert rejection.detail == f"could not decode the claims: {detail}"


def test_a_room_config_field_given_twice_is_refused_like_protojson():
    header = json.dumps({"alg": "HS256"})
    for twice in (
        '{"name": "a", "name": "b"}',
        '{"name": "a", "name": "b"}',
        '{"agents": [{"agentName": "a", "agent_name": "b"}]}',
    ):
        payload = json.dumps(good_claims())[:-1] + f', "roomConfig": {twice}}}'
        assert cause(sign_text(header, payload)) == "claims", twice
    # a field it discards as unknown may come twice; a map key may not
    unknown_twice = json.dumps(good_claims())[:-1] + ', "roomConfig": {"hunter2": 1, "hunter2": 2}}'
    assert accepted(sign_text(header, unknown_twice))["sub"] == "alice"
    map_key_twice = json.dumps(good_claims())[:-1] + ', "roomConfig": {"tags": {"a": "1", "a": "2"}}}'
    assert cause(sign_text(header, map_key_twice)) == "claims"


@pytest.mark.parametrize("sources", [[None], ["camera", None], []])
def test_a_null_item_of_can_publish_sources_reads_as_empty_text_as_in_go(sources):
    parsed = verify(sign(good_claims(video={"roomJoin": True, "room": "demo", "canPublishSources": sources})), KEYS, at=T0)
    effective = model.effective_video_grant(parsed.server_claims["video"])
    assert effective["canPublishSources"] == ["" if source is None else source for source in sources]


@pytest.mark.parametrize("audience", [[None], ["room", None]])
def test_a_null_item_of_aud_is_refused_as_golang_jwt_claim_strings_does(audience):
    rejection = refusal(sign(good_claims(aud=audience)))
    assert rejection.cause == "claims"
    assert rejection.detail == "could not decode the claims: aud must be a JSON string or list of strings, got a list"


@pytest.mark.parametrize("identity", [None, "mallory", ""])
def test_the_identity_claim_is_read_but_its_value_replaced_by_sub(identity):
    # protocol auth/grants.go 162 decodes it; auth/verifier.go 85 then sets it to sub (or jti).
    parsed = verify(sign(good_claims(identity=identity, IDENTITY=identity)), KEYS, at=T0)
    assert identity_of(parsed.claims) == "alice"


@pytest.mark.parametrize("identity", [5, {"id": "mallory"}, ["mallory"], True])
def test_an_identity_claim_of_another_type_than_text_is_refused(identity):
    rejection = refusal(sign(good_claims(identity=identity)))
    assert rejection.cause == "claims"
    assert rejection.detail.startswith("could not decode the claims: identity must be a JSON string")


@pytest.mark.parametrize(
    ("details", "expected"), [(["cloud_agent"], None), ([], None), (None, None), (5, "claims"), ([1], "claims")]
)
def test_kind_details_is_a_list_of_strings(details, expected):
    token = sign(good_claims(kindDetails=details))
    if expected is None:
        assert accepted(token)["sub"] == "alice"
    else:
        assert cause(token) == expected


def test_identity_is_sub_else_jti():
    assert identity_of(good_claims()) == "alice"
    claims = good_claims(jti="session-7")
    del claims["sub"]
    assert identity_of(claims) == "session-7"
    assert identity_of(good_claims(sub="", jti="session-8")) == "session-8"


def test_base64_segments_are_encoded_as_the_helpers_assume():
    assert b64("{}") == "e30"
