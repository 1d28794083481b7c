"""pytest configuration for the project's own tests."""

from __future__ import annotations

import pytest

from LiveKitAuth import LiveKitAuth


@pytest.fixture
def dev_library(monkeypatch) -> LiveKitAuth:
    """The library on the dev key pair, whatever the environment says."""
    for name in ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "LIVEKIT_KEYS", "LIVEKIT_TOKEN", "LIVEKIT_AUTH_TOKEN_LOG"):
        monkeypatch.delenv(name, raising=False)
    return LiveKitAuth()
