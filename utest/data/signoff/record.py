#!/usr/bin/env python3
"""Record the output.xml files the sign-off unit tests read, by running the real authentication suite.

    python utest/data/signoff/record.py

Runs with the public development key pair only (devkey / secret) and no other LiveKit setting, so the
files hold no secret; tokens never reach output.xml. Absolute paths of this checkout are replaced by
``.`` so the files do not depend on where they were recorded. Writes, next to this script:

- passed.xml   the default run: five steps pass
- failed.xml   LIVEKIT_TOKEN set to a token that expired on 2026-01-20 01:08:57 UTC: step 5 fails
- skipped.xml  the default run with ``--skip step-5``
- steps-1-2.xml and steps-3-5.xml  two subset runs, to be combined
- merged.xml   failed.xml merged (rebot --merge) with a re-run of its failed test on a minted token
- live.xml     the default run of the authentication and live suites against the real livekit-server
               (the project's pinned build, given in LIVEKIT_SERVER_BINARY; skipped without it): the
               real client joined, the server refused the observer's track, data crossed the transport
- clients.xml  the authentication suite and the live suite's client tests, the browser's among them (the
               system's Chromium, skipped without one): both clients joined and data crossed both ways
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SUITE = ROOT / "suites" / "authentication"
EXPIRED = {"not_before": "2026-01-19 19:08:57", "expires": "2026-01-20 01:08:57"}


def clean_environment() -> dict[str, str]:
    environ = {name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")}
    return environ


def expired_token() -> str:
    from LiveKitAuth import LiveKitAuth

    library = LiveKitAuth(api_key="devkey", api_secret="secret")
    grants = {"room_join": True, "can_publish": False, "can_subscribe": True}
    return library.generate_token("client_test", "test_room", **grants, **EXPIRED).value


def robot(output: Path, *options: str, environ: dict[str, str], suites: tuple[Path, ...] = (SUITE,)) -> None:
    command = [sys.executable, "-m", "robot", "--output", str(output)]
    command += ["--log", "NONE", "--report", "NONE", "--console", "quiet", *options, *map(str, suites)]
    subprocess.run(command, env=environ, cwd=ROOT, check=False)


def normalise(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(str(ROOT), "."), encoding="utf-8")


def main() -> int:
    environ = clean_environment()
    robot(HERE / "passed.xml", environ=environ)
    robot(HERE / "skipped.xml", "--skip", "step-5", environ=environ)
    robot(HERE / "steps-1-2.xml", "--include", "step-1", "--include", "step-2", environ=environ)
    time.sleep(1.1)  # a token minted in the same second would be the same token: the two runs examine two
    robot(HERE / "steps-3-5.xml", "--exclude", "step-1", "--exclude", "step-2", environ=environ)
    robot(HERE / "failed.xml", environ={**environ, "LIVEKIT_TOKEN": expired_token()})
    rerun = HERE / "rerun.xml"
    robot(rerun, "--rerunfailed", str(HERE / "failed.xml"), environ=environ)
    rebot = [sys.executable, "-m", "robot.rebot", "--merge", "--output", str(HERE / "merged.xml")]
    rebot += ["--log", "NONE", "--report", "NONE", str(HERE / "failed.xml"), str(rerun)]
    subprocess.run(rebot, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    rerun.unlink()
    names = ["passed", "failed", "skipped", "steps-1-2", "steps-3-5", "merged"]
    server = os.environ.get("LIVEKIT_SERVER_BINARY")
    if server:
        live = {**environ, "LIVEKIT_SERVER_BINARY": server}
        robot(HERE / "live.xml", "--name", "LiveKit Authentication", environ=live, suites=(SUITE, ROOT / "suites" / "live"))
        names.append("live")
        clients = ("--include", "authentication", "--include", "client")
        robot(
            HERE / "clients.xml",
            "--name",
            "LiveKit Authentication",
            *clients,
            environ=live,
            suites=(SUITE, ROOT / "suites" / "live"),
        )
        names.append("clients")
    for name in names:
        normalise(HERE / f"{name}.xml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
