"""Each way plain PyJWT (and livekit-api's verifier built on it) differs from the LiveKit server,
shown side by side with this library, which follows the server (livekit-auth-spec.md, section 6)."""

from __future__ import annotations

import datetime
import json
import warnings

import jwt
import pytest
from livekit import api as livekit_api
from signing_helpers import FIRST_SECRET, SECOND_SECRET, T0, good_claims, keyring, sign, sign_text

from livekit_tokens import verification
from livekit_tokens.keys import ApiKey, ConfigurationError, Keyring, load_keyring
from livekit_tokens.verification import TokenRejected, verify
from LiveKitAuth import LiveKitAuth

KEYS = keyring()


def pyjwt_decode(token, key=FIRST_SECRET, **options):
    """PyJWT as a careful caller would use it, with the server's leeway and allow-list."""
    return jwt.decode(token, key, algorithms=["HS256"], leeway=60, **options)


def outcome(token, at=T0):
    try:
        verify(token, KEYS, at=at)
    except TokenRejected as rejection:
        return rejection.cause
    return "accepted"


@pytest.fixture
def frozen_clock(monkeypatch):
    """PyJWT reads the real clock; pin it (and ours) to T0 so both judge the same moment."""

    class Clock(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime.fromtimestamp(T0, tz)

    monkeypatch.setattr(jwt.api_jwt, "datetime", Clock)
    return T0


def test_aud_is_ignored_by_the_server_but_refused_by_pyjwt(frozen_clock):
    token = sign(good_claims(aud="test_room"))
    with pytest.raises(jwt.InvalidAudienceError):
        pyjwt_decode(token)
    with pytest.raises(jwt.InvalidAudienceError):
        livekit_api.TokenVerifier("k1", FIRST_SECRET).verify(token)
    assert outcome(token) == "accepted"


def test_iat_in_the_future_is_ignored_by_the_server_but_refused_by_pyjwt(frozen_clock):
    token = sign(good_claims(iat=T0 + 3600))
    with pytest.raises(jwt.ImmatureSignatureError):
        pyjwt_decode(token)
    assert outcome(token) == "accepted"


def test_a_boolean_grant_written_as_text_is_accepted_by_pyjwt_and_refused_by_the_server(frozen_clock):
    token = sign(good_claims(video={"roomJoin": True, "room": "demo", "roomAdmin": "false"}))
    assert pyjwt_decode(token)["video"]["roomAdmin"] == "false"
    assert outcome(token) == "claims"


def test_a_video_grant_that_is_text_is_accepted_by_pyjwt_crashes_livekit_api_and_is_refused(frozen_clock):
    token = sign(good_claims(video="admin"))
    assert pyjwt_decode(token)["video"] == "admin"
    with pytest.raises(AttributeError):
        livekit_api.TokenVerifier("k1", FIRST_SECRET).verify(token)
    assert outcome(token) == "claims"


def test_a_lone_surrogate_escapes_pyjwt_as_a_unicode_error_and_is_refused_here():
    token = sign(good_claims())
    header, payload, signature = token.split(".")
    hostile = f"{header}.{payload}\ud800.{signature}"
    with pytest.raises(UnicodeEncodeError):
        pyjwt_decode(hostile)
    with pytest.raises(AssertionError) as caught:
        verify(hostile, KEYS, at=T0)
    assert caught.value.cause == "malformed"


@pytest.mark.parametrize("key", [None, 42])
def test_a_key_that_is_not_text_escapes_pyjwt_as_a_type_error_and_stops_here_with_a_sentence(key):
    token = sign(good_claims())
    with pytest.raises(TypeError):
        pyjwt_decode(token, key=key)
    with pytest.raises(ConfigurationError, match="set LIVEKIT_API_SECRET"):
        Keyring([ApiKey("k1", key)])
    with pytest.raises(ConfigurationError, match="LIVEKIT_API_SECRET"):
        load_keyring("k1", key if key is not None else 0, environ={})
    with pytest.raises(ConfigurationError):
        LiveKitAuth(api_key="k1", api_secret=key if key is not None else 0)


@pytest.mark.parametrize(("offset", "expired"), [(-61, True), (-60, True), (-59, False)])
def test_the_exp_boundary_is_exp_at_or_before_now_minus_leeway_in_both(frozen_clock, offset, expired):
    token = sign(good_claims(exp=T0 + offset))
    if expired:
        with pytest.raises(jwt.ExpiredSignatureError):
            pyjwt_decode(token)
        assert outcome(token) == "expired"
    else:
        assert pyjwt_decode(token)["exp"] == T0 + offset
        assert outcome(token) == "accepted"


def test_pyjwt_has_no_leeway_unless_told_while_the_server_has_60_seconds(frozen_clock):
    token = sign(good_claims(exp=T0 - 30))
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, FIRST_SECRET, algorithms=["HS256"])
    assert outcome(token) == "accepted"


