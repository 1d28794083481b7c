"""run.py: how arguments reach Robot Framework, and where the environment lives."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from helpers import ROOT

spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
run_py = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_py)


@pytest.mark.parametrize(
    "arguments",
    [
        ["--variable", "TOKEN:abc.def.ghi", "--include", "step-2"],
        ["-v", "TOKEN:abc.def.ghi", "--include", "step-2"],
        ["--variable=TOKEN:abc.def.ghi", "--include", "step-2"],
        ["-vTOKEN:abc.def.ghi", "--include", "step-2"],
        ["--variable", "token:abc.def.ghi", "--include", "step-2"],
        ["--variable", "To_Ken:abc.def.ghi", "--include", "step-2"],
        ["--variable", "TOKEN: Secret:abc.def.ghi", "--include", "step-2"],
        ["-XvTOKEN:abc.def.ghi", "--include", "step-2"],
        ["-.vTOKEN:abc.def.ghi", "--include", "step-2"],
        ["-Xv", "TOKEN:abc.def.ghi", "--include", "step-2"],
        ["--VARIABLE=TOKEN:abc.def.ghi", "--include", "step-2"],
        ["--Vari-Able", "TOKEN:abc.def.ghi", "--include", "step-2"],
        ["-v", "TOKEN:first", "-vTOKEN:abc.def.ghi", "--include", "step-2"],
        ["--incl", "step-2", "-vTOKEN:abc.def.ghi"],
    ],
)
def test_supplied_token_moves_from_the_command_line_to_the_environment(monkeypatch, arguments):
    monkeypatch.delenv("LIVEKIT_TOKEN", raising=False)
    kept = run_py.supplied_token_to_environment(arguments)
    flags = ["--exitonfailure"] if arguments[0].startswith("-X") else ["--dotted"] if arguments[0].startswith("-.") else []
    assert kept == [*flags, "--include", "step-2"]
    assert run_py.os.environ["LIVEKIT_TOKEN"] == "abc.def.ghi"


def test_sources_and_flags_keep_their_meaning_when_the_token_is_moved(monkeypatch):
    monkeypatch.delenv("LIVEKIT_TOKEN", raising=False)
    kept = run_py.supplied_token_to_environment(["--dryrun", "-vTOKEN:x.y.z", "--nostatusrc", "suites", "-weird"])
    assert kept == ["--dryrun", "--nostatusrc", "--", "suites", "-weird"]
    assert run_py.os.environ["LIVEKIT_TOKEN"] == "x.y.z"


def test_options_robot_framework_refuses_are_left_for_it_to_report(monkeypatch):
    monkeypatch.delenv("LIVEKIT_TOKEN", raising=False)
    arguments = ["--no-such-option", "-vTOKEN:x.y.z"]
    assert run_py.supplied_token_to_environment(arguments) == arguments
    assert "LIVEKIT_TOKEN" not in run_py.os.environ


def test_secret_looking_variables_are_noted_and_hidden_in_the_sign_off_command():
    arguments = ["-XvAPP_PASSWORD:hunter2hunter2", "--variable", "ROOM:standup", "-vMY_SECRET_KEY:s3cr3t-value"]
    assert run_py.secret_looking_values(arguments) == ["hunter2hunter2", "s3cr3t-value"]
    shown = run_py.shown_command(arguments)
    assert shown == (
        "python run.py --exitonfailure --variable APP_PASSWORD:<hidden> --variable ROOM:standup --variable MY_SECRET_KEY:<hidden>"
    )
    assert run_py.shown_command(["--include", "step-2"]) == "python run.py --include step-2"


def test_the_outputs_of_a_run_are_read_from_robot_framework_options(tmp_path):
    default = run_py.run_outputs([])
    assert default.folder == run_py.RESULTS.resolve()
    assert default.output == run_py.RESULTS.resolve() / "output.xml"
    assert default.elsewhere == []
    elsewhere = tmp_path / "debug.txt"
    moved = run_py.run_outputs(["-d", str(tmp_path / "out"), "-b", str(elsewhere), "--log", "NONE", "-o", "x.xml"])
    assert moved.folder == (tmp_path / "out").resolve()
    assert moved.output == (tmp_path / "out" / "x.xml").resolve()
    assert "log" not in moved.files
    assert moved.elsewhere == [elsewhere.resolve()]  # beside the output folder, not in it
    for name, written_by_robot in (("debug.txt", True), ("debug-20260101-120000.txt", True), ("debugger.txt", False)):
        assert moved.is_robot_output(tmp_path / name) is written_by_robot
    assert moved.is_robot_output(tmp_path / "out" / "x-1.js")  # a --splitlog part


def test_other_variables_stay_on_the_command_line(monkeypatch):
    monkeypatch.delenv("LIVEKIT_TOKEN", raising=False)
    assert run_py.supplied_token_to_environment(["--variable", "ROOM:standup"]) == ["--variable", "ROOM:standup"]
    assert "LIVEKIT_TOKEN" not in run_py.os.environ


def test_default_command_runs_every_suite_into_results():
    command = run_py.robot_command(["--include", "step-2"])
    assert command[-1] == str(run_py.SUITES)
    assert command[command.index("--outputdir") + 1] == str(run_py.RESULTS)
    assert command[command.index("--xunit") + 1] == "xunit.xml"
    assert command[command.index("--name") + 1] == "LiveKit Authentication"
    assert command[-3:-1] == ["--include", "step-2"]


def test_a_given_suite_replaces_the_default_and_a_given_name_is_kept():
    suite = str(ROOT / "suites" / "authentication")
    command = run_py.robot_command(["--name", "Nightly", suite])
    assert command[-1] == suite
    assert command.count(str(run_py.SUITES)) == 0
    assert command.count("--name") == 1


def test_virtual_environment_python_per_platform(monkeypatch):
    venv = Path("/x/.venv")
    monkeypatch.setattr(run_py.os, "name", "nt")
    assert run_py.venv_python(venv) == venv / "Scripts/python.exe"
    monkeypatch.setattr(run_py.os, "name", "posix")
    assert run_py.venv_python(venv) == venv / "bin/python"


def test_tokenizer_like_names_are_not_the_token(monkeypatch):
    monkeypatch.delenv("LIVEKIT_TOKEN", raising=False)
    arguments = ["--variable", "TOKENS:x", "-vTOKEN_ENDPOINT:http://127.0.0.1:1/token", "--variablefile", "TOKEN:y"]
    assert run_py.supplied_token_to_environment(arguments) == arguments
    assert "LIVEKIT_TOKEN" not in run_py.os.environ


@pytest.mark.parametrize(
    "arguments",
    [
        ["--variablefile", "no/such/headers.py"],
        ["--variablefile=no/such/headers.py:production"],
        ["-Vno/such/headers.yaml"],
        ["-XVno/such/headers.yaml"],
    ],
)
def test_a_missing_variable_file_is_a_configuration_error(arguments):
    assert run_py.missing_variable_file(arguments) == (
        "The variable file 'no/such/"
        + ("headers.yaml" if arguments[0].endswith("yaml") else "headers.py")
        + "' does not exist; give the path of an existing file to --variablefile."
    )


def test_an_existing_variable_file_is_fine():
    assert run_py.missing_variable_file(["--variablefile", str(ROOT / "examples" / "endpoint_headers.py")]) is None


@pytest.mark.parametrize("option", ["--help", "-h", "-?"])
def test_help_shows_the_commands_of_run_py_first_and_points_to_robot_frameworks_options(option):
    import subprocess
    import sys

    environment = {name: value for name, value in run_py.os.environ.items() if name != run_py.BOOTSTRAPPED}
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), option], env=environment, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == "LiveKit client authentication suite"
    assert len(lines) < 40
    for command in ("python run.py test", "python run.py signoff", "python run.py libdoc", "--robot-help"):
        assert command in done.stdout
    assert done.stdout.index("python run.py test") < done.stdout.index("Robot Framework options used most")
    assert "Installing" not in done.stdout + done.stderr  # no set-up for the help


def test_the_keyword_manuals_cover_the_resource_files_and_name_every_default(tmp_path, monkeypatch):
    monkeypatch.setattr(run_py, "MANUALS", tmp_path / "manuals")
    written = run_py.write_libdoc()
    names = sorted(path.name for path in written)
    assert {"LiveKitAuth.html", "livekit_auth.html", "security.html", "livekit_http.html"} <= set(names)
    sentences = (tmp_path / "manuals" / "livekit_auth.html").read_text(encoding="utf-8")
    for keyword in ("The Grant Should Be", "The Claim Should Be", "The Token Under Test Is Ready"):
        assert keyword in sentences
    for path in written:
        assert "object at 0x" not in path.read_text(encoding="utf-8"), path.name
    stamp = (tmp_path / "manuals" / run_py.MANUALS_STAMP).read_text(encoding="utf-8").strip()
    assert stamp == run_py.manuals_digest()


@pytest.mark.parametrize(
    ("arguments", "added"),
    [
        ([], ["-n", "auto", "--dist", "worksteal"]),
        (["utest/test_keys.py", "-k", "secret"], ["-n", "auto", "--dist", "worksteal"]),
        (["-n", "0"], []),
        (["-n1"], []),
        (["--numprocesses=3"], []),
        (["--dist=loadfile", "-n", "2"], []),
        (["-p", "no:xdist"], []),
    ],
)
def test_the_unit_tests_run_on_every_core_unless_the_options_choose(arguments, added):
    assert run_py.parallel_pytest(arguments) == added
