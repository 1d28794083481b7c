"""The agent checks without a server: the diagnoses, the tokens of workers and callers, the workers'
environment stamp, a worker process's reports and scrubbed log, and the sign-off's Agents part.

The real worker, the real server and the whole path are checked by suites/live/agents.robot.
"""

from __future__ import annotations

import os
import stat
import sys
import textwrap

import pytest

from livekit_diagnosis import agents as diagnosis
from livekit_signoff import results
from livekit_signoff.agents import agents_section
from livekit_tokens.keys import ApiKey, Keyring
from livekit_tokens.verification import parse_token
from livekit_workers import calls, environment
from livekit_workers.process import WorkerProcess, WorkerSettings

SECRET = "a-secret-of-the-agents-tests-0123456789"
KEYRING = Keyring([ApiKey("agents-key", SECRET)])
URL = "ws://127.0.0.1:7880"


# ---------------------------------------------------------------- diagnoses, as livekit-server v1.13.5 answers /agent


@pytest.mark.parametrize(
    ("status", "message", "cause"),
    [
        (401, "invalid API key: agents-key", "unknown-api-key"),
        (401, "invalid token: <token sha256:0123456789ab>, error: token signature is invalid", "secret-mismatch"),
        (401, "no permissions to access the room", "agent-grant-missing"),
        (401, "invalid token: <token sha256:0123456789ab>, error: token has invalid claims: token is expired", "worker-clock"),
        (401, "invalid authorization token", "malformed"),
        (401, "invalid authorization header", "auth-scheme"),
        (404, "404 page not found", "not-a-worker-connection"),
    ],
)
def test_each_refusal_of_agent_is_named_with_its_fix(status, message, cause):
    found = diagnosis.agent_endpoint_answer(status, message, "agents-key", URL)
    assert found is not None and found.cause == cause
    assert found.fix and SECRET not in found.text


def test_an_upgrade_has_no_diagnosis():
    assert diagnosis.agent_endpoint_answer(101, "", "agents-key", URL) is None


def test_a_worker_that_exited_0_is_said_to_have_never_registered_with_the_servers_cause():
    answer = diagnosis.agent_endpoint_answer(401, "token signature is invalid", "agents-key", URL)
    said = diagnosis.worker_not_registered(diagnosis.WorkerFacts("agents-key", URL, False, 0, 2), answer)
    assert said.cause == "secret-mismatch"
    assert said.sentence.startswith("The worker exited 0 but never registered")
    assert "401 2 time(s)" in said.sentence and "LIVEKIT_API_SECRET" in said.fix


def test_a_worker_still_waiting_whose_credentials_the_server_accepts_is_not_blamed_on_them():
    said = diagnosis.worker_not_registered(diagnosis.WorkerFacts("agents-key", URL, False, None, 0, 20.0), None)
    assert said.cause == "worker-not-registered"
    assert said.sentence.startswith("The worker did not register within 20 s.")


def test_a_dispatch_without_agent_names_the_missing_worker_or_the_full_one():
    workers = [
        {"agent_name": "tester", "registered": True, "full": False},
        {"agent_name": "busy", "registered": True, "full": True},
    ]
    missing = diagnosis.dispatch_without_agent("nobody", "room-1", workers, URL)
    assert missing.cause == "no-worker-for-agent" and "'tester'" in missing.sentence
    full = diagnosis.dispatch_without_agent("busy", "room-1", workers, URL)
    assert full.cause == "worker-full" and "load_fnc" in full.fix
    assert diagnosis.dispatch_without_agent("tester", "room-1", workers, URL).cause == "agent-did-not-join"


# ---------------------------------------------------------------- tokens


def test_a_workers_token_grants_agent_and_nothing_else_with_the_given_pair():
    pair = calls.credentials("run key", KEYRING)
    claims = parse_token(calls.worker_token(pair)).server_claims
    assert claims["iss"] == "agents-key" and claims["video"] == {"agent": True} and "sub" not in claims


def test_wrong_secret_and_unknown_key_differ_from_the_run_key_each_time():
    wrong, unknown = calls.credentials("wrong secret", KEYRING), calls.credentials("unknown key", KEYRING)
    assert wrong.api_key == "agents-key" and wrong.api_secret != SECRET
    assert unknown.api_key not in KEYRING and unknown.api_key != calls.credentials("unknown key", KEYRING).api_key
    assert SECRET not in repr(calls.credentials("run key", KEYRING))
    with pytest.raises(AssertionError, match="second key pair"):
        calls.credentials("second key", KEYRING)


def test_a_caller_token_asks_for_the_agent_in_room_config_only_when_told():
    pair = calls.credentials("run key", KEYRING)
    asking = parse_token(calls.caller_token(pair, "caller", "room-1", "tester")).server_claims
    assert asking["roomConfig"] == {"agents": [{"agentName": "tester"}]} and asking["video"]["room"] == "room-1"
    assert "roomConfig" not in parse_token(calls.caller_token(pair, "caller", "room-1", None)).server_claims


@pytest.mark.parametrize("case", calls.ENDPOINT_CASES)
def test_every_case_of_the_agent_table_is_a_request(case):
    chosen = calls.endpoint_case(case, KEYRING, 1_800_000_000)
    if case in ("no token",):
        assert chosen.token is None
    elif case in ("bearer not a jwt", "basic scheme"):
        assert chosen.token.count(".") < 2
    else:
        claims = parse_token(chosen.token).server_claims
        assert claims["video"].get("agent", False) is (case != "no agent grant")


