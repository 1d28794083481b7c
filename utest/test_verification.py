"""Verification follows the LiveKit server: each refusal names its cause."""

from __future__ import annotations

import base64
import json
import warnings

import jwt
import pytest

from livekit_tokens import grants, verification
from livekit_tokens.keys import load_keyring

NOW = 1_768_831_737
KEYRING = load_keyring(environ={"LIVEKIT_KEYS": "devkey: secret\nother: " + "o" * 32})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict, secret: str = "secret", algorithm: str = "HS256", headers: dict | None = None) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jwt.encode(claims, secret, algorithm=algorithm, headers=headers)


def raw_token(header: str, payload: str, secret: str = "secret") -> str:
    """A token whose header and payload JSON are written by hand, correctly signed."""
    import hashlib
    import hmac

    signing_input = f"{b64(header.encode())}.{b64(payload.encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def good(**extra) -> dict:
    return {"iss": "devkey", "sub": "alice", "nbf": NOW, "exp": NOW + 3600, "video": {"roomJoin": True, "room": "r"}, **extra}


def cause_of(token, at: float = NOW) -> str:
    with pytest.raises(verification.TokenRejected) as caught:
        verification.verify(token, KEYRING, at)
    message = str(caught.value)
    assert message.startswith("Token refused: ") and message.endswith(".")
    return caught.value.cause


def test_good_token_is_accepted_with_its_claims():
    parsed = verification.verify(sign(good()), KEYRING, NOW)
    assert parsed.claims["sub"] == "alice"


@pytest.mark.parametrize(
    ("exp_offset", "accepted"),
    [(-61, False), (-60, False), (-59, True), (0, True)],
)
def test_exp_leeway_boundary(exp_offset, accepted):
    token = sign(good(exp=NOW + exp_offset, nbf=NOW - 3600))
    if accepted:
        verification.verify(token, KEYRING, NOW)
    else:
        assert cause_of(token) == "expired"


@pytest.mark.parametrize(("nbf_offset", "accepted"), [(60, True), (61, False)])
def test_nbf_leeway_boundary(nbf_offset, accepted):
    token = sign(good(nbf=NOW + nbf_offset))
    if accepted:
        verification.verify(token, KEYRING, NOW)
    else:
        assert cause_of(token) == "not-yet-valid"


def test_key_chosen_by_issuer():
    verification.verify(sign(good(iss="other"), "o" * 32), KEYRING, NOW)
    assert cause_of(sign(good(iss="other"), "secret")) == "signature"


@pytest.mark.parametrize("issuer", ["unknown", "dev", "devkeyx", ""])
def test_unknown_issuer(issuer):
    assert cause_of(sign(good(iss=issuer))) == "unknown-api-key"


def test_missing_issuer():
    claims = good()
    del claims["iss"]
    assert cause_of(sign(claims)) == "unknown-api-key"


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_only_hs256(algorithm):
    assert cause_of(sign(good(), algorithm=algorithm)) == "algorithm"


def test_alg_none_is_refused():
    header = b64(b'{"alg":"none"}')
    token = f"{header}.{b64(json.dumps(good()).encode())}."
    assert cause_of(token) == "algorithm"


def test_exp_required():
    claims = good()
    del claims["exp"]
    assert cause_of(sign(claims)) == "exp-required"
    assert cause_of(raw_token('{"alg":"HS256"}', json.dumps({**good(), "exp": None}))) == "exp-required"


def test_aud_and_future_iat_are_not_checked():
    verification.verify(sign(good(aud="somewhere", iat=NOW + 10_000)), KEYRING, NOW)
    verification.verify(sign(good(aud=["a", "b"])), KEYRING, NOW)


def test_numeric_string_times_are_read_as_golang_jwt_reads_them():
    verification.verify(raw_token('{"alg":"HS256"}', json.dumps({**good(), "exp": str(NOW + 100)})), KEYRING, NOW)
    assert cause_of(raw_token('{"alg":"HS256"}', json.dumps({**good(), "exp": "soon"}))) == "claims"
    assert cause_of(raw_token('{"alg":"HS256"}', json.dumps({**good(), "exp": True}))) == "claims"


