"""The sign-off summary generator, on output.xml files recorded from the real authentication suite.

The recorded files are in utest/data/signoff (see record.py there). Results that the five-step suite
cannot produce (other areas, findings, hostile values) are built with Robot Framework's result model
and the library's own evidence tables, then saved as output.xml, so they go through the same reader.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from helpers import section
from robot import result as robot_result

import livekit_signoff as signoff
from livekit_evidence.record import RECORD_NAME, file_digest
from livekit_signoff import execution
from livekit_tokens import environment, evidence

DATA = Path(__file__).resolve().parent / "data" / "signoff"
TOOLS = Path(__file__).resolve().parent.parent / "tools"


def summary(*names: str, command: str | None = None) -> tuple[str, str, str]:
    run = signoff.read_results([DATA / f"{name}.xml" for name in names])
    status, blocks = signoff.build(run, command)
    return status, signoff.to_markdown(blocks), signoff.to_html(blocks, status)


def saved(tmp_path: Path, suite: robot_result.TestSuite, name: str = "output.xml") -> Path:
    path = tmp_path / name
    robot_result.Result(suite=suite).save(path)
    return path


def evidence_suite(tests: dict[str, tuple[list[str], str, list[str]]], metadata: dict | None = None) -> robot_result.TestSuite:
    """A result suite whose tests carry ``(tags, status, [evidence html ...])`` like the library logs them."""
    suite = robot_result.TestSuite(name="Areas", metadata=metadata or {}, start_time=datetime(2026, 1, 19, 20, 0, 0))
    for name, (tags, status, messages) in tests.items():
        test = suite.tests.create(name=name, tags=tags, status=status, message="" if status == "PASS" else f"{name} said why")
        keyword = test.body.create_keyword(name="Some Keyword", status=status)
        for message in messages:
            keyword.body.create_message(message=message, html=True, level="INFO")
    return suite


# ---------------------------------------------------------------- the recorded runs


def test_a_passing_run_without_a_server_reads_like_the_document_but_passed_offline_only():
    status, markdown, page = summary("passed", command="python run.py")
    assert status == "PASSED (offline only)"
    titles = re.findall(r"^#+ (.*)$", markdown, flags=re.MULTILINE)
    expected = [
        "LiveKit Client Authentication Test Results",
        "Test Date",
        "Objective",
        "Status: PASSED (offline only) ☑️",
        "Test Execution",
        "Results",
        "Step 1: Token Generation ✅",
        "Step 2: Signature Validation ✅",
        "Step 3: Token Claims ✅",
        "Step 4: Access Grants ✅",
        "Step 5: Token Expiration ✅",
        "Server Acceptance ⬜",
        "Authentication Flow Verified",
        "Key Findings",
        "Conclusion",
        "Environment",
    ]
    assert titles == expected
    assert re.search(r"^\w+ \d{1,2}, \d{4}, run started \d\d:\d\d:\d\d UTC$", section(markdown, "Test Date"), re.MULTILINE)
    assert (
        "but the token was checked offline only, by the server's rules. No LiveKit server was contacted: the live checks "
        "were not part of this run" in markdown
    )
    assert "Not checked. No LiveKit server was contacted: the live checks were not part of this run" in section(
        markdown, "Server Acceptance"
    )
    assert "**Control plane verified. Server acceptance not checked.**" in section(markdown, "Conclusion")
    assert "Transport verified" not in markdown
    assert '<h2 class="status offline">' in page


def test_a_run_against_the_real_server_shows_the_servers_view_after_step_5():
    status, markdown, page = summary("live", command="python run.py")
    assert status == "PASSED"
    titles = re.findall(r"^#+ (.*)$", markdown, flags=re.MULTILINE)
    assert titles[titles.index("Step 5: Token Expiration ✅") + 1] == "Server Acceptance ✅"
    acceptance = section(markdown, "Server Acceptance")
    assert re.search(r"- Server: `ws://127\.0\.0\.1:\d+`, version `1\.13\.5 \(livekit-server --version\)`", acceptance)
    assert "- Participant joined as `client_test` in `test_room`" in acceptance
    assert "- Transport: WebRTC connected (UDP on 127.0.0.1)" in acceptance
    assert (
        "- Permissions as the server applied them (as Step 4 decided): canSubscribe true, canPublish false, "
        "canPublishData false, hidden false"
    ) in acceptance
    assert "- Publish refused by the server: `NOT_ALLOWED`" in acceptance
    assert "- Data received by `client_test` from `livekit-auth-publisher`" in acceptance
    assert re.search(r"- Clock skew against the server's Date header: [+-]\d+\.\d s", acceptance)
    conclusion = section(markdown, "Conclusion")
    assert (
        conclusion.rstrip().splitlines()[-3] == "**Control plane verified. Transport verified (LiveKit Python real-time SDK).**"
    )
    assert '<h2 class="status passed">' in page


def _without_transport(tmp_path: Path) -> Path:
    """live.xml with the data test failing over: the record of the data packet says it did not arrive."""
    text = (DATA / "live.xml").read_text(encoding="utf-8")
    changed = text.replace("&amp;quot;received&amp;quot;: true", "&amp;quot;received&amp;quot;: false")
    assert changed != text
    path = tmp_path / "output.xml"
    path.write_text(changed, encoding="utf-8")
    return path


def test_transport_is_verified_only_when_data_crossed_it(tmp_path):
    run = signoff.read_results([_without_transport(tmp_path)])
    _, blocks = signoff.build(run, None)
    markdown = signoff.to_markdown(blocks)
    assert "Transport verified" not in markdown
    assert "**Control plane verified. Transport not checked in this run.**" in section(markdown, "Conclusion")
    assert "- Data received by" not in section(markdown, "Server Acceptance")


def test_a_passing_run_shows_the_values_each_step_observed():
    _, markdown, _ = summary("passed")
    step1 = section(markdown, "Step 1")
    for line in ("API key: `devkey`", "Room: `test_room`", "Participant: `client_test`", "Algorithm: `HS256`"):
        assert f"- {line}" in step1
    assert re.search(r"- Token generated: `\d{3} characters`", step1)
    assert "4 of 4" in section(markdown, "Step 2")
    step3 = section(markdown, "Step 3")
    assert "- **Issuer (iss)**: `devkey` ✓" in step3
    assert "- **Subject (sub)**: `client_test` ✓" in step3
    assert "- **Audience (aud)**: `test_room` ✓" in step3
    step4 = section(markdown, "Step 4")
    for line in ("**Room access**: `test_room` ✓", "**Can join**: `true` ✓", "**Can publish**: `false` ✓"):
        assert line in step4
    step5 = section(markdown, "Step 5")
    assert re.search(r"- Expires at: `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`", step5)
    assert re.search(r"- Not before \(nbf\): `[^`]+ UTC \(\d+ s ago\)`", step5)
    assert re.search(r"\*\*Time remaining\*\*: `5 h 59 min` ✓ \(expected `about 6 h`\)", step5)
    flow = section(markdown, "Authentication Flow Verified")
    assert flow.count("✅ **PASS**") == 5


def test_a_passing_run_lists_findings_and_an_honest_conclusion():
    _, markdown, _ = summary("passed")
    findings = section(markdown, "Key Findings")
    assert "**Weak secret** (warning): The API secret of key 'devkey' is 6 bytes long" in findings
    assert "**Clock skew**: not measured" in findings
    assert "the token carries aud `test_room`" in findings
    conclusion = section(markdown, "Conclusion")
    assert "The five authentication steps passed in this run." in conclusion
    assert "Server acceptance not checked" in conclusion
    assert "Transport ready" not in markdown


def test_the_environment_comes_from_the_run():
    _, markdown, _ = summary("passed", command="python run.py --include step-1")
    environment_rows = section(markdown, "Environment")
    for name in ("Robot Framework", "Python", "PyJWT", "livekit-api", "Operating system", "Project commit"):
        row = re.search(rf"^\| {re.escape(name)} \| `([^`]+)` \|$", environment_rows, re.MULTILINE)
        assert row, name
        assert "not recorded" not in row.group(1)
    assert "| Robot Framework | `7.5` |" in environment_rows
    assert "| Command | `python run.py --include step-1` |" in environment_rows
    assert re.search(r"\| Robot Framework command line \| `python -m robot [^`]*suites/authentication` \|", environment_rows)
    assert "| LiveKit server | No LiveKit server was contacted: the live checks were not part of this run" in environment_rows


def test_a_failed_step_shows_the_value_that_failed_and_why():
    status, markdown, html_page = summary("failed")
    assert status == "FAILED"
    assert "## Status: FAILED ❌" in markdown
    step5 = section(markdown, "Step 5")
    assert "#### Step 5: Token Expiration ❌" in markdown
    assert "- Expires at: `2026-01-20 01:08:57 UTC`" in step5
    assert "- Not before (nbf): `2026-01-19 19:08:57 UTC" in step5
    assert "**Failed** (cause: expired): Token refused: token is expired: it expired at 2026-01-20 01:08:57 UTC" in step5
    for number in (1, 2, 3, 4):
        assert re.search(rf"^#### Step {number}: .* ✅$", markdown, re.MULTILINE)
    conclusion = section(markdown, "Conclusion")
    assert "The run failed at Step 5: Token Expiration." in conclusion
    assert "Token Expiration**: Token refused: token is expired" in conclusion
    assert "passed in this run" not in markdown
    assert "- Token supplied: `" in section(markdown, "Step 1")
    assert 'class="label fail">FAIL</span>' in html_page


def test_values_without_an_expectation_are_reported_not_claimed_as_checked():
    _, markdown, _ = summary("failed")
    assert "- **Issuer (iss)**: `devkey` (reported, not checked)" in section(markdown, "Step 3")
    assert "**PASS** (values reported; no expected values were set)" in section(markdown, "Authentication Flow Verified")
    assert "the token carries no aud claim" in section(markdown, "Key Findings")


def test_a_skipped_step_makes_the_run_incomplete():
    status, markdown, _ = summary("skipped")
    assert status == "INCOMPLETE"
    assert "## Status: INCOMPLETE ⚠️" in markdown
    assert "**Skipped:** Test skipped using 'step-5' tag." in section(markdown, "Step 5")
    assert "| Expiration check | ⏭️ **SKIPPED** |" in markdown
    conclusion = section(markdown, "Conclusion")
    assert "Token Expiration** was skipped: Test skipped using 'step-5' tag." in conclusion
    assert "passed in this run" not in markdown


def test_a_subset_run_says_which_steps_did_not_run():
    status, markdown, _ = summary("steps-1-2")
    assert status == "INCOMPLETE"
    for number, name in ((3, "Token Claims"), (4, "Access Grants"), (5, "Token Expiration")):
        assert f"Not run: no test tagged step-{number} is in these results." in section(markdown, f"Step {number}")
        assert f"**Step {number}: {name}** was not run in these results." in markdown
    assert "| Claims verification | ⬜ **NOT RUN** |" in markdown


def test_two_subset_runs_combined_cover_the_five_steps_and_name_both_tokens():
    status, markdown, _ = summary("steps-1-2", "steps-3-5")
    assert status == "PASSED (offline only)"
    assert markdown.count("✅ **PASS**") == 5
    assert "**2 different tokens** were examined" in section(markdown, "Test Execution")
    assert "passed in these results. Each step ran on the token of its own run (2 different tokens)." in markdown


def test_merged_results_show_the_re_executed_step_and_its_earlier_failure():
    status, markdown, _ = summary("merged")
    assert status == "PASSED (offline only)"
    execution = section(markdown, "Test Execution")
    assert "re-executed and merged in: Token Expiration." in execution
    assert "**2 different tokens**" in execution
    step5 = section(markdown, "Step 5")
    assert "**Re-executed:** Test has been re-executed and results merged." in step5
    assert "Old status: FAIL Old message: Token refused: token is expired" in step5
    assert "- Token length: `" in section(markdown, "Step 1")  # steps 1-4 come from the earlier, supplied-token run


# ---------------------------------------------------------------- results the five-step suite cannot produce


def test_other_areas_findings_and_the_live_server_are_summarised(tmp_path):
    finding = evidence.table(
        "Finding",
        [{"label": "clock-skew", "value": "The server clock is 48 s ahead."}],
        {"finding": "clock-skew", "severity": "warning", "text": "The server clock is 48 s ahead."},
    )
    suite = evidence_suite(
        {
            "The observer token is accepted": (["live"], "PASS", [finding]),
            "An expired token is refused": (["live"], "FAIL", []),
            "Endpoint Answers": (["endpoint"], "SKIP", []),
            "Alg none is refused": (["security"], "PASS", []),
        },
        metadata={environment.SERVER_URL: "http://127.0.0.1:7880", environment.SERVER_VERSION: "1.9.1"},
    )
    run = signoff.read_results([saved(tmp_path, suite)])
    status, blocks = signoff.build(run, None)
    markdown = signoff.to_markdown(blocks)
    assert status == "FAILED"
    findings = section(markdown, "Key Findings")
    assert "**Clock skew** (warning): The server clock is 48 s ahead." in findings
    assert "Clock skew**: not measured" not in findings
    assert "**LiveKit server** (live): 2 tests: 1 passed, 1 failed, 0 skipped. Server: `http://127.0.0.1:7880`" in findings
    assert "Failed: **An expired token is refused** — An expired token is refused said why" in findings
    assert (
        "**Token endpoint** (endpoint): 1 test: 0 passed, 0 failed, 1 skipped. Not checked: Endpoint Answers said why" in findings
    )
    assert "**Security catalogue** (security): 1 test: 1 passed" in findings
    assert "| LiveKit server URL | `http://127.0.0.1:7880` |" in markdown
    assert "| LiveKit server version | `1.9.1` |" in markdown
    assert "The five steps did not fail, but other tests of the run did." in section(markdown, "Conclusion")


def test_the_server_rules_of_the_offline_verdicts_are_named(tmp_path):
    rules = "LiveKit v1.13.0 to v1.13.5 rules (the version of the LiveKit server at http://127.0.0.1:7880: 1.13.5): Security"
    suite = evidence_suite(
        {"Alg none is refused": (["security"], "PASS", [])},
        metadata={environment.SERVER_RULES: rules},
    )
    markdown = signoff.to_markdown(signoff.build(signoff.read_results([saved(tmp_path, suite)]), None)[1])
    assert f"| Server rules of the offline verdicts | `{rules}` |" in section(markdown, "Environment")
    without = evidence_suite({"Alg none is refused": (["security"], "PASS", [])})
    markdown = signoff.to_markdown(signoff.build(signoff.read_results([saved(tmp_path, without)]), None)[1])
    assert "Server rules of the offline verdicts" not in markdown


def test_hostile_values_are_escaped_in_both_formats(tmp_path):
    rows = [
        {"key": "api_key", "label": "API key", "value": "devkey"},
        {"key": "participant", "label": "Participant", "value": "<img src=x onerror=alert(1)>"},
        {"key": "room", "label": "Room", "value": "a`b|c"},
    ]
    suite = evidence_suite({"Token Generation": (["step-1"], "PASS", [evidence.table("Token", rows, kind="token")])})
    run = signoff.read_results([saved(tmp_path, suite)])
    status, blocks = signoff.build(run, None)
    page = signoff.to_html(blocks, status)
    markdown = signoff.to_markdown(blocks)
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "- Room: ``a`b|c``" in markdown


def test_the_page_is_self_contained_and_prints(tmp_path):
    _, _, page = summary("passed")
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.IGNORECASE)
    assert "@media print" in page
    assert '<meta charset="utf-8">' in page


def test_the_test_date_uses_the_recorded_utc_offset(tmp_path):
    suite = evidence_suite({"Token Generation": (["step-1"], "PASS", [])}, metadata={environment.UTC_OFFSET: "+0100"})
    run = signoff.read_results([saved(tmp_path, suite)])
    assert signoff.test_date(run) == "January 19, 2026, run started 19:00:00 UTC"


def test_an_environment_the_run_did_not_record_is_marked_as_such(tmp_path):
    suite = evidence_suite({"Token Generation": (["step-1"], "PASS", [])})
    run = signoff.read_results([saved(tmp_path, suite)])
    markdown = signoff.to_markdown(signoff.build(run, None)[1])
    assert re.search(r"\| PyJWT \| `[^`]+ \(not recorded by the run; read when this summary was written\)` \|", markdown)
    assert "| Command | `not recorded` |" in markdown


def test_the_steps_tests_are_found_by_tag_not_by_name(tmp_path):
    suite = evidence_suite({"Anything At All": (["STEP-1"], "PASS", [])})
    run = signoff.read_results([saved(tmp_path, suite)])
    assert [result.status for result in signoff.step_results(run)] == ["PASS", "NOT RUN", "NOT RUN", "NOT RUN", "NOT RUN"]


# ---------------------------------------------------------------- command line


def test_the_summary_is_written_beside_the_first_output_by_default(tmp_path, capsys):
    copy = tmp_path / "output.xml"
    copy.write_bytes((DATA / "failed.xml").read_bytes())
    assert signoff.main([str(copy)]) == 0
    assert (tmp_path / "signoff.md").read_text(encoding="utf-8").startswith("# LiveKit Client Authentication Test Results")
    assert (tmp_path / "signoff.html").is_file()
    assert capsys.readouterr().out.startswith("Sign-off summary: FAILED")


def with_guard_record(tmp_path, name: str) -> str:
    """A copy of the recorded ``name`` with the leak guard's record of a clean search beside it, as python run.py leaves it."""
    folder = tmp_path / name.split(".")[0]
    folder.mkdir()
    output = folder / "output.xml"
    output.write_bytes((DATA / name).read_bytes())
    record = {
        "output": "output.xml",
        "output_sha256": file_digest(output),
        "searched": ["output.xml"],
        "found": {},
        "unreadable": {},
    }
    (folder / RECORD_NAME).write_text(json.dumps(record), encoding="utf-8")
    return str(output)


