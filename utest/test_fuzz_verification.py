"""Property-based tests of verification: any input verifies or fails with a reason, correctly
signed claim sets get the server's verdict, and no single-character change of a token passes
unless it leaves every decoded byte the same.

The expected verdicts come from a small model of the current server rules written here,
independently of the library, from livekit-auth-spec.md: the types of the registered claims, then
the key named by iss, then the types of the other claims, the signature, then exp (required) and
nbf with 60 s of leeway, both read in whole seconds, rounded down.

With livekit-server on PATH, every token is also sent to a server started for the tests (see
server_judge_support.py), with its times moved from T0 to now, and the offline verdict under the
server's profile must give the server's answer.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from server_judge_support import judged, moved_to_now
from signing_helpers import SECOND_SECRET, T0, good_claims, keyring, sign, sign_text

from livekit_tokens import verification
from livekit_tokens.verification import CAUSES, ParsedToken, TokenRejected, verify

KEYS = keyring()
# What the refusals may say of their own: the text of the verification module (its messages are literals there).
OWN_WORDING = Path(verification.__file__).read_text(encoding="utf-8")
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
                # Hypothesis also draws strings from the library's own source, so a segment may be its wording.
                if len(segment) >= 12 and segment not in OWN_WORDING:
                    assert segment not in message, "a refusal must not quote the token"
        return rejection.cause
    assert isinstance(result, ParsedToken)
    assert isinstance(result.claims, dict)
    return "accepted"


# ---------------------------------------------------------------- anything at all


@settings(max_examples=600)
@given(st.text(alphabet=st.characters(codec=None, categories=None), max_size=300))
def test_random_text_verifies_or_fails_with_a_reason(livekit_judge, text):
    verdict(text)
    judged(livekit_judge, text)


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_random_bytes_verify_or_fail_with_a_reason(livekit_judge, data):
    verdict(data)
    judged(livekit_judge, data)


@settings(max_examples=300)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.binary(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
        max_leaves=10,
    )
)
def test_random_values_of_any_type_verify_or_fail_with_a_reason(livekit_judge, value):
    assert verdict(value) in ("not-text", "malformed", "oversized")
    judged(livekit_judge, value)


segment = st.text(alphabet=B64URL + "=+/ .\n\r\t\u00e9\ud800", max_size=60)


@settings(max_examples=500)
@given(st.lists(segment, min_size=1, max_size=5).map(".".join))
def test_token_shaped_text_verifies_or_fails_with_a_reason(livekit_judge, text):
    verdict(text)
    judged(livekit_judge, text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
LOOK_ALIKE_NAMES = ["\u017fub", "\u212aind", "\u0131ss", "roomCon\ufb01g", "identity"]
ASCII_NAMES = ["iss", "sub", "exp", "nbf", "iat", "aud", "jti", "video", "sip", "attributes", "roomConfig", "name"]
ASCII_NAMES += ["EXP", "Iss", "x"]
claim_names = st.sampled_from([*ASCII_NAMES, *LOOK_ALIKE_NAMES])


@settings(max_examples=400)
@given(
    st.dictionaries(st.sampled_from(["alg", "typ", "kid", "ALG"]), json_values, max_size=3),
    st.dictionaries(claim_names, json_values, max_size=6),
)
def test_signed_random_json_verifies_or_fails_with_a_reason(livekit_judge, header, claims):
    verdict(sign_text(json.dumps(header), json.dumps(claims)))
    judged(livekit_judge, sign_text(json.dumps(header), json.dumps(moved_to_now(claims))))


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


REGISTERED_TEXT_CLAIMS = ("iss", "sub", "jti")
GRANT_TEXT_CLAIMS = ("name", "metadata", "kind", "identity")
TEXT_CLAIMS = (*REGISTERED_TEXT_CLAIMS, *GRANT_TEXT_CLAIMS)
REGISTERED_CLAIMS = (*REGISTERED_TEXT_CLAIMS, "exp", "nbf", "iat", "aud")
MODELLED_CLAIMS = (*TEXT_CLAIMS, "exp", "nbf", "iat", "aud", "video", "attributes")
VIDEO_FIELDS_MODELLED = (*VIDEO_BOOLEANS, "room", "canPublishSources")


def go_key(name: str) -> str:
    """A JSON key as Go's encoding/json compares it with an ASCII field name: ASCII letters in
    either case, and the two runes whose case-folding orbits hold an ASCII letter, the Kelvin sign
    (with k) and the long s (with s). Every other rune only ever equals itself."""
    return "".join({"\u212a": "K", "\u017f": "S"}.get(ch, ch.upper() if ch.isascii() else ch) for ch in name)


def go_fields(obj: dict, fields: tuple) -> list[tuple[str, object]]:
    """The (field, value) pairs Go decodes from ``obj``, in order; unknown keys dropped."""
    by_key = {go_key(field): field for field in fields}
    return [(by_key[go_key(key)], value) for key, value in obj.items() if go_key(key) in by_key]


def is_text_list(value, null_items: bool) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) or (null_items and item is None) for item in value)


def type_problem(name: str, value) -> bool:
    """True when the server cannot decode ``value`` into the claim ``name``."""
    if value is None:
        return False
    if name in TEXT_CLAIMS:
        return not isinstance(value, str)
    if name in ("exp", "nbf", "iat"):
        return not is_date(value)
    if name == "aud":
        return not (isinstance(value, str) or is_text_list(value, null_items=False))
    if name == "attributes":
        return not isinstance(value, dict) or any(v is not None and not isinstance(v, str) for v in value.values())
    if name == "video":
        if not isinstance(value, dict):
            return True
        for field, item in go_fields(value, VIDEO_FIELDS_MODELLED):
            if item is None:
                continue
            if field in VIDEO_BOOLEANS and not isinstance(item, bool):
                return True
            if field == "room" and not isinstance(item, str):
                return True
            if field == "canPublishSources" and not is_text_list(item, null_items=True):  # Go: null item -> ""
                return True
    return False


def model_verdict(claims: dict, signed_by: str) -> str:
    """What the current LiveKit server rules answer for these claims, signed with the secret of ``signed_by``."""
    decoded = go_fields(claims, MODELLED_CLAIMS)
    if any(type_problem(name, value) for name, value in decoded if name in REGISTERED_CLAIMS):
        return "claims"  # read before the key lookup
    read = {}
    for name, value in decoded:  # the last key to set a field wins; null leaves a text field as it was
        if value is not None:
            read[name] = value
        elif name not in TEXT_CLAIMS:
            read.pop(name, None)
    issuer = read.get("iss")
    if issuer not in ("k1", "k2"):
        return "unknown-api-key"
    if any(type_problem(name, value) for name, value in decoded if name not in REGISTERED_CLAIMS):
        return "claims"  # the other claims are decoded once the key is known, before the signature
    if issuer != signed_by:
        return "signature"
    if read.get("exp") is None:
        return "exp-required"
    if not math.floor(float(read["exp"])) + 60 > T0:
        return "expired"
    if read.get("nbf") is not None and math.floor(float(read["nbf"])) - 60 > T0:
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
                st.lists(st.sampled_from(["camera", "microphone"])),
                st.sampled_from([["camera", 1], "camera", [None], ["camera", None]]),
            ),
            "roomName": json_values,
            "ROOMJOIN": wrong_or_right_bool,
            "roomAdm\u0131n": wrong_or_right_bool,
            "roomLi\ufb06": wrong_or_right_bool,
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
        # non-ASCII look-alikes: the long s and the Kelvin sign fold into field names, the rest do not
        "i\u017fs": maybe(st.sampled_from(["k1", "k2", None, 7])),
        "\u017fub": maybe(st.one_of(st.text(max_size=5), st.none(), st.integers())),
        "\u212aind": maybe(st.sampled_from(["agent", "standard", 3, None])),
        "\u0131ss": maybe(st.sampled_from(["k1", "k2", 7])),
        "\u0435xp": maybe(st.sampled_from([T0 + 100, "soon", [1]])),  # a Cyrillic e
        "identity": maybe(st.sampled_from(["alice", 5, {"id": "alice"}, None])),
    }
).map(lambda claims: {name: value for name, value in claims.items() if value is not ABSENT})


@settings(max_examples=800)
@given(claim_sets, st.sampled_from(["k1", "k2"]))
@example({"iss": "k1", "exp": T0 - 60}, "k1")
@example({"iss": "k1", "exp": T0 - 59.5, "nbf": T0 + 60}, "k1")
@example({"iss": "k2", "exp": T0, "video": {"roomAdmin": "false"}}, "k1")
@example({"iss": "k1", "exp": T0, "\u017fub": 5}, "k1")
@example({"\u0131ss": "k1", "exp": T0}, "k1")
@example({"iss": "k1", "i\u017fs": "k2", "exp": T0}, "k2")
@example({"iss": "k1", "exp": T0, "\u212aind": None, "video": {"canPublishSources": [None], "roomAdm\u0131n": "x"}}, "k1")
def test_correctly_signed_claims_get_the_servers_verdict(livekit_judge, claims, signed_by):
    secret = {"k1": "first-secret-of-thirty-two-bytes!", "k2": SECOND_SECRET}[signed_by]
    assert verdict(sign(claims, secret)) == model_verdict(claims, signed_by)
    judged(livekit_judge, sign(moved_to_now(claims), secret))


json_whitespace = st.text(alphabet=" \t\r\n", max_size=4)
trailing_text = st.one_of(
    st.text(max_size=8).filter(lambda tail: tail.strip(" \t\r\n") != ""),
    st.sampled_from(["}", "{}", " null", "\u00a0", "\u2028", "// note", ",", "\x00"]),
)


@settings(max_examples=300)
@given(claim_sets, json_whitespace, st.one_of(json_whitespace, trailing_text))
@example({"iss": "k1", "exp": T0}, "", " trailing")
@example({"iss": "k1", "exp": T0}, "", "\n")
@example({"iss": "k1", "exp": T0 - 3600}, " ", "}")
def test_only_whitespace_may_surround_the_claims_json(livekit_judge, claims, before, after):
    outcome = verdict(sign_text('{"alg":"HS256"}', before + json.dumps(claims) + after))
    judged(livekit_judge, sign_text('{"alg":"HS256"}', before + json.dumps(moved_to_now(claims)) + after))
    if after.strip(" \t\r\n"):
        assert outcome == "malformed"
    else:
        assert outcome == model_verdict(claims, "k1")


# ---------------------------------------------------------------- refusals never quote claim values

marker = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=16).map(lambda text: f"zq{text}qz")


def _refused_claims(value: str) -> list[dict]:
    """Claim sets that the server refuses, each holding ``value`` somewhere as a claim value."""
    video = {"roomJoin": True, "room": "demo"}
    return [
        good_claims(sub={"id": value}),
        good_claims(sub=[value]),
        good_claims(jti=[value], sub=""),
        good_claims(name={"first": value}),
        good_claims(metadata=[value]),
        good_claims(kind=[value]),
        good_claims(exp=value),
        good_claims(nbf=value),
        good_claims(iat=value),
        good_claims(exp=[value]),
        good_claims(nbf={"at": value}),
        good_claims(aud=[value, 5]),
        good_claims(aud={"room": value}),
        good_claims(aud=[value, None]),
        good_claims(video=value),
        good_claims(video=[value]),
        good_claims(video={**video, "roomAdmin": value}),
        good_claims(video={**video, "canPublish": [value]}),
        good_claims(video={**video, "room": {"name": value}}),
        good_claims(video={**video, "canPublishSources": value}),
        good_claims(video={**video, "canPublishSources": [value, 1]}),
        good_claims(video={**video, "destinationRoom": [value]}),
        good_claims(sip={"admin": value}),
        good_claims(agent={"admin": [value]}),
        good_claims(attributes=value),
        good_claims(attributes={"role": [value]}),
        good_claims(attributes={value: 5}),
        good_claims(roomConfig=value),
        good_claims(roomConfig={"departureTimeout": value}),
        good_claims(roomConfig={"emptyTimeout": f"1{value}"}),
        good_claims(roomConfig={"name": [[[[value]]]]}),
        good_claims(roomConfig={"name": value, "maxParticipants": -1}),
        good_claims(identity=[value]),
        good_claims(kindDetails=value),
        good_claims(kindDetails=[value, 1]),
        good_claims(roomConfig={"agents": value}),
        good_claims(roomConfig={"agents": [{"agentName": [value]}]}),
        good_claims(roomConfig={"agents": [{"metadata": [value], value: value}]}),
        good_claims(roomConfig={"agents": [{"attributes": {value: [value]}}]}),
        good_claims(roomConfig={"egress": {"room": {"audioMixing": [value]}}}),
        good_claims(roomConfig={"egress": {"room": {"fileOutputs": [{"filepath": [value]}]}}}),
        good_claims(roomConfig={"tags": {value: 1}}),
        good_claims(exp=T0 - 3600, name=value),  # expired
        good_claims(nbf=T0 + 3600, name=value),  # not valid yet
        good_claims(exp=None, sub=value),  # exp required
        good_claims(iss="k2", sub=value),  # signed with the other key's secret
    ]


def test_every_refused_claim_set_of_the_value_list_is_refused(livekit_judge):
    for claims in _refused_claims("zqmarkerqz"):
        assert verdict(sign(claims)) != "accepted", claims
        judged(livekit_judge, sign(moved_to_now(claims)))


@settings(max_examples=60)
@given(marker)
def test_refusals_never_quote_a_claim_value(value):
    for claims in _refused_claims(value):
        try:
            verify(sign(claims), KEYS, at=T0)
        except TokenRejected as rejection:
            assert value not in str(rejection), claims
        else:  # pragma: no cover - every claim set of the list is refused
            raise AssertionError(f"accepted: {claims}")


# ---------------------------------------------------------------- single-character changes


def go_base64url(text: str) -> bytes | None:
    """Go's base64.RawURLEncoding without strict mode: CR/LF skipped, unused low bits ignored."""
    text = text.replace("\r", "").replace("\n", "")
    if any(ch not in B64URL for ch in text) or len(text) % 4 == 1:
        return None
    bits = "".join(format(B64URL.index(ch), "06b") for ch in text)
    return bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits) - len(bits) % 8, 8))


