"""Unit tests of the SDK interop parts: request building, comparison messages, oracles and the skip path."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import jwt
import pytest
from robot.api import SkipExecution
from robot.api.types import Secret

from livekit_tokens import grants as model
from livekit_tokens import interop, sdk_oracles, verification
from livekit_tokens.keys import load_keyring
from livekit_tokens.sdk_oracles import NodeSdk, PythonSdk, SdkFailure, SdkUnavailable
from livekit_tokens.timeutil import to_seconds
from LiveKitAuth import LiveKitAuth
from LiveKitSdk import NODE_PROJECT, LiveKitSdk

SECRET = "an-interop-unit-test-secret-of-40-chars!"
KEYS = {"LIVEKIT_API_KEY": "unitkey", "LIVEKIT_API_SECRET": SECRET}
NODE_READY = shutil.which("node") is not None and (NODE_PROJECT / "node_modules" / "livekit-server-sdk").is_dir()
needs_node = pytest.mark.skipif(not NODE_READY, reason="Node.js or the packages of interop/node are not installed")
posix_only = pytest.mark.skipif(os.name == "nt", reason="the stand-in Node.js executable is a shell script")


@pytest.fixture
def keys(monkeypatch):
    monkeypatch.delenv("LIVEKIT_KEYS", raising=False)
    monkeypatch.delenv(sdk_oracles.NODE_VARIABLE, raising=False)
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def python_sdk():
    return PythonSdk()


@pytest.fixture(scope="module")
def fields(python_sdk):
    return python_sdk.grant_fields()


# ---------------------------------------------------------------- what the SDKs declare


def test_livekit_api_declares_every_grant_field_of_our_model(fields):
    for group, our_fields in model.GRANT_OBJECTS.items():
        declared = {model.to_camel(name) for name in fields[group]}
        assert set(our_fields) <= declared, f"{group}: {set(our_fields) - declared}"


def test_grant_field_kinds_come_from_the_sdk_annotations(fields):
    assert fields["video"]["room"] == model.STRING
    assert fields["video"]["destination_room"] == model.STRING
    assert fields["video"]["can_publish_sources"] == model.STRING_LIST
    assert fields["video"]["can_publish"] == model.BOOL
    assert fields["agent"]["simulation_admin"] == model.BOOL


def test_livekit_api_defaults_are_what_it_writes_unasked(python_sdk):
    defaults = python_sdk.defaults()
    assert defaults["video.canPublish"] is True
    assert defaults["video.canSubscribe"] is True
    assert defaults["video.canPublishData"] is True
    assert defaults["sip.admin"] is False
    assert "video.roomJoin" not in defaults


# ---------------------------------------------------------------- option mapping


def test_request_maps_options_to_sdk_vocabulary(fields):
    request = interop.build_request(
        "alice",
        "demo",
        {
            "room_join": "True",
            "can_publish": "false",
            "can_publish_sources": "camera, microphone",
            "sip_call": True,
            "agent_database_admin": "yes",
            "inference_perform": "True",
            "observability_write": "True",
            "agent": "True",
            "name": "Alice",
            "kind": "agent",
            "metadata": {"seat": 3},
            "attributes": '{"city": "Zürich"}',
            "ttl": "10 minutes",
        },
        fields,
        to_seconds,
    )
    assert request == {
        "identity": "alice",
        "name": "Alice",
        "kind": "agent",
        "metadata": '{"seat":3}',
        "attributes": {"city": "Zürich"},
        "ttl": 600,
        "video": {
            "room": "demo",
            "roomJoin": True,
            "canPublish": False,
            "canPublishSources": ["camera", "microphone"],
            "agent": True,
        },
        "sip": {"call": True},
        "agent": {"databaseAdmin": True},
        "inference": {"perform": True},
        "observability": {"write": True},
    }


def test_request_leaves_out_empty_identity_room_and_none(fields):
    assert interop.build_request("", None, {"name": None}, fields) == {}


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"can_publsh": True}, "'can_publsh' is not a claim or grant field"),
        ({"sip_dial": True}, "'sip_dial'"),
        ({"can_publish": "maybe"}, "can_publish must be true or false"),
        ({"can_publish_sources": "camera, webcam"}, "can_publish_sources holds ['webcam']"),
        ({"attributes": {"n": 1}}, "attributes must be a dictionary of text keys and text values"),
        ({"attributes": "{not json"}, "attributes must be a dictionary or a JSON object"),
        ({"ttl": "0 s"}, "ttl must be a positive duration"),
        ({"name": 5}, "name must be text"),
    ],
)
def test_request_refuses_bad_options_naming_them(fields, options, words):
    with pytest.raises(ValueError) as caught:
        interop.build_request("alice", "demo", options, fields, to_seconds)
    assert words in str(caught.value)


# ---------------------------------------------------------------- views and comparison


def test_flatten_spreads_grants_and_attributes_and_drops_unset():
    view = {
        "identity": "alice",
        "name": "",
        "metadata": None,
        "attributes": {"city": "Zürich", "empty": ""},
        "video": {"canPublish": False, "room": "", "destinationRoom": None},
        "roomConfig": {"name": "x"},
    }
    assert interop.flatten(view) == {
        "identity": "alice",
        "attributes.city": "Zürich",
        "attributes.empty": "",
        "video.canPublish": False,
        "roomConfig": {"name": "x"},
    }


def test_payload_view_reads_sub_as_identity_and_drops_registered_claims():
    payload = {"sub": "alice", "iss": "k", "exp": 2, "nbf": 1, "aud": "x", "video": {"roomJoin": True}, "name": "A"}
    assert interop.payload_view(payload) == {"identity": "alice", "video": {"roomJoin": True}, "name": "A"}


def test_server_view_reads_grants_as_the_server_does():
    parsed = verification.parse_token(_token({"sub": "bob", "video": {"CANPUBLISH": False, "roomName": "x"}}))
    assert interop.server_view(parsed.server_claims) == {"identity": "bob", "video": {"canPublish": False}}


def test_compare_names_a_differing_field():
    rows, problems = interop.compare({"video.canPublish": False}, {"video.canPublish": True})
    assert problems == ["video.canPublish is true, expected false"]
    assert rows[0]["ok"] is False


def test_compare_names_a_missing_and_an_unasked_field():
    _, problems = interop.compare({"video.canPublish": False}, {"video.canPublsh": False})
    assert problems == [
        "video.canPublish is (not set), expected false",
        "video.canPublsh is false, which was not asked for",
    ]


def test_compare_accepts_sdk_defaults_only_with_their_default_value():
    defaults = {"video.canSubscribe": True}
    rows, problems = interop.compare({}, {"video.canSubscribe": True}, defaults, "livekit-api default")
    assert problems == []
    assert rows[0]["actual"] == "true (livekit-api default)"
    assert rows[0]["ok"] is None
    _, problems = interop.compare({}, {"video.canSubscribe": False}, defaults)
    assert problems == ["video.canSubscribe is false, which was not asked for"]


def test_compare_does_not_take_one_for_true():
    _, problems = interop.compare({"sip.admin": True}, {"sip.admin": 1})
    assert problems == ["sip.admin is 1, expected true"]


def test_compare_keeps_unicode_readable():
    _, problems = interop.compare({"attributes.名前": "テスト"}, {"attributes.名前": "test"})
    assert problems == ['attributes.名前 is "test", expected "テスト"']


def test_lifetime_allows_one_second_for_two_clock_reads():
    assert interop.lifetime_row({"nbf": 100, "exp": 701}, 600)[1] is None
    assert interop.lifetime_row({"nbf": 100, "exp": 702}, 600)[1] == "the lifetime (exp - nbf) is 602 s, expected 600 s"
    assert interop.lifetime_row({"nbf": 100}, 600)[1] == "the token has no numeric exp and nbf to measure its lifetime"


def test_effective_differences_and_unrequested_fields():
    first = model.effective_video_grant({"roomJoin": True, "canPublish": False})
    second = model.effective_video_grant({"roomJoin": True, "canPublish": False, "canPublishData": True})
    assert interop.effective_differences(first, second) == ["canPublishData"]
    extra, missing = interop.unrequested_video_fields(
        {"room": "d", "canPublish": True}, {"video": {"room": "d", "roomJoin": True}}
    )
    assert (extra, missing) == (["canPublish"], ["roomJoin"])


@pytest.mark.parametrize(("algorithm", "digest"), [("HS256", "HS256"), ("HS384", "HS384"), ("HS512", "HS512")])
def test_sign_makes_tokens_pyjwt_verifies(algorithm, digest):
    key = SECRET * 2  # long enough for HS512, so PyJWT does not warn
    token = interop.sign({"iss": "k", "sub": "é"}, key.encode(), algorithm)
    assert jwt.get_unverified_header(token) == {"alg": digest, "typ": "JWT"}
    assert jwt.decode(token, key, algorithms=[digest]) == {"iss": "k", "sub": "é"}


def test_sign_refuses_other_algorithms():
    with pytest.raises(ValueError, match=r"algorithm must be one of HS256, HS384, HS512"):
        interop.sign({}, b"k", "RS256")


def test_scrub_removes_every_secret():
    assert interop.scrub("bad eyJabc with s3cret", "eyJabc", "s3cret", "") == "bad <secret> with <secret>"


def test_sdk_names_and_aliases():
    assert sdk_oracles.sdk_name(" Python ") == "livekit-api"
    assert sdk_oracles.sdk_name("node") == "livekit-server-sdk"
    with pytest.raises(ValueError, match=r"Unknown SDK 'go'; use livekit-api or livekit-server-sdk."):
        sdk_oracles.sdk_name("go")


# ---------------------------------------------------------------- livekit-api oracle


def test_python_sdk_round_trip(python_sdk, fields):
    request = interop.build_request("alice", "demo", {"room_join": True, "can_publish": False, "ttl": 60}, fields)
    token = python_sdk.mint(request, "unitkey", SECRET)
    view = python_sdk.verify(token, "unitkey", SECRET)
    assert view["identity"] == "alice"
    assert view["video"]["canPublish"] is False
    assert view["video"]["canPublishData"] is True  # livekit-api's own default


def test_python_sdk_refusal_names_the_pyjwt_error_without_the_token(python_sdk):
    token = interop.sign({"iss": "unitkey", "exp": 1}, SECRET.encode())
    with pytest.raises(SdkFailure) as caught:
        python_sdk.verify(token, "unitkey", SECRET)
    assert caught.value.outcome == "refused"
    assert str(caught.value) == "livekit-api refused the token: ExpiredSignatureError: Signature has expired."
    assert token not in str(caught.value)


def test_python_sdk_crash_is_reported_as_such(python_sdk):
    token = interop.sign({"iss": "unitkey", "exp": 2**40, "video": "admin"}, SECRET.encode())
    with pytest.raises(SdkFailure) as caught:
        python_sdk.verify(token, "unitkey", SECRET)
    assert caught.value.outcome == "crashed"
    assert caught.value.name == "AttributeError"


def test_python_sdk_refuses_join_without_identity(python_sdk, fields):
    request = interop.build_request(None, "demo", {"room_join": True}, fields)
    with pytest.raises(SdkFailure, match=r"livekit-api cannot do this: identity and room must be set"):
        python_sdk.mint(request, "unitkey", SECRET)


# ---------------------------------------------------------------- Node.js: missing, broken, present


def test_node_missing_from_path_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.delenv(sdk_oracles.NODE_VARIABLE, raising=False)
    monkeypatch.setattr(sdk_oracles.shutil, "which", lambda name: None)
    with pytest.raises(SdkUnavailable, match=r"Node.js is not installed \(no 'node' on PATH\).*Node.js 18 or newer"):
        NodeSdk(tmp_path).check()


def test_node_variable_naming_nothing_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv(sdk_oracles.NODE_VARIABLE, str(tmp_path / "no-node"))
    with pytest.raises(SdkUnavailable, match=r"LIVEKIT_INTEROP_NODE names no executable"):
        NodeSdk(tmp_path).check()


def test_unavailability_is_remembered(tmp_path):
    node = NodeSdk(tmp_path, executable=str(tmp_path / "no-node"))
    for _ in range(2):
        with pytest.raises(SdkUnavailable):
            node.check()


def _fake_node(tmp_path: Path, version: str = "v20.0.0", behaviour: str = "") -> str:
    """A stand-in for the node executable: prints ``version`` for --version, otherwise runs ``behaviour``."""
    script = tmp_path / "node"
    script.write_text(f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo {version}; exit 0; fi\n{behaviour}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def _fake_project(tmp_path: Path, installed: str | None = "2.19.2", pinned: str = "2.19.2") -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text(json.dumps({"dependencies": {"livekit-server-sdk": pinned}}))
    if installed:
        package = project / "node_modules" / "livekit-server-sdk"
        package.mkdir(parents=True)
        (package / "package.json").write_text(json.dumps({"version": installed}))
    return project


@posix_only
def test_old_node_is_unavailable(tmp_path):
    node = NodeSdk(_fake_project(tmp_path), executable=_fake_node(tmp_path, "v16.20.2"))
    with pytest.raises(SdkUnavailable, match=r"Node.js 16.20.2 is too old: .* Node.js 18 or newer"):
        node.check()


@posix_only
def test_missing_packages_are_unavailable(tmp_path):
    node = NodeSdk(_fake_project(tmp_path, installed=None), executable=_fake_node(tmp_path))
    with pytest.raises(SdkUnavailable, match=r"The pinned Node.js packages are not installed .*npm ci"):
        node.check()


@posix_only
def test_packages_other_than_the_pinned_ones_are_unavailable(tmp_path):
    node = NodeSdk(_fake_project(tmp_path, installed="2.0.0"), executable=_fake_node(tmp_path))
    with pytest.raises(SdkUnavailable, match=r"holds livekit-server-sdk 2.0.0 but package.json pins 2.19.2"):
        node.check()


@posix_only
def test_silent_oracle_times_out(tmp_path):
    node = NodeSdk(_fake_project(tmp_path), executable=_fake_node(tmp_path, behaviour="exec sleep 30"), timeout=0.5)
    with pytest.raises(AssertionError, match=r"The livekit-server-sdk oracle did not answer within 0.5 s."):
        node.verify("a.b.c", "k", SECRET)
    assert node._process is None


@posix_only
def test_stopped_oracle_reports_its_last_words_without_secrets(tmp_path):
    # The stand-in echoes the request (which holds the secret and the token) to stderr and exits.
    node = NodeSdk(_fake_project(tmp_path), executable=_fake_node(tmp_path, behaviour='read line; echo "$line" >&2; exit 3'))
    with pytest.raises(AssertionError) as caught:
        node.verify("eyJtoken.payload.sig", "k", SECRET)
    message = str(caught.value)
    assert message.startswith("The livekit-server-sdk oracle stopped: ")
    assert SECRET not in message
    assert "eyJtoken.payload.sig" not in message
    assert "<secret>" in message


def test_library_skips_node_keywords_and_still_runs_python_ones(keys, tmp_path):
    library = LiveKitSdk(node=str(tmp_path / "no-node"))
    with pytest.raises(SkipExecution, match=r"Node.js is not installed"):
        library.generate_token_with_sdk("livekit-server-sdk", "alice", "demo", room_join="True")
    token = LiveKitAuth().generate_token("alice", "demo", room_join=True)
    with pytest.raises(SkipExecution):
        library.verdict_should_be("node", token, "accepted")
    python_token = library.generate_token_with_sdk("livekit-api", "alice", "demo", room_join="True")
    assert isinstance(python_token, Secret)
    library.sdk_token_should_carry_what_was_asked("livekit-api", python_token, "alice", "demo", room_join="True")
    library.verdict_should_be("livekit-api", token, "accepted")


@needs_node
def test_node_oracle_round_trip(keys, fields):
    node = NodeSdk(NODE_PROJECT)
    try:
        request = interop.build_request("zoë", "demo", {"room_join": True, "attributes": {"名前": "テスト"}, "ttl": 90}, fields)
        token = node.mint(request, "unitkey", SECRET)
        payload = node.verify(token, "unitkey", SECRET)
        assert payload["sub"] == "zoë"
        assert payload["attributes"] == {"名前": "テスト"}
        assert payload["exp"] - payload["nbf"] == 90
        assert jwt.get_unverified_header(token) == {"alg": "HS256"}
        with pytest.raises(SdkFailure, match=r"livekit-server-sdk cannot do this: livekit-server-sdk has no agent grant"):
            node.mint({"agent": {"admin": True}}, "unitkey", SECRET)
        with pytest.raises(SdkFailure) as caught:
            node.verify(token, "unitkey", "another-secret-entirely-of-some-length")
        assert caught.value.outcome == "refused"
        assert caught.value.name == "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
    finally:
        node.close()


# ---------------------------------------------------------------- keywords


def test_sdk_report_names_the_field_our_minting_misspelt(keys, monkeypatch):
    original = model.build_video_grant

    def misspelt(options):
        video = original(options)
        if "canPublish" in video:
            video["canPublsh"] = video.pop("canPublish")
        return video

    monkeypatch.setattr(model, "build_video_grant", misspelt)
    token = LiveKitAuth().generate_token("alice", "demo", room_join=True, can_publish=False)
    with pytest.raises(AssertionError) as caught:
        LiveKitSdk().sdk_should_report_the_claims("livekit-api", token, "alice", "demo", room_join="True", can_publish="False")
    # livekit-api does not know "canPublsh" and falls back to its default for canPublish.
    version = PythonSdk().version
    assert str(caught.value) == f"livekit-api {version} does not report what was asked: video.canPublish is true, expected false."


def test_sdk_token_read_by_our_library_must_match_the_request(keys):
    library = LiveKitSdk()
    token = library.generate_token_with_sdk("livekit-api", "alice", "demo", room_join="True", can_publish="False")
    with pytest.raises(AssertionError, match=r"^Our library does not read what livekit-api was asked to write: "):
        library.sdk_token_should_carry_what_was_asked("livekit-api", token, "alice", "demo", room_join="True", can_publish="True")


def test_sdk_token_refused_by_our_library_says_why(keys, monkeypatch):
    library = LiveKitSdk()
    token = library.generate_token_with_sdk("livekit-api", "alice", "demo", room_join="True")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "a-different-secret-that-is-long-enough-123")
    with pytest.raises(AssertionError, match=r"^Our library refuses the token livekit-api minted: signature is invalid"):
        LiveKitSdk().sdk_token_should_carry_what_was_asked("livekit-api", token, "alice", "demo", room_join="True")


def test_verdict_mismatch_says_what_each_side_said(keys):
    library = LiveKitSdk()
    token = library.generate_token_signed_with("HS384", "alice", "demo", room_join="True")
    assert library.verdict_should_be("our library", token, "refused", "algorithm").startswith("algorithm: ")
    with pytest.raises(AssertionError) as caught:
        library.verdict_should_be("our library", token, "refused", "expired")
    assert str(caught.value).startswith("our library refused (algorithm: signing method HS384 is invalid")
    assert str(caught.value).endswith(", expected refused (expired).")
    with pytest.raises(AssertionError, match=r"^livekit-api [0-9.]+ refused .*, expected accepted.$"):
        library.verdict_should_be("livekit-api", token, "accepted")
    with pytest.raises(AssertionError, match=r"Unknown verdict 'fine'; use accepted, refused, crashed."):
        library.verdict_should_be("livekit-api", token, "fine")


def test_claim_value_token_is_signed_and_refused_for_its_claims(keys):
    library = LiveKitSdk()
    token = library.generate_token_with_claim_value("video", '"admin"', "alice")
    parsed_claims = jwt.decode(token.value, SECRET, algorithms=["HS256"])
    assert parsed_claims["video"] == "admin"
    library.verdict_should_be("our library", token, "refused", "claims")
    with pytest.raises(AssertionError, match=r"json_value must be JSON text"):
        library.generate_token_with_claim_value("video", "admin")


def test_effective_grants_difference_names_the_permission(keys):
    library = LiveKitSdk()
    omitting = LiveKitAuth().generate_token("viewer", "demo", room_join=True, can_publish=False)
    writing = library.generate_token_with_sdk("livekit-api", "viewer", "demo", room_join="True", can_publish="False")
    with pytest.raises(AssertionError, match=r"^The two tokens give different permissions: canPublishData is false and true.$"):
        library.effective_grants_should_be_the_same(omitting, writing)
    library.token_should_write_every_permission_field(writing)
    with pytest.raises(AssertionError, match=r"^The token leaves out canSubscribe, canPublishData.$"):
        library.token_should_write_every_permission_field(omitting)
    with pytest.raises(AssertionError, match=r"^The token writes canSubscribe, canPublishData without being asked.$"):
        library.token_should_write_only_the_asked_video_grants(writing, "demo", room_join="True", can_publish="False")


def test_sdk_report_field_reads_robot_text_as_the_json_type(keys):
    library = LiveKitSdk()
    token = LiveKitAuth().generate_token("viewer", "demo", room_join=True, can_publish=False)
    library.sdk_should_report_field("livekit-api", token, "video.canPublishData", "True")
    with pytest.raises(AssertionError, match=r"^livekit-api reports video.roomJoin as true, expected \(not set\).$"):
        library.sdk_should_report_field("livekit-api", token, "video.roomJoin", "(not set)")


def test_unknown_sdk_and_bad_claims_fail_with_a_sentence(keys):
    library = LiveKitSdk()
    with pytest.raises(AssertionError, match=r"Unknown SDK 'go'"):
        library.generate_token_with_sdk("go")
    with pytest.raises(AssertionError, match=r"^Cannot build the request: 'room_joins' is not a claim or grant field"):
        library.generate_token_with_sdk("livekit-api", "alice", "demo", room_joins="True")


def _token(claims: dict) -> str:
    keyring = load_keyring(environ=KEYS)
    return interop.sign({"iss": "unitkey", "exp": 2**40, **claims}, keyring.prepared_secret("unitkey"))