def test_require_passed_fails_unless_the_status_is_passed(tmp_path, capsys):
    live, passed, skipped = (with_guard_record(tmp_path, name) for name in ("live.xml", "passed.xml", "skipped.xml"))
    assert signoff.main([skipped, "--outdir", str(tmp_path), "--require-passed"]) == 1
    assert signoff.main([live, "--outdir", str(tmp_path), "--require-passed"]) == 0
    capsys.readouterr()
    # Passed without a server: refused unless offline evidence is accepted explicitly.
    assert signoff.main([passed, "--outdir", str(tmp_path), "--require-passed"]) == 1
    assert "No LiveKit server was contacted in this run" in capsys.readouterr().err
    assert signoff.main([passed, "--outdir", str(tmp_path), "--require-passed", "--allow-offline"]) == 0
    assert signoff.main([skipped, "--outdir", str(tmp_path), "--require-passed", "--allow-offline"]) == 1
    # Without the guard's record of these exact results: never passed.
    assert signoff.main([str(DATA / "live.xml"), "--outdir", str(tmp_path), "--require-passed"]) == 1
    assert "No leak guard record of these exact results" in capsys.readouterr().err


@pytest.mark.parametrize("content", [None, "not xml at all", "<robot><suite></robot>"])
def test_unreadable_results_end_in_one_sentence(tmp_path, capsys, content):
    path = tmp_path / "output.xml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert signoff.main([str(path), "--outdir", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("Sign-off summary not written: ")
    assert error.count("\n") == 1
    assert not (tmp_path / "signoff.md").exists()


