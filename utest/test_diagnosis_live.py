"""The diagnosis against the real livekit-server: the catalogue passes and records no finding, the
set-up check (``python run.py diagnose``) names each fault in a few seconds without printing a
secret, and a failing live run signs off with the diagnosis in the words of its failure.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from helpers import ROOT, diagnosis_in, written_signoff
from http_test_support import SUITES, clean_environment, leaks, run_robot, tokens_from_log
from server_support import real_server

from livekit_diagnosis.setup_check import PROBLEM, check_setup
from livekit_server import process
from livekit_tokens.keys import ApiKey

KEY = "diagnosis-check-key"
SECRET = "diagnosis-check-secret-3b8e1f0c7a2d964e5f1a"
CATALOGUE_ROWS = 21


@pytest.fixture(scope="module")
def server():
    started = process.start_server(real_server(), {KEY: SECRET})
    try:
        yield started
    finally:
        started.stop()


def test_every_catalogue_row_passes_against_the_real_server_and_nothing_leaks(tmp_path):
    token_log = tmp_path / "tokens.jsonl"
    environment = clean_environment(
        LIVEKIT_SERVER_BINARY=real_server(),
        LIVEKIT_API_KEY=KEY,
        LIVEKIT_API_SECRET=SECRET,
        LIVEKIT_AUTH_TOKEN_LOG=str(token_log),
    )
    outputdir = tmp_path / "out"
    run = run_robot(outputdir, "--loglevel", "TRACE", str(SUITES / "diagnosis"), environment=environment)
    statuses = run.statuses()
    assert len(statuses) == CATALOGUE_ROWS
    assert all(status == "PASS" for status, _ in statuses.values()), statuses
    assert run.returncode == 0
    output = (outputdir / "output.xml").read_text(encoding="utf-8")
    # Each row's diagnosis is logged, but an expected diagnosis is never a finding of the run.
    assert output.count("Diagnosis of the fault") >= CATALOGUE_ROWS
    assert "&quot;finding&quot;: &quot;diagnosis&quot;" not in output
    assert "(livekit-server v1.13.5) accepted it (it answered 200" in output  # the pinned server's own verdict
    tokens = tokens_from_log(token_log)
    assert len(tokens) > CATALOGUE_ROWS
    assert leaks(run.all_text(), tokens, [SECRET]) == []
    markdown = written_signoff(outputdir, environment=environment)
    assert f"**Diagnosis catalogue** (diagnosis): {CATALOGUE_ROWS} tests: {CATALOGUE_ROWS} passed, 0 failed" in markdown
    assert "**Diagnosis** of" not in markdown


@pytest.mark.parametrize(
    ("key", "secret", "scheme", "cause", "failed"),
    [
        (KEY, "another-secret-of-another-project-4c2a", "ws", "secret-mismatch", "API secret"),
        ("key-of-another-project", SECRET, "ws", "key-unknown-to-server", "API key"),
        (KEY, SECRET + "\n", "ws", "secret-whitespace", "API secret"),
        (KEY, SECRET, "wss", "url-scheme", "Server"),
    ],
    ids=["wrong secret", "unknown key", "trailing newline", "wss for a plain server"],
)
def test_the_setup_check_names_each_fault(server, key, secret, scheme, cause, failed):
    url = server.ws_url.replace("ws://", f"{scheme}://", 1)
    report = check_setup(url, ApiKey(key, secret))
    assert not report.ok
    assert report.check(failed).status == PROBLEM
    assert [diagnosis.cause for diagnosis in report.diagnoses] == [cause]
    printed = "\n".join(report.lines())
    assert SECRET not in printed and secret.strip() not in printed
    assert report.seconds < 5


def test_the_setup_check_of_a_working_setup(server):
    report = check_setup(server.ws_url, ApiKey(KEY, SECRET))
    assert report.ok and report.diagnoses == []
    assert [(check.name, check.status) for check in report.checks] == [
        ("Server", "ok"),
        ("API key", "ok"),
        ("API secret", "ok"),
        ("Clock", "ok"),
        ("RoomService", "ok"),
    ]
    assert report.check("RoomService").text.startswith("ListRooms answered 200 (")


def _diagnose(*arguments: str, **settings: str) -> subprocess.CompletedProcess:
    environment = clean_environment(**settings)
    environment["LIVEKIT_AUTH_BOOTSTRAPPED"] = "1"  # run.py's own set-up is done: this is the environment
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "diagnose", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_python_run_py_diagnose_with_the_three_settings(server):
    started = time.monotonic()
    good = _diagnose(LIVEKIT_URL=server.ws_url, LIVEKIT_API_KEY=KEY, LIVEKIT_API_SECRET=SECRET)
    elapsed = time.monotonic() - started
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith(f"LiveKit set-up check of {server.ws_url} with API key '{KEY}'")
    assert "the set-up works" in good.stdout
    assert elapsed < 10
    bad = _diagnose(LIVEKIT_URL=server.ws_url, LIVEKIT_API_KEY=KEY, LIVEKIT_API_SECRET="not-the-server-secret-9e1d")
    assert bad.returncode == 1
    assert "PROBLEM     API secret" in bad.stdout
    assert f"Diagnosis: The server at {server.ws_url} knows API key '{KEY}' but holds another secret" in bad.stdout
    assert "not-the-server-secret-9e1d" not in bad.stdout + bad.stderr
    assert SECRET not in good.stdout + bad.stdout + bad.stderr


def test_python_run_py_diagnose_without_a_url_says_what_to_set():
    finished = _diagnose()
    assert finished.returncode == 2
    assert finished.stderr.startswith("Configuration error: Set LIVEKIT_URL to the LiveKit server to check")
    unusable = _diagnose(LIVEKIT_URL="127.0.0.1:7880")
    assert unusable.returncode == 2
    assert "LIVEKIT_URL must start with ws:// or wss:// or http:// or https://" in unusable.stderr


def test_a_failing_live_run_signs_off_with_the_diagnosis_of_each_failure(server, tmp_path):
    environment = clean_environment(
        LIVEKIT_URL=server.ws_url, LIVEKIT_API_KEY=KEY, LIVEKIT_API_SECRET="a-secret-the-server-does-not-have-81f0"
    )
    outputdir = tmp_path / "out"
    run = run_robot(
        outputdir,
        "--test",
        "The observer token is accepted",
        "--test",
        "A token of an unknown API key is refused",
        str(SUITES / "live"),
        environment=environment,
    )
    statuses = run.statuses()
    status, message = statuses["The observer token is accepted"]
    assert status == "FAIL"
    assert message.startswith("/rtc/validate answered 401 Unauthorized 'invalid token: <token sha256:")
    diagnosis = diagnosis_in(message)
    assert diagnosis.startswith(f"Diagnosis: The server at {server.ws_url} knows API key '{KEY}' but holds another secret")
    assert statuses["A token of an unknown API key is refused"][0] == "PASS"  # refused for its key, as expected
    markdown = written_signoff(outputdir, environment=environment)
    body = diagnosis.removeprefix("Diagnosis: ")
    assert f"- **Diagnosis** of **The observer token is accepted**: {body}" in markdown.replace("\\", "")
    assert "a-secret-the-server-does-not-have-81f0" not in markdown
