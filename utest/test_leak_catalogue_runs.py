"""Leak catalogue, whole runs: a value that leaks through an option, a path or a library argument.

Each row is a run of ``run.py`` with a small suite and options a tester could give; the guard must
name every place the value reached (the run then fails), and the sign-off never shows it. Where
Robot Framework writes is what it says it wrote (a listener), whatever option, argument file or
environment variable chose it.
"""

from __future__ import annotations

import secrets

import pytest
from test_leak_catalogue import CONSOLE, all_files_text, claims, signed

LOGS_TOKEN = """*** Settings ***
Library    LiveKitAuth

*** Test Cases ***
A Step Logs A Token
    Log    {token}
"""

LIBRARY_SECRET = """*** Settings ***
Library    LiveKitAuth    api_key=lib    api_secret=${LK_SIGNING}

*** Test Cases ***
A Step Logs The Library's Secret
    ${token} =    Generate Token    alice    standup    room_join=${True}
    Log    ${LK_SIGNING}
"""


def guard_line(captured) -> str:
    lines = [line for line in captured.err.splitlines() + captured.out.splitlines() if line.startswith("Leak guard:")]
    assert len(lines) == 1, captured.out[-3000:] + captured.err[-3000:]
    return lines[0]


def unseen_token() -> str:
    return signed('{"alg":"HS256","typ":"JWT"}', {**claims(), "iss": "devkey"}, "secret")


def test_a_library_secret_is_learnt_and_hidden_in_the_sign_off_command(tmp_path, run_py, capfd):
    secret = "lib-" + secrets.token_urlsafe(32)
    suite = tmp_path / "library.robot"
    suite.write_text(LIBRARY_SECRET, encoding="utf-8")
    status = run_py.run_suites(["--variable", f"LK_SIGNING:{secret}", str(suite)])
    captured = capfd.readouterr()
    line = guard_line(captured)
    assert status == 1
    assert "log.html (secret)" in line and "output.xml (secret)" in line
    signoff = (tmp_path / "results" / "signoff.md").read_text(encoding="utf-8")
    assert secret not in signoff
    assert "LK_SIGNING:<hidden>" in signoff
    assert secret not in captured.out + captured.err  # the console shows <secret> where Robot printed it


# case, the options (``{tmp}`` the test's folder, ``{token}`` a token nothing records), the settings,
# the places the guard must name (``{tmp}`` again)
# fmt: off
PATHS = [
    ("--output DIR/out outside the results folder (Robot adds .xml)", ["--output", "{tmp}/elsewhere/out"], {}, ["{tmp}/elsewhere/out.xml"]),
    ("--debugfile ending in / (Robot writes DIR/.txt)", ["--debugfile", "{tmp}/debug/"], {}, ["{tmp}/debug/.txt"]),
    ("an argument file with --outputdir and --debugfile", ["-A", "{tmp}/args.txt"], {}, ["{tmp}/fromargs/output.xml", "{tmp}/fromargs/dbg.txt"]),
    ("ROBOT_OPTIONS with --debugfile", [], {"ROBOT_OPTIONS": "--debugfile {tmp}/robot-options.txt"}, ["{tmp}/robot-options.txt"]),
    ("ROBOT_SYSLOG_FILE, which records the --variable values", ["--variable", "NOTE:{token}"], {"ROBOT_SYSLOG_FILE": "{tmp}/syslog.txt"}, ["{tmp}/syslog.txt"]),
    ("--output into results/manuals/", ["--output", "manuals/output.xml"], {}, ["manuals/output.xml"]),
]
# fmt: on


@pytest.mark.parametrize(("case", "options", "settings", "named"), PATHS, ids=[row[0] for row in PATHS])
def test_the_guard_searches_every_file_robot_wrote_wherever_it_wrote_it(
    tmp_path, run_py, capfd, monkeypatch, case, options, settings, named
):
    monkeypatch.setattr(run_py, "MANUALS", tmp_path / "results" / "manuals")  # where the keyword manuals are
    token = unseen_token()
    (tmp_path / "args.txt").write_text(f"--outputdir {tmp_path}/fromargs\n--debugfile dbg.txt\n", encoding="utf-8")
    suite = tmp_path / "logs.robot"
    suite.write_text(LOGS_TOKEN.format(token=token), encoding="utf-8")
    for name, value in settings.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    status = run_py.run_suites([option.format(tmp=tmp_path, token=token) for option in options] + [str(suite)])
    line = guard_line(capfd.readouterr())
    assert status != 0
    for place in named:
        assert f"{place.format(tmp=tmp_path)} (token)" in line
    assert token not in line


def test_a_token_that_reaches_the_console_is_masked_there_and_still_fails_the_run(tmp_path, run_py, capfd):
    token = unseen_token()
    suite = tmp_path / "console.robot"
    suite.write_text(LOGS_TOKEN.format(token=token).replace("    Log    ", "    Log To Console    "), encoding="utf-8")
    status = run_py.run_suites([str(suite)])
    captured = capfd.readouterr()
    assert status == 1
    assert f"{CONSOLE} (token)" in guard_line(captured)
    assert token not in captured.out + captured.err
    assert "<token sha256:" in captured.out


def test_a_run_that_logs_nothing_secret_passes_and_its_files_are_clean(tmp_path, run_py, capfd, monkeypatch):
    from helpers import SUITES

    monkeypatch.setattr(run_py, "MANUALS", tmp_path / "results" / "manuals")

    assert run_py.run_suites(["--include", "step-1", "--output", "manuals/output.xml", str(SUITES / "authentication")]) == 0
    assert "none found" in guard_line(capfd.readouterr())
    assert (tmp_path / "results" / "manuals" / "output.xml").is_file()
    assert "eyJ" not in all_files_text(tmp_path / "results")