@pytest.mark.parametrize(
    "payload_change",
    [
        {"video": "admin"},
        {"video": {"roomAdmin": "false"}},
        {"video": {"canPublishSources": "camera"}},
        {"video": {"canPublishSources": [1]}},
        {"attributes": {"n": 1}},
        {"sub": 7},
        {"aud": 5},
        {"sip": {"admin": 1}},
    ],
)
def test_wrong_json_types_make_the_token_invalid(payload_change):
    assert cause_of(sign(good(**payload_change))) == "claims"


def test_go_matches_known_fields_case_insensitively():
    claims = good()
    claims["video"] = {"ROOMJOIN": True, "Room": "r", "canpublish": False}
    parsed = verification.verify(sign(claims), KEYRING, NOW)
    effective = grants.effective_video_grant(parsed.server_claims["video"])
    assert effective["roomJoin"] is True
    assert effective["canPublish"] is False
    assert effective["canPublishData"] is False
    assert cause_of(sign({**good(), "video": {"CANPUBLISH": "no"}})) == "claims"


def test_duplicate_keys_last_wins():
    payload = json.dumps(good())[:-1] + ',"sub":"mallory"}'
    parsed = verification.verify(raw_token('{"alg":"HS256"}', payload), KEYRING, NOW)
    assert parsed.claims["sub"] == "mallory"
    assert verification.identity_of(parsed.claims) == "mallory"


def test_identity_falls_back_to_jti():
    claims = good(jti="from-jti")
    del claims["sub"]
    parsed = verification.verify(sign(claims), KEYRING, NOW)
    assert verification.identity_of(parsed.claims) == "from-jti"


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        ("", "the token is empty"),
        ("abc", "1 segment instead of 3"),
        ("a.b.c.d", "4 segments instead of 3"),
        ("Bearer a.b.c", "starts with 'Bearer '"),
        ("eyJhbGciOiJIUzI1NiJ9=.e30.", "padding '='"),
        ("eyJhbGciOiJIUzI1NiJ9.e30!.", "the character '!'"),
        (b64(b"not json") + ".e30.", "the header is not valid JSON"),
        (b64(b"[1]") + ".e30.", "the header is a list, not a JSON object"),
        ("eyJhbGciOiJIUzI1NiJ9." + b64(b'"text"') + ".", "the payload is a string, not a JSON object"),
        ("eyJhbGciOiJIUzI1NiJ9.\ud800.", "the character '\\ud800'"),
    ],
)
def test_malformed_tokens_name_what_is_wrong(token, fragment):
    with pytest.raises(verification.TokenRejected) as caught:
        verification.verify(token, KEYRING, NOW)
    assert caught.value.cause == "malformed"
    assert fragment in str(caught.value)


@pytest.mark.parametrize(("value", "name"), [(None, "NoneType"), (42, "int"), (["a"], "list")])
def test_non_text_input(value, name):
    with pytest.raises(verification.TokenRejected, match=f"a token must be text, got {name}"):
        verification.verify(value, KEYRING, NOW)


def test_oversized_token_is_refused_before_parsing():
    with pytest.raises(verification.TokenRejected, match="2,000,000 characters long"):
        verification.verify("a" * 2_000_000, KEYRING, NOW)


def test_refusal_never_quotes_the_token():
    token = sign(good(exp=NOW - 1000))
    with pytest.raises(verification.TokenRejected) as caught:
        verification.verify(token, KEYRING, NOW)
    for segment in token.split("."):
        assert segment not in str(caught.value)


def test_library_keyword_checks_the_cause(dev_library):
    expired = dev_library.generate_token(
        "a", "r", room_join=True, not_before="2020-01-01 00:00:00", expires="2020-01-01 06:00:00"
    )
    assert "token is expired" in dev_library.token_should_be_refused(expired, "expired")
    with pytest.raises(AssertionError, match="refused for 'expired' instead of 'signature'"):
        dev_library.token_should_be_refused(expired, "signature")
    fresh = dev_library.generate_token("a", "r", room_join=True)
    with pytest.raises(AssertionError, match="would accept this token"):
        dev_library.token_should_be_refused(fresh, "expired")
    with pytest.raises(AssertionError, match="Unknown refusal cause 'late'"):
        dev_library.token_should_be_refused(fresh, "late")


def test_fingerprint_is_sha256_and_12_hex_digits():
    import hashlib

    from livekit_tokens import evidence

    token = sign(good())
    assert evidence.fingerprint(token) == "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:12]
    assert len(evidence.fingerprint(token)) == len("sha256:") + 12
