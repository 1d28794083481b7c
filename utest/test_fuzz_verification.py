"""Property-based tests of verification: any input verifies or fails with a reason, correctly
signed claim sets get the server's verdict, and no single-character change of a token passes
unless it leaves every decoded byte the same.

The expected verdicts come from a small model of the server's rules written here, independently
of the library, from livekit-auth-spec.md: claim types, then the key named by iss, then exp
(required) and nbf with 60 s of leeway.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from signing_helpers import SECOND_SECRET, T0, good_claims, keyring, sign, sign_text

from livekit_tokens.verification import CAUSES, ParsedToken, TokenRejected, verify

KEYS = keyring()
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def verdict(token, at=T0) -> str:
    """``accepted`` or the refusal cause; anything else than TokenRejected fails the test."""
    try:
        result = verify(token, KEYS, at=at)
    except TokenRejected as rejection:
        assert rejection.cause in CAUSES
        message = str(rejection)
        assert message.startswith("Token refused: ") and message.endswith(".") and "\n" not in message
        if isinstance(token, str):
            for segment in token.split("."):
                if len(segment) >= 12:
                    assert segment not in message, "a refusal must not quote the token"
        return rejection.cause
    assert isinstance(result, ParsedToken)
    assert isinstance(result.claims, dict)
    return "accepted"


# ---------------------------------------------------------------- anything at all


@settings(max_examples=600)
@given(st.text(alphabet=st.characters(codec=None, categories=None), max_size=300))
def test_random_text_verifies_or_fails_with_a_reason(text):
    verdict(text)


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_random_bytes_verify_or_fail_with_a_reason(data):
    verdict(data)


@settings(max_examples=300)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.binary(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
        max_leaves=10,
    )
)
def test_random_values_of_any_type_verify_or_fail_with_a_reason(value):
    assert verdict(value) in ("not-text", "malformed", "oversized")


segment = st.text(alphabet=B64URL + "=+/ .\n\r\t\u00e9\ud800", max_size=60)


@settings(max_examples=500)
@given(st.lists(segment, min_size=1, max_size=5).map(".".join))
def test_token_shaped_text_verifies_or_fails_with_a_reason(text):
    verdict(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
claim_names = st.sampled_from(
    ["iss", "sub", "exp", "nbf", "iat", "aud", "jti", "video", "sip", "attributes", "roomConfig", "name", "EXP", "Iss", "x"]
)


@settings(max_examples=400)
@given(
    st.dictionaries(st.sampled_from(["alg", "typ", "kid", "ALG"]), json_values, max_size=3),
    st.dictionaries(claim_names, json_values, max_size=6),
)
def test_signed_random_json_verifies_or_fails_with_a_reason(header, claims):
    verdict(sign_text(json.dumps(header), json.dumps(claims)))


# ---------------------------------------------------------------- the server's rules, as a model

ABSENT = object()
NUMBER_TEXT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
VIDEO_BOOLEANS = ("roomJoin", "roomAdmin", "roomList", "canPublish", "canSubscribe", "canPublishData", "hidden")


def is_date(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and NUMBER_TEXT.fullmatch(value) is not None


def model_verdict(claims: dict, signed_by: str) -> str:
    """What the LiveKit server answers for these claims, signed with the secret of ``signed_by``."""
    for name in ("iss", "sub", "jti", "name", "metadata"):
        if claims.get(name) is not None and not isinstance(claims[name], str):
            return "claims"
    for name in ("exp", "nbf", "iat"):
        if claims.get(name) is not None and not is_date(claims[name]):
            return "claims"
    audience = claims.get("aud")
    if audience is not None and not (
        isinstance(audience, str) or (isinstance(audience, list) and all(isinstance(item, str) for item in audience))
    ):
        return "claims"
    video = claims.get("video")
    if video is not None:
        if not isinstance(video, dict):
            return "claims"
        for name, value in video.items():
            if name in VIDEO_BOOLEANS and value is not None and not isinstance(value, bool):
                return "claims"
            if name == "room" and value is not None and not isinstance(value, str):
                return "claims"
            is_string_list = isinstance(value, list) and all(isinstance(item, str) for item in value)
            if name == "canPublishSources" and value is not None and not is_string_list:
                return "claims"
    attributes = claims.get("attributes")
    if attributes is not None and (
        not isinstance(attributes, dict) or any(v is not None and not isinstance(v, str) for v in attributes.values())
    ):
        return "claims"
    issuer = claims.get("iss")
    if issuer not in ("k1", "k2"):
        return "unknown-api-key"
    if issuer != signed_by:
        return "signature"
    if claims.get("exp") is None:
        return "exp-required"
    if not float(claims["exp"]) + 60 > T0:
        return "expired"
    if claims.get("nbf") is not None and float(claims["nbf"]) - 60 > T0:
        return "not-yet-valid"
    return "accepted"


def maybe(strategy):
    return st.one_of(st.just(ABSENT), strategy)


around_t0 = st.integers(min_value=T0 - 200, max_value=T0 + 200)
dates = st.one_of(
    around_t0,
    around_t0.map(lambda seconds: seconds + 0.5),
    around_t0.map(str),
    st.just(None),
    st.sampled_from([True, "soon", "12 ", [T0], {"at": T0}, "1e3", "-5", 0]),
)
wrong_or_right_bool = st.one_of(st.booleans(), st.none(), st.sampled_from(["false", "true", 0, 1, [True]]))
video_grants = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "roomJoin": wrong_or_right_bool,
            "canPublish": wrong_or_right_bool,
            "roomAdmin": wrong_or_right_bool,
            "room": st.one_of(st.text(max_size=8), st.none(), st.integers()),
            "canPublishSources": st.one_of(
                st.lists(st.sampled_from(["camera", "microphone"])), st.just(["camera", 1]), st.just("camera")
            ),
            "roomName": json_values,
        },
    ),
    st.sampled_from(["admin", ["roomJoin"], 5, None]),
)
claim_sets = st.fixed_dictionaries(
    {
        "iss": maybe(st.sampled_from(["k1", "k2", "nobody", "", None, 7, "k1 "])),
        "sub": maybe(st.one_of(st.text(max_size=10), st.none(), st.integers())),
        "jti": maybe(st.sampled_from(["j-1", 3, None])),
        "exp": maybe(dates),
        "nbf": maybe(dates),
        "iat": maybe(dates),
        "aud": maybe(st.sampled_from(["room", ["a", "b"], [], 5, ["a", 1], None])),
        "video": maybe(video_grants),
        "attributes": maybe(st.sampled_from([{"a": "b"}, {"a": 1}, {"a": None}, "a=b", None])),
        "favouriteColour": maybe(json_values),
    }
).map(lambda claims: {name: value for name, value in claims.items() if value is not ABSENT})


@settings(max_examples=800)
@given(claim_sets, st.sampled_from(["k1", "k2"]))
@example({"iss": "k1", "exp": T0 - 60}, "k1")
@example({"iss": "k1", "exp": T0 - 59.5, "nbf": T0 + 60}, "k1")
@example({"iss": "k2", "exp": T0, "video": {"roomAdmin": "false"}}, "k1")
def test_correctly_signed_claims_get_the_servers_verdict(claims, signed_by):
    secret = {"k1": "first-secret-of-thirty-two-bytes!", "k2": SECOND_SECRET}[signed_by]
    assert verdict(sign(claims, secret)) == model_verdict(claims, signed_by)


# ---------------------------------------------------------------- single-character changes


def go_base64url(text: str) -> bytes | None:
    """Go's base64.RawURLEncoding without strict mode: CR/LF skipped, unused low bits ignored."""
    text = text.replace("\r", "").replace("\n", "")
    if any(ch not in B64URL for ch in text) or len(text) % 4 == 1:
        return None
    bits = "".join(format(B64URL.index(ch), "06b") for ch in text)
    return bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits) - len(bits) % 8, 8))


