"""The order of a first run: suites that need no LiveKit server first (livekit_pipeline.order)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from helpers import SUITES, clean_environment
from robot.api import ExecutionResult
from robot.running import TestSuiteBuilder as SuiteBuilder

from livekit_pipeline.order import ServerSuitesLast, needs_server


def test_the_project_suites_that_start_a_server_run_last_and_the_others_keep_their_order():
    suite = SuiteBuilder().build(str(SUITES))
    offline = [child.name for child in suite.suites if not needs_server(child)]
    assert offline[0] == "Authentication"  # the five steps first, as before
    assert {"Diagnosis", "Live", "Security"} <= {child.name for child in suite.suites if needs_server(child)}
    before = [child.name for child in suite.suites]
    suite.visit(ServerSuitesLast())
    after = [child.name for child in suite.suites]
    assert sorted(after) == sorted(before)
    assert after[: len(offline)] == offline
    assert [name for name in after if name not in offline] == [name for name in before if name not in offline]


def write_suites(folder):
    (folder / "data").mkdir()
    (folder / "data" / "server.resource").write_text(
        textwrap.dedent(
            """\
            *** Keywords ***
            A Server Is There
                Log    starting
                LiveKitHttp.Use LiveKit Server
            """
        ),
        encoding="utf-8",
    )
    files = {
        "a_direct.robot": "*** Test Cases ***\nDirect\n    Use LiveKit Server\n",
        "b_offline.robot": "*** Test Cases ***\nOffline\n    Log    no server\n",
        "c_through_resource.robot": (
            "*** Settings ***\nResource    data/server.resource\nSuite Setup    Run Keywords    Log    x    AND"
            "    A Server Is There\n\n*** Test Cases ***\nThrough\n    Log    here\n"
        ),
        "d_bdd.robot": ("*** Test Cases ***\nJudged\n    IF    True\n        Given Use The LiveKit Server As Judge\n    END\n"),
        "e_offline.robot": "*** Test Cases ***\nAlso Offline\n    No Operation\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def test_a_server_keyword_is_found_through_resources_run_keywords_bdd_and_if(tmp_path):
    write_suites(tmp_path)
    suite = SuiteBuilder().build(str(tmp_path))
    assert {child.name: needs_server(child) for child in suite.suites} == {
        "A Direct": True,
        "B Offline": False,
        "C Through Resource": True,
        "D Bdd": True,
        "E Offline": False,
    }


def test_robot_framework_runs_them_in_that_order_with_the_modifier(tmp_path):
    write_suites(tmp_path)
    # Without a server every test that starts one fails: the order is what this checks.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "robot",
            "--prerunmodifier",
            "livekit_pipeline.order.ServerSuitesLast",
            "--outputdir",
            str(tmp_path / "out"),
            "--console",
            "none",
            "--report",
            "NONE",
            "--log",
            "NONE",
            str(tmp_path),
        ],
        env=clean_environment(),
        check=False,
        timeout=120,
    )
    result = ExecutionResult(str(tmp_path / "out" / "output.xml"))
    assert [child.name for child in result.suite.suites] == ["B Offline", "E Offline", "A Direct", "C Through Resource", "D Bdd"]
