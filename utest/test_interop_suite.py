"""The interop suite as a whole: it catches a misspelt grant, and it skips Node.js checks cleanly without Node.js."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from robot.api import ExecutionResult

ROOT = Path(__file__).resolve().parent.parent
RUNNER = Path(__file__).resolve().parent / "run_interop_with_misspelt_grant.py"
NODE_READY = shutil.which("node") is not None and (ROOT / "interop" / "node" / "node_modules" / "livekit-server-sdk").is_dir()
SECRET = "an-interop-suite-test-secret-0123456789"


def _environment(**extra) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("LIVEKIT_KEYS", "LIVEKIT_TOKEN", "LIVEKIT_INTEROP_NODE", "LIVEKIT_AUTH_TOKEN_LOG")
    }
    environment.update(LIVEKIT_API_KEY="suitekey", LIVEKIT_API_SECRET=SECRET, **extra)
    return environment


def _run(command: list[str], outdir: Path, **extra) -> dict:
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env=_environment(**extra),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (outdir / "output.xml").exists(), completed.stderr[-2000:]
    assert "eyJ" not in completed.stdout + completed.stderr
    assert SECRET not in completed.stdout + completed.stderr
    result = ExecutionResult(str(outdir / "output.xml"))
    return {test.name: test for test in result.suite.all_tests}


def _robot_options(outdir: Path) -> list[str]:
    return ["--outputdir", str(outdir), "--log", "NONE", "--report", "NONE", "--console", "quiet"]


def test_a_misspelt_grant_fails_the_named_interop_tests(tmp_path):
    tests = _run(
        [
            sys.executable,
            str(RUNNER),
            "canPublish",
            "canPublsh",
            *_robot_options(tmp_path),
            "--test",
            "Observer Token In *",
            "--test",
            "Observer Token From *",
        ],
        tmp_path,
    )
    python = tests["Observer token in livekit-api"]
    assert python.status == "FAIL"
    assert "does not report what was asked: video.canPublish is true, expected false" in python.message
    # Tokens the SDKs mint do not go through the misspelt code: those tests still pass.
    assert tests["Observer token from livekit-api"].status == "PASS"
    node = tests["Observer token in livekit-server-sdk"]
    if NODE_READY:
        assert node.status == "FAIL"
        assert "video.canPublish is (not set), expected false" in node.message
        assert "video.canPublsh is false, which was not asked for" in node.message
    else:
        assert node.status == "SKIP"
    for test in tests.values():
        assert "eyJ" not in test.message


def test_without_node_the_node_checks_skip_and_the_python_ones_pass(tmp_path):
    tests = _run(
        [sys.executable, "-m", "robot", *_robot_options(tmp_path), "suites/interop"],
        tmp_path,
        LIVEKIT_INTEROP_NODE=str(tmp_path / "no-node"),
    )
    by_status: dict[str, list[str]] = {}
    for name, test in tests.items():
        by_status.setdefault(test.status, []).append(name)
    assert "FAIL" not in by_status, by_status.get("FAIL")
    node_tests = [name for name in tests if "livekit-server-sdk" in name or "Node SDK" in name]
    assert node_tests
    assert sorted(by_status["SKIP"]) == sorted(node_tests)
    for name in node_tests:
        assert tests[name].message.startswith("Node.js is not installed (LIVEKIT_INTEROP_NODE names no executable)")
    assert len(by_status["PASS"]) >= 40
