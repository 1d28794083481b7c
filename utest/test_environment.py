"""The environment facts a run records for its sign-off summary."""

from __future__ import annotations

import json
import re

import pytest

from livekit_tokens import environment


def test_collect_names_the_versions_the_summary_lists():
    facts = environment.collect()
    assert facts[environment.ROBOT] == "7.5"
    assert facts[environment.PYJWT] == "2.15.1"
    assert facts[environment.LIVEKIT_API] == "1.2.2"
    assert re.fullmatch(r"3\.\d+\.\d+ \(\w+\)", facts[environment.PYTHON])
    assert re.fullmatch(r"[+-]\d{4}", facts[environment.UTC_OFFSET])
    assert facts[environment.OS]
    assert re.fullmatch(r"[0-9a-f]{40}( \(uncommitted changes\))?|unknown \(.+\)", facts[environment.COMMIT])


def test_the_robot_command_hides_secret_looking_variables():
    argv = ["/venv/bin/robot", "-v", "TOKEN:eyJabc", "--variable", "API_SECRET:hunter2", "--variable=ROOM:demo room"]
    argv += ["--variable=SESSION_TOKEN:xyz", "--include", "step-1", "suites"]
    command = environment.robot_command(argv)
    assert command == (
        'robot -v "TOKEN:<hidden>" --variable "API_SECRET:<hidden>" "--variable=ROOM:demo room" '
        '"--variable=SESSION_TOKEN:<hidden>" --include step-1 suites'
    )


@pytest.mark.parametrize("grouped", ["-XvSESSION_TOKEN:eyJabc.def.ghi", "-.vAPI_SECRET:eyJabc.def.ghi", "-Xv"])
def test_the_robot_command_hides_secret_looking_variables_given_with_grouped_short_options(grouped):
    argv = ["/venv/bin/robot", grouped, *(["APP_PASSWORD:eyJabc.def.ghi"] if grouped == "-Xv" else []), "suites"]
    command = environment.robot_command(argv)
    assert "eyJabc" not in command
    assert command.startswith("robot --")
    assert command.endswith(':<hidden>" suites')


def test_the_robot_command_of_python_m_robot():
    assert environment.robot_command(["/x/site-packages/robot/__main__.py", "suites"]) == "python -m robot suites"


def test_git_commit_outside_a_checkout(tmp_path):
    assert environment.git_commit(tmp_path) in ("unknown (not a git checkout)", "unknown (git is not installed)")


def test_node_sdk_version_prefers_the_installed_package(tmp_path):
    assert environment.node_sdk_version(tmp_path) is None
    lock = {"packages": {"node_modules/livekit-server-sdk": {"version": "2.19.0"}}}
    (tmp_path / "package-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    assert environment.node_sdk_version(tmp_path) == "2.19.0 (pinned, not installed)"
    installed = tmp_path / "node_modules" / "livekit-server-sdk"
    installed.mkdir(parents=True)
    (installed / "package.json").write_text('{"version": "2.19.1"}', encoding="utf-8")
    assert environment.node_sdk_version(tmp_path) == "2.19.1"
    (installed / "package.json").write_text("{broken", encoding="utf-8")
    assert environment.node_sdk_version(tmp_path) == "unreadable"


def test_a_command_text_hides_secret_looking_variables():
    command = 'python run.py --variable API_SECRET:hunter2 -v session_token:abc --variable=ROOM:demo -v "MY_KEYS:a:b" suites'
    assert environment.hide_secret_variables(command) == (
        'python run.py --variable API_SECRET:<hidden> -v session_token:<hidden> --variable=ROOM:demo -v "MY_KEYS:<hidden>" suites'
    )
