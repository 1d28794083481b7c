"""The keywords that choose the server rules and let a LiveKit server judge the offline verdicts:
run by Robot Framework against no server, a server that lies, and wrong settings."""

from __future__ import annotations

import pytest
from helpers import ROOT
from http_test_support import Reply, ScriptedServer, clean_environment, leaks, run_robot, tokens_from_log
from server_support import path_without_livekit_server
from signing_helpers import T0, good_claims, sign

from livekit_tokens import environment
from LiveKitAuth import LiveKitAuth

SUITE = f"""*** Settings ***
Resource          {ROOT.as_posix()}/resources/security.resource
Suite Setup       Run Keywords    A LiveKit Server Judges The Verdicts When There Is One    AND    A Good Token Is Ready
Suite Teardown    The LiveKit Server Started For The Verdicts Is Stopped
Test Template     The Token Made By Should Be

*** Test Cases ***    HOW    WITH    OUTCOME
Good token
                      Keep The Token As Issued    control row    accepted
Forged identity
                      Change Claims Without Signing    sub = "mallory"    signature
No exp
                      Change Claims And Sign    exp = (removed)    exp-required; v1.13.5, v1.12: accepted
"""


def run_suite(tmp_path, **settings):
    suite = tmp_path / "judged.robot"
    suite.write_text(SUITE, encoding="utf-8")
    token_log = tmp_path / "tokens.jsonl"
    environment_ = clean_environment(PATH=path_without_livekit_server(), LIVEKIT_AUTH_TOKEN_LOG=str(token_log), **settings)
    run = run_robot(tmp_path / "out", "--loglevel", "TRACE", str(suite), environment=environment_)
    return run, tokens_from_log(token_log)


def lying_server(seen):
    if seen.path == "/":
        return Reply(200, "OK", {"Content-Type": "text/plain"})
    return Reply(200, "success", {"Content-Type": "text/plain"})


def metadata(run) -> dict:
    from robot.api import ExecutionResult

    return dict(ExecutionResult(str(run.outputdir / "output.xml")).suite.metadata)


def test_without_a_server_every_row_is_decided_offline_by_the_current_rules(tmp_path):
    run, _ = run_suite(tmp_path)
    statuses = run.statuses()
    assert {name: status for name, (status, _) in statuses.items()} == {
        "Good token": "PASS",
        "Forged identity": "PASS",
        "No exp": "PASS",
    }, statuses
    text = run.all_text()
    assert "no server: this row is decided offline only" in text
    assert "accepted by v1.13.0 to v1.13.5 and v1.12 or older servers, refused by current ones" in text
    rules = metadata(run)[environment.SERVER_RULES]
    assert rules.startswith(
        "the current LiveKit rules (LIVEKIT_SERVER_VERSION not set, and no LiveKit server judged these verdicts"
    )


def test_the_rules_of_livekit_server_version_decide_offline(tmp_path):
    run, _ = run_suite(tmp_path, LIVEKIT_SERVER_VERSION="1.13.5")
    assert {name: status for name, (status, _) in run.statuses().items()} == dict.fromkeys(
        ["Good token", "Forged identity", "No exp"], "PASS"
    )
    assert metadata(run)[environment.SERVER_RULES].startswith("LiveKit v1.13.0 to v1.13.5 rules (LIVEKIT_SERVER_VERSION 1.13.5)")


def test_a_server_that_disagrees_fails_the_row_with_both_answers_in_one_sentence(tmp_path):
    with ScriptedServer(lying_server) as server:
        run, tokens = run_suite(tmp_path, LIVEKIT_URL=server.url, LIVEKIT_SERVER_VERSION="1.13.5")
        asked = [seen for seen in server.seen if seen.path == "/rtc/validate"]
    statuses = run.statuses()
    assert statuses["Good token"][0] == "PASS" and statuses["No exp"][0] == "PASS"
    status, message = statuses["Forged identity"]
    assert status == "FAIL"
    assert message == (
        "The offline verdict under LiveKit v1.13.0 to v1.13.5 rules is refused (signature): signature is invalid: it does "
        "not match the secret of API key 'devkey' (so 401 'invalid token: signature is invalid'), but the LiveKit server "
        "1.13.5 answered 200 OK 'success'."
    )
    assert len(asked) == 3
    assert all(seen.headers["authorization"].startswith("Bearer ey") for seen in asked)
    text = run.all_text()
    assert "Offline verdict and LiveKit server answer" in text
    assert not leaks(text, tokens, []), leaks(text, tokens, [])


def test_a_server_that_names_no_version_judges_by_the_current_rules_said_in_one_line(tmp_path):
    with ScriptedServer(lying_server) as server:
        run, _ = run_suite(tmp_path, LIVEKIT_URL=server.url)
    statuses = run.statuses()
    assert statuses["Good token"][0] == "PASS", statuses
    # The server still judges: this one accepts a forged token, which the current rules refuse.
    assert statuses["Forged identity"][0] == "FAIL", statuses
    assert "under the current LiveKit rules" in statuses["Forged identity"][1], statuses
    line = (
        f"The LiveKit server at {server.url} does not report its version, so the current rules decide the offline "
        "verdicts; set LIVEKIT_SERVER_VERSION to its version to use that release line's rules instead."
    )
    assert run.stderr.count(line) == 1, run.stderr[-1500:]
    assert metadata(run)[environment.SERVER_RULES].startswith("the current LiveKit rules (the LiveKit server at")


