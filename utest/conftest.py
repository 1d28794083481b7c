"""Shared pytest set-up for the project's own tests.

Hypothesis runs with the "ci" profile unless HYPOTHESIS_PROFILE names another: derandomized (the
same examples on every run and every machine) and without an example database, so results never
depend on an earlier run. (Hypothesis still keeps caches of its own in .hypothesis/, which git
ignores.) "explore" draws fresh random examples for a local bug hunt:
HYPOTHESIS_PROFILE=explore python -m pytest utest

With livekit-server on PATH, the property tests also send every token to a server started for
them (see server_judge_support.py), which must give the answer of the offline verdict.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from LiveKitAuth import LiveKitAuth

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", database=None, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def livekit_judge():
    """A real LiveKit server judging the property tests' tokens, when livekit-server is on PATH; else None."""
    from server_judge_support import start_judge

    started = start_judge()
    yield started
    if started is not None:
        started.stop()


@pytest.fixture
def dev_library(monkeypatch) -> LiveKitAuth:
    """The library on the dev key pair, whatever the environment says."""
    for name in ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "LIVEKIT_KEYS", "LIVEKIT_TOKEN", "LIVEKIT_AUTH_TOKEN_LOG"):
        monkeypatch.delenv(name, raising=False)
    return LiveKitAuth()
