"""The Clients part of Server Acceptance, read from a recorded run in which LiveKit's Python real-time SDK
and a real Chromium with livekit-client joined the pinned server (``data/signoff/clients.xml``, written
by ``data/signoff/record.py``), and from made-up results for what that run cannot show."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from helpers import section
from robot import result as robot_result

import livekit_signoff as signoff
from livekit_tokens import evidence

DATA = Path(__file__).resolve().parent / "data" / "signoff"
BROWSER = r"Chromium \d+\.\d+\.\d+\.\d+ with livekit-client 2\.23\.0"


def _markdown(*paths: Path) -> tuple[str, str]:
    status, blocks = signoff.build(signoff.read_results(list(paths)), None)
    return status, signoff.to_markdown(blocks)


def test_both_clients_are_named_with_what_each_was_allowed_refused_and_received():
    status, markdown = _markdown(DATA / "clients.xml")
    assert status == "PASSED"
    clients = section(markdown, "Clients")
    python, browser = re.split(r"\n(?=✅ `Chromium)", clients.strip(), maxsplit=1)
    assert python.startswith("✅ `LiveKit Python real-time SDK 1.2.1`")
    assert "- Allowed: canSubscribe true, canPublish false, canPublishData false (as Step 4 decided)" in python
    assert "- Refused: publishing its track (server: NOT_ALLOWED)" in python
    assert "- Received: data from livekit-auth-publisher" in python
    assert re.match(rf"✅ `{BROWSER}`", browser)
    assert re.search(r"- Joined: as client_test in test_room, \d+\.\d+ s from launch", browser)
    assert "- Allowed: canSubscribe true, canPublish false, canPublishData false (as Step 4 decided)" in browser
    assert "publishing the observer's camera, by livekit-client itself and by the server when the page forced it" in browser
    assert re.search(r"a token \(expired\): 401 .*invalid token: \\<token sha256:[0-9a-f]{12}\\>.*token is expired", browser)
    assert re.search(r"a token \(signed with another secret\): 401 .*signature is invalid", browser)
    assert "- Received: data browser publisher → python publisher; data python publisher → browser" in browser


def test_transport_verified_names_the_clients_whose_data_crossed():
    _, markdown = _markdown(DATA / "clients.xml")
    verdict = next(line for line in markdown.splitlines() if "Transport verified" in line)
    assert re.fullmatch(
        rf"\*\*Control plane verified\. Transport verified \(LiveKit Python real-time SDK 1\.2\.1 and {BROWSER}\)\.\*\*", verdict
    )


def _browser_suite(status: str, message: str, records: list[str]) -> robot_result.TestSuite:
    suite = robot_result.TestSuite(name="Browser Client", start_time=datetime(2026, 1, 19, 20, 0, 0))
    test = suite.tests.create(name="The browser joins", tags=["live", "client", "browser"], status=status, message=message)
    keyword = test.body.create_keyword(name="Join Room In The Browser", status=status)
    for record in records:
        keyword.body.create_message(message=record, html=True, level="INFO")
    return suite


def test_a_run_without_a_browser_says_so_and_how_to_get_one(tmp_path):
    why = "Install Chromium or Chrome to run the browser client: on Debian or Ubuntu `apt-get install chromium`."
    path = tmp_path / "output.xml"
    robot_result.Result(suite=_browser_suite("SKIP", why, [])).save(path)
    _, markdown = _markdown(path)
    clients = section(markdown, "Clients")
    assert clients.strip().splitlines()[0] == "⏭️ `Browser`"
    assert f"Not checked: {why}" in clients.replace("\\`", "`")
    assert "Transport verified" not in markdown


def test_a_browser_whose_data_did_not_cross_is_not_named_in_the_verdict(tmp_path):
    records = [
        evidence.table("b", [], {"browser_client": "browser", "facts": {"browser": "Chromium 156", "client": "2.23.0"}}),
        evidence.table(
            "d", [], {"browser_client": "data", "facts": {"sender": "browser", "receiver": "python", "received": False}}
        ),
    ]
    path = tmp_path / "output.xml"
    robot_result.Result(suite=_browser_suite("FAIL", "The data packet did not arrive.", records)).save(path)
    _, markdown = _markdown(path)
    assert "`Chromium 156 with livekit-client 2.23.0`" in section(markdown, "Clients")
    assert "Transport verified" not in markdown


def test_the_sign_off_reads_the_key_the_browser_library_writes():
    from livekit_browser import observed
    from livekit_signoff import clients

    assert clients.BROWSER_KEY == observed.BROWSER_KEY