def test_a_version_setting_that_contradicts_the_server_stops_the_run(tmp_path):
    def named_server(seen):
        reply = lying_server(seen)
        reply.headers["Server"] = "livekit/1.13.5"
        return reply

    with ScriptedServer(named_server) as server:
        run, _ = run_suite(tmp_path, LIVEKIT_URL=server.url, LIVEKIT_SERVER_VERSION="1.9.11")
    assert all(status == "FAIL" for status, _ in run.statuses().values())
    assert "LIVEKIT_SERVER_VERSION is 1.9.11, but the LiveKit server at" in run.stdout, run.stdout[-1500:]
    assert "1.13.5 (from the server header): unset LIVEKIT_SERVER_VERSION or set it to the server's version." in run.stdout


def test_an_unreadable_version_setting_stops_the_run_with_one_sentence(tmp_path):
    run, _ = run_suite(tmp_path, LIVEKIT_SERVER_VERSION="newest")
    assert all(status == "FAIL" for status, _ in run.statuses().values())
    assert (
        "LIVEKIT_SERVER_VERSION: 'newest' is not a LiveKit server version such as 1.13.5. Set it to the version of your "
        "LiveKit server, or leave it unset." in run.stdout
    ), run.stdout[-1500:]


# ---------------------------------------------------------------- the keywords from Python


@pytest.fixture
def library(dev_library) -> LiveKitAuth:
    return dev_library


def test_outcomes_per_release_line_are_read_and_checked(library, monkeypatch):
    claims = good_claims(iss="devkey")
    del claims["exp"]
    token = sign(claims, "secret")
    library.verification_outcome_should_be(token, "exp-required; v1.13.5, v1.12: accepted", at=T0)
    with pytest.raises(AssertionError, match=r"older release lines that accept it are v1\.13\.0 to v1\.13\.5, v1\.12 or older"):
        library.verification_outcome_should_be(token, "exp-required; v1.13.5: accepted", at=T0)
    with pytest.raises(AssertionError, match="Unknown release line 'v2'"):
        library.verification_outcome_should_be(token, "exp-required; v2: accepted", at=T0)
    with pytest.raises(AssertionError, match="Write the outcome of other release lines as 'names: outcome'"):
        library.verification_outcome_should_be(token, "exp-required; accepted", at=T0)
    assert library.use_server_rules_of_version("1.13.5") == "v1.13.5"
    library.verification_outcome_should_be(token, "exp-required; v1.13.5, v1.12: accepted", at=T0)
    with pytest.raises(AssertionError, match=r"should be refused for 'exp-required' under LiveKit v1\.13\.0 to v1\.13\.5 rules"):
        library.verification_outcome_should_be(token, "exp-required", at=T0)


def test_the_reading_of_each_release_line_is_checked(library):
    claims = good_claims(iss="devkey")
    claims["SUB"] = claims.pop("sub")
    token = sign(claims, "secret")
    library.token_should_be_read_as(token, "identity = alice; v1.12: identity =", at=T0)
    library.use_server_rules_of_version("1.9.11")
    library.token_should_be_read_as(token, "identity = alice; v1.12: identity =", at=T0)
    with pytest.raises(AssertionError, match="The server reads the identity as '', expected 'alice'"):
        library.token_should_be_read_as(token, "identity = alice", at=T0)


def test_the_answer_of_rtc_validate_is_predicted_offline(library):
    library.validation_answer_should_be(sign(good_claims(iss="devkey"), "secret"), "200 success", at=T0)
    no_room = sign(good_claims(iss="devkey", video={"roomJoin": True}), "secret")
    library.validation_answer_should_be(no_room, "400 no room name", at=T0)
    with pytest.raises(
        AssertionError, match=r"/rtc/validate would answer 400 'no room name' \(accepted, but it names no room\), not 200 success"
    ):
        library.validation_answer_should_be(no_room, "200 success", at=T0)
    with pytest.raises(AssertionError, match="Write the answer as a status and its words"):
        library.validation_answer_should_be(no_room, "no room name", at=T0)


def test_a_version_that_names_no_release_is_refused(library):
    with pytest.raises(AssertionError, match="'soon' is not a LiveKit server version"):
        library.use_server_rules_of_version("soon")
    with pytest.raises(AssertionError, match=r"Give a LiveKit server version such as 1\.13\.5, or current"):
        library.use_server_rules_of_version("")


def test_a_server_not_on_loopback_gets_no_hostile_token(library, monkeypatch):
    import server_verdicts

    warnings = []
    monkeypatch.setattr(server_verdicts.logger, "warn", warnings.append)

    class FarServer:
        keyring = library.keyring
        timeout = 5.0

        def use_livekit_server(self, url=None):
            return "http://192.0.2.1:7880"

    monkeypatch.setattr(server_verdicts, "library_instance", lambda name: FarServer())
    assert library.use_the_livekit_server_as_judge() is None
    assert library._judge is None
    assert len(warnings) == 1
    assert "is not on loopback: the security catalogue sends its hostile tokens only to a server on 127.0.0.1" in warnings[0]
