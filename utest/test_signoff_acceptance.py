"""End to end: Robot Framework runs the real authentication suite, then the sign-off summary and the
leak guard read its results through their command lines, in this process as ``python run.py``
calls them after Robot Framework (which runs as a process of its own)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import clean_environment, guard_record

from LiveKitAuth import LiveKitAuth

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ROOT / "libraries"
SUITE = ROOT / "suites" / "authentication"
TOOLS = ROOT / "tools"
EXPIRES = "2026-01-20 01:08:57"


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    environ = clean_environment(LIVEKIT_AUTH_TOKEN_LOG=str(tmp_path / "tokens.log"))  # no LiveKit server
    return {**environ, **settings}


def robot(tmp_path: Path, environ: dict[str, str], *options: str, suite: Path = SUITE) -> tuple[int, Path]:
    results = tmp_path / "results"
    command = [sys.executable, "-m", "robot", "--outputdir", str(results)]
    command += ["--xunit", "xunit.xml", "--console", "quiet", *options, str(suite)]
    code = subprocess.run(command, env=environ, cwd=ROOT, capture_output=True, check=False).returncode
    return code, results


def section_text(markdown: str, title: str) -> str:
    return re.search(rf"^#+ {re.escape(title)}[^\n]*\n(.*?)(?=^#|\Z)", markdown, re.MULTILINE | re.DOTALL).group(1)


def tool(name: str, environ: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    """``python tools/<name> arguments`` with ``environ``, run in this process: what it prints and its exit code."""
    import contextlib
    import io

    import livekit_signoff as signoff
    from livekit_evidence import leak_guard

    main = {"signoff.py": signoff.main, "leak_guard.py": leak_guard.main}[name]
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environ)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(arguments))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess([name, *arguments], code, out.getvalue(), err.getvalue())


def test_the_default_run_signs_off_as_passed_with_the_five_steps(tmp_path):
    environ = environment(tmp_path)
    code, results = robot(tmp_path, environ)
    assert code == 0
    guard_record(results, environ)  # the leak guard's record, as python run.py leaves it
    done = tool("signoff.py", environ, str(results / "output.xml"), "--command", "python run.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Sign-off summary: PASSED (offline only)")
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    assert "## Status: PASSED (offline only) ☑️" in markdown
    steps = re.findall(r"^#### (Step \d: .*)$", markdown, flags=re.MULTILINE)
    assert steps == [
        "Step 1: Token Generation ✅",
        "Step 2: Signature Validation ✅",
        "Step 3: Token Claims ✅",
        "Step 4: Access Grants ✅",
        "Step 5: Token Expiration ✅",
    ]
    assert markdown.count("✅ **PASS**") == 5
    assert "- Participant: `client_test`" in markdown
    assert "| Command | `python run.py` |" in markdown
    page = (results / "signoff.html").read_text(encoding="utf-8")
    assert "<title>LiveKit Client Authentication Test Results: PASSED (offline only)</title>" in page
    assert '<h2 class="status offline">' in page


def test_an_expired_supplied_token_fails_at_token_expiration_with_the_observed_expiry(tmp_path):
    minting = LiveKitAuth(api_key="devkey", api_secret="secret")
    grants = {"room_join": True, "can_publish": False, "can_subscribe": True}
    token = minting.generate_token("client_test", "test_room", not_before="2026-01-19 19:08:57", expires=EXPIRES, **grants)
    environ = environment(tmp_path, LIVEKIT_TOKEN=token.value)
    code, results = robot(tmp_path, environ)
    assert code == 1
    done = tool("signoff.py", environ, str(results / "output.xml"))
    assert done.stdout.startswith("Sign-off summary: FAILED")
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    assert "## Status: FAILED ❌" in markdown
    assert "#### Step 5: Token Expiration ❌" in markdown
    assert f"- Expires at: `{EXPIRES} UTC`" in markdown
    assert "The run failed at Step 5: Token Expiration." in markdown
    assert f"Token refused: token is expired: it expired at {EXPIRES} UTC" in markdown
    guard = tool("leak_guard.py", environ, str(results))
    assert guard.returncode == 0, guard.stderr
    assert "and 1 token(s): none found" in guard.stdout


def test_the_leak_guard_passes_on_a_clean_run_at_trace_level(tmp_path):
    environ = environment(tmp_path, LIVEKIT_API_KEY="release", LIVEKIT_API_SECRET=secrets.token_urlsafe(48))
    code, results = robot(tmp_path, environ, "--loglevel", "TRACE")
    assert code == 0
    tool("signoff.py", environ, str(results / "output.xml"))
    recorded = {json.loads(line) for line in (tmp_path / "tokens.log").read_text(encoding="utf-8").splitlines()}
    assert len(recorded) == 1
    guard = tool("leak_guard.py", environ, str(results))
    assert guard.returncode == 0, guard.stderr
    assert re.fullmatch(r"Leak guard: 6 file\(s\) searched for 1 secret\(s\) and 1 token\(s\): none found\.\n", guard.stdout)


@pytest.mark.parametrize("leaked", ["${token.value}", "%{LIVEKIT_API_SECRET}"], ids=["token", "secret"])
def test_the_leak_guard_names_the_files_a_leaky_suite_wrote(tmp_path, leaked):
    secret = secrets.token_urlsafe(48)
    suite = tmp_path / "leaky.robot"
    suite.write_text(
        "*** Settings ***\n"
        f"Library    {LIBRARIES / 'LiveKitAuth.py'}\n\n"
        "*** Test Cases ***\n"
        "Leaky Test\n"
        "    ${token}    Generate Token    alice    demo    room_join=${True}\n"
        # Repeated, so that log.html holds the message zlib-compressed rather than as plain text.
        f"    Log    Written three times: {leaked} {leaked} {leaked}\n",
        encoding="utf-8",
    )
    environ = environment(tmp_path, LIVEKIT_API_KEY="release", LIVEKIT_API_SECRET=secret)
    code, results = robot(tmp_path, environ, suite=suite)
    assert code == 0
    guard = tool("leak_guard.py", environ, str(results))
    assert guard.returncode == 1
    kind = "token" if "token" in leaked else "secret"
    value = secret if kind == "secret" else json.loads((tmp_path / "tokens.log").read_text(encoding="utf-8").splitlines()[0])
    assert value not in (results / "log.html").read_text(encoding="utf-8")  # only in compressed form
    assert f"log.html ({kind})" in guard.stderr
    assert f"output.xml ({kind})" in guard.stderr
    assert "report.html" not in guard.stderr
    assert secret not in guard.stderr + guard.stdout
    assert "eyJ" not in guard.stderr + guard.stdout


def _tampered() -> tuple[str, str]:
    from livekit_tokens import hostile

    minted = LiveKitAuth(api_key="devkey", api_secret="secret").generate_token("client_test", "test_room", room_join=True)
    return hostile.with_claims(minted.value, {"video.roomAdmin": True}), "devkey"


def _signed_elsewhere() -> tuple[str, str]:
    token = LiveKitAuth(api_key="devkey", api_secret="another-secret-0123456789abcdef0123").generate_token(
        "client_test", "test_room", room_join=True
    )
    return token.value, "devkey"


def _unknown_key() -> tuple[str, str]:
    token = LiveKitAuth(api_key="foreign", api_secret="foreign-secret-0123456789abcdef012345").generate_token(
        "client_test", "test_room", room_join=True
    )
    return token.value, "foreign"


@pytest.mark.parametrize(
    ("make", "configured", "reason", "cause"),
    [
        (_tampered, "yes", "signature is invalid: it does not match the secret of API key 'devkey'", "signature"),
        (_signed_elsewhere, "yes", "signature is invalid: it does not match the secret of API key 'devkey'", "signature"),
        (_unknown_key, "no", "invalid API key: iss 'foreign' is not a configured API key", "unknown-api-key"),
    ],
    ids=["tampered", "signed-with-another-secret", "unknown-api-key"],
)
def test_a_supplied_token_that_fails_the_signature_shows_what_was_observed(tmp_path, make, configured, reason, cause):
    from livekit_tokens.evidence import fingerprint

    token, issuer = make()
    environ = environment(tmp_path, LIVEKIT_TOKEN=token)
    code, results = robot(tmp_path, environ)
    assert code >= 1
    done = tool("signoff.py", environ, str(results / "output.xml"))
    assert done.stdout.startswith("Sign-off summary: FAILED"), done.stderr
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    step2 = re.search(r"^#### Step 2: Signature Validation ❌\n(.*?)(?=^#### )", markdown, re.MULTILINE | re.DOTALL).group(1)
    assert "No values were recorded for this step." not in step2
    assert f"- API key (iss): `{issuer}`" in step2
    assert "- Algorithm: `HS256`" in step2
    assert f"- Fingerprint: `{fingerprint(token)}`" in step2
    assert f"- Key configured: `{configured}`" in step2
    assert f"- Signature: `refused: {reason}`" in step2
    assert f"**Failed** (cause: {cause}): Token refused: {reason}." in step2
    assert "The run failed at Step 2: Signature Validation." in markdown
    needs = "LIVEKIT_TOKEN set to the same token (not shown here)"
    assert needs in section_text(markdown, "Test Execution")
    assert f"| Settings the command needs | {needs}" in section_text(markdown, "Environment")
    signature = token.rsplit(".", 1)[1]
    assert token not in markdown and signature not in markdown
    guard = tool("leak_guard.py", environ, str(results))
    assert guard.returncode == 0, guard.stderr


def test_a_forged_observer_token_is_not_called_observer_only(tmp_path):
    forger = LiveKitAuth(api_key="devkey", api_secret="another-secret-0123456789abcdef0123")
    token = forger.generate_token("client_test", "test_room", room_join=True, can_publish=False, can_subscribe=True)
    environ = environment(tmp_path, LIVEKIT_TOKEN=token.value)
    code, results = robot(tmp_path, environ)
    assert code >= 1
    done = tool("signoff.py", environ, str(results / "output.xml"))
    assert done.stdout.startswith("Sign-off summary: FAILED"), done.stderr
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    step4 = re.search(r"^#### Step 4: Access Grants .*?\n(.*?)(?=^#### )", markdown, re.MULTILINE | re.DOTALL).group(1)
    assert "- **Can publish**: `false` (reported, not checked)" in step4
    assert "Observed grants give" not in step4
    assert "- Observed grants do not give observer-only access: the token's signature was refused in Step 2" in step4


def test_a_short_word_secret_is_a_weak_secret_finding_not_a_leak_in_every_file(tmp_path):
    environ = environment(tmp_path, LIVEKIT_API_KEY="qa", LIVEKIT_API_SECRET="server")
    code, results = robot(tmp_path, environ)
    assert code == 0
    assert "server" in (results / "log.html").read_text(encoding="utf-8")  # the word is everywhere
    tool("signoff.py", environ, str(results / "output.xml"))
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    assert "**Weak secret** (warning): The API secret of key 'qa' is 6 bytes long" in markdown
    guard = tool("leak_guard.py", environ, str(results))
    assert guard.returncode == 0, guard.stderr
    assert "searched for 0 secret(s) and 1 token(s): none found" in guard.stdout
    assert "1 secret(s) shorter than 8 characters not searchable" in guard.stdout


def test_a_default_run_of_every_suite_names_one_token_and_no_combined_results(tmp_path):
    environ = environment(
        tmp_path,
        PATH=os.pathsep.join(
            folder for folder in os.environ.get("PATH", "").split(os.pathsep) if not (Path(folder) / "livekit-server").exists()
        ),
    )
    code, results = robot(tmp_path, environ, suite=ROOT / "suites")
    assert code == 0
    guard_record(results, environ)  # the leak guard's record, as python run.py leaves it
    done = tool("signoff.py", environ, str(results / "output.xml"), "--command", "python run.py")
    assert done.stdout.startswith("Sign-off summary: PASSED (offline only)"), done.stderr
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    assert "different tokens" not in markdown
    assert "combined" not in markdown
    assert "The five authentication steps passed in this run. The token generated for participant" in markdown
    assert "| LiveKit server | No LiveKit server was contacted: " in section_text(markdown, "Environment")
    assert "Server acceptance not checked." in section_text(markdown, "Conclusion")


def test_labels_a_tester_renames_change_what_the_summary_shows_not_what_it_concludes(tmp_path):
    text = (SUITE / "client_authentication.robot").read_text(encoding="utf-8")
    renamed = {"Can publish": "May publish", "Can join": "May enter", "Audience (aud)": "Who it is for", "Room access": "Room"}
    for old, new in renamed.items():
        assert f"    {old}    " in text
        text = text.replace(f"    {old}    ", f"    {new}    ")
    suite = tmp_path / "suite" / "client_authentication.robot"
    suite.parent.mkdir()
    suite.write_text(text.replace("../../resources/", f"{ROOT.as_posix()}/resources/"), encoding="utf-8")
    environ = environment(tmp_path)
    code, results = robot(tmp_path, environ, suite=suite.parent)
    assert code == 0
    guard_record(results, environ)  # the leak guard's record, as python run.py leaves it
    done = tool("signoff.py", environ, str(results / "output.xml"))
    assert done.stdout.startswith("Sign-off summary: PASSED (offline only)"), done.stderr
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    step4 = section_text(markdown, "Step 4: Access Grants")
    assert "- **May publish**: `false` ✓" in step4
    assert "- Observed grants give observer-only access: may join and subscribe, may not publish" in step4
    assert "**Who it is for**: `test_room` ✓" in section_text(markdown, "Step 3: Token Claims")
    assert "the token carries aud `test_room`" in section_text(markdown, "Key Findings")


def test_every_claim_and_grant_of_a_step_is_checked_and_the_wrong_ones_are_marked(tmp_path):
    minting = LiveKitAuth(api_key="devkey", api_secret="secret")
    token = minting.generate_token("mallory", "test_room", room_join=True, can_publish=True, can_subscribe=False)
    expected = {"LIVEKIT_IDENTITY": "client_test", "LIVEKIT_ROOM": "test_room", "LIVEKIT_CAN_JOIN": "true"}
    expected |= {"LIVEKIT_CAN_PUBLISH": "false", "LIVEKIT_CAN_SUBSCRIBE": "true", "LIVEKIT_API_KEY": "devkey"}
    environ = environment(tmp_path, LIVEKIT_TOKEN=token.value, LIVEKIT_API_SECRET="secret", **expected)
    code, results = robot(tmp_path, environ)
    assert code == 2  # steps 3 and 4
    done = tool("signoff.py", environ, str(results / "output.xml"))
    assert done.stdout.startswith("Sign-off summary: FAILED"), done.stderr
    markdown = (results / "signoff.md").read_text(encoding="utf-8")
    step3 = section_text(markdown, "Step 3: Token Claims")
    assert "- **Issuer (iss)**: `devkey` ✓" in step3
    assert "- **Subject (sub)**: `mallory` ✗ — expected `client_test`" in step3
    assert "- **Audience (aud)**: `(not set)` (reported, not checked)" in step3
    assert "**Failed** (cause: mismatch): " in step3
    step4 = section_text(markdown, "Step 4: Access Grants")
    assert re.findall(r"^- \*\*(.+?)\*\*: `([^`]+)` ([✓✗])", step4, re.MULTILINE) == [
        ("Room access", "test_room", "✓"),
        ("Can join", "true", "✓"),
        ("Can publish", "true", "✗"),
        ("Can subscribe", "false", "✗"),
    ]
    assert "- Observed grants do not give observer-only access: it may publish; it may not subscribe" in step4
    assert "canPublish is true, expected false" in step4 and "canSubscribe is false, expected true" in step4
