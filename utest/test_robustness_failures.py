"""Robustness catalogue: mistakes that used to pass, or to end in a traceback, fail with one sentence.

- an error of Robot Framework's set-up (``[ ERROR ]`` on the console: a variable file that does not
  load, a listener or pre-run modifier that cannot be imported) fails the run;
- a second run into a results folder that a run is writing into stops before it writes anything.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from helpers import ROOT, SUITES, clean_environment

# case, the file to write (name, text) or None, the options ({tmp}: the test's folder), what the sentence names.
# A variable file is read with the settings, before Robot Framework starts; a listener or pre-run
# modifier only by Robot Framework's own set-up.
SETTINGS_READER = ("Configuration error: Processing variable file", "fix the variable file or leave it out.")
ROBOT_SET_UP = ("Robot Framework could not set up the run", "The run fails: fix the file or option it names and run again.")
# fmt: off
SETUP_ERRORS = [
    ("a variable file with a syntax error", ("broken.py", "TOKEN_ENDPOINT_HEADERS = {\n"), ["--variablefile", "{tmp}/broken.py"], "broken.py", SETTINGS_READER),
    ("a YAML variable file that does not load", ("settings.yaml", "ROOM: [standup\n"), ["--variablefile", "{tmp}/settings.yaml"], "settings.yaml", SETTINGS_READER),
    ("a listener that cannot be imported", None, ["--listener", "no_such_listener"], "no_such_listener", ROBOT_SET_UP),
    ("a pre-run modifier that cannot be imported", None, ["--prerunmodifier", "no_such_modifier"], "no_such_modifier", ROBOT_SET_UP),
]
# fmt: on


@pytest.mark.parametrize(("case", "file", "options", "named", "said"), SETUP_ERRORS, ids=[row[0] for row in SETUP_ERRORS])
def test_an_error_of_robot_frameworks_set_up_fails_the_run_with_one_sentence(
    tmp_path, run_py, capfd, case, file, options, named, said
):
    if file:
        (tmp_path / file[0]).write_text(file[1], encoding="utf-8")
    arguments = [option.format(tmp=tmp_path) for option in options]
    status = run_py.run_suites([*arguments, "--include", "step-1", str(SUITES / "authentication")])
    captured = capfd.readouterr()
    start, end = said
    sentences = [line for line in captured.err.splitlines() if line.startswith(start)]
    assert status == 252, captured.out[-2000:]
    assert len(sentences) == 1, captured.err[-2000:]
    assert named in sentences[0]
    assert sentences[0].endswith(end)
    assert "Traceback" not in sentences[0]


def test_a_test_that_logs_at_error_level_is_not_an_error_of_the_set_up(tmp_path, run_py, capfd):
    suite = tmp_path / "logs_error.robot"
    suite.write_text("*** Test Cases ***\nA Step Logs An Error\n    Log    the app said no    level=ERROR\n", encoding="utf-8")
    assert run_py.run_suites([str(suite)]) == 0
    assert "could not set up" not in capfd.readouterr().err


WAITING = """*** Test Cases ***
A Run That Takes Its Time
    Log To Console    READY
    Sleep    60s
"""


def test_a_second_run_into_the_same_results_folder_says_so_and_stops(tmp_path):
    suite = tmp_path / "waiting.robot"
    suite.write_text(WAITING, encoding="utf-8")
    results = tmp_path / "results"
    environment = clean_environment(LIVEKIT_AUTH_BOOTSTRAPPED="1")
    command = [sys.executable, str(ROOT / "run.py"), "--outputdir", str(results)]
    first = subprocess.Popen([*command, str(suite)], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while b"READY" not in first.stdout.readline():
            assert time.monotonic() < deadline and first.poll() is None, "the first run never reached its waiting step"
        before = sorted(path.name for path in results.iterdir())
        second = subprocess.run(
            [*command, "--include", "step-1", str(SUITES / "authentication")],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert second.returncode == 252
        assert second.stderr.strip().splitlines() == [
            f"Configuration error: Another run is writing into {results} right now; this run stops so as not to mix its "
            "files with that run's. Wait for it to end, or give this run another --outputdir."
        ]
        assert sorted(path.name for path in results.iterdir()) == before
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert first.returncode == 253