def test_a_failed_suite_setup_is_named_with_its_reason(tmp_path):
    suite = evidence_suite({"Token Generation": (["step-1"], "FAIL", [])})
    suite.setup.config(name="The Token Under Test Is Ready", status="FAIL", message="LIVEKIT_KEYS line 1 has no ':'.")
    run = signoff.read_results([saved(tmp_path, suite)])
    conclusion = section(signoff.to_markdown(signoff.build(run, None)[1]), "Conclusion")
    assert "- **Suite setup of Areas**: LIVEKIT_KEYS line 1 has no ':'." in conclusion


def test_the_command_shown_hides_secret_looking_variables(tmp_path):
    command = "python run.py --variable API_SECRET:hunter2 --include step-1"
    assert signoff.main([str(DATA / "passed.xml"), "--outdir", str(tmp_path), "--command", command]) == 0
    markdown = (tmp_path / "signoff.md").read_text(encoding="utf-8")
    page = (tmp_path / "signoff.html").read_text(encoding="utf-8")
    assert "hunter2" not in markdown + page
    assert "`python run.py --variable API_SECRET:<hidden> --include step-1`" in markdown
    assert "python run.py --variable API_SECRET:&lt;hidden&gt; --include step-1" in page


def test_without_step_5_the_summary_does_not_claim_the_times_were_checked():
    _, markdown, _ = summary("skipped")
    assert "**Clock skew**: not measured, and no token times were checked in these results." in section(markdown, "Key Findings")


