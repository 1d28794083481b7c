"""The webhook suites run by Robot Framework: against the reference receiver, against a careless one
that accepts everything, behind an app's gateway header, and against receivers that fail."""

from __future__ import annotations

import json
import secrets
import socket

import pytest
from careless_webhook_receiver import CarelessReceiver
from helpers import section, written_signoff
from http_test_support import SUITES, Reply, ScriptedServer, clean_environment, leaks, run_robot, tokens_from_log

from livekit_settings.webhooks import configuration_problem
from livekit_tokens.keys import ApiKey, Keyring
from livekit_webhooks import conformance
from livekit_webhooks.hostile import CASES
from livekit_webhooks.verification import verify_webhook

CONFORMANCE = SUITES / "webhooks" / "02__receiver_conformance.robot"
KEY = "webhook-suite-key"
SECRET = "webhook-suite-secret-" + secrets.token_hex(12)

# Test name -> case of the conformance table (the suite's rows, in order).
ROWS = {
    "The event as the server sends it is accepted": "correctly signed",
    "No Authorization header is refused": "no Authorization header",
    "The Bearer form is refused by a strict receiver": "Bearer prefix",
    "Another secret is refused": "signed with another secret",
    "A key the receiver does not know is refused": "unknown API key",
    "A body changed after signing is refused": "body changed after signing",
    "A missing sha256 claim is refused": "sha256 claim missing",
    "The sha256 of another body is refused": "sha256 of another body",
    "An expired token is refused": "expired token",
    "Alg none is refused": "alg none",
    "HS512 is refused": "HS512",
    "An oversized body is refused": "oversized body",
}
FORGED = {name: case for name, case in ROWS.items() if case not in ("correctly signed", "Bearer prefix")}


def signoff_findings(outputdir) -> str:
    return section(written_signoff(outputdir, "--command", "python run.py"), "Key Findings")


def test_every_suite_passes_against_the_reference_receiver_and_nothing_leaks_at_trace(tmp_path):
    token_log = tmp_path / "tokens.jsonl"
    environment = clean_environment(LIVEKIT_API_KEY=KEY, LIVEKIT_API_SECRET=SECRET, LIVEKIT_AUTH_TOKEN_LOG=str(token_log))
    outputdir = tmp_path / "out"
    run = run_robot(
        outputdir, "--loglevel", "TRACE", "--debugfile", "debug.txt", str(SUITES / "webhooks"), environment=environment
    )
    statuses = run.statuses()
    assert len(statuses) == 47
    not_passed = {
        name: result
        for name, result in statuses.items()
        if result[0] != "PASS" and not (result[0] == "SKIP" and "livekit-server-sdk" in name and "Node.js" in result[1])
    }
    assert not not_passed, not_passed
    assert run.returncode == 0, run.stdout[-2000:]
    assert statuses["The Bearer form is refused by a strict receiver"] == ("PASS", "")
    tokens = sorted(set(tokens_from_log(token_log)))
    assert len(tokens) >= 30  # every signed request of every suite was noted for the leak guard
    text = run.all_text()
    assert "sha256:" in text
    assert leaks(text, tokens, [SECRET]) == []
    findings = signoff_findings(outputdir)
    assert (
        "**Webhooks** (info): The reference webhook receiver refused all 11 forged or hostile webhooks, as it should, "
        "and accepted the correctly signed event." in findings
    )


def test_every_forged_row_fails_against_a_careless_receiver_with_one_sentence(tmp_path):
    with CarelessReceiver() as careless:
        environment = clean_environment(LIVEKIT_WEBHOOK_URL=careless.webhook_url)
        outputdir = tmp_path / "out"
        run = run_robot(outputdir, str(CONFORMANCE), environment=environment)
        posted = len(careless.seen)
    statuses = run.statuses()
    assert set(statuses) == set(ROWS)
    assert statuses["The event as the server sends it is accepted"] == ("PASS", "")
    # Not strict by default: the Bearer form is reported, not required.
    bearer = statuses["The Bearer form is refused by a strict receiver"]
    assert bearer[0] == "PASS"
    assert bearer[1].startswith(
        "Reported, not required (Bearer prefix): the receiver accepted the server's token after 'Bearer '"
    )
    for name, case in FORGED.items():
        sentence = f"The receiver accepted a forged webhook ({case}: {CASES[case][0]}) with 200: anyone can send it such events."
        assert statuses[name] == ("FAIL", sentence), name
    assert run.returncode == len(FORGED)
    assert posted == len(ROWS)
    findings = signoff_findings(outputdir)
    listed = "; ".join(f"{case} (200)" for case in FORGED.values())
    assert (
        f"**Webhooks** (warning): The webhook receiver at {careless.webhook_url} accepted 10 of 10 forged or hostile "
        f"webhooks, each a finding that needs attention: {listed}. It accepted the correctly signed event. "
        "Reported, not required: it accepted the Bearer prefix form (200)." in findings
    )


def test_a_receiver_that_claims_to_be_strict_must_refuse_the_bearer_form(tmp_path):
    with CarelessReceiver() as careless:
        environment = clean_environment(LIVEKIT_WEBHOOK_URL=careless.webhook_url, LIVEKIT_WEBHOOK_STRICT="true")
        run = run_robot(tmp_path, "--test", "The Bearer Form*", str(CONFORMANCE), environment=environment)
    status, message = run.statuses()["The Bearer form is refused by a strict receiver"]
    assert status == "FAIL"
    assert message == (
        "The receiver accepted a forged webhook (Bearer prefix: the server's token after 'Bearer ', which the server "
        "never sends) with 200: anyone can send it such events."
    )


