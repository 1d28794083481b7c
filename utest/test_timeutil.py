"""Durations and dates as testers write them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from livekit_tokens import timeutil


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("6 hours", 21600), ("1h 30min", 5400), ("90", 90), (90.5, 90.5), (timedelta(minutes=2), 120)],
)
def test_durations(text, seconds):
    assert timeutil.to_seconds(text) == seconds


@pytest.mark.parametrize("bad", ["soon", True, float("inf"), None])
def test_bad_durations_name_the_setting(bad):
    with pytest.raises(ValueError, match="ttl must be"):
        timeutil.to_seconds(bad, "ttl")


@pytest.mark.parametrize(
    ("value", "epoch"),
    [
        ("2026-01-20 01:08:57", 1_768_871_337),
        ("2026-01-20T01:08:57Z", 1_768_871_337),
        ("2026-01-20T02:08:57+01:00", 1_768_871_337),
        ("1768871337", 1_768_871_337),
        (1_768_871_337.9, 1_768_871_337),
        (datetime(2026, 1, 20, 1, 8, 57), 1_768_871_337),
    ],
)
def test_dates_are_utc_epoch_seconds(value, epoch):
    assert timeutil.to_epoch(value) == epoch


def test_relative_dates(monkeypatch):
    monkeypatch.setattr(timeutil, "now", lambda: 1000.0)
    assert timeutil.to_epoch("now") == 1000
    assert timeutil.to_epoch("now + 5 minutes") == 1300
    assert timeutil.to_epoch("now - 1 hour") == -2600


def test_bad_date_names_the_setting():
    with pytest.raises(ValueError, match="expires must be a date"):
        timeutil.to_epoch("tomorrow-ish", "expires")


def test_formatting():
    assert timeutil.format_utc(1_768_871_337) == "2026-01-20 01:08:57 UTC"
    assert timeutil.format_duration(21540) == "5 h 59 min"
    assert timeutil.format_duration(42) == "42 s"
    assert timeutil.format_duration(-90) == "1 min 30 s ago"
    assert timeutil.format_duration(3 * 86400 + 7200) == "3 d 2 h"
    assert timeutil.format_utc(1e20) == "100000000000000000000 (outside the calendar)"
