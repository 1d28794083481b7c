"""A first run: the pinned server builds in the background while the suites that need no server run.

``go`` here is a stand-in on PATH that does what ``go install pkg@version`` of Go 1.26 was seen to
do: write the binary, named after the package's last path element (``server``), into ``GOBIN`` and
exit 0; or print its errors (after "go: downloading" lines) and exit 1. The server it "builds" is a
script, never started by these tests except where a test says so.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import ROOT, clean_environment

from livekit_server import background, binary

GO_ERROR = "go: github.com/livekit/livekit-server/cmd/server@v1.13.5: module lookup disabled by GOPROXY=off"


def fake_go(folder: Path, mode: str, seconds: float = 0.0) -> Path:
    """A ``go`` that builds after ``seconds``, fails with GO_ERROR, or never ends (``build``, ``fail``, ``hang``)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "go"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import os, pathlib, sys, time
            assert sys.argv[1:] == ["install", "-trimpath", "{binary.PACKAGE}@v{binary.PINNED_VERSION}"], sys.argv
            time.sleep({seconds if mode != "hang" else 600})
            if {mode!r} == "fail":
                print("go: downloading github.com/livekit/protocol v1.39.3", file=sys.stderr)
                print({GO_ERROR!r}, file=sys.stderr)
                sys.exit(1)
            built = pathlib.Path(os.environ["GOBIN"]) / "server"
            built.parent.mkdir(parents=True, exist_ok=True)
            built.write_text("#!/bin/sh\\necho livekit-server version {binary.PINNED_VERSION}\\n")
            built.chmod(0o755)
            """
        ),
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


@pytest.fixture
def go_environment(tmp_path, monkeypatch):
    """No server anywhere (LIVEKIT_URL, PATH, cache): the stand-in ``go`` is the only way to one."""
    for name in [name for name in os.environ if name.startswith("LIVEKIT_")]:
        monkeypatch.delenv(name)
    folder = tmp_path / "go-bin"
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv(binary.CACHE_VARIABLE, str(tmp_path / "cache"))
    return folder


pytestmark = pytest.mark.skipif(os.name == "nt", reason="the stand-in go is a script with a #! line")


def test_the_build_ends_in_the_cache_and_a_waiting_suite_gets_it(tmp_path, go_environment, monkeypatch):
    go = fake_go(go_environment, "build", seconds=1.0)
    assert background.should_start(dict(os.environ), tmp_path / "cache") == str(go)
    said = []
    build = background.Build(str(go), tmp_path / "cache", announce=said.append)
    try:
        monkeypatch.setenv(background.PENDING_VARIABLE, str(build.folder))
        started = time.monotonic()
        source = binary.ensure_server(announce=said.append)  # what Use LiveKit Server calls
        assert time.monotonic() - started >= 0.5, "ensure_server returned before the build ended"
        assert source == binary.ServerSource(
            "pinned", binary=str(tmp_path / "cache" / f"v{binary.PINNED_VERSION}" / "livekit-server")
        )
        assert subprocess.run([source.binary], capture_output=True, text=True, check=True).stdout.startswith("livekit-server")
        assert said[0].startswith(f"Building livekit-server v{binary.PINNED_VERSION} with Go in the background")
        assert said[1] == f"Waiting for the background build of livekit-server v{binary.PINNED_VERSION} to end ..."
        assert background.should_start(dict(os.environ), tmp_path / "cache") is None  # kept: the next run builds nothing
    finally:
        build.close()
    assert not build.folder.exists()


def test_a_failed_build_gives_go_last_lines(tmp_path, go_environment, monkeypatch):
    go = fake_go(go_environment, "fail")
    build = background.Build(str(go), tmp_path / "cache", announce=lambda line: None)
    try:
        with pytest.raises(binary.BuildFailure) as failure:
            background.wait(build.folder, announce=lambda line: None, timeout=30)
        assert str(failure.value) == GO_ERROR  # the download chatter left out
    finally:
        build.close()
    assert binary.cached_binary(tmp_path / "cache") is None


def test_a_build_nobody_waited_for_is_stopped_at_the_end_of_the_run(tmp_path, go_environment):
    go = fake_go(go_environment, "hang")
    said = []
    build = background.Build(str(go), tmp_path / "cache", announce=said.append)
    started = time.monotonic()
    build.close()
    assert time.monotonic() - started < 20
    assert build.process.returncode != 0
    assert said[-1].startswith(f"Stopped the background build of livekit-server v{binary.PINNED_VERSION}: no test")
    assert not build.folder.exists()
    assert binary.cached_binary(tmp_path / "cache") is None


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"LIVEKIT_URL": "ws://127.0.0.1:1"}, "a server given by URL"),
        ({binary.BUILD_VARIABLE: "0"}, "builds turned off"),
    ],
)
def test_no_build_starts_when_the_run_would_not_build(tmp_path, go_environment, settings, why):
    fake_go(go_environment, "build")
    assert background.should_start({**os.environ, **settings}, tmp_path / "cache") is None, why


def test_no_build_starts_without_go(tmp_path, go_environment):
    assert background.should_start(dict(os.environ), tmp_path / "cache") is None


def test_run_py_starts_the_build_only_for_runs_that_can_need_the_server(run_py, tmp_path, go_environment):
    fake_go(go_environment, "hang")
    for argv in (["signoff", "results"], ["libdoc"], ["diagnose"], ["--help"], ["--include", "step-1", "-h"]):
        assert run_py.background_build(argv) is None, argv
    for argv in ([], ["test"], ["--include", "live"]):
        build = run_py.background_build(argv)
        assert build is not None, argv
        build.announce = lambda line: None
        build.close()


def test_a_failed_build_stops_the_live_part_and_the_offline_results_stay(run_py, tmp_path, go_environment):
    """The whole path of a first run whose build fails, as run.py runs it once the packages are installed."""
    fake_go(go_environment, "fail", seconds=3.0)  # still building while the offline suite runs
    build = run_py.background_build(["--include", "step-1"])
    assert build is not None
    environment = clean_environment(LIVEKIT_AUTH_BOOTSTRAPPED="1", **build.environment())
    del environment[binary.BUILD_VARIABLE]
    environment.update(PATH=os.environ["PATH"], **{binary.CACHE_VARIABLE: str(tmp_path / "cache")})
    results = tmp_path / "results"
    try:
        run = subprocess.run(
            [sys.executable, str(ROOT / "run.py"), "--outputdir", str(results), "--include", "step-1", "--include", "live"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    finally:
        build.close()
    assert run.returncode != 0
    console = run.stdout
    offline = console.index("LiveKit Authentication.Authentication ")
    assert offline < console.index(f"Building livekit-server v{binary.PINNED_VERSION} failed: {GO_ERROR}")
    assert "LiveKit Authentication.Authentication                                 | PASS |" in console
    from livekit_signoff.results import read_results

    outcome = read_results([results / "output.xml"])
    parts = {}
    for test in outcome.tests:
        parts.setdefault(test.suite.split(".")[1], set()).add((test.status, test.message))
    assert parts["Authentication"] == {("PASS", "")}
    assert parts["Live"] == {("FAIL", "Test execution stopped due to a fatal error.")}
    signoff = (results / "signoff.md").read_text(encoding="utf-8")
    assert "Only part of the run ran: 1 test of Authentication ran (1 passed, 0 failed, 0 skipped); " in signoff
    did_not = re.search(r"; \d+ tests of ([^;]+?) did not, because (.+?) \(suite setup of ", signoff)
    assert did_not is not None, signoff
    assert "Live" in did_not.group(1).replace(" and ", ", ").split(", ")  # the live suites, and any other that needs a server
    assert did_not.group(2).startswith(f"Building livekit-server v{binary.PINNED_VERSION} failed: {GO_ERROR}")
