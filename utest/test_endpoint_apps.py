"""The endpoint suite against token endpoints as apps build them (stand-ins in ``endpoint_apps``): the
shape it detects, the checks that pass, and the holes it finds, each with its severity and sentence."""

from __future__ import annotations

import json

import pytest
from endpoint_apps import (
    KEY,
    SAFE_CREDENTIAL,
    SECRET,
    App,
    admin_month,
    bare,
    cors_echo,
    meet,
    safe,
    shared,
    stack_trace,
    starter,
)
from helpers import ROOT, SUITES, before_diagnosis, run_robot, written_signoff
from http_test_support import RobotRun
from server_support import real_server

from livekit_server import process

SECURITY = {
    "impersonation": "A second caller cannot take the first caller's identity",
    "injected": "The caller's metadata and attributes stay out of the token",
    "room-config": "The caller's room configuration stays limited to agent dispatch",
    "no-authentication": "A caller without a credential is refused",
    "shared": "Separate callers do not share an identity or a token",
    "lifetime-grants": "The token lives briefly and grants little",
    "cors": "Foreign web sites are not let in by CORS",
    "error-body": "Error answers show no internals",
}
JS = "The LiveKit JS client gets a token"


def endpoint_run(tmp_path, app: App, headers: dict | None = None, **settings: str) -> RobotRun:
    arguments = []
    if headers:
        variables = tmp_path / "headers.py"
        variables.write_text(f"TOKEN_ENDPOINT_HEADERS = {json.dumps(headers)}\n")
        arguments += ["--variablefile", str(variables)]
    environment = {"LIVEKIT_TOKEN_ENDPOINT": app.url, "LIVEKIT_API_KEY": KEY, "LIVEKIT_API_SECRET": SECRET, **settings}
    outputdir = tmp_path / "results"
    done = run_robot(outputdir, *arguments, str(SUITES / "endpoint"), settings=environment)
    return RobotRun(done.returncode, done.stdout, done.stderr, outputdir)


def failed(run: RobotRun) -> dict[str, str]:
    return {name: before_diagnosis(message) for name, (status, message) in run.statuses().items() if status == "FAIL"}


def test_the_starter_route_is_judged_by_its_holes_not_its_shape(tmp_path):
    with App("/api/token", "ws://127.0.0.1:7880", starter) as app:
        run = endpoint_run(tmp_path, app)
    holes = failed(run)
    assert sorted(holes) == [SECURITY["no-authentication"], SECURITY["room-config"]], run.stdout
    assert holes[SECURITY["room-config"]] == (
        "The room configuration the caller sent is signed into the token beyond agent dispatch: egress outputs, "
        "a participant limit, a timeout, room metadata (egress, emptyTimeout, maxParticipants, metadata): the caller "
        "can record the room to storage of its choosing."
    )
    assert holes[SECURITY["no-authentication"]] == (
        "The endpoint minted a token (200) without asking for any credential: anyone who can reach it gets one."
    )
    text = run.all_text()
    assert "camelCase JSON" in text and "nbf-missing" in text
    assert "counted from the request (the token has no usable nbf or iat)" in text
    assert "the answer looks cached" not in text
    assert "The token lives 20794" not in text
    signoff = written_signoff(run.outputdir)
    assert "# LiveKit Token Endpoint Test Results" in signoff
    assert "Shape detected: **standard** (POST, answer in camelCase JSON)" in signoff
    assert (
        signoff.index("**Room config (critical)**") < signoff.index("**No authentication (high)**") < signoff.index("### Checks")
    )
    assert "Error body (low)" in signoff


def test_the_meet_route_is_found_by_get_and_its_cookie_impersonation_is_shown_by_the_real_server(tmp_path):
    started = process.start_server(real_server(), {KEY: SECRET})
    try:
        with App("/api/connection-details", started.ws_url, meet) as app:
            run = endpoint_run(tmp_path, app)
    finally:
        started.stop()
    holes = failed(run)
    assert sorted(holes) == sorted([SECURITY["injected"], SECURITY["no-authentication"], SECURITY["impersonation"]]), run.stdout
    assert holes[SECURITY["impersonation"]].startswith(
        "A second caller obtained a token for another caller's identity 'Client Test__"
    )
    assert "by sending the cookie random-participant-postfix it trusts" in holes[SECURITY["impersonation"]]
    assert holes[SECURITY["impersonation"]].endswith("and the server disconnected the first participant with DUPLICATE_IDENTITY.")
    assert holes[SECURITY["injected"]].startswith('Metadata chosen by the caller ({"role": "admin", "probe": "metadata-')
    assert JS not in holes
    text = run.all_text()
    assert "connection-details" in text and "TokenSource.custom (GET, as the app fetches)" in text
    signoff = written_signoff(run.outputdir)
    assert "Shape detected: **connection-details** (GET, answer in camelCase JSON)" in signoff
    assert "Status: FAILED" in signoff and "**Impersonation (critical)**" in signoff


def test_a_safe_endpoint_in_camel_case_passes_every_check(tmp_path):
    with App("/api/token", "ws://127.0.0.1:7880", safe) as app:
        run = endpoint_run(tmp_path, app, headers={"Authorization": f"Bearer {SAFE_CREDENTIAL}"})
    assert failed(run) == {}, run.stdout
    signoff = written_signoff(run.outputdir)
    assert "## Status: PASSED" in signoff
    assert "Cors (low): The endpoint authenticates" not in signoff  # no CORS header at all here


