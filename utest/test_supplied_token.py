"""A token given from outside: white space around it, the file form, and the names README gives testers."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from helpers import LIBRARIES, ROOT, SUITES, before_diagnosis, clean_environment, readable_text, run_robot
from robot.api import ExecutionResult

from livekit_tokens import minting, supplied
from livekit_tokens.keys import prepare_hmac_key

SUITE = str(SUITES / "authentication")
STEPS = ["Token Generation", "Signature Validation", "Token Claims", "Access Grants", "Token Expiration"]
README = ROOT / "README.md"


def mint(**options) -> str:
    claims = minting.build_claims(
        "devkey", "client_test", "test_room", room_join=True, can_publish=False, can_subscribe=True, **options
    )
    return minting.encode(claims, prepare_hmac_key("secret"))


def statuses(outputdir) -> dict[str, tuple[str, str]]:
    suite = ExecutionResult(str(outputdir / "output.xml")).suite
    return {test.name: (test.status, test.message) for test in suite.all_tests}


def messages(outputdir) -> list[str]:
    found = []

    def visit(item):
        for child in getattr(item, "body", []):
            if getattr(child, "type", "") == "MESSAGE":
                found.append(child.message)
            else:
                visit(child)

    def suites(suite):
        yield suite
        for child in suite.suites:
            yield from suites(child)

    for suite in suites(ExecutionResult(str(outputdir / "output.xml")).suite):
        visit(suite.setup)
    return found


@pytest.mark.parametrize(
    ("around", "removed"),
    [
        ("{}\n", "a line break after it"),
        ("{}\r\n", "2 characters of white space after it"),
        ("  {}  ", "2 characters of white space before it and 2 characters of white space after it"),
    ],
    ids=["trailing-line-break", "windows-line-break", "spaces-around"],
)
def test_white_space_around_a_supplied_token_is_removed_with_a_note_and_every_step_checks_it(tmp_path, around, removed):
    token = mint()
    run = run_robot(tmp_path, SUITE, settings={"LIVEKIT_TOKEN": around.format(token)})
    assert run.returncode == 0, run.stdout
    assert {name: status for name, (status, _) in statuses(tmp_path).items()} == dict.fromkeys(STEPS, "PASS")
    note = (
        f"The supplied token (LIVEKIT_TOKEN) had {removed}: it was removed, as a client SDK sends the token without it, "
        "and every step checks the token without it."
    )
    assert note in messages(tmp_path)


def test_white_space_inside_a_supplied_token_is_kept_and_refused_for_its_cause(tmp_path):
    token = mint()
    header, payload, signature = token.split(".")
    run = run_robot(tmp_path, SUITE, settings={"LIVEKIT_TOKEN": f"{header}.{payload[:10]}\n{payload[10:]}.{signature}"})
    assert run.returncode != 0
    status, message = statuses(tmp_path)["Signature Validation"]
    assert status == "FAIL"
    assert before_diagnosis(message) == "Token refused: signature is invalid: it does not match the secret of API key 'devkey'."
    assert "Incorrect padding" not in "".join(message for _, message in statuses(tmp_path).values())


def test_a_token_too_long_for_an_environment_variable_is_given_in_a_file(tmp_path):
    token = mint(metadata="x" * 200_000)
    assert len(token) > 128 * 1024  # more than one environment variable holds on Linux
    path = tmp_path / "token.txt"
    path.write_text(token + "\n", encoding="utf-8")
    outputs = tmp_path / "out"
    run = run_robot(outputs, SUITE, settings={"LIVEKIT_TOKEN_FILE": str(path)})
    assert run.returncode == 0, run.stdout
    assert {name: status for name, (status, _) in statuses(outputs).items()} == dict.fromkeys(STEPS, "PASS")
    assert "The supplied token (LIVEKIT_TOKEN_FILE) had a line break after it" in " ".join(messages(outputs))
    for result in outputs.iterdir():
        assert token.split(".")[2] not in readable_text(result)
    import livekit_signoff as signoff

    markdown = signoff.to_markdown(signoff.build(signoff.read_results([outputs]), None)[1])
    assert "LIVEKIT_TOKEN_FILE naming a file that holds the same token (not shown here)" in markdown
    assert "LIVEKIT_TOKEN set" not in markdown


@pytest.mark.parametrize(
    ("setting", "sentence"),
    [
        ("missing", "LIVEKIT_TOKEN_FILE names {path}, which does not exist; give the path of a file holding the token."),
        ("empty", "LIVEKIT_TOKEN_FILE names {path}, which is empty; write the token into it."),
        ("both", "Both LIVEKIT_TOKEN and LIVEKIT_TOKEN_FILE are set; set only one of them."),
    ],
)
def test_an_unusable_token_file_is_one_sentence(tmp_path, setting, sentence):
    path = tmp_path / "token.txt"
    environ = {"LIVEKIT_TOKEN_FILE": str(path)}
    if setting == "empty":
        path.write_text("\n", encoding="utf-8")
    if setting == "both":
        path.write_text(mint(), encoding="utf-8")
        environ["LIVEKIT_TOKEN"] = mint()
    assert supplied.problem(environ) == sentence.format(path=path)
    run = subprocess.run(
        [sys.executable, str(ROOT / "run.py")],
        env=clean_environment(LIVEKIT_AUTH_BOOTSTRAPPED="1", **environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 252
    assert run.stderr == f"Configuration error: {sentence.format(path=path)}\n"


def test_the_leak_guard_searches_the_token_of_the_file(tmp_path):
    from livekit_evidence import leak_guard

    token = mint()
    path = tmp_path / "token.txt"
    path.write_text(f" {token}\n", encoding="utf-8")
    assert leak_guard.supplied_tokens({"LIVEKIT_TOKEN_FILE": str(path)}) == [token]


def readme_robot_variables() -> list[str]:
    """The Robot variable column of README's settings table."""
    table = README.read_text(encoding="utf-8").split("| Environment variable | Robot variable |", 1)[1].split("\n\n", 1)[0]
    names = []
    for row in table.splitlines()[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        names += re.findall(r"`([A-Z_]+)`", cells[1])
    return names


def test_every_robot_variable_readme_names_is_one_a_test_can_use(tmp_path):
    names = readme_robot_variables()
    assert {"TOKEN", "ROOM", "IDENTITY", "CAN_JOIN", "POLICY", "MAX_TTL", "WEBHOOK_URL"} <= set(names)
    suite = tmp_path / "names.robot"
    lines = [
        "*** Settings ***",
        f"Resource    {(ROOT / 'resources' / 'livekit_auth.resource').as_posix()}",
        f"Resource    {(ROOT / 'resources' / 'livekit_webhooks.resource').as_posix()}",
        "",
        "*** Test Cases ***",
        "Every Name From README",
        *[f"    Log    ${{{name}}}" for name in names],
    ]
    suite.write_text("\n".join(lines) + "\n", encoding="utf-8")
    token = mint()
    run = run_robot(tmp_path / "out", str(suite), settings={"LIVEKIT_TOKEN": token})
    assert run.returncode == 0, run.stdout
    log = readable_text(tmp_path / "out" / "output.xml")
    assert "&lt;secret&gt;" in log  # ${TOKEN}: a Secret
    assert token.split(".")[2] not in log
    assert str(LIBRARIES)  # the suite found the libraries through the resources


# ---------------------------------------------------------------- Get Token Under Test from Python


def test_the_token_under_test_is_the_supplied_one_when_one_is_given(dev_library, monkeypatch):
    given = mint(ttl="1 hour")
    monkeypatch.setenv("LIVEKIT_TOKEN", f"{given}\n")
    assert dev_library.get_token_under_test().value == given


def test_without_a_supplied_token_the_token_under_test_is_minted_from_the_settings(dev_library, monkeypatch):
    for name in ("LIVEKIT_TOKEN_FILE", "LIVEKIT_ROOM", "LIVEKIT_IDENTITY", "LIVEKIT_AUDIENCE", "LIVEKIT_TTL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIVEKIT_ROOM", "standup")
    monkeypatch.setenv("LIVEKIT_CAN_PUBLISH", "true")
    token = dev_library.get_token_under_test()
    claims = dev_library.verify_token(token)
    assert claims["sub"] == "client_test"
    assert claims["aud"] == "standup"
    assert claims["video"] == {"room": "standup", "roomJoin": True, "canPublish": True, "canSubscribe": True}
    assert claims["exp"] - claims["nbf"] == 6 * 60 * 60