GOOD_CLAIMS = [
    good_claims(),
    good_claims(sub="bob", aud="room", attributes={"role": "viewer"}),
    good_claims(exp=T0 + 61, video={"roomAdmin": True, "room": "x"}),
]
GOOD_TOKENS = [sign(claims) for claims in GOOD_CLAIMS]
replacements = st.sampled_from(B64URL + ".=+/ \n\r\t\u00e9\ud800\x00")


def mutated(token: str, kind: str, index: int, replacement: str) -> str:
    index = min(index, len(token) - (kind != "insert"))
    if kind == "insert":
        return token[:index] + replacement + token[index:]
    if kind == "delete":
        return token[:index] + token[index + 1 :]
    return token[:index] + replacement + token[index + 1 :]


@st.composite
def mutations(draw):
    which = draw(st.integers(min_value=0, max_value=len(GOOD_TOKENS) - 1))
    token = GOOD_TOKENS[which]
    kind = draw(st.sampled_from(["replace", "insert", "delete"]))
    index = draw(st.integers(min_value=0, max_value=len(token) - (kind != "insert")))
    change = (kind, index, draw(replacements))
    return token, mutated(token, *change), which, change


def decodes_the_same(original: str, changed: str) -> bool:
    """True when the server reads exactly what was signed: same signed text, same signature bytes."""
    before, after = original.split("."), changed.split(".")
    if len(after) != 3 or after[:2] != before[:2]:
        return False
    return go_base64url(after[2]) == go_base64url(before[2])