def test_a_bare_token_as_text_html_is_read_and_the_js_client_failure_says_how_to_answer(tmp_path):
    with App("/token", "", bare) as app:
        run = endpoint_run(tmp_path, app)
    status, message = run.statuses()[JS]
    assert status == "FAIL"
    assert "Diagnosis: The endpoint answers the bare token as text, which LiveKit's TokenSource cannot read" in message
    assert "Content-Type: application/json" in message
    assert "Shape detected: **bare-token** (POST, answer in bare token)" in written_signoff(run.outputdir)


def test_a_shared_cached_token_is_found(tmp_path):
    with App("/token", "ws://127.0.0.1:7880", shared) as app:
        run = endpoint_run(tmp_path, app)
    holes = failed(run)
    assert holes[SECURITY["shared"]] == "Two separate callers got byte-identical tokens: one caller's token is another's."


@pytest.mark.parametrize(
    ("script", "check", "sentence"),
    [
        (
            cors_echo,
            "cors",
            "A preflight from the foreign origin https://foreign-site.example is answered with that origin and "
            "credentials allowed: any web site can mint tokens with its visitors' cookies.",
        ),
        (admin_month, "lifetime-grants", "The endpoint's token lives 720.0 h (counted from nbf), longer than the 24 h allowed"),
    ],
)
def test_one_hole_fails_its_own_check(tmp_path, script, check, sentence):
    with App("/token", "ws://127.0.0.1:7880", script) as app:
        run = endpoint_run(tmp_path, app, headers={"Authorization": f"Bearer {SAFE_CREDENTIAL}"})
    holes = failed(run)
    assert SECURITY[check] in holes, run.stdout
    assert holes[SECURITY[check]].startswith(sentence)


def test_a_stack_trace_in_an_error_answer_is_reported(tmp_path):
    with App("/token", "ws://127.0.0.1:7880", stack_trace) as app:
        run = endpoint_run(tmp_path, app, headers={"Authorization": f"Bearer {SAFE_CREDENTIAL}"})
    assert failed(run) == {}, run.stdout  # medium: reported, not failed
    assert (
        "The endpoint's error answer (500) shows a JavaScript stack trace, a path inside node_modules, an exception "
        "class name: internals an attacker learns the app from." in written_signoff(run.outputdir)
    )


def test_the_reference_endpoint_started_by_the_suite_passes_in_its_safe_design(tmp_path):
    outputdir = tmp_path / "results"
    done = run_robot(outputdir, str(SUITES / "endpoint"))
    assert done.returncode == 0, done.stdout
    signoff = written_signoff(outputdir)
    assert "## Status: PASSED" in signoff
    assert "Error body" not in signoff
    assert "--variablefile" not in signoff  # its credential is the suite's own, no setting to repeat
    assert (ROOT / "examples" / "token_endpoint.py").exists()


def test_a_dev_servers_slow_first_request_is_diagnosed_with_the_warm_up_setting():
    from http_test_support import Reply, ScriptedServer

    from LiveKitHttp import LiveKitHttp

    with ScriptedServer(lambda seen: Reply(hang=True)) as server:
        http = LiveKitHttp(timeout=0.3)
        http.use_token_endpoint(server.url + "/api/token")
        with pytest.raises(AssertionError) as caught:
            http.request_token_from_endpoint(room_name="demo")
    message = str(caught.value)
    assert before_diagnosis(message).endswith("accepted the connection but did not answer within 0.3 s.")
    assert "(1) The token endpoint at 127.0.0.1:" in message
    assert "a development server (next dev) compiles a route on its first request" in message
    assert "Set LIVEKIT_ENDPOINT_WARM_UP=60 seconds" in message


def test_a_backdated_token_with_no_store_and_two_identities_is_not_called_cached():
    import secrets as random_source
    import time

    from http_test_support import Reply, ScriptedServer

    from livekit_tokens.keys import load_keyring
    from livekit_tokens.minting import build_claims, encode
    from LiveKitHttp import LiveKitHttp

    keyring = load_keyring(environ={})

    def answer(seen):
        claims = build_claims("devkey", f"user-{random_source.token_hex(3)}", "demo", room_join=True)
        claims["nbf"] = int(time.time()) - 3600  # dated an hour back, minted now
        token = encode(claims, keyring.prepared_secret("devkey"))
        return Reply(201, {"server_url": "ws://127.0.0.1:7880", "participant_token": token}, {"Cache-Control": "no-store"})

    with ScriptedServer(answer) as server:
        http = LiveKitHttp(timeout=5)
        http.use_token_endpoint(server.url + "/token")
        http.request_token_from_endpoint(room_name="demo")
        second = http.request_token_from_endpoint(room_name="demo")
        with pytest.raises(AssertionError) as caught:
            http.endpoint_token_should_be_fresh(second)
    message = str(caught.value)
    assert "(1) The endpoint dates its tokens 1 h before it mints them" in message
    assert (
        "no cache served them: its answers say Cache-Control: no-store and two requests got two different identities" in message
    )
