"""The five-step suite, run as users run it, on minted and supplied tokens."""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest
from helpers import ROOT, SUITES, clean_environment, readable_text, run_robot
from robot.api import ExecutionResult

from livekit_tokens import hostile, minting
from livekit_tokens.keys import prepare_hmac_key

SUITE = str(SUITES / "authentication")
STEPS = ["Token Generation", "Signature Validation", "Token Claims", "Access Grants", "Token Expiration"]


def outcome(outputdir) -> dict[str, tuple[str, str, list[str]]]:
    result = ExecutionResult(str(outputdir / "output.xml"))
    tests = {}

    def visit(suite):
        for test in suite.tests:
            tests[test.name] = (test.status, test.message, list(test.tags))
        for child in suite.suites:
            visit(child)

    visit(result.suite)
    return tests


def mint(secret: str = "secret", key: str = "devkey", **options) -> str:
    claims = minting.build_claims(
        key, "client_test", "test_room", room_join=True, can_publish=False, can_subscribe=True, **options
    )
    return minting.encode(claims, prepare_hmac_key(secret))


def test_default_run_walks_the_five_documented_steps(tmp_path):
    run = run_robot(tmp_path, SUITE)
    assert run.returncode == 0, run.stdout
    tests = outcome(tmp_path)
    assert list(tests) == STEPS
    for number, name in enumerate(STEPS, start=1):
        status, _, tags = tests[name]
        assert status == "PASS"
        assert f"step-{number}" in tags
    weak = tests["Signature Validation"][1]
    assert "WARNING: The API secret of key 'devkey' is 6 bytes long" in weak
    # Said once on the console: as the test's message, not also as a warning of its own.
    assert (run.stdout + run.stderr).count("The API secret of key 'devkey' is 6 bytes long") == 1
    assert "[ WARN ]" not in run.stdout + run.stderr


def test_strong_secret_passes_without_warning(tmp_path):
    run = run_robot(tmp_path, SUITE, settings={"LIVEKIT_API_KEY": "qa", "LIVEKIT_API_SECRET": secrets.token_urlsafe(32)})
    assert run.returncode == 0, run.stdout
    assert outcome(tmp_path)["Signature Validation"][1] == ""
    assert "WARN" not in run.stdout + run.stderr


def test_settings_change_room_identity_and_grants(tmp_path):
    settings = {"LIVEKIT_ROOM": "standup", "LIVEKIT_IDENTITY": "bob", "LIVEKIT_CAN_PUBLISH": "true", "LIVEKIT_TTL": "15 minutes"}
    run = run_robot(tmp_path, SUITE, settings=settings)
    assert run.returncode == 0, run.stdout
    tests = outcome(tmp_path)
    assert all(status == "PASS" for status, _, _ in tests.values())
    output = (tmp_path / "output.xml").read_text(encoding="utf-8")
    assert "standup" in output
    assert "bob" in output


def test_room_given_as_robot_variable_is_also_the_audience(tmp_path):
    run = run_robot(tmp_path, "--variable", "ROOM:standup", SUITE)
    assert run.returncode == 0, run.stdout
    claims = ExecutionResult(str(tmp_path / "output.xml")).suite.suites[0].tests[2]
    assert claims.name == "Token Claims"
    assert claims.status == "PASS"
    output = (tmp_path / "output.xml").read_text(encoding="utf-8")
    assert (
        "&amp;quot;label&amp;quot;: &amp;quot;Audience (aud)&amp;quot;, &amp;quot;expected&amp;quot;: &amp;quot;standup&amp;quot;"
        in output
    )


@pytest.mark.parametrize(
    ("make", "failing", "message"),
    [
        (lambda: mint(not_before="2026-01-01 00:00:00", expires="2026-01-01 06:00:00"), "Token Expiration", "token is expired"),
        (lambda: hostile.with_claims(mint(), {"video.canPublish": True}), "Signature Validation", "signature is invalid"),
        (lambda: mint(secret="another-secret", key="foreign"), "Signature Validation", "invalid API key: iss 'foreign'"),
    ],
    ids=["expired", "tampered", "foreign-key"],
)
def test_supplied_bad_token_fails_the_right_step_only(tmp_path, make, failing, message):
    run = run_robot(tmp_path, SUITE, settings={"LIVEKIT_TOKEN": make()})
    assert run.returncode == 1, run.stdout
    tests = outcome(tmp_path)
    for name, (status, text, _) in tests.items():
        if name == failing:
            assert status == "FAIL"
            assert message in text
        else:
            assert status == "PASS", f"{name}: {text}"