def test_without_arguments_the_usage_names_the_command_users_type():
    done = subprocess.run([sys.executable, str(TOOLS / "signoff.py")], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: python run.py signoff [-h]")
    assert "python run.py signoff: error: the following arguments are required: OUTPUT.xml" in done.stderr
    assert "signoff.py [-h]" not in done.stderr


def token_table(title: str, fingerprint: str) -> str:
    """A token table as step 1 (``Token``) or the suite setup (``Token generated``) logs it."""
    rows = [
        {"key": "api_key", "label": "API key", "value": "devkey"},
        {"key": "fingerprint", "label": "Fingerprint", "value": fingerprint},
    ]
    return evidence.table(title, rows, kind="token" if title == "Token" else "token_generated")


def suite_with_own_token(name: str, fingerprint: str, tests: dict[str, list[str]]) -> robot_result.TestSuite:
    """A suite whose setup logs the token it mints, as the five steps' and the other areas' suites do."""
    suite = robot_result.TestSuite(name=name, start_time=datetime(2026, 1, 19, 20, 0, 0))
    suite.setup.config(name="The Token Under Test Is Ready", status="PASS")
    suite.setup.body.create_message(message=token_table("Token generated", fingerprint), html=True, level="INFO")
    for test_name, tags in tests.items():
        test = suite.tests.create(name=test_name, tags=tags, status="PASS")
        test.body.create_keyword(name="Some Keyword", status="PASS")
    return suite


def default_run_of_all_areas() -> robot_result.TestSuite:
    top = robot_result.TestSuite(name="LiveKit Authentication", start_time=datetime(2026, 1, 19, 20, 0, 0))
    steps = {name: [f"step-{number}"] for number, name in enumerate(["Generation", "Signature", "Claims", "Grants", "Expiry"], 1)}
    top.suites.append(suite_with_own_token("Client Authentication", "sha256:aaaaaaaaaaaa", steps))
    top.suites.append(suite_with_own_token("Token Endpoint", "sha256:bbbbbbbbbbbb", {"Endpoint Token": ["endpoint"]}))
    top.suites.append(suite_with_own_token("Policy", "sha256:cccccccccccc", {"Team Policy": ["security", "policy"]}))
    top.suites.append(suite_with_own_token("Live", "sha256:dddddddddddd", {"The observer token is accepted": ["live"]}))
    return top


def test_one_run_of_every_area_counts_only_the_token_of_the_five_steps(tmp_path):
    run = signoff.read_results([saved(tmp_path, default_run_of_all_areas())])
    assert run.tokens == ["sha256:aaaaaaaaaaaa"]
    assert not run.combined
    status, blocks = signoff.build(run, "python run.py")
    markdown = signoff.to_markdown(blocks)
    assert status == "PASSED"
    assert "different tokens" not in markdown
    assert "combined" not in markdown
    assert "The five authentication steps passed in this run." in section(markdown, "Conclusion")


def test_two_five_step_suites_in_one_run_are_not_called_combined_results(tmp_path):
    top = default_run_of_all_areas()
    steps = {f"Again {number}": [f"step-{number}"] for number in range(1, 6)}
    top.suites.append(suite_with_own_token("Client Authentication Again", "sha256:eeeeeeeeeeee", steps))
    run = signoff.read_results([saved(tmp_path, top)])
    assert run.tokens == ["sha256:aaaaaaaaaaaa", "sha256:eeeeeeeeeeee"]
    markdown = signoff.to_markdown(signoff.build(run, None)[1])
    execution = section(markdown, "Test Execution")
    assert "**2 different tokens** were examined by the five steps in this run" in execution
    assert "`sha256:aaaaaaaaaaaa`, `sha256:eeeeeeeeeeee`" in execution
    assert "combined" not in markdown
    assert "passed in this run. Each step ran on the token of its own suite (2 different tokens)." in markdown


def test_a_supplied_token_is_named_as_a_setting_the_command_needs_never_shown():
    _, markdown, _ = summary("failed", command="python run.py")
    needs = "LIVEKIT_TOKEN set to the same token (not shown here)"
    assert f"- Command: `python run.py`\n- The command reproduces the run only with the same settings: {needs}." in markdown
    assert f"| Settings the command needs | {needs} |" in section(markdown, "Environment")
    _, minted, _ = summary("passed", command="python run.py")
    assert "Settings the command needs" not in minted
    assert "reproduces the run only" not in minted


def test_endpoint_settings_and_keys_are_named_by_setting_only(tmp_path):
    header_count = "2 (values not shown)"
    endpoint = robot_result.TestSuite(name="Token Endpoint", start_time=datetime(2026, 1, 19, 20, 0, 0))
    endpoint.setup.config(name="The Token Endpoint Is Available", status="PASS")
    rows = [
        {"key": "url", "label": "URL", "value": "https://app.example.com/token"},
        {"key": "source", "label": "Source", "value": "given by LIVEKIT_TOKEN_ENDPOINT"},
        {"key": "extra_headers", "label": "Extra request headers", "value": header_count},
    ]
    facts = {"setting": "LIVEKIT_TOKEN_ENDPOINT", "extra_headers": 2}
    table = evidence.table("Token endpoint", rows, kind="token_endpoint", facts=facts)
    endpoint.setup.body.create_message(message=table, html=True, level="INFO")
    live = robot_result.TestSuite(name="Live", start_time=datetime(2026, 1, 19, 20, 0, 0))
    live.setup.config(name="A LiveKit Server Is Available", status="PASS")
    server_rows = [
        {"key": "client_url", "label": "Client URL", "value": "wss://lk.example.com"},
        {"key": "source", "label": "Source", "value": "given by LIVEKIT_URL"},
    ]
    table = evidence.table("LiveKit server", server_rows, kind="livekit_server", facts={"setting": "LIVEKIT_URL"})
    live.setup.body.create_message(message=table, html=True, level="INFO")
    live.tests.create(name="The observer token is accepted", tags=["live"], status="PASS")
    endpoint.tests.create(name="The standard request gets a token", tags=["endpoint"], status="PASS")
    steps = suite_with_own_token("Client Authentication", "sha256:aaaaaaaaaaaa", {"Generation": ["step-1"]})
    steps.tests[0].body[0].body.create_message(
        message=evidence.table("Token", [{"key": "api_key", "label": "API key", "value": "release"}], kind="token"),
        html=True,
        level="INFO",
    )
    top = robot_result.TestSuite(name="LiveKit Authentication", start_time=datetime(2026, 1, 19, 20, 0, 0))
    top.suites.extend([steps, endpoint, live])
    run = signoff.read_results([saved(tmp_path, top)])
    markdown = signoff.to_markdown(signoff.build(run, "python run.py --variablefile app.py")[1])
    execution = section(markdown, "Test Execution")
    assert (
        "The command reproduces the run only with the same settings: the same API key and secret "
        "(LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or LIVEKIT_KEYS); LIVEKIT_URL; LIVEKIT_TOKEN_ENDPOINT; "
        "TOKEN_ENDPOINT_HEADERS in the same variable file (--variablefile)." in execution
    )
    assert "LIVEKIT_TOKEN set" not in markdown


# ---------------------------------------------------------------- what step 4 may say about observer-only access

OBSERVER_GRANTS = {"roomJoin": True, "canPublish": False, "canSubscribe": True}
LABELS = {"roomJoin": "Can join", "canPublish": "Can publish", "canSubscribe": "Can subscribe"}  # what the suite calls them


def grants_table(values: dict[str, bool]) -> str:
    """Step 4's rows as `Grant Should Be` logs them with ``${None}`` expected: reported, not checked."""
    rows = [
        {"key": name, "label": LABELS.get(name, name), "value": value, "expected": None, "actual": str(value).lower(), "ok": None}
        for name, value in values.items()
    ]
    return evidence.table("Access grants", rows, kind="grants")


def signature_table(fingerprint: str, verified: bool) -> str:
    if verified:
        rows = [
            {"key": "api_key", "label": "API key (iss)", "value": "devkey"},
            {"key": "outcome", "label": "Signature", "value": "verified with the API secret"},
        ]
        facts = {"outcome": "verified", "fingerprint": fingerprint}
    else:
        detail = "signature is invalid: it does not match the secret of API key 'devkey'"
        rows = [
            {"key": "api_key", "label": "API key (iss)", "value": "devkey"},
            {"key": "fingerprint", "label": "Fingerprint", "value": fingerprint},
            {"key": "outcome", "label": "Signature", "value": f"refused: {detail}"},
        ]
        facts = {"outcome": "refused", "cause": "signature", "fingerprint": fingerprint}
    return evidence.table("Signature", rows, kind="signature", facts=facts)


def step_four_text(tmp_path: Path, grants: dict[str, bool], signature: str | None = "verified") -> str:
    """Step 4 of a run whose step 1 logged token ``sha256:aaaaaaaaaaaa``; step 2 verified or refused it, or did not run."""
    tests = {"Generation": (["step-1"], "PASS", [token_table("Token", "sha256:aaaaaaaaaaaa")])}
    if signature is not None:
        verified = signature == "verified"
        tests["Signature"] = (["step-2"], "PASS" if verified else "FAIL", [signature_table("sha256:aaaaaaaaaaaa", verified)])
    tests["Grants"] = (["step-4"], "PASS", [grants_table(grants)])
    run = signoff.read_results([saved(tmp_path, evidence_suite(tests))])
    return section(signoff.to_markdown(signoff.build(run, None)[1]), "Step 4")


def test_observer_only_access_is_said_when_the_grants_and_the_signature_show_it():
    step4 = section(summary("passed")[1], "Step 4")
    assert "- Observed grants give observer-only access: may join and subscribe, may not publish" in step4


def test_a_token_that_cannot_join_is_not_called_observer_only(tmp_path):
    step4 = step_four_text(tmp_path, {**OBSERVER_GRANTS, "roomJoin": False})
    assert "- Observed grants do not give observer-only access: the token cannot join" in step4
    assert "give observer-only access:" not in step4.replace("do not give", "")


def test_a_token_whose_signature_was_refused_is_not_called_observer_only(tmp_path):
    step4 = step_four_text(tmp_path, OBSERVER_GRANTS, signature="refused")
    assert (
        "- Observed grants do not give observer-only access: the token's signature was refused in Step 2, "
        "so a LiveKit server refuses the token" in step4
    )
    assert "Observed grants give" not in step4


def test_observer_grants_without_a_signature_check_of_that_token_are_only_described(tmp_path):
    step4 = step_four_text(tmp_path, OBSERVER_GRANTS, signature=None)
    assert "but no passed signature check of this token is in these results" in step4
    assert "Observed grants give" not in step4
    # Two subset runs: step 2 verified the first run's token, step 4 examined the second run's.
    combined = section(summary("steps-1-2", "steps-3-5")[1], "Step 4")
    assert "but no passed signature check of this token is in these results" in combined
    assert "Observed grants give" not in combined


def test_admin_grants_or_missing_rows_are_not_called_observer_only(tmp_path):
    admin = step_four_text(tmp_path, {**OBSERVER_GRANTS, "roomAdmin": True, "roomList": False})
    assert "- Observed grants do not give observer-only access: it also grants roomAdmin" in admin
    publisher = step_four_text(tmp_path, {**OBSERVER_GRANTS, "canPublish": True})
    assert "- Observed grants do not give observer-only access: it may publish" in publisher
    unknown = step_four_text(tmp_path, {"canPublish": False, "canSubscribe": True})
    assert "observer" not in unknown
    with_admin_rows = step_four_text(tmp_path, {**OBSERVER_GRANTS, "roomAdmin": False, "roomRecord": False})
    assert "- Observed grants give observer-only access: may join and subscribe, may not publish" in with_admin_rows


# ---------------------------------------------------------------- findings and failures, readable


def finding_table(finding: str, severity: str, text: str) -> str:
    return evidence.table(
        "Finding", [{"label": finding, "value": text}], {"finding": finding, "severity": severity, "text": text}
    )


@pytest.mark.parametrize("failure_first", [False, True], ids=["warning-first", "failure-first"])
def test_a_finding_reported_with_two_severities_keeps_the_most_severe(tmp_path, failure_first):
    text = "The API secret of key 'devkey' is 6 bytes long; HS256 needs at least 32 bytes."
    warning = ("Signature", (["step-2"], "PASS", [finding_table("weak-secret", "warning", text)]))
    failure = ("Team Policy", (["security"], "FAIL", [finding_table("weak-secret", "failure", text + " Policy says fail.")]))
    info = ("Clock", (["live"], "PASS", [finding_table("weak-secret", "info", text)]))
    tests = dict([failure, warning, info] if failure_first else [warning, info, failure])
    run = signoff.read_results([saved(tmp_path, evidence_suite(tests))])
    assert [finding["severity"] for finding in run.findings] == ["failure"]
    findings = section(signoff.to_markdown(signoff.build(run, None)[1]), "Key Findings")
    assert findings.count("**Weak secret**") == 1
    assert "**Weak secret** (failure): The API secret of key 'devkey' is 6 bytes long" in findings


def test_a_finding_text_that_opens_with_its_label_does_not_repeat_it(tmp_path):
    finding = finding_table("clock-skew", "info", "Clock skew: the server clock is 3 s behind this machine.")
    run = signoff.read_results(
        [saved(tmp_path, evidence_suite({"The server clock is in step with this machine": (["live"], "PASS", [finding])}))]
    )
    findings = section(signoff.to_markdown(signoff.build(run, None)[1]), "Key Findings")
    assert "- **Clock skew** (info): the server clock is 3 s behind this machine." in findings
    assert "Clock skew: the server" not in findings


LIVE_TESTS = [f"Room Service Check {number}" for number in range(1, 11)]


def failing_live_suite(messages: dict[str, str], answers: dict[str, dict] | None = None) -> robot_result.TestSuite:
    """Failed live tests with ``messages``; ``answers`` gives a test the server answer its check recorded."""
    suite = robot_result.TestSuite(name="Live", start_time=datetime(2026, 1, 19, 20, 0, 0))
    for name, message in messages.items():
        test = suite.tests.create(name=name, tags=["live"], status="FAIL", message=message)
        if answers and name in answers:
            keyword = test.body.create_keyword(name="Server Should Answer", status="FAIL")
            table = evidence.table("Server validation", [], kind="server_answer", facts={"ok": False, **answers[name]})
            keyword.body.create_message(message=table, html=True, level="INFO")
    return suite


def answer(status: int, expected: int, refusal: str | None) -> dict:
    return {"path": "/rtc/validate", "status": status, "expected_status": expected, "refusal": refusal}


def test_tests_failing_with_the_same_message_are_one_line_with_their_count_and_names(tmp_path):
    message = "Parent suite setup failed:\nCreateRoom /twirp/livekit.RoomService/CreateRoom answered 500 " + "x" * 400
    run = signoff.read_results([saved(tmp_path, failing_live_suite(dict.fromkeys(LIVE_TESTS, message)))])
    markdown = signoff.to_markdown(signoff.build(run, None)[1])
    flat = signoff.plain_message(message)
    shown = flat[:300].rstrip() + "…"
    findings, conclusion = section(markdown, "Key Findings"), section(markdown, "Conclusion")
    names = ", ".join(LIVE_TESTS)
    assert f"Failed: **10 tests** ({names}) — {shown}" in findings
    assert f"- **10 tests** ({names}): {shown}" in conclusion
    for part in (findings, conclusion):
        assert part.count("Parent suite setup failed") == 1
        assert flat not in part


def test_a_single_failure_keeps_its_full_name_and_a_short_message_whole(tmp_path):
    run = signoff.read_results([saved(tmp_path, failing_live_suite({"The observer token is accepted": "Short reason."}))])
    conclusion = section(signoff.to_markdown(signoff.build(run, None)[1]), "Conclusion")
    assert "- **Live.The observer token is accepted**: Short reason." in conclusion


SIGNATURE_REFUSED = "'invalid token: <token sha256:aaaaaaaaaaaa>, error: signature is invalid'"


def test_live_refusals_all_for_the_signature_name_the_key_pair_as_the_likely_cause(tmp_path):
    messages = {
        "The observer token is accepted": f"/rtc/validate answered 401 Unauthorized {SIGNATURE_REFUSED} instead of 200 with 'success'.",
        "An expired token is refused": f"/rtc/validate answered 401 Unauthorized {SIGNATURE_REFUSED} instead of 401 with 'token is expired'.",
    }
    answers = {
        "The observer token is accepted": answer(401, 200, "signature"),
        "An expired token is refused": answer(401, 401, "signature"),
    }
    run = signoff.read_results([saved(tmp_path, failing_live_suite(messages, answers))])
    markdown = signoff.to_markdown(signoff.build(run, None)[1])
    cause = "the server does not share this suite's key pair (LIVEKIT_API_KEY/LIVEKIT_API_SECRET)"
    assert f"Likely cause: {cause}." in section(markdown, "Key Findings")
    assert f"refused the documented token for its signature; likely cause: {cause}." in section(markdown, "Conclusion")


@pytest.mark.parametrize(
    ("observer_message", "observer_answer"),
    [
        ("/rtc/validate answered 200 OK 'success' instead of 401 with 'token is expired'.", answer(200, 401, None)),
        (
            "/rtc/validate answered 401 Unauthorized 'invalid API key' instead of 200 with 'success'.",
            answer(401, 200, "unknown-api-key"),
        ),
    ],
    ids=["documented-token-accepted", "refused-for-the-key"],
)
def test_the_key_pair_is_not_blamed_without_a_signature_refusal_of_the_documented_token(
    tmp_path, observer_message, observer_answer
):
    messages = {
        "The observer token is accepted": observer_message,
        "An expired token is refused": f"/rtc/validate answered 401 Unauthorized {SIGNATURE_REFUSED} instead of 401 with 'token is expired'.",
    }
    answers = {"The observer token is accepted": observer_answer, "An expired token is refused": answer(401, 401, "signature")}
    run = signoff.read_results([saved(tmp_path, failing_live_suite(messages, answers))])
    assert "key pair" not in signoff.to_markdown(signoff.build(run, None)[1])


def test_the_key_pair_is_read_from_the_recorded_answers_not_from_the_messages(tmp_path):
    """A message that reads like a signature refusal blames nothing without the answer its check recorded."""
    messages = {
        "The observer token is accepted": f"/rtc/validate answered 401 Unauthorized {SIGNATURE_REFUSED} instead of 200 with 'success'."
    }
    run = signoff.read_results([saved(tmp_path, failing_live_suite(messages))])
    assert "key pair" not in signoff.to_markdown(signoff.build(run, None)[1])


def test_the_python_implementation_is_named_cpython_wherever_it_comes_from(tmp_path):
    path = saved(tmp_path, evidence_suite({"Token Generation": (["step-1"], "PASS", [])}))
    path.write_text(path.read_text(encoding="utf-8").replace('generator="Rebot ', 'generator="Robot ', 1), encoding="utf-8")
    run = signoff.read_results([path])
    assert run.generator.startswith("Robot ")
    environment_rows = section(signoff.to_markdown(signoff.build(run, None)[1]), "Environment")
    assert re.search(r"^\| Python \| `\d+\.\d+\.\d+ \(CPython\)` \|$", environment_rows, re.MULTILINE)
    assert re.search(r"^\| Python \| `\d+\.\d+\.\d+ \(CPython\)` \|$", section(summary("passed")[1], "Environment"), re.MULTILINE)


# ---------------------------------------------------------------- several result files


def test_several_files_label_each_step_by_file_and_token_with_each_runs_command(tmp_path):
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_bytes((DATA / "passed.xml").read_bytes())
    second.write_bytes((DATA / "failed.xml").read_bytes())
    run = signoff.read_results([first, second])
    markdown = signoff.to_markdown(signoff.build(run, None)[1])
    assert " & " not in markdown
    tokens = {test.source: test.token for test in run.tagged("step-1")}
    step1 = section(markdown, "Step 1")
    assert f"**a.xml**, token `{tokens[str(first)]}` — PASS" in step1
    assert f"**b.xml**, token `{tokens[str(second)]}` — PASS" in step1
    execution = section(markdown, "Test Execution")
    assert "- Suites: `Authentication.Client Authentication`\n" in execution
    lines = {
        name: (command, rest) for name, command, rest in re.findall(r"^- Command of `(\w\.xml)`: `([^`]+)`(.*)$", execution, re.M)
    }
    assert set(lines) == {"a.xml", "b.xml"}
    assert "--output ./utest/data/signoff/passed.xml" in lines["a.xml"][0]
    assert "--output ./utest/data/signoff/failed.xml" in lines["b.xml"][0]
    needs = "LIVEKIT_TOKEN set to the same token (not shown here)"
    assert lines["a.xml"][1] == ""
    assert lines["b.xml"][1] == f" — reproduces that run only with the same settings: {needs}."
    environment_rows = section(markdown, "Environment")
    assert re.search(r"^\| Command \(a\.xml\) \| `python -m robot [^`]*passed\.xml[^`]*` \|$", environment_rows, re.MULTILINE)
    assert f"| Settings the command needs (b.xml) | {needs} |" in environment_rows
    assert "Settings the command needs (a.xml)" not in environment_rows


def run_py_suite(arguments: str, fingerprint: str, pythonpath: str = " --pythonpath /work/x/libraries") -> robot_result.TestSuite:
    recorded = (
        'python -m robot --name "LiveKit Authentication" --outputdir /work/x/results --output output.xml --log log.html '
        f"--report report.html --xunit xunit.xml{pythonpath} {arguments} /work/x/suites"
    )
    top = robot_result.TestSuite(
        name="LiveKit Authentication", metadata={environment.COMMAND: recorded}, start_time=datetime(2026, 1, 19, 20, 0, 0)
    )
    top.suites.append(suite_with_own_token("Client Authentication", fingerprint, {"Generation": ["step-1"]}))
    return top


def test_files_of_the_same_name_are_told_apart_and_show_the_run_py_command_each_ran(tmp_path):
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = saved(tmp_path / "first", run_py_suite("--include step-1", "sha256:aaaaaaaaaaaa"))
    second = saved(tmp_path / "second", run_py_suite("--include step-1 --loglevel TRACE", "sha256:bbbbbbbbbbbb"))
    run = signoff.read_results([first, second])
    markdown = signoff.to_markdown(signoff.build(run, None)[1])
    assert "**first/output.xml**, token `sha256:aaaaaaaaaaaa` — PASS" in section(markdown, "Step 1")
    assert "**second/output.xml**, token `sha256:bbbbbbbbbbbb` — PASS" in section(markdown, "Step 1")
    execution = section(markdown, "Test Execution")
    assert "- Command of `first/output.xml`: `python run.py --include step-1`\n" in execution
    assert "- Command of `second/output.xml`: `python run.py --include step-1 --loglevel TRACE`\n" in execution
    assert "- Suites: `LiveKit Authentication.Client Authentication`\n" in execution
    environment_rows = section(markdown, "Environment")
    assert "| Command (first/output.xml) | `python run.py --include step-1` |" in environment_rows
    assert re.search(
        r"\| Robot Framework command line \(second/output\.xml\) \| `python -m robot --name [^`]* TRACE /work/x/suites` \|",
        environment_rows,
    )


@pytest.mark.parametrize("pythonpath", [" --pythonpath /work/x/libraries", ""], ids=["with-pythonpath", "installed-libraries"])
def test_one_file_written_by_run_py_shows_the_run_py_command(tmp_path, pythonpath):
    suite = run_py_suite("--include step-1", "sha256:aaaaaaaaaaaa", pythonpath)
    run = signoff.read_results([saved(tmp_path, suite)])
    markdown = signoff.to_markdown(signoff.build(run, None)[1])
    assert "- Command: `python run.py --include step-1`\n" in section(markdown, "Test Execution")
    assert "| Command | `python run.py --include step-1` |" in section(markdown, "Environment")


@pytest.mark.parametrize(
    ("arguments", "shown"),
    [
        ("--include step-1 suites/live", "python run.py --include step-1 suites/live"),
        ("--include step-1 /work/x/suites/live", "python run.py --include step-1 /work/x/suites/live"),
        ("--include step-1", "python run.py --include step-1"),
    ],
)
def test_a_named_suite_stays_in_the_run_py_command(tmp_path, arguments, shown):
    recorded = (
        'python -m robot --name "LiveKit Authentication" --outputdir /work/x/results --output output.xml --log log.html '
        f"--report report.html --xunit xunit.xml {arguments}"
    )
    top = robot_result.TestSuite(name="LiveKit Authentication", metadata={environment.COMMAND: recorded})
    top.suites.append(suite_with_own_token("Client Authentication", "sha256:aaaaaaaaaaaa", {"Generation": ["step-1"]}))
    run = signoff.read_results([saved(tmp_path, top)])
    assert execution.run_command(run) == shown


# ---------------------------------------------------------------- folders and folders that cannot be written


def test_a_results_folder_is_read_through_its_output_xml(tmp_path, capsys):
    (tmp_path / "output.xml").write_bytes((DATA / "failed.xml").read_bytes())
    assert signoff.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("Sign-off summary: FAILED")
    assert (tmp_path / "signoff.md").is_file()


def test_a_folder_without_output_xml_is_named_as_a_folder(tmp_path, capsys):
    assert signoff.main([str(tmp_path), "--outdir", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error == (
        f"Sign-off summary not written: {tmp_path} is a folder without an output.xml; "
        "give the output.xml of a run (results/output.xml).\n"
    )


def test_an_outdir_that_cannot_be_created_is_one_sentence(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    outdir = blocker / "summary"
    assert signoff.main([str(DATA / "passed.xml"), "--outdir", str(outdir)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"Cannot write the summary into {outdir}: ")
    assert error.endswith(".\n") and error.count("\n") == 1
    assert "Errno" not in error and "[" not in error


def test_key_findings_list_each_diagnosis_once_with_the_failures_it_explains_and_never_for_a_pass(tmp_path):
    from livekit_diagnosis import recording
    from livekit_diagnosis.model import Diagnosis
    from livekit_tokens import evidence

    def diagnosis_html(sentence: str) -> str:
        found = Diagnosis.certain("secret-mismatch", sentence, "Set LIVEKIT_API_SECRET.")
        data = {"finding": recording.FINDING, "severity": recording.SEVERITY, "text": found.text, **found.record()}
        return evidence.table("Diagnosis", recording.rows(found), data)

    shared = diagnosis_html("The server holds another secret.")
    suite = evidence_suite(
        {
            "The observer token is accepted": (["live"], "FAIL", [shared]),
            "An expired token is refused": (["live"], "FAIL", [shared]),
            "Expected Failure Passed": (["live"], "PASS", [diagnosis_html("Expected inside a passing test.")]),
        }
    )
    run = signoff.read_results([saved(tmp_path, suite)])
    findings = section(signoff.to_markdown(signoff.build(run, None)[1]), "Key Findings")
    line = (
        "- **Diagnosis** of **The observer token is accepted, An expired token is refused**: "
        "The server holds another secret. Fix: Set LIVEKIT\\_API\\_SECRET."
    )
    assert line in findings or line.replace("\\", "") in findings
    assert findings.count("**Diagnosis**") == 1
    assert "Expected inside a passing test" not in findings
