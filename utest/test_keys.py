"""Where API keys come from, and how an unusable one is refused."""

from __future__ import annotations

import pytest

from livekit_tokens.keys import ConfigurationError, load_keyring, parse_livekit_keys


def test_dev_pair_when_nothing_is_configured():
    keyring = load_keyring(environ={})
    assert keyring.primary.key == "devkey"
    assert keyring.primary.secret == "secret"
    assert keyring.primary.is_weak


def test_api_key_and_secret_from_environment():
    keyring = load_keyring(environ={"LIVEKIT_API_KEY": "prod", "LIVEKIT_API_SECRET": "s" * 40})
    assert keyring.primary.key == "prod"
    assert not keyring.primary.is_weak
    assert "devkey" not in keyring


def test_livekit_keys_in_server_format_with_several_keys():
    keyring = load_keyring(environ={"LIVEKIT_KEYS": "first: one-secret\n# comment\n\nsecond: two-secret\n"})
    assert keyring.primary.key == "first"
    assert keyring.get("second").secret == "two-secret"
    assert len(keyring) == 2


def test_explicit_pair_comes_first_and_livekit_keys_add_more():
    keyring = load_keyring(environ={"LIVEKIT_API_KEY": "a", "LIVEKIT_API_SECRET": "x", "LIVEKIT_KEYS": "b: y"})
    assert [key.key for key in keyring] == ["a", "b"]


def test_arguments_override_environment():
    keyring = load_keyring("arg", "arg-secret", environ={"LIVEKIT_API_KEY": "env", "LIVEKIT_API_SECRET": "env-secret"})
    assert keyring.primary.key == "arg"


def test_secret_given_as_robot_secret():
    from robot.api.types import Secret

    keyring = load_keyring("k", Secret("hidden-value"), environ={})
    assert keyring.primary.secret == "hidden-value"
    assert "hidden-value" not in repr(keyring)
    assert "hidden-value" not in repr(keyring.primary)


def test_quotes_are_removed_and_blanks_kept_only_inside_them_as_the_server_reads_yaml():
    keys = parse_livekit_keys("a: 'quoted'\nb: spaced \nc: ' padded '\n")
    assert [key.secret for key in keys] == ["quoted", "spaced", " padded "]
    assert keys[2].has_outer_whitespace


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"LIVEKIT_API_KEY": "prod"}, "The API secret for key 'prod' is empty; set LIVEKIT_API_SECRET"),
        ({"LIVEKIT_API_KEY": "prod", "LIVEKIT_API_SECRET": ""}, "The API secret for key 'prod' is empty; set LIVEKIT_API_SECRET"),
        ({"LIVEKIT_API_SECRET": "orphan"}, "LIVEKIT_API_SECRET is set but LIVEKIT_API_KEY is not; set LIVEKIT_API_KEY."),
        ({"LIVEKIT_API_SECRET": ""}, "LIVEKIT_API_SECRET is empty; set it"),
        ({"LIVEKIT_KEYS": "no separator"}, "LIVEKIT_KEYS is no mapping of keys to secrets"),
        ({"LIVEKIT_KEYS": "key:"}, "LIVEKIT_KEYS holds no key the LiveKit server would use (it drops every value that is"),
        ({"LIVEKIT_KEYS": "# only a comment"}, "LIVEKIT_KEYS holds no key"),
        ({"LIVEKIT_API_KEY": "prod", "LIVEKIT_API_SECRET": "   "}, "The API secret for key 'prod' is only whitespace; set"),
        ({"LIVEKIT_API_KEY": "prod", "LIVEKIT_API_SECRET": "\t\n"}, "The API secret for key 'prod' is only whitespace; set"),
        ({"LIVEKIT_API_SECRET": "   "}, "LIVEKIT_API_SECRET is only whitespace; set it"),
        ({"LIVEKIT_KEYS": "key:    "}, "LIVEKIT_KEYS holds no key the LiveKit server would use (it drops every value that is"),
        ({"LIVEKIT_KEYS": "key: '  '"}, "The API secret for key 'key' is only whitespace; set"),
        (
            {"LIVEKIT_KEYS": "a: b\na: c"},
            "LIVEKIT_KEYS names the key 'a' twice (lines 1 and 2); the server would not start: keep one.",
        ),
        (
            {"LIVEKIT_KEYS": "a: b\na: b"},
            "LIVEKIT_KEYS names the key 'a' twice (lines 1 and 2); the server would not start: keep one.",
        ),
        (
            {"LIVEKIT_API_KEY": "a", "LIVEKIT_API_SECRET": "b", "LIVEKIT_KEYS": "a: c"},
            "API key 'a' is given different secrets by LIVEKIT_API_SECRET and LIVEKIT_KEYS; keep one.",
        ),
    ],
)
def test_unusable_configuration_is_refused_with_one_sentence(environ, message):
    with pytest.raises(ConfigurationError) as caught:
        load_keyring(environ=environ)
    assert str(caught.value).startswith(message)
    assert str(caught.value).count(". ") == 0  # one sentence


def test_pem_text_is_an_hmac_secret_like_any_other():
    # The server keys HMAC with the secret's bytes whatever they look like, so a PEM-shaped secret
    # signs and verifies; PyJWT's own prepare_key would refuse it.
    pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
    keyring = load_keyring("k", pem, environ={})
    assert keyring.prepared_secret("k") == pem.encode()


def test_library_refuses_empty_secret_outside_robot(monkeypatch):
    from LiveKitAuth import LiveKitAuth

    monkeypatch.setenv("LIVEKIT_API_KEY", "prod")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "")
    with pytest.raises(ConfigurationError, match="set LIVEKIT_API_SECRET"):
        LiveKitAuth()


def test_a_key_given_by_both_settings_with_the_same_secret_counts_once():
    keyring = load_keyring(environ={"LIVEKIT_API_KEY": "a", "LIVEKIT_API_SECRET": "b", "LIVEKIT_KEYS": "a: b"})
    assert [key.key for key in keyring] == ["a"]


def test_a_secret_with_words_and_outer_spaces_is_still_a_secret():
    # Only a secret with nothing but whitespace is refused; outer spaces around real text are kept
    # (and reported as a finding elsewhere), as the server keeps them.
    keyring = load_keyring(environ={"LIVEKIT_API_KEY": "prod", "LIVEKIT_API_SECRET": " real-secret "})
    assert keyring.primary.secret == " real-secret "
    assert keyring.primary.has_outer_whitespace


def test_library_refuses_whitespace_secret_outside_robot(monkeypatch):
    from LiveKitAuth import LiveKitAuth

    monkeypatch.setenv("LIVEKIT_API_KEY", "prod")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "   ")
    with pytest.raises(ConfigurationError, match="The API secret for key 'prod' is only whitespace; set LIVEKIT_API_SECRET"):
        LiveKitAuth()


@pytest.mark.parametrize(("length", "weak"), [(31, True), (32, False)])
def test_weak_secret_boundary_is_32_bytes(length, weak):
    assert load_keyring("k", "s" * length, environ={}).primary.is_weak is weak


def test_weak_secret_counts_bytes_not_characters():
    assert load_keyring("k", "é" * 16, environ={}).primary.is_weak is False  # 32 bytes in UTF-8


@pytest.mark.parametrize(("secret", "padded"), [(" leading", True), ("trailing\t", True), ("in side", False)])
def test_whitespace_around_a_secret_is_noticed(secret, padded):
    assert load_keyring("k", secret, environ={}).primary.has_outer_whitespace is padded
