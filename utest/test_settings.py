"""The suite's settings: documented defaults, supplied-token mode, and one sentence for a bad value."""

from __future__ import annotations

import pytest

from livekit_settings import suite as settings


def test_documented_case_by_default():
    variables = settings.get_variables({})
    assert variables["ROOM"] == "test_room"
    assert variables["IDENTITY"] == "client_test"
    assert variables["AUDIENCE"] == "test_room"
    assert (variables["CAN_JOIN"], variables["CAN_PUBLISH"], variables["CAN_SUBSCRIBE"]) == (True, False, True)
    assert variables["API_KEY"] == "devkey"
    assert variables["TOKEN_SOURCE"] == "minted"
    assert variables["SETTINGS_ERROR"] is None


def test_environment_overrides_and_audience_follows_the_room():
    variables = settings.get_variables(
        {"LIVEKIT_ROOM": "standup", "LIVEKIT_CAN_PUBLISH": "yes", "LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"}
    )
    assert variables["AUDIENCE"] == "standup"
    assert variables["CAN_PUBLISH"] is True
    assert variables["API_KEY"] == "k"


def test_supplied_token_expects_only_what_is_set():
    variables = settings.get_variables({"LIVEKIT_TOKEN": "a.b.c", "LIVEKIT_IDENTITY": "alice"})
    assert variables["TOKEN_SOURCE"] == "supplied"
    assert variables["IDENTITY"] == "alice"
    assert [variables[name] for name in ("ROOM", "AUDIENCE", "TTL", "CAN_JOIN", "CAN_PUBLISH", "API_KEY")] == [None] * 6


@pytest.mark.parametrize(
    ("environ", "sentence"),
    [
        ({"LIVEKIT_CAN_JOIN": "maybe"}, "LIVEKIT_CAN_JOIN must be true or false, got 'maybe'; set it to true or false."),
        ({"LIVEKIT_TTL": "banana"}, "LIVEKIT_TTL must be a duration such as '6 hours' or '90 seconds', got 'banana'."),
        ({"LIVEKIT_MAX_TTL": "long"}, "LIVEKIT_MAX_TTL must be a duration such as '6 hours' or '90 seconds', got 'long'."),
        ({"LIVEKIT_TTL": "-5s"}, "LIVEKIT_TTL must be a positive duration such as '6 hours', got '-5s'."),
        (
            {"LIVEKIT_ENDPOINT_FRESHNESS": "0"},
            "LIVEKIT_ENDPOINT_FRESHNESS must be a positive duration such as '6 hours', got '0'.",
        ),
        ({"LIVEKIT_POLICY": "strict"}, "LIVEKIT_POLICY must be warn or fail, got 'strict'."),
        ({"LIVEKIT_URL": "not-a-url"}, "LIVEKIT_URL must start with ws:// or wss:// or http:// or https://; got 'not-a-url'."),
        ({"LIVEKIT_TOKEN_ENDPOINT": "ftp://x"}, "LIVEKIT_TOKEN_ENDPOINT must start with http:// or https://; got 'ftp://x'."),
        (
            {"LIVEKIT_API_KEY": "k"},
            "The API secret for key 'k' is empty; set LIVEKIT_API_SECRET to the secret your LiveKit server uses.",
        ),
    ],
)
def test_an_unusable_setting_is_one_sentence(environ, sentence):
    assert settings.configuration_problem(environ) == sentence
    assert settings.get_variables(environ)["SETTINGS_ERROR"] == sentence


def test_usable_settings_have_no_problem():
    environ = {
        "LIVEKIT_URL": "wss://example.livekit.cloud",
        "LIVEKIT_TOKEN_ENDPOINT": "http://127.0.0.1:8080/token",
        "LIVEKIT_TTL": "15 minutes",
        "LIVEKIT_POLICY": "FAIL",
        "LIVEKIT_CAN_SUBSCRIBE": "false",
    }
    assert settings.configuration_problem(environ) is None


def test_endpoint_attributes_nested_too_deeply_are_one_sentence():
    problem = settings.configuration_problem({"LIVEKIT_ENDPOINT_ATTRIBUTES": "[" * 5000 + "]" * 5000})
    assert problem == 'LIVEKIT_ENDPOINT_ATTRIBUTES must be a JSON object of text values, for example {"team": "qa"}.'
