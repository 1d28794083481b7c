"""Durations and moments as keyword arguments: Robot Framework converts them with the libraries'
converters, Python callers get the same conversion, and a value that does not read fails the
keyword with one sentence naming the argument, however it was called."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

import pytest
from helpers import LIBRARIES, run_robot
from robot.api import ExecutionResult

from livekit_tokens.arguments import CONVERTERS, Duration, Moment, typed_arguments
from livekit_tokens.timeutil import now
from LiveKitAuth import LiveKitAuth
from LiveKitHttp import LiveKitHttp
from LiveKitWebhooks import LiveKitWebhooks

CHECKED_AT = 1768871337  # 2026-01-20 01:08:57 UTC


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("6 hours", 21600), ("90 seconds", 90), ("1h 30min", 5400), ("1.5 s", 1.5), ("90", 90), (90, 90), (0.5, 0.5)],
)
def test_a_duration_reads_as_robot_framework_writes_times(written, seconds):
    duration = Duration.read(written)
    assert duration == seconds and isinstance(duration, Duration)
    assert duration.written == written


@pytest.mark.parametrize(
    ("written", "epoch"),
    [
        ("2026-01-20 01:08:57", CHECKED_AT),
        ("2026-01-20T01:08:57Z", CHECKED_AT),
        ("2026-01-20T02:08:57+01:00", CHECKED_AT),
        ("1768871337", CHECKED_AT),
        (CHECKED_AT + 0.9, CHECKED_AT),
        (datetime(2026, 1, 20, 1, 8, 57, tzinfo=timezone.utc), CHECKED_AT),
    ],
)
def test_a_moment_reads_as_dates_epoch_seconds_and_iso_8601(written, epoch):
    moment = Moment.read(written)
    assert moment == epoch and isinstance(moment, Moment)


def test_a_moment_relative_to_now():
    assert abs(Moment.read("now + 5 minutes") - (now() + 300)) <= 1
    assert abs(Moment.read("now - 2 h") - (now() - 7200)) <= 1


@pytest.mark.parametrize(
    ("kind", "value", "sentence"),
    [
        (Duration, "soon", "tolerance must be a duration such as '6 hours' or '90 seconds', got 'soon'."),
        (Duration, True, "tolerance must be a duration such as '6 hours', got True."),
        (Duration, math.inf, "tolerance must be a finite duration, got inf."),
        (Moment, "tomorrow", "tolerance must be a date such as '2026-01-20 01:08:57' (UTC) or epoch seconds, got 'tomorrow'."),
        (Moment, math.nan, "tolerance must be a finite time, got nan."),
    ],
)
def test_a_value_that_does_not_read_names_the_argument(kind, value, sentence):
    with pytest.raises(ValueError) as caught:
        kind.read(value, "tolerance")
    assert str(caught.value) == sentence


def test_the_converters_leave_what_does_not_read_to_the_keyword():
    assert CONVERTERS[Duration]("2 minutes") == 120
    assert CONVERTERS[Moment]("2026-01-20 01:08:57") == CHECKED_AT
    for value in ("soon", None, "", True):
        assert CONVERTERS[Duration](value) is value
        assert CONVERTERS[Moment](value) is value


@typed_arguments
class _Keywords:
    def wait(self, duration: Duration, tolerance: Duration = "1 minute", at: Moment = None):
        return duration, tolerance, at


def test_python_callers_get_the_arguments_converted_defaults_written_as_text_included():
    duration, tolerance, at = _Keywords().wait("5 minutes", at="2026-01-20 01:08:57")
    assert (duration, tolerance, at) == (300, 60, CHECKED_AT)
    assert all(isinstance(value, kind) for value, kind in ((duration, Duration), (tolerance, Duration), (at, Moment)))


def test_none_and_empty_text_mean_not_given_where_the_default_is_none():
    assert _Keywords().wait(None, at="") == (None, 60, None)
    assert _Keywords().wait(None, at=None) == (None, 60, None)


@pytest.mark.parametrize(
    ("call", "sentence"),
    [
        (lambda keywords: keywords.wait(""), "duration must be a duration such as '6 hours' or '90 seconds', got ''."),
        (
            lambda keywords: keywords.wait("1 s", tolerance=None),
            "tolerance must be a duration such as '6 hours' or '90 seconds', got None.",
        ),
        (
            lambda keywords: keywords.wait("1 s", at="soon"),
            "at must be a date such as '2026-01-20 01:08:57' (UTC) or epoch seconds, got 'soon'.",
        ),
    ],
    ids=["empty-required", "none-for-a-text-default", "bad-moment"],
)
def test_a_python_caller_gets_one_sentence_naming_the_argument(call, sentence):
    with pytest.raises(AssertionError) as caught:
        call(_Keywords())
    assert str(caught.value) == sentence


@pytest.mark.parametrize("library", [LiveKitAuth, LiveKitHttp, LiveKitWebhooks])
def test_every_library_with_time_arguments_registers_the_converters(library):
    assert library.ROBOT_LIBRARY_CONVERTERS is CONVERTERS


SUITE = """*** Settings ***
Library    LiveKitAuth.py
Library    LiveKitWebhooks.py

