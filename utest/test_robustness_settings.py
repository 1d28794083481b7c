"""Robustness catalogue: settings that read but cannot work are refused before any test, in one sentence."""

from __future__ import annotations

import pytest
from helpers import SUITES

SWAPPED_KEY = "Zx8kQ2mN7pL4vR9tY3wB6cF1hJ5gD0sAq"  # what a secret looks like
SWAPPED_SECRET = "APIdK3s9fLm2"  # what a key looks like

# case, the settings ({tmp}: the test's folder), the sentence after "Configuration error: "
# fmt: off
SETTINGS = [
    ("LIVEKIT_SERVER_CACHE naming a file", {"LIVEKIT_SERVER_CACHE": "{tmp}/a-file"},
     "LIVEKIT_SERVER_CACHE must name a folder to keep the livekit-server build in, but {tmp}/a-file is a file; set it to a folder or leave it unset."),
    ("LIVEKIT_SERVER_CACHE under a file", {"LIVEKIT_SERVER_CACHE": "{tmp}/a-file/cache"},
     "LIVEKIT_SERVER_CACHE must name a folder to keep the livekit-server build in, but {tmp}/a-file is a file; set it to a folder or leave it unset."),
    ("LIVEKIT_SERVER_VERSION=banana", {"LIVEKIT_SERVER_VERSION": "banana"},
     "LIVEKIT_SERVER_VERSION: 'banana' is not a LiveKit server version such as 1.13.5. Set it to a release such as 1.13.5, or leave it unset for the current rules."),
    ("a TTL of 1e308 s", {"LIVEKIT_TTL": "1e308 s"},
     "LIVEKIT_TTL must be at most 100 years (36525 days), got '1e308 s'; set a duration such as '6 hours'."),
    ("ws://...:0", {"LIVEKIT_URL": "ws://127.0.0.1:0"},
     "LIVEKIT_URL has port 0, where no server listens; give the port the server answers on (1 to 65535)."),
    ("a token endpoint on port 0", {"LIVEKIT_TOKEN_ENDPOINT": "http://127.0.0.1:0/token"},
     "LIVEKIT_TOKEN_ENDPOINT has port 0, where no server listens; give the port the server answers on (1 to 65535)."),
    ("a deadline that is not a number", {"LIVEKIT_HTTP_DEADLINE": "soon"},
     "LIVEKIT_HTTP_DEADLINE must be a number of seconds from 0 to 3600 such as 20, got 'soon'."),
    ("key and secret the wrong way round", {"LIVEKIT_API_KEY": SWAPPED_KEY, "LIVEKIT_API_SECRET": SWAPPED_SECRET},
     "LIVEKIT_API_KEY looks like a secret (32 or more random characters) and LIVEKIT_API_SECRET like an API key (API...): "
     "they seem to be given the wrong way round; swap them."),
]
# fmt: on


@pytest.mark.parametrize(("case", "settings", "sentence"), SETTINGS, ids=[row[0] for row in SETTINGS])
def test_an_unusable_setting_stops_the_run_before_any_test(tmp_path, run_py, capfd, monkeypatch, case, settings, sentence):
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    for name, value in settings.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    status = run_py.run_suites(["--include", "step-1", str(SUITES / "authentication")])
    captured = capfd.readouterr()
    assert status == 252
    assert captured.err.strip().splitlines() == [f"Configuration error: {sentence.format(tmp=tmp_path)}"]
    assert not (tmp_path / "results").exists()  # no test ran, nothing was written
    assert SWAPPED_KEY not in captured.out + captured.err and SWAPPED_SECRET not in captured.out + captured.err


def test_a_key_pair_the_right_way_round_is_accepted(tmp_path, run_py, capfd, monkeypatch):
    monkeypatch.setenv("LIVEKIT_API_KEY", SWAPPED_SECRET)
    monkeypatch.setenv("LIVEKIT_API_SECRET", SWAPPED_KEY)
    assert run_py.run_suites(["--include", "step-1", str(SUITES / "authentication")]) == 0, capfd.readouterr().err