def test_short_keys_make_pyjwt_warn_and_this_library_does_not(frozen_clock):
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        jwt.encode({"a": 1}, "secret", algorithm="HS256")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        library = LiveKitAuth(api_key="devkey", api_secret="secret")
        token = library.generate_token("alice", "demo", room_join=True)
        assert library.verify_token(token)["sub"] == "alice"


def test_pyjwt_checks_one_key_while_the_server_picks_the_secret_by_iss(frozen_clock):
    token = sign(good_claims(iss="k2"), SECOND_SECRET)
    with pytest.raises(jwt.InvalidSignatureError):
        pyjwt_decode(token)  # a caller with one key cannot know which secret iss means
    assert outcome(token) == "accepted"


def test_pyjwt_refuses_a_secret_that_looks_like_a_pem_key_the_server_takes_it_as_bytes(frozen_clock):
    pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode(good_claims(), pem, algorithm="HS256")
    token = sign(good_claims(iss="pem"), pem)
    assert verify(token, Keyring([ApiKey("pem", pem)]), at=T0).claims["iss"] == "pem"


def test_a_header_number_beyond_a_float_passes_pyjwt_and_not_the_server(frozen_clock):
    token = sign_text('{"alg": "HS256", "x": 1e400}', json.dumps(good_claims()))
    assert pyjwt_decode(token)["sub"] == "alice"
    assert outcome(token) == "malformed"


def test_json_nested_deeper_than_pythons_limit_fails_pyjwt_but_not_the_server(frozen_clock):
    payload = json.dumps(good_claims())[:-1] + ', "deep": ' + "[" * 5000 + "]" * 5000 + "}"
    token = sign_text('{"alg": "HS256"}', payload)
    with pytest.raises(jwt.DecodeError):
        pyjwt_decode(token)
    assert outcome(token) == "accepted"


def test_a_second_video_object_replaces_the_first_in_pyjwt_but_merges_on_the_server(frozen_clock):
    payload = json.dumps(good_claims())[:-1] + ', "video": {"canSubscribe": false}}'
    token = sign_text('{"alg": "HS256"}', payload)
    assert pyjwt_decode(token)["video"] == {"canSubscribe": False}
    parsed = verify(token, KEYS, at=T0)
    assert verification.model.effective_video_grant(parsed.server_claims["video"])["roomJoin"] is True


def test_hs384_is_refused_by_both_when_the_allow_list_is_hs256(frozen_clock):
    token = jwt.encode(good_claims(), FIRST_SECRET * 2, algorithm="HS384")
    with pytest.raises(jwt.InvalidAlgorithmError):
        pyjwt_decode(token)
    assert outcome(token) == "algorithm"


def test_livekit_api_refuses_a_token_without_exp_like_the_server(frozen_clock):
    claims = good_claims()
    del claims["exp"]
    token = sign(claims)
    with pytest.raises(jwt.MissingRequiredClaimError):
        livekit_api.TokenVerifier("k1", FIRST_SECRET, leeway=datetime.timedelta(seconds=60)).verify(token)
    assert outcome(token) == "exp-required"
