"""Robustness catalogue: a sign-off rebuilt from existing results fails closed.

``python run.py signoff`` never says PASSED for results without the leak guard's record of those
exact files, runs the guard itself over the files it signs and over its own arguments, and reads a
tampered record or an output.xml too deep to read as one sentence, never a traceback.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys

import pytest
from helpers import SUITES
from test_leak_catalogue import claims, signed

import livekit_signoff as signoff
from livekit_evidence import leak_guard
from livekit_evidence.record import RECORD_NAME, file_digest
from livekit_signoff.rules import LEAKED, PASSED_OFFLINE

DATA = SUITES.parent / "utest" / "data" / "signoff"


def results_with_record(tmp_path, record: dict | None = None):
    """A copy of the recorded default run, with the guard's record of it (``record`` changes it)."""
    folder = tmp_path / "results"
    folder.mkdir(parents=True)
    output = folder / "output.xml"
    shutil.copy(DATA / "passed.xml", output)
    written = {
        "output": "output.xml",
        "output_sha256": file_digest(output),
        "searched": ["output.xml"],
        "found": {},
        "unreadable": {},
    }
    (folder / RECORD_NAME).write_text(json.dumps({**written, **(record or {})}), encoding="utf-8")
    return folder


def status_of(folder) -> str:
    line = (folder / "signoff.md").read_text(encoding="utf-8").split("## Status: ", 1)[1].splitlines()[0]
    return line.split(" \u26a0", 1)[0].split(" \u2705", 1)[0].split(" \u274c", 1)[0]


def test_results_with_the_guard_s_record_pass_offline(tmp_path, capsys):
    folder = results_with_record(tmp_path)
    assert signoff.main([str(folder), "--require-passed", "--allow-offline"]) == 0
    assert status_of(folder).startswith(PASSED_OFFLINE)


# fmt: off
TAMPERED = [
    ("found is a string", {"found": "output.xml"}),
    ("found is a list", {"found": ["output.xml"]}),
    ("the kinds of a file are a number", {"found": {"output.xml": 1}}),
    ("searched is a mapping", {"searched": {"output.xml": True}}),
    ("unreadable is a list", {"unreadable": ["log.html"]}),
    ("output is a number", {"output": 1}),
]
# fmt: on


@pytest.mark.parametrize(("case", "change"), TAMPERED, ids=[row[0] for row in TAMPERED])
def test_a_tampered_record_is_refused_in_one_sentence_and_never_passes(tmp_path, capsys, case, change):
    folder = results_with_record(tmp_path, change)
    assert signoff.main([str(folder), "--require-passed", "--allow-offline"]) == 1
    err = capsys.readouterr().err
    assert f"Leak guard: {folder / RECORD_NAME} is not a record the leak guard wrote" in err
    assert "Traceback" not in err
    assert status_of(folder) == "INCOMPLETE"


def test_a_record_that_is_a_json_list_or_not_json_is_refused(tmp_path, capsys):
    for text in ("[1, 2]", "{not json", "[" * 100_000 + "]" * 100_000):
        folder = results_with_record(tmp_path / str(len(text)))
        (folder / RECORD_NAME).write_text(text, encoding="utf-8")
        assert signoff.main([str(folder), "--require-passed", "--allow-offline"]) == 1
        assert "is not a record the leak guard wrote" in capsys.readouterr().err


def test_an_output_xml_200000_levels_deep_is_refused_in_one_sentence(tmp_path, capsys):
    deep = tmp_path / "output.xml"
    deep.write_text(
        '<?xml version="1.0"?><robot>' + "<suite>" * 200_000 + "</suite>" * 200_000 + "</robot>",
        encoding="utf-8",
    )
    main = "import sys, livekit_signoff; sys.exit(livekit_signoff.main(sys.argv[1:]))"
    done = subprocess.run(  # in a process of its own: pytest's stack is not a user's
        [sys.executable, "-c", main, str(deep), "--outdir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Sign-off summary not written: Cannot read ")
    assert "Traceback" not in done.stderr


def test_results_without_a_guard_record_never_pass(tmp_path, capsys):
    output = tmp_path / "output.xml"
    shutil.copy(DATA / "live.xml", output)
    assert signoff.main([str(output), "--require-passed"]) == 1
    assert "No leak guard record of these exact results" in capsys.readouterr().err
    assert status_of(tmp_path) == "INCOMPLETE"


def test_a_secret_given_as_the_command_is_found_and_never_written(tmp_path, capsys, monkeypatch):
    secret = "prod-" + secrets.token_urlsafe(32)
    monkeypatch.setenv("LIVEKIT_API_KEY", "prod")
    monkeypatch.setenv("LIVEKIT_API_SECRET", secret)
    folder = results_with_record(tmp_path)
    assert signoff.main([str(folder), "--command", f"python run.py --variable X:{secret}", "--require-passed"]) == 1
    assert status_of(folder).startswith(LEAKED)
    for name in ("signoff.md", "signoff.html"):
        assert secret not in (folder / name).read_text(encoding="utf-8")


def test_a_token_in_the_signed_output_is_found_by_the_sign_off_itself(tmp_path, capsys):
    folder = results_with_record(tmp_path)
    token = signed('{"alg":"HS256","typ":"JWT"}', {**claims(), "iss": "devkey"}, "secret")
    output = folder / "output.xml"
    output.write_text(output.read_text(encoding="utf-8").replace("</robot>", f"<!-- {token} --></robot>"), encoding="utf-8")
    record = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    record["output_sha256"] = file_digest(output)  # a record that claims the file is clean
    (folder / RECORD_NAME).write_text(json.dumps(record), encoding="utf-8")
    assert signoff.main([str(folder), "--require-passed", "--allow-offline"]) == 1
    assert status_of(folder).startswith(LEAKED)


LEAKY = """*** Settings ***
Library    LiveKitAuth

*** Test Cases ***
A Step Logs A Token
    ${token} =    Generate Token    alice    test_room    room_join=${True}
    Log    ${token.value}
"""


def test_a_leaky_run_whose_record_was_removed_is_never_signed_off(tmp_path, run_py, capfd):
    suite = tmp_path / "leaky.robot"
    suite.write_text(LEAKY, encoding="utf-8")
    results = tmp_path / "results"
    assert run_py.run_suites([str(suite)]) == 1  # the guard found the token
    assert run_py.run_suites(["--output", "NONE", "--include", "step-1", str(SUITES / "authentication")]) == 0
    assert not (results / RECORD_NAME).exists()
    capfd.readouterr()
    assert signoff.main([str(results), "--require-passed", "--allow-offline"]) == 1
    assert status_of(results) != "PASSED" and not status_of(results).startswith(PASSED_OFFLINE)
    assert leak_guard.MIN_SEARCHABLE == 8
