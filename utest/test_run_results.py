"""Where a run's results go, what it replaces, and what its sign-off and leak guard cover.

Every run goes through ``run.py`` in this process (Robot Framework as a subprocess, as always), with
its default results folder in a temporary folder. "Earlier results" are files planted before the
run; a run must leave every one it does not write again as it was.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from helpers import SUITES

import livekit_signoff as signoff

SUITE = SUITES / "authentication"
STEP_1 = ["--include", "step-1", str(SUITE)]
EARLIER_SIGNOFF = "# LiveKit Client Authentication Test Results\n\n## Test Date\n\nJanuary 19, 2026, run started 20:00:00 UTC\n\n## Status: PASSED ✅\n"
LEAKY_SUITE = """*** Settings ***
Library    LiveKitAuth.py

*** Test Cases ***
Leaky Step
    ${token} =    Generate Token    alice    standup    room_join=${True}
    Log    ${token.value}
"""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def dev_token() -> str:
    """A token the development key signs that no run recorded: the guard finds it wherever it searches."""
    header = _b64url(b'{"alg":"HS256"}')
    claims = _b64url(json.dumps({"iss": "devkey", "sub": "x", "exp": 4102444800}).encode())
    signature = _b64url(hmac.new(b"secret", f"{header}.{claims}".encode(), hashlib.sha256).digest())
    return f"{header}.{claims}.{signature}"


def plant_earlier_results(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "output.xml": b"<robot>an earlier run</robot>",
        "log.html": b"<html>an earlier log</html>",
        "signoff.md": EARLIER_SIGNOFF.encode("utf-8"),
        "signoff.html": b"<html>PASSED</html>",
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return state(folder)


def state(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def guard_line(captured) -> str:
    lines = [line for line in (captured.out + captured.err).splitlines() if line.startswith("Leak guard:")]
    assert len(lines) == 1, captured.out + captured.err
    return lines[0]


def record(folder: Path) -> dict:
    return json.loads((folder / "leak-guard.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- where the results go


@pytest.mark.parametrize("option", ["--outputdir", "-d"])
def test_a_run_into_another_folder_signs_off_and_is_searched_there_and_leaves_results_as_they_were(
    tmp_path, run_py, capfd, option
):
    before = plant_earlier_results(tmp_path / "results")
    other = tmp_path / "other"
    assert run_py.run_suites([option, str(other), *STEP_1]) == 0
    assert state(tmp_path / "results") == before
    assert sorted(state(other)) == [
        "leak-guard.json", "log.html", "output.xml", "report.html", "signoff.html", "signoff.md", "xunit.xml",
    ]  # fmt: skip
    assert "## Status: INCOMPLETE" in (other / "signoff.md").read_text(encoding="utf-8")
    assert record(other)["searched"] == [
        "log.html", "output.xml", "report.html", "xunit.xml", "the console output", "signoff.md", "signoff.html",
    ]  # fmt: skip
    assert "Leak guard: 7 file(s) searched" in guard_line(capfd.readouterr())


def test_outputs_of_other_names_are_signed_off_and_searched_and_nothing_else_is_removed(tmp_path, run_py, capfd):
    results = tmp_path / "results"
    before = plant_earlier_results(results)
    options = ["--output", "second.xml", "--log", "NONE", "--report", "summary.html", "--xunit", "NONE"]
    assert run_py.run_suites([*options, *STEP_1]) == 0
    after = state(results)
    for name in ("output.xml", "log.html"):  # not written by this run: left as they were
        assert after[name] == before[name]
    assert "## Status: INCOMPLETE" in after["signoff.md"].decode("utf-8")  # the run's own sign-off replaced
    written = record(results)
    assert written["output"] == "second.xml"
    assert written["searched"] == ["second.xml", "summary.html", "the console output", "signoff.md", "signoff.html"]
    assert "Leak guard: 5 file(s) searched" in guard_line(capfd.readouterr())


def test_a_leak_in_another_folder_is_found_there(tmp_path, run_py, capfd):
    suite = tmp_path / "leaky.robot"
    suite.write_text(LEAKY_SUITE, encoding="utf-8")
    other = tmp_path / "other"
    assert run_py.run_suites(["-d", str(other), str(suite)]) == 1
    line = guard_line(capfd.readouterr())
    assert "log.html (token)" in line and "output.xml (token)" in line
    assert not (tmp_path / "results").exists()


def test_files_given_outside_the_folder_are_searched_and_their_earlier_siblings_are_not(tmp_path, run_py, capfd):
    elsewhere = tmp_path / "debug"
    elsewhere.mkdir()
    (elsewhere / "debug-20250101-120000.txt").write_text(f"an earlier run's {dev_token()}", encoding="utf-8")
    assert run_py.run_suites(["--debugfile", str(elsewhere / "debug.txt"), *STEP_1]) == 0
    searched = record(tmp_path / "results")["searched"]
    assert str(elsewhere / "debug.txt") in searched
    assert not any("20250101" in name for name in searched)
    assert (elsewhere / "debug-20250101-120000.txt").read_text(encoding="utf-8").endswith(dev_token())
    assert "none found" in guard_line(capfd.readouterr())


def test_a_run_without_output_xml_leaves_no_sign_off_of_an_earlier_run(tmp_path, run_py, capfd):
    results = tmp_path / "results"
    plant_earlier_results(results)
    assert run_py.run_suites(["--output", "NONE", *STEP_1]) == 0
    assert not (results / "signoff.md").exists() and not (results / "signoff.html").exists()
    assert (results / "output.xml").read_bytes() == b"<robot>an earlier run</robot>"  # not written, not removed
    out = capfd.readouterr().out
    assert "No sign-off summary: this run wrote no output.xml (--output NONE), and the summary is read from it." in out


def test_an_earlier_file_the_run_owns_that_cannot_be_removed_is_named_in_one_sentence(tmp_path, run_py, capfd, monkeypatch):
    results = tmp_path / "results"
    plant_earlier_results(results)
    (results / "livekit-server.log").write_text("an earlier server log", encoding="utf-8")
    unlink = Path.unlink

    def refuse(path, *args, **kwargs):
        if path.name == "livekit-server.log":
            raise PermissionError(13, "Permission denied", str(path))
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse)
    assert run_py.run_suites(STEP_1) == 0
    error = capfd.readouterr().err
    assert (
        f"Cannot remove {results / 'livekit-server.log'} of an earlier run (Permission denied); it is not this run's.\n" in error
    )


# ---------------------------------------------------------------- a run that stops before any test


STOPS = {
    "a wrong option": (["--no-such-option", *STEP_1], {}),
    "a configuration error": (STEP_1, {"LIVEKIT_TTL": "6 hourz"}),
    "no test matches": (["--include", "no-such-tag", str(SUITE)], {}),
    "a suite that does not exist": ([str(SUITES / "no-such-suite")], {}),
}


@pytest.mark.parametrize("case", STOPS, ids=list(STOPS))
def test_a_run_that_stops_before_any_test_leaves_the_earlier_results_and_says_so(tmp_path, run_py, capfd, monkeypatch, case):
    arguments, settings = STOPS[case]
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    before = plant_earlier_results(tmp_path / "results")
    assert run_py.run_suites(arguments) == 252
    assert state(tmp_path / "results") == before
    captured = capfd.readouterr()
    assert (
        "No test ran, so nothing was written: the results in results/ are those of an earlier run "
        "(its sign-off says PASSED, January 19, 2026, run started 20:00:00 UTC), left as they were."
    ) in captured.out.replace(f"{tmp_path / 'results'}", "results/")


def test_a_configuration_error_is_one_sentence_and_a_wrong_option_points_to_the_help(tmp_path, run_py, capfd, monkeypatch):
    monkeypatch.setenv("LIVEKIT_TTL", "6 hourz")
    assert run_py.run_suites(STEP_1) == 252
    assert capfd.readouterr().err == (
        "Configuration error: LIVEKIT_TTL must be a duration such as '6 hours' or '90 seconds', got '6 hourz'.\n"
    )
    monkeypatch.delenv("LIVEKIT_TTL")
    assert run_py.run_suites(["--no-such-option"]) == 252
    assert capfd.readouterr().err == "Configuration error: option --nosuchoption not recognized; see python run.py --help.\n"


def test_without_earlier_results_it_says_that_nothing_was_written(tmp_path, run_py, capfd):
    assert run_py.run_suites(["--no-such-option"]) == 252
    assert not (tmp_path / "results").exists()
    assert "No test ran, so nothing was written: " in capfd.readouterr().out


# ---------------------------------------------------------------- a leak fails the sign-off


def test_a_leak_makes_the_sign_off_fail_naming_the_file_and_require_passed_refuses_it(tmp_path, run_py, capfd):
    suite = tmp_path / "leaky.robot"
    suite.write_text(LEAKY_SUITE, encoding="utf-8")
    results = tmp_path / "results"
    assert run_py.run_suites([str(suite)]) == 1
    capfd.readouterr()
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    assert "## Status: FAILED (secret or token found) ❌" in markdown
    assert "The leak guard found a secret or a token of this run in log.html (token), output.xml (token)" in markdown
    assert "**Leak guard** (failure): a secret or a token of the run is written in log.html (token)" in markdown
    assert "<title>LiveKit Client Authentication Test Results: FAILED (secret or token found)</title>" in (
        results / "signoff.html"
    ).read_text(encoding="utf-8")
    # Rebuilt later from the same results, the sign-off still knows, and the release gate refuses it.
    gate = tmp_path / "gate"
    assert signoff.main([str(results), "--outdir", str(gate), "--require-passed", "--allow-offline"]) == 1
    captured = capfd.readouterr()
    assert captured.out.startswith("Sign-off summary: FAILED (secret or token found)")
    assert "The leak guard found a secret or a token in these results" in captured.err
    assert "## Status: FAILED (secret or token found)" in (gate / "signoff.md").read_text(encoding="utf-8")


def test_the_guard_record_of_other_results_is_not_read(tmp_path, run_py, capfd):
    results = tmp_path / "results"
    assert run_py.run_suites(STEP_1) == 0
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    assert "**Leak guard**: 4 file(s) this run wrote and its console output searched: no secret or token found." in markdown
    output = results / "output.xml"
    output.write_bytes(output.read_bytes() + b"\n")  # another output.xml than the one searched
    assert signoff.main([str(results)]) == 0
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    assert "## Status: INCOMPLETE" in markdown  # never PASSED without the guard's record of these exact files
    assert "**Leak guard**: 1 file(s) this run wrote searched; could not read the leak guard's record of this run." in markdown


# ---------------------------------------------------------------- what the release gate uploads

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "livekit-auth.yml"


def test_the_release_gate_uploads_only_the_copy_the_leak_guard_cleared():
    text = WORKFLOW.read_text(encoding="utf-8")
    steps = text.split("\n      - ")
    uploads = [step for step in steps if "actions/upload-artifact" in step]
    assert uploads and all("path: cleared-results/\n" in step for step in uploads)
    copy = next(step for step in steps if "run: python tools/cleared_copy.py" in step)
    assert "run: python tools/cleared_copy.py results cleared-results" in copy
    assert steps.index(copy) < steps.index(uploads[0])
    summary = next(step for step in steps if "GITHUB_STEP_SUMMARY" in step)
    assert "cat cleared-results/signoff.md" in summary and "cat results/" not in summary


def test_the_cleared_copy_leaves_out_every_file_the_guard_flagged(tmp_path, run_py, capfd):
    from livekit_evidence import cleared_copy

    suite = tmp_path / "leaky.robot"
    suite.write_text(LEAKY_SUITE, encoding="utf-8")
    assert run_py.run_suites([str(suite)]) == 1
    capfd.readouterr()
    destination = tmp_path / "cleared"
    assert cleared_copy.main([str(tmp_path / "results"), str(destination)]) == 1
    assert sorted(state(destination)) == ["leak-guard.json", "report.html", "signoff.html", "signoff.md", "xunit.xml"]
    captured = capfd.readouterr()
    assert captured.err == (
        "Left out, the leak guard found a secret or a token in them or could not read them: log.html, output.xml.\n"
    )


def test_the_cleared_copy_of_a_clean_run_holds_all_of_it_and_of_unsearched_results_nothing(tmp_path, run_py, capfd):
    from livekit_evidence import cleared_copy

    results = tmp_path / "results"
    assert run_py.run_suites(STEP_1) == 0
    capfd.readouterr()
    assert cleared_copy.main([str(results), str(tmp_path / "all")]) == 0
    assert sorted(state(tmp_path / "all")) == sorted(state(results))
    (results / "output.xml").write_bytes((results / "output.xml").read_bytes() + b"\n")
    assert cleared_copy.main([str(results), str(tmp_path / "none")]) == 2
    assert not (tmp_path / "none").exists()
    assert "describes another output.xml than the one in" in capfd.readouterr().err
    (results / "leak-guard.json").unlink()
    assert cleared_copy.main([str(results), str(tmp_path / "none")]) == 2
    assert "holds no leak guard record (leak-guard.json)" in capfd.readouterr().err


# ---------------------------------------------------------------- what the console says


def test_a_message_repeated_for_every_test_is_shown_once_with_the_count(tmp_path, run_py, capfd):
    suite = tmp_path / "down.robot"
    tests = "".join(f"Check {number}\n    No Operation\n" for number in range(1, 6))
    suite.write_text(
        f"*** Settings ***\nSuite Setup    Fail    The server is down.\n\n*** Test Cases ***\n{tests}", encoding="utf-8"
    )
    assert run_py.run_suites([str(suite)]) == 5
    out = capfd.readouterr().out
    assert out.count("Parent suite setup failed:\nThe server is down.\n") == 1
    assert out.count("Suite setup failed:\nThe server is down.\n") == 1  # the suite's own message is another one
    assert "The same message for 5 tests, shown once above: Parent suite setup failed: The server is down.\n" in out
    assert [line for line in out.splitlines() if line.startswith("Check ")] == [
        f"Check {number}{' ' * (70 - len(f'Check {number}'))}| FAIL |" for number in range(1, 6)
    ]
    console = record(tmp_path / "results")
    assert "the console output" in console["searched"]


def test_the_console_view_passes_lines_through_as_they_come(run_py):
    view = run_py.RepeatedMessages()
    shown = view.feed("Slow Test :: does things   ")  # the name shows while the test runs
    assert shown == "Slow Test :: does things   "
    shown += view.feed("| \x1b[31mFAIL\x1b[0m |\nIt broke.\n----------------------------------------\n")
    shown += view.feed("Next Test                   | FAIL |\nIt bro")
    shown += view.feed("ke.\n----------------------------------------\n")
    shown += view.end()
    assert shown.count("It broke.") == 1
    assert view.summary() == ["The same message for 2 tests, shown once above: It broke."]


def test_the_messages_of_passed_tests_are_each_shown(run_py):
    view = run_py.RepeatedMessages()
    block = (
        "Known Difference                    | PASS |\nlivekit-api 1.2.2: accepted.\n----------------------------------------\n"
    )
    shown = view.feed(block + block) + view.end()
    assert shown.count("livekit-api 1.2.2: accepted.") == 2
    assert view.summary() == []