def test_an_apps_gateway_header_is_sent_to_its_receiver_and_never_logged(tmp_path):
    gateway_key = "gateway-" + secrets.token_hex(12)
    keyring = Keyring([ApiKey(KEY, SECRET)])
    variable_file = tmp_path / "webhook_headers.py"
    variable_file.write_text(
        f"from robot.api.types import Secret\nWEBHOOK_RECEIVER_HEADERS = {{'X-Gateway-Key': Secret({gateway_key!r})}}\n"
    )

    def app(seen):  # the app's gateway, then a receiver that checks as LiveKit's does
        if seen.headers.get("x-gateway-key") != gateway_key:
            return Reply(403, {"error": "no gateway key"})
        if len(seen.body) > 1024 * 1024:
            return Reply(413, {"error": "too large"})
        verdict = verify_webhook(seen.headers.get("authorization"), seen.body, keyring)
        return Reply(200, {}) if verdict.accepted else Reply(401, {"error": verdict.detail})

    token_log = tmp_path / "tokens.jsonl"
    with ScriptedServer(app) as server:
        environment = clean_environment(
            LIVEKIT_WEBHOOK_URL=server.url + "/hooks/livekit",
            LIVEKIT_API_KEY=KEY,
            LIVEKIT_API_SECRET=SECRET,
            LIVEKIT_AUTH_TOKEN_LOG=str(token_log),
        )
        outputdir = tmp_path / "out"
        run = run_robot(
            outputdir, "--loglevel", "TRACE", "--variablefile", str(variable_file), str(CONFORMANCE), environment=environment
        )
        paths = {seen.path for seen in server.seen}
    statuses = run.statuses()
    assert all(status == "PASS" for status, _ in statuses.values()), statuses
    assert paths == {"/hooks/livekit"}
    text = run.all_text()
    assert gateway_key not in text
    assert leaks(text, tokens_from_log(token_log), [SECRET]) == []
    noted = [json.loads(line) for line in token_log.read_text(encoding="utf-8").splitlines()]
    assert noted.count({"secret": gateway_key}) == 1
    assert "The webhook receiver at " in signoff_findings(outputdir)
    execution = section((outputdir / "signoff.md").read_text(encoding="utf-8"), "Test Execution")
    assert "LIVEKIT_WEBHOOK_URL" in execution
    assert "WEBHOOK_RECEIVER_HEADERS in the same variable file (--variablefile)" in execution


def test_a_receiver_that_fails_or_is_down_fails_every_row_with_one_sentence(tmp_path):
    with ScriptedServer(lambda seen: Reply(500, "Internal Server Error", {"Content-Type": "text/plain"})) as failing:
        environment = clean_environment(LIVEKIT_WEBHOOK_URL=failing.url + "/webhook")
        run = run_robot(tmp_path / "failing", str(CONFORMANCE), environment=environment)
    statuses = run.statuses()
    assert statuses["The event as the server sends it is accepted"] == (
        "FAIL",
        "The receiver did not accept the correctly signed event (correctly signed): it answered 500 "
        "'Internal Server Error', a server error.",
    )
    assert statuses["Alg none is refused"] == (
        "FAIL",
        "The receiver did not refuse the claims with alg none and no signature (alg none) with a 4xx: it answered 500 "
        "'Internal Server Error', a server error.",
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/webhook"
    run = run_robot(tmp_path / "down", str(CONFORMANCE), environment=clean_environment(LIVEKIT_WEBHOOK_URL=url))
    down = f"with a 4xx: could not connect to the webhook receiver at {url}: the connection was refused (is it running?)."
    statuses = run.statuses()
    assert all(status == "FAIL" and message.endswith(down) for name, (status, message) in statuses.items() if name in FORGED)
    assert "Traceback" not in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("environment", "sentence"),
    [
        ({"LIVEKIT_WEBHOOK_URL": "ftp://hooks.example"}, "LIVEKIT_WEBHOOK_URL must start with http:// or https://"),
        ({"LIVEKIT_WEBHOOK_STRICT": "maybe"}, "LIVEKIT_WEBHOOK_STRICT must be true or false, got 'maybe'."),
        ({"LIVEKIT_WEBHOOK_OVERSIZED_BYTES": "2 MB"}, "LIVEKIT_WEBHOOK_OVERSIZED_BYTES must be a number of bytes"),
        ({"LIVEKIT_WEBHOOK_EVENT": "room_exploded"}, "LIVEKIT_WEBHOOK_EVENT must be a LiveKit webhook event"),
        (
            {"LIVEKIT_WEBHOOK_API_KEY": "elsewhere"},
            "LIVEKIT_WEBHOOK_API_KEY names 'elsewhere', which is not a configured API key",
        ),
    ],
)
def test_an_unusable_webhook_setting_is_one_sentence(environment, sentence):
    assert configuration_problem(environment).startswith(sentence)
    assert configuration_problem({}) is None


def test_an_unusable_webhook_setting_stops_the_suite_with_its_sentence(tmp_path):
    run = run_robot(tmp_path, str(CONFORMANCE), environment=clean_environment(LIVEKIT_WEBHOOK_STRICT="maybe"))
    from robot.api import ExecutionResult

    assert all(status == "FAIL" for status, _ in run.statuses().values())
    setup = ExecutionResult(str(tmp_path / "output.xml")).suite.setup
    assert setup.message == "LIVEKIT_WEBHOOK_STRICT must be true or false, got 'maybe'."
    assert "Traceback" not in run.stdout + run.stderr


def test_the_judgement_sentences_cover_every_case_of_the_table():
    assert set(ROWS.values()) <= set(CASES)
    assert all(conformance.judge(case, "refused", 401, True).ok for case in FORGED.values())