def test_an_unknown_case_names_the_known_ones():
    with pytest.raises(AssertionError, match="right key and agent grant"):
        calls.endpoint_case("sideways", KEYRING, 0)


def test_listparticipants_agents_are_those_of_kind_agent():
    answer = {"participants": [{"identity": "caller", "kind": "STANDARD"}, {"identity": "agent-AJ_1", "kind": "AGENT"}]}
    assert [agent["identity"] for agent in calls.agents_in(answer)] == ["agent-AJ_1"]
    assert calls.agents_in({}) == [] and calls.agents_in(None) == []


# ---------------------------------------------------------------- the workers' environment


def test_the_environment_is_ready_only_with_the_stamp_of_these_requirements(tmp_path):
    requirements = tmp_path / "requirements-agents.txt"
    requirements.write_text("livekit-agents==1.8.9\n")
    venv = tmp_path / "venv"
    environment.python_of(venv).parent.mkdir(parents=True)
    environment.python_of(venv).write_text("")
    assert not environment.ready(venv, requirements)
    environment.stamp_of(venv, requirements).write_text("installed\n")
    assert environment.ready(venv, requirements)
    requirements.write_text("livekit-agents==1.8.8\n")
    assert not environment.ready(venv, requirements)


def test_the_folder_setting_names_another_environment(tmp_path):
    assert environment.folder({environment.FOLDER_VARIABLE: str(tmp_path)}) == tmp_path
    assert environment.folder({}) == environment.DEFAULT_FOLDER


# ---------------------------------------------------------------- a worker process


# Stands in for worker_program.py under livekit-agents 1.8.9 as it was seen: it reports over the
# loopback connection, and its own log may print what it holds (here, on purpose, its token and secret).
STAND_IN = textwrap.dedent(
    """
    import json, os, socket, sys, time
    report = socket.create_connection(tuple(os.environ["LIVEKIT_AUTH_WORKER_REPORT"].rsplit(":", 1)))
    token = "eyJhbGciOiJIUzI1NiJ9.eyJraW5kIjoiYWdlbnQifQ.c2lnbmF0dXJlLW9mLXRoZS1zdGFuZC1pbg"
    def send(**message):
        report.sendall((json.dumps(message) + "\\n").encode())
    send(event="started", sdk="1.8.9", agent_name=os.environ["LIVEKIT_AUTH_AGENT_NAME"], load=0.0)
    send(event="registered", worker_id="AW_standin", agent_name=os.environ["LIVEKIT_AUTH_AGENT_NAME"], full=False)
    send(event="job", job_id="AJ_1", room="room-1", agent_name="tester", token=token)
    print("job token", token, "secret", os.environ["LIVEKIT_API_SECRET"], flush=True)
    print("argv", sys.argv[1:], flush=True)
    time.sleep(30)
    """
)


@pytest.fixture
def stand_in_python(tmp_path):
    script = tmp_path / "python"
    script.write_text(f"#!{sys.executable}\n" + STAND_IN)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.skipif(os.name == "nt", reason="the stand-in is started by its #! line")
def test_a_workers_reports_arrive_and_its_log_never_shows_its_token_or_secret(stand_in_python):
    worker = WorkerProcess(stand_in_python, WorkerSettings(URL, "agents-key", SECRET, "tester"))
    try:
        assert worker.wait_for("registered", 10)["worker_id"] == "AW_standin"
        job = worker.wait_for("job", 10, lambda event: event["room"] == "room-1")
        assert "token" not in job and worker.token_of(job).startswith("eyJ")
        for _ in range(50):
            if "argv" in worker.log_text():
                break
            worker.wait_for_exit(0.1)
        shown = worker.log_text()
        assert "job token <token sha256:" in shown and "<secret>" in shown
        assert worker.token_of(job) not in shown and SECRET not in shown
        assert "'start'" in shown and SECRET not in " ".join(worker.process.args)
        folder = worker.log_path.parent
    finally:
        worker.stop()
    assert not folder.exists()
    assert worker.exit_code is not None


# ---------------------------------------------------------------- the sign-off's Agents part


def _agent_record(fact: str, facts: dict) -> results.Record:
    return results.Record("agent", {"title": fact, "rows": [], "agents": fact, "facts": facts})


def _run(tests: list[results.TestRun]) -> results.Run:
    return results.Run(tests, {}, [], [], [], None, "test", [])


def test_the_agents_part_says_key_dispatch_and_the_agents_token():
    test = results.TestRun("A token asking for the agent brings it into the room", "Agents", ["agents", "live"], "PASS", "")
    test.suite_records = [_agent_record("registered", {"api_key": "agents-key", "agent_name": "tester", "alias": "tester"})]
    test.records = [
        _agent_record("dispatched", {"identity": "agent-AJ_1", "room": "room-1"}),
        _agent_record(
            "agent_token",
            {
                "api_key": "agents-key",
                "worker_key": "agents-key",
                "kind": "agent",
                "agent": True,
                "room": "room-1",
                "lifetime": 3600.0,
                "fingerprint": "sha256:0123456789ab",
            },
        ),
    ]
    blocks = agents_section(_run([test]))
    shown = repr(blocks)
    assert "Server Acceptance: Agents " in shown and "'PASS'" in shown
    for part in ("agents-key", "tester", "agent-AJ_1", "room-1", "sha256:0123456789ab", "1 h"):
        assert part in shown, part


def test_without_agent_tests_there_is_no_agents_part():
    assert agents_section(_run([results.TestRun("Other", "Live", ["live"], "PASS", "")])) == []
