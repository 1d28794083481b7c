"""The time keywords: the server's time check first, then the tester's own minimum, each failing
with one sentence; a bad moment given to any keyword is an assertion of one sentence too."""

from __future__ import annotations

import math
import re

import pytest
from helpers import before_diagnosis

VALID_FROM = "2026-01-20 00:08:57"
VALID_UNTIL = "2026-01-20 06:08:57"
UTC = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"


@pytest.fixture
def token(dev_library):
    return dev_library.generate_token("alice", "demo", room_join=True, not_before=VALID_FROM, expires=VALID_UNTIL)


def failure(call) -> str:
    with pytest.raises(AssertionError) as caught:
        call()
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message
    return before_diagnosis(message)


# ---------------------------------------------------------------- Token Should Be Valid For At Least


def test_enough_time_left_passes(dev_library, token):
    dev_library.token_should_be_valid_for_at_least(token, "5 hours", at="2026-01-20 01:08:57")
    dev_library.token_should_be_valid_for_at_least(token, "6 hours", at=VALID_FROM)


def test_too_little_time_left_names_what_is_left_and_what_is_required(dev_library, token):
    message = failure(lambda: dev_library.token_should_be_valid_for_at_least(token, "5 hours", at="2026-01-20 04:08:57"))
    assert message == "The token is valid for 2 h more (until 2026-01-20 06:08:57 UTC), less than the 5 h required."


def test_a_token_expired_within_the_leeway_says_how_long_ago(dev_library, token):
    message = failure(lambda: dev_library.token_should_be_valid_for_at_least(token, "1 minute", at="2026-01-20 06:09:27"))
    assert message == "The token expired 30 s ago (at 2026-01-20 06:08:57 UTC), less than the 1 min required."


def test_a_token_expiring_at_the_moment_of_the_check(dev_library, token):
    message = failure(lambda: dev_library.token_should_be_valid_for_at_least(token, "1 second", at=VALID_UNTIL))
    assert message == "The token expires now (2026-01-20 06:08:57 UTC), less than the 1 s required."


def test_an_expired_token_is_refused_as_the_server_refuses_it(dev_library, token):
    message = failure(lambda: dev_library.token_should_be_valid_for_at_least(token, "1 minute", at="2026-01-21 06:08:57"))
    assert re.fullmatch(rf"Token refused: token is expired: it expired at {UTC}, 1 d ago \(leeway 60 s\)\.", message)
    message = failure(lambda: dev_library.token_should_be_valid_for_at_least(token, "0 s", at=1))
    assert "ago more" not in message


def test_a_token_not_valid_yet_is_refused_even_with_hours_left(dev_library, token):
    message = failure(lambda: dev_library.token_should_be_valid_for_at_least(token, "1 minute", at="2026-01-19 23:00:00"))
    assert re.fullmatch(
        rf"Token refused: token is not valid yet: it is valid from {UTC}, in 1 h 8 min \(leeway 60 s\)\.", message
    )
    # within the leeway of nbf the server accepts it, and so does the keyword
    dev_library.token_should_be_valid_for_at_least(token, "6 hours", at="2026-01-20 00:08:00")


def test_a_token_without_exp_is_refused(dev_library, token):
    without_exp = dev_library.change_claims_and_sign(token, "exp = (removed)")
    message = failure(lambda: dev_library.token_should_be_valid_for_at_least(without_exp, "1 minute", at=VALID_FROM))
    assert message == "Token refused: exp claim is required."


def test_valid_for_about_says_how_long_ago_an_expired_token_expired(dev_library, token):
    message = failure(lambda: dev_library.token_should_be_valid_for_about(token, "6 hours", at="2026-01-20 07:08:57"))
    assert message == "The token expired 1 h ago (at 2026-01-20 06:08:57 UTC), expected about 6 h more (within 1 min)."


# ---------------------------------------------------------------- a bad moment, through every keyword


BAD_MOMENTS = [math.nan, math.inf, "abc", [1], 10**5000, "1" * 5000, True]


@pytest.mark.parametrize("at", BAD_MOMENTS, ids=["nan", "inf", "abc", "list", "huge int", "huge text", "bool"])
def test_a_bad_moment_fails_every_time_keyword_with_one_sentence(dev_library, token, at):
    calls = [
        lambda: dev_library.verify_token(token, at=at),
        lambda: dev_library.token_should_be_refused(token, "expired", at=at),
        lambda: dev_library.verification_outcome_should_be(token, "accepted", at=at),
        lambda: dev_library.token_should_not_be_expired(token, at=at),
        lambda: dev_library.token_should_be_valid_for_at_least(token, "1 minute", at=at),
        lambda: dev_library.token_should_be_valid_for_about(token, "6 hours", at=at),
    ]
    for call in calls:
        message = failure(call)
        assert message.startswith("at must be")
        assert "11111" not in message and len(message) < 120