@settings(max_examples=800)
@given(mutations())
def test_a_single_character_change_is_refused_unless_nothing_decoded_changed(livekit_judge, change):
    original, changed, which, how = change
    judged(livekit_judge, mutated(sign(moved_to_now(GOOD_CLAIMS[which])), *how))
    assert verdict(original) == "accepted"
    outcome = verdict(changed)
    if decodes_the_same(original, changed):
        assert outcome == "accepted"
    else:
        assert outcome != "accepted"


def accepted_changes(token: str) -> tuple[list[str], str, str]:
    """Tokens that differ from ``token`` only in unused bits; one that changes a used bit; one with a line break."""
    header, payload, signature = token.split(".")
    last = B64URL.index(signature[-1])
    same_bytes = [f"{header}.{payload}.{signature[:-1]}{B64URL[last ^ flip]}" for flip in (1, 2, 3)]  # 2 bits unused
    return (
        same_bytes,
        f"{header}.{payload}.{signature[:-1]}{B64URL[last ^ 4]}",
        f"{header}.{payload}.{signature[:10]}\n{signature[10:]}",
    )


def test_the_accepted_changes_exist_and_are_only_unused_bits_or_line_breaks(livekit_judge):
    same_bytes, used_bit, line_break = accepted_changes(GOOD_TOKENS[0])
    for token in same_bytes:
        assert verdict(token) == "accepted"
    assert verdict(used_bit) == "signature"
    assert verdict(line_break) == "accepted"
    now_bytes, now_bit, now_break = accepted_changes(sign(moved_to_now(GOOD_CLAIMS[0])))
    for token in [*now_bytes, now_bit, now_break]:
        judged(livekit_judge, token)


@pytest.mark.parametrize("depth", [1, 900, 1500, 9999])
def test_deep_claims_are_accepted_up_to_gos_limit_whatever_pythons_recursion_limit(livekit_judge, depth):
    payload = json.dumps(good_claims())[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    assert verdict(sign_text('{"alg":"HS256"}', payload)) == "accepted"
    payload_now = json.dumps(moved_to_now(good_claims()))[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    judged(livekit_judge, sign_text('{"alg":"HS256"}', payload_now))


def test_the_model_reads_dates_as_go_does():
    assert is_date("1768871337") and is_date("1.5e9") and is_date(-1) and is_date(0.5)
    assert not is_date(" 1") and not is_date("1.") and not is_date("NaN") and not is_date(True) and not is_date("01")
    assert math.isclose(float("1.5e9"), 1.5e9)
