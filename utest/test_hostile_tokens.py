"""The hostile-token builders do what their names say, and the keywords built on them return Secrets."""

from __future__ import annotations

import base64
import json

import pytest
from robot.api.types import Secret
from signing_helpers import T0, good_claims, keyring, sign

from livekit_tokens import hostile
from livekit_tokens.verification import TokenRejected, verify
from LiveKitAuth import LiveKitAuth

KEYS = keyring()
GOOD = sign(good_claims())


def decoded(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def cause(token) -> str:
    try:
        verify(token, KEYS, at=T0)
    except TokenRejected as rejection:
        return rejection.cause
    return "accepted"


def test_changes_are_read_as_json_values_with_removal_and_several_per_text():
    assert hostile.parse_changes('video.roomAdmin = true; sub = (removed) ; x = {"a": [1, "b;c"]};') == [
        ("video.roomAdmin", True),
        ("sub", hostile.REMOVE),
        ("x", {"a": [1, "b;c"]}),
    ]


@pytest.mark.parametrize("text", ["", "sub", "sub = mallory", 'sub = "a" extra', "= 1"])
def test_changes_that_cannot_be_read_say_how_to_write_them(text):
    with pytest.raises(ValueError, match=r"JSON|change|Separate"):
        hostile.parse_changes(text)


def test_claims_change_without_signing_keeps_header_and_signature():
    changed = hostile.with_claims(GOOD, 'sub = "mallory"; video.roomAdmin = true; exp = (removed)')
    header, payload, signature = changed.split(".")
    assert (header, signature) == (GOOD.split(".")[0], GOOD.split(".")[2])
    claims = decoded(payload)
    assert claims["sub"] == "mallory" and claims["video"]["roomAdmin"] is True and "exp" not in claims
    assert cause(changed) == "signature"


def test_raw_json_keeps_duplicate_keys_as_written():
    changed = hostile.with_raw_claims_json(GOOD, '"sub": "a", "sub": "b"')
    text = base64.urlsafe_b64decode(changed.split(".")[1] + "==").decode()
    assert text.endswith(',"sub": "a", "sub": "b"}')


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"])
def test_signing_with_an_algorithm_computes_a_real_signature_of_that_kind(algorithm):
    import jwt

    key = b"first-secret-of-thirty-two-bytes!" * 2
    token = hostile.with_algorithm(GOOD, algorithm, key)
    assert decoded(token.split(".")[0])["alg"] == algorithm
    if algorithm.startswith("HS"):
        assert jwt.decode(token, key, algorithms=[algorithm], options={"verify_exp": False, "verify_nbf": False})
    else:
        public = hostile._private_key(hostile._KEY_KINDS.get(algorithm, "RSA")).public_key()
        assert jwt.decode(token, public, algorithms=[algorithm], options={"verify_exp": False, "verify_nbf": False})


def test_text_after_the_claims_keeps_the_json_and_appends_exactly_that_text():
    header, payload, signature = hostile.with_text_after_claims(GOOD, " trailing").split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert raw.endswith("} trailing")
    assert json.loads(raw[: -len(" trailing")]) == good_claims()
    assert (header, signature) == (GOOD.split(".")[0], GOOD.split(".")[2])


def test_a_renamed_claim_keeps_its_value_under_the_new_name_only():
    claims = decoded(hostile.with_claim_renamed(GOOD, "iss", "\u0131ss").split(".")[1])
    assert "iss" not in claims and claims["\u0131ss"] == "k1"
    assert list(claims)[-1] == "\u0131ss"
    with pytest.raises(ValueError, match="no 'jti' claim to rename"):
        hostile.with_claim_renamed(GOOD, "jti", "JTI")


def test_the_rename_keyword_signs_with_the_key_given(dev_library):
    token = dev_library.generate_token("alice", "demo", room_join=True)
    renamed = dev_library.rename_claim_and_sign(token, "iss", "i\u017fs", signed_with="devkey")
    assert isinstance(renamed, Secret)
    assert dev_library.verify_token(renamed)["i\u017fs"] == "devkey"
    hidden = dev_library.rename_claim_and_sign(token, "iss", "\u0131ss", signed_with="devkey")
    assert "the token has no iss" in dev_library.token_should_be_refused(hidden, "unknown-api-key")
    with pytest.raises(AssertionError, match=r"Cannot alter the token: The token has no 'jti' claim to rename\."):
        dev_library.rename_claim_and_sign(token, "jti", "JTI")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_has_an_empty_signature(alg):
    token = hostile.with_algorithm(GOOD, alg, b"k")
    assert token.endswith(".")
    assert cause(token) == "algorithm"


def test_every_signature_change_is_made_and_only_the_unused_bits_pass():
    outcomes = {how: cause(hostile.with_signature(GOOD, how)) for how in hostile.SIGNATURE_CHANGES}
    assert outcomes == {
        "one byte flipped": "signature",
        "one character changed": "signature",
        "emptied": "signature",
        "removed": "malformed",
        "truncated": "signature",
        "doubled": "signature",
        "with padding": "malformed",
        "with unused bits changed": "accepted",
        "from another token": "signature",
        "spoiled encoding": "malformed",
    }


def test_every_text_change_is_made():
    for how in hostile.TEXT_CHANGES:
        assert hostile.with_text_change(GOOD, how) != GOOD


def test_attacker_keys_in_the_header_point_at_the_attackers_secret():
    secret = b"attacker-secret"
    token = hostile.with_embedded_key(GOOD, "jwk", secret)
    header = decoded(token.split(".")[0])
    assert base64.urlsafe_b64decode(header["jwk"]["k"] + "==") == secret
    assert cause(token) == "signature"
    with pytest.raises(ValueError, match="not a key header"):
        hostile.with_embedded_key(GOOD, "x5c", secret)


def test_segment_counts_and_sizes():
    assert [len(hostile.with_segment_count(GOOD, n).split(".")) for n in (1, 2, 3, 4, 5)] == [1, 2, 3, 4, 5]
    grown = hostile.grown_to(GOOD, 200_000)
    assert 190_000 < len(grown) < 210_000


def test_issuer_variants_are_close_to_the_key_and_never_equal():
    variants = hostile.issuer_variants("devkey")
    assert "devkey" not in variants.values()
    assert variants["a prefix of the API key"] == "devke"


def test_the_keywords_return_secrets_and_sign_with_the_key_iss_names():
    library = LiveKitAuth(api_key="k1", api_secret="first-secret-of-thirty-two-bytes!")
    library.add_api_key_with_random_secret("second")
    token = library.generate_token("alice", "demo", room_join=True)
    resigned = library.change_claims_and_sign(token, 'iss = "second"')
    assert isinstance(resigned, Secret)
    library.verification_outcome_should_be(resigned, "accepted")
    forged = library.change_claims_and_sign(token, 'iss = "second"', signed_with="k1")
    library.verification_outcome_should_be(forged, "signature")
    with pytest.raises(
        AssertionError, match="should be refused for 'expired' under the current LiveKit rules, but it was accepted"
    ):
        library.verification_outcome_should_be(token, "expired")
    with pytest.raises(
        AssertionError, match="should be accepted under the current LiveKit rules, but it was refused \\(signature\\)"
    ):
        library.verification_outcome_should_be(forged, "accepted")
    with pytest.raises(AssertionError, match="Unknown refusal cause"):
        library.verification_outcome_should_be(token, "rejected somehow")


def test_an_outcome_reads_as_words_refused_and_its_cause():
    library = LiveKitAuth(api_key="k1", api_secret="first-secret-of-thirty-two-bytes!")
    token = library.generate_token("alice", "demo", room_join=True)
    unknown = library.change_claims_and_sign(token, 'iss = "unknown-key"')
    library.verification_outcome_should_be(unknown, "refused: unknown API key")
    library.verification_outcome_should_be(unknown, "Refused:  Unknown API Key")
    library.verification_outcome_should_be(unknown, "unknown-api-key")
    library.token_should_be_refused(unknown, "unknown API key")
    without_exp = library.change_claims_and_sign(token, "exp = (removed)")
    library.verification_outcome_should_be(without_exp, "refused: exp required; v1.13.5, v1.12: accepted")
    library.use_server_rules_of_version("1.12")
    library.token_should_be_read_as(
        library.add_raw_json_to_claims(token, '"sub": "a", "sub": "b"'), "identity = b; v1.12: refused: claims"
    )
    with pytest.raises(AssertionError, match="Unknown refusal cause 'signed'"):
        library.verification_outcome_should_be(token, "refused: signed")


def test_a_refusal_for_another_cause_fails_and_names_both_causes():
    library = LiveKitAuth(api_key="k1", api_secret="first-secret-of-thirty-two-bytes!")
    token = library.generate_token("alice", "demo", room_join=True)
    forged = library.change_claims_without_signing(token, "exp = (removed)")
    with pytest.raises(AssertionError, match=r"it was refused \(signature\)") as caught:
        library.verification_outcome_should_be(forged, "exp-required")
    assert "exp-required" in str(caught.value)


def test_values_that_are_not_text_reach_the_verdict_keyword():
    library = LiveKitAuth(api_key="k1", api_secret="first-secret-of-thirty-two-bytes!")
    library.verification_outcome_should_be(library.make_value_that_is_not_text("a number"), "not-text")
    library.token_should_be_refused(12345, "not-text")
    library.verification_outcome_should_be(library.make_value_that_is_not_text("bytes outside ASCII"), "malformed")


def test_an_added_key_name_must_be_new():
    library = LiveKitAuth(api_key="k1", api_secret="first-secret-of-thirty-two-bytes!")
    with pytest.raises(AssertionError, match="already configured"):
        library.add_api_key_with_random_secret("k1")


def test_deeply_nested_claims_come_back_from_keywords_with_a_note_instead_of_their_depth():
    library = LiveKitAuth(api_key="k1", api_secret="first-secret-of-thirty-two-bytes!")
    token = library.nest_claim_deeply(library.generate_token("alice", "demo", room_join=True), 5000)
    claims = library.verify_token(token)
    assert claims["sub"] == "alice"
    level = claims["nested"]
    for _ in range(63):
        level = level[0]
    assert level == "(JSON nested deeper than 64 levels, not shown)"
    assert library.decode_token(token)["sub"] == "alice"
    library.log_token(token)
    library.claim_should_be(token, "nested", None)