*** Test Cases ***
Converted
    ${token}    Generate Token    alice    demo    room_join=True
    ...    not_before=2026-01-20 00:08:57    expires=2026-01-20 06:08:57
    Token Should Be Valid For At Least    ${token}    5 hours    at=2026-01-20 01:08:57
    Token Should Be Valid For About    ${token}    5 hours    tolerance=${120}    at=2026-01-20 01:09:57
    Verify Token    ${token}    at=${1768871337}
    Sign Webhook Body    {}    valid_for=1 minute    at=${EMPTY}
Bad moment
    ${token}    Generate Token    alice    demo    room_join=True
    Verify Token    ${token}    at=tomorrow
Bad tolerance
    ${token}    Generate Token    alice    demo    room_join=True
    Token Should Be Valid For About    ${token}    6 hours    tolerance=soon
Negative validity
    Sign Webhook Body    {}    valid_for=-5 minutes
"""


def test_robot_framework_converts_and_a_bad_value_fails_with_the_same_sentence(tmp_path):
    suite = tmp_path / "arguments.robot"
    suite.write_text(SUITE, encoding="utf-8")
    run_robot(tmp_path / "out", str(suite))
    tests = {
        test.name: (test.status, test.message) for test in ExecutionResult(str(tmp_path / "out" / "output.xml")).suite.all_tests
    }
    assert tests == {
        "Converted": ("PASS", ""),
        "Bad moment": ("FAIL", "at must be a date such as '2026-01-20 01:08:57' (UTC) or epoch seconds, got 'tomorrow'."),
        "Bad tolerance": ("FAIL", "tolerance must be a duration such as '6 hours' or '90 seconds', got 'soon'."),
        "Negative validity": ("FAIL", "valid_for must not be negative, got '-5 minutes'."),
    }


def test_the_keyword_manual_documents_the_accepted_forms(tmp_path):
    from robot.libdoc import libdoc

    manual = tmp_path / "LiveKitAuth.json"
    assert libdoc(str(LIBRARIES / "LiveKitAuth.py"), str(manual), quiet=True) == 0
    documented = json.loads(manual.read_text(encoding="utf-8"))
    types = {typedoc["name"]: typedoc["doc"] for typedoc in documented["typedocs"]}
    assert "1h 30min" in types["Duration"] and "now + 5 minutes" in types["Moment"]
    arguments = {
        argument["name"]: argument
        for keyword in documented["keywords"]
        if keyword["name"] == "Token Should Be Valid For About"
        for argument in keyword["args"]
    }
    assert arguments["tolerance"]["type"]["name"] == "Duration" and arguments["tolerance"]["defaultValue"] == "1 minute"
    assert arguments["at"]["type"]["name"] == "Moment"