def test_supplied_token_without_expectations_reports_instead_of_assuming(tmp_path):
    token = mint(ttl="2 hours")
    run = run_robot(tmp_path, SUITE, settings={"LIVEKIT_TOKEN": token})
    assert run.returncode == 0, run.stdout
    output = (tmp_path / "output.xml").read_text(encoding="utf-8")
    assert "(not set)" in output  # expected values shown as not set
    assert token not in output


def test_supplied_token_checked_against_given_expectations(tmp_path):
    token = mint()
    run = run_robot(tmp_path, SUITE, settings={"LIVEKIT_TOKEN": token, "LIVEKIT_IDENTITY": "someone_else"})
    assert run.returncode == 1
    status, message, _ = outcome(tmp_path)["Token Claims"]
    assert status == "FAIL"
    assert "sub is 'client_test', expected 'someone_else'" in message


def test_token_given_as_robot_variable(tmp_path):
    token = mint(not_before="2026-01-01 00:00:00", expires="2026-01-01 06:00:00")
    run = run_robot(tmp_path, "--variable", f"TOKEN:{token}", SUITE)
    assert outcome(tmp_path)["Token Expiration"][0] == "FAIL"
    assert token not in (tmp_path / "output.xml").read_text(encoding="utf-8")
    assert run.returncode == 1


def test_empty_secret_stops_the_run_with_one_sentence(tmp_path):
    run = run_robot(tmp_path, SUITE, settings={"LIVEKIT_API_KEY": "prod", "LIVEKIT_API_SECRET": ""})
    assert run.returncode != 0
    sentence = "The API secret for key 'prod' is empty; set LIVEKIT_API_SECRET to the secret your LiveKit server uses."
    assert f"Configuration error: {sentence}" in run.stdout
    assert "ERROR" not in run.stdout + run.stderr
    assert all(status == "FAIL" for status, _, _ in outcome(tmp_path).values())
    setup = ExecutionResult(str(tmp_path / "output.xml")).suite.suites[0].setup
    assert setup.message == sentence


def test_run_py_refuses_bad_configuration_before_robot_starts():
    environment = clean_environment(LIVEKIT_API_KEY="prod", LIVEKIT_API_SECRET="", LIVEKIT_AUTH_BOOTSTRAPPED="1")
    run = subprocess.run(
        [sys.executable, str(ROOT / "run.py")], env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 252
    assert run.stderr.strip().splitlines() == [
        "Configuration error: The API secret for key 'prod' is empty; set LIVEKIT_API_SECRET to the secret your LiveKit server uses."
    ]


def test_no_secret_or_token_in_any_output_at_trace_level(tmp_path):
    secret = secrets.token_urlsafe(24)
    token_log = tmp_path / "tokens.jsonl"
    settings = {
        "LIVEKIT_API_KEY": "leakcheck",
        "LIVEKIT_API_SECRET": secret,
        "LIVEKIT_AUTH_TOKEN_LOG": str(token_log),
    }
    outputs = tmp_path / "out"
    run = run_robot(outputs, "--loglevel", "TRACE", "--debugfile", "debug.txt", SUITE, settings=settings)
    assert run.returncode == 0, run.stdout
    import json

    tokens = {json.loads(line) for line in token_log.read_text(encoding="utf-8").splitlines()}
    assert tokens, "the suite minted no token"
    files = [path for path in outputs.iterdir() if path.is_file()]
    assert {"output.xml", "log.html", "report.html", "xunit.xml", "debug.txt"} <= {path.name for path in files}
    for path in files:
        text = readable_text(path)
        assert secret not in text, f"secret in {path.name}"
        for token in tokens:
            assert token not in text, f"token in {path.name}"
            assert token.split(".")[2] not in text, f"signature in {path.name}"
    assert secret not in run.stdout + run.stderr
    assert all(token not in run.stdout for token in tokens)