GOOD_TOKENS = [
    sign(good_claims()),
    sign(good_claims(sub="bob", aud="room", attributes={"role": "viewer"})),
    sign(good_claims(exp=T0 + 61, video={"roomAdmin": True, "room": "x"})),
]
replacements = st.sampled_from(B64URL + ".=+/ \n\r\t\u00e9\ud800\x00")


@st.composite
def mutations(draw):
    token = draw(st.sampled_from(GOOD_TOKENS))
    kind = draw(st.sampled_from(["replace", "insert", "delete"]))
    if kind == "insert":
        index = draw(st.integers(min_value=0, max_value=len(token)))
        return token, token[:index] + draw(replacements) + token[index:]
    index = draw(st.integers(min_value=0, max_value=len(token) - 1))
    if kind == "delete":
        return token, token[:index] + token[index + 1 :]
    return token, token[:index] + draw(replacements) + token[index + 1 :]


def decodes_the_same(original: str, changed: str) -> bool:
    """True when the server reads exactly what was signed: same signed text, same signature bytes."""
    before, after = original.split("."), changed.split(".")
    if len(after) != 3 or after[:2] != before[:2]:
        return False
    return go_base64url(after[2]) == go_base64url(before[2])


@settings(max_examples=800)
@given(mutations())
def test_a_single_character_change_is_refused_unless_nothing_decoded_changed(change):
    original, changed = change
    assert verdict(original) == "accepted"
    outcome = verdict(changed)
    if decodes_the_same(original, changed):
        assert outcome == "accepted"
    else:
        assert outcome != "accepted"


def test_the_accepted_changes_exist_and_are_only_unused_bits_or_line_breaks():
    token = GOOD_TOKENS[0]
    header, payload, signature = token.split(".")
    last = B64URL.index(signature[-1])
    same_bytes = [B64URL[last ^ flip] for flip in (1, 2, 3)]  # 43 characters: the last 2 bits are unused
    for ch in same_bytes:
        assert verdict(f"{header}.{payload}.{signature[:-1]}{ch}") == "accepted"
    assert verdict(f"{header}.{payload}.{signature[:-1]}{B64URL[last ^ 4]}") == "signature"
    assert verdict(f"{header}.{payload}.{signature[:10]}\n{signature[10:]}") == "accepted"


@pytest.mark.parametrize("depth", [1, 900, 1500, 9999])
def test_deep_claims_are_accepted_up_to_gos_limit_whatever_pythons_recursion_limit(depth):
    payload = json.dumps(good_claims())[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    assert verdict(sign_text('{"alg":"HS256"}', payload)) == "accepted"


def test_the_model_reads_dates_as_go_does():
    assert is_date("1768871337") and is_date("1.5e9") and is_date(-1) and is_date(0.5)
    assert not is_date(" 1") and not is_date("1.") and not is_date("NaN") and not is_date(True) and not is_date("01")
    assert math.isclose(float("1.5e9"), 1.5e9)
