"""How the sign-off shows skip reasons: once with their count, never cut inside a word, and the real
reason there is no server."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from livekit_server import binary
from livekit_signoff.step_sections import skipped_blocks
from livekit_signoff.wording import bounded, skip_reason


def test_a_long_message_is_cut_at_the_end_of_a_word():
    message = "word " * 100
    shown = bounded(message, 52)
    assert shown == "word word word word word word word word word word…"
    assert bounded("x" * 400, 300) == "x" * 300 + "…"  # one run longer than a word is cut where the limit is


def test_the_same_skip_reason_of_many_tests_is_shown_once_with_their_count():
    reason = "No LiveKit server: LIVEKIT_URL is not set."
    tests = [SimpleNamespace(message=f"Skipped in parent suite setup: {reason}") for _ in range(14)]
    tests.append(SimpleNamespace(message="Server webhooks not checked: the server was not started by this run."))
    blocks = skipped_blocks(tests)
    shown = ["".join(value for _, value in block.content) for block in blocks]
    assert len(blocks) == 2, shown
    assert "Skipped (14 tests):" in shown[0] and reason in shown[0]
    assert "Skipped:" in shown[1] and "Server webhooks not checked" in shown[1]
    assert skip_reason("Skipped in suite setup: why") == "why"


@pytest.mark.parametrize(
    ("settings", "with_go", "says", "not_says"),
    [
        ({"LIVEKIT_SERVER_BUILD": "0"}, True, "LIVEKIT_SERVER_BUILD=0 turns off the build", "install Go"),
        ({"LIVEKIT_SERVER_BUILD": "0"}, False, "LIVEKIT_SERVER_BUILD=0 turns off the build", "unset LIVEKIT_SERVER_BUILD"),
        ({}, False, "no Go toolchain is installed", "LIVEKIT_SERVER_BUILD"),
    ],
)
def test_the_reason_for_no_server_is_the_real_one(tmp_path, settings, with_go, says, not_says):
    if with_go:
        go = tmp_path / "go"
        go.write_text("#!/bin/sh\n")
        go.chmod(0o755)
    reason = binary.why_no_server({"PATH": str(tmp_path), **settings})
    assert reason.startswith("No LiveKit server: LIVEKIT_URL is not set, no livekit-server is on PATH")
    assert says in reason and not_says not in reason
    assert reason.count(". ") == 0 and reason.endswith(".")
