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


@pytest.fixture
def run_py(tmp_path, monkeypatch):
    """run.py as a module, its results folder in ``tmp_path / "results"``, without any LIVEKIT_ setting."""
    import importlib.util

    from helpers import ROOT

    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(module, "ensure_manuals", lambda: None)  # documentation, not results of a run
    for name in {*(name for name in module.os.environ if name.startswith("LIVEKIT_")), "LIVEKIT_TOKEN", "LIVEKIT_AUTH_TOKEN_LOG"}:
        monkeypatch.setenv(name, "")  # what the run sets is undone after the test
        monkeypatch.delenv(name)
    return module
