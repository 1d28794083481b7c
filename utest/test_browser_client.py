"""The browser client: where its browser comes from, the flags that keep it on loopback, its settings,
how the traffic check tells the browser's packets from others', and, with a real Chromium and the
privilege to capture, that the check sees a browser started without the flags and none started with them."""

from __future__ import annotations

import os
import socket
import struct
import time
from pathlib import Path

import pytest

from livekit_browser import executable, launch, page, traffic
from livekit_browser.page import PageServer
from livekit_settings import browser as browser_settings
from livekit_settings.suite import configuration_problem

# ---------------------------------------------------------------- finding the browser


def test_the_setting_names_the_browser(tmp_path):
    program = tmp_path / "my-chrome"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    assert executable.find_browser({"LIVEKIT_BROWSER": str(program), "PATH": ""}) == program


def test_a_setting_that_names_no_executable_stops_the_run_with_one_sentence(tmp_path):
    missing = tmp_path / "no-such-browser"
    problem = configuration_problem({"LIVEKIT_BROWSER": str(missing)})
    assert problem == (
        f"LIVEKIT_BROWSER must name a Chromium or Chrome executable, got {str(missing)!r}, which is not an executable file."
    )
    with pytest.raises(executable.BrowserSettingError):
        executable.find_browser({"LIVEKIT_BROWSER": str(missing)})


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for the browser on the PATH")
def test_a_chromium_on_the_path_is_found(tmp_path):
    program = tmp_path / "chromium"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    assert executable.find_browser({"PATH": str(tmp_path)}) == program


def test_without_a_browser_none_is_found_and_the_sentence_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setattr(executable, "_usual_places", lambda environ: [tmp_path / "nothing-here"])
    assert executable.find_browser({"PATH": str(tmp_path)}) is None
    assert "apt-get install chromium" in executable.HOW_TO_GET_A_BROWSER
    assert "macOS and Windows an installed Google Chrome" in executable.HOW_TO_GET_A_BROWSER


def test_the_usual_places_cover_macos_and_windows(monkeypatch):
    monkeypatch.setattr(executable.sys, "platform", "darwin")
    assert any("Google Chrome.app" in str(place) for place in executable._usual_places({}))
    monkeypatch.setattr(executable.sys, "platform", "win32")
    places = executable._usual_places({"PROGRAMFILES": "C:/Program Files"})
    assert Path("C:/Program Files/Google/Chrome/Application/chrome.exe") in places


def test_the_product_is_named_from_the_executable():
    assert executable.product_name(Path("/usr/bin/chromium")) == "Chromium"
    assert executable.product_name(Path("/usr/bin/google-chrome-stable")) == "Chrome"


def test_require_browser_reads_one_or_zero():
    assert browser_settings.browser_required({"LIVEKIT_REQUIRE_BROWSER": "1"})
    assert not browser_settings.browser_required({})
    assert configuration_problem({"LIVEKIT_REQUIRE_BROWSER": "always"}) == "LIVEKIT_REQUIRE_BROWSER must be 1 or 0, got 'always'."


# ---------------------------------------------------------------- the command line


def test_playwrights_own_disabled_features_are_read_from_its_pinned_driver():
    assert launch.playwright_disabled_features() == launch.PLAYWRIGHT_DISABLED_FEATURES


def test_one_disable_features_list_holds_playwrights_and_the_loopback_one(tmp_path):
    options = launch.launch_options(tmp_path / "chromium", loopback_only=False)
    lists = [argument for argument in options["args"] if argument.startswith("--disable-features=")]
    assert len(lists) == 1
    merged = lists[0].split("=", 1)[1].split(",")
    assert merged == [*launch.PLAYWRIGHT_DISABLED_FEATURES, "WebRtcHideLocalIpsWithMdns"]
    # Playwright's own list is left out of its defaults, so Chromium sees the merged one only.
    assert options["ignore_default_args"] == ["--disable-features=" + ",".join(launch.PLAYWRIGHT_DISABLED_FEATURES)]
    assert "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" in options["args"]
    assert launch.LOOPBACK_ONLY_FLAG not in options["args"]
    assert options["executable_path"] == str(tmp_path / "chromium")


def test_a_server_named_by_another_host_is_let_through_the_resolver_rules(tmp_path):
    assert (
        launch.resolver_rules("livekit.example.com")
        == "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE livekit.example.com"
    )
    assert launch.resolver_rules("127.0.0.1") == launch.HOST_RESOLVER_RULES
    assert launch.resolver_rules("bad host, MAP * 10.0.0.1") == launch.HOST_RESOLVER_RULES


def test_loopback_peer_connections_are_allowed_only_where_loopback_is_all_there_is(tmp_path):
    assert launch.LOOPBACK_ONLY_FLAG in launch.launch_options(tmp_path / "chromium", loopback_only=True)["args"]


def test_a_driver_without_the_list_falls_back_to_the_pinned_one(tmp_path):
    bundle = tmp_path / "coreBundle.js"
    bundle.write_text("nothing to see", encoding="utf-8")
    assert launch.playwright_disabled_features(bundle) == launch.PLAYWRIGHT_DISABLED_FEATURES


def test_the_browser_gets_none_of_the_runs_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("LIVEKIT_API_SECRET", "a-secret-the-browser-never-needs")
    assert not any(name.startswith("LIVEKIT_") for name in launch.launch_options(tmp_path / "chromium")["env"])


# ---------------------------------------------------------------- the page


def test_the_page_serves_three_paths_from_loopback_and_nothing_else():
    import requests

    if page.missing_client():
        pytest.skip(page.missing_client())
    server = PageServer()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        session = requests.Session()
        session.trust_env = False
        umd = session.get(server.url + "livekit-client.umd.js", timeout=10)
        assert umd.content == page.UMD_FILE.read_bytes()
        assert "livekitAuth" in session.get(server.url + "browser-client.js", timeout=10).text
        assert session.get(server.url, timeout=10).status_code == 200
        assert session.get(server.url + "../package.json", timeout=10).status_code == 404
    finally:
        server.stop()
    assert page.client_version() == "2.23.0"


# ---------------------------------------------------------------- telling the browser's packets apart


def _dns_query_frame(name: str, port: int = 53, source_port: int = 40000) -> bytes:
    question = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0" + struct.pack("!HH", 1, 1)
    dns = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + question
    udp = struct.pack("!HHHH", source_port, port, 8 + len(dns), 0) + dns
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton("192.0.2.2"), socket.inet_aton("10.0.0.53")
    )
    return b"\x00" * 12 + b"\x08\x00" + ip + udp


def test_a_lookup_of_the_captures_own_probe_name_is_the_browsers_and_of_another_captures_is_not():
    probe = traffic.new_probe_name()
    packet = traffic.parse(_dns_query_frame(probe), "eth0", True, 1)
    assert packet.names == (probe,)
    assert packet.protocol == "udp" and packet.destination_port == 53
    assert traffic.is_browsers(packet, set(), probe)
    assert not traffic.is_browsers(packet, set(), traffic.new_probe_name())


def test_a_lookup_of_a_google_host_is_the_browsers_and_of_a_package_registry_is_not():
    assert traffic.is_browsers(traffic.parse(_dns_query_frame("clients2.google.com"), "eth0", True, 1), set())
    assert not traffic.is_browsers(traffic.parse(_dns_query_frame("pypi.org"), "eth0", True, 1), set())


def test_an_mdns_name_hiding_a_host_address_is_the_browsers():
    name = "0f3c2d4e-1a2b-4c3d-8e9f-001122334455.local"
    assert traffic.is_browsers(traffic.parse(_dns_query_frame(name, port=5353, source_port=5353), "eth0", True, 1), set())


def test_a_packet_of_a_browser_socket_is_the_browsers_whatever_it_carries():
    packet = traffic.parse(_dns_query_frame("pypi.org", source_port=51234), "eth0", True, 1)
    assert traffic.is_browsers(packet, {("udp", 51234)})
    assert not traffic.is_browsers(packet, {("tcp", 51234)})


def test_a_frame_that_is_not_ip_is_counted_as_another_programs():
    packet = traffic.parse(b"\x00" * 12 + b"\x08\x06" + b"\x00" * 28, "eth0", True, 1)
    assert packet.protocol == "other"
    assert not traffic.is_browsers(packet, set())


# ---------------------------------------------------------------- a real browser, watched


def _real_browser() -> Path:
    found = executable.find_browser()
    why = None if found else executable.HOW_TO_GET_A_BROWSER
    why = why or page.missing_client()
    why = why or traffic.capture_problem()
    if why:
        if browser_settings.browser_required():
            pytest.fail(f"LIVEKIT_REQUIRE_BROWSER=1 but the browser check cannot run: {why}")
        pytest.skip(why)
    return found


def _browser_looks_up_the_probe(options: dict, capture: traffic.Capture) -> list[traffic.Packet]:
    """Start the browser with ``options``, let the page fetch the capture's probe name, and return the browser's packets."""
    from playwright.sync_api import sync_playwright

    capture.start()
    server = PageServer()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(timeout=60_000, **options)
            try:
                tab = browser.new_page()
                tab.goto(server.url, wait_until="load")
                tab.evaluate("(name) => fetch(`http://${name}/`, {mode: 'no-cors'}).catch(() => null)", capture.probe_name)
                time.sleep(1.5)
            finally:
                browser.close()
    finally:
        server.stop()
        capture.stop()
    return capture.browsers()


def test_the_traffic_check_sees_a_look_up_the_resolver_rules_let_through():
    # Only the probe name is let through, so that this browser looks up nothing a concurrent run would count.
    found = _real_browser()
    capture = traffic.Capture()
    options = launch.launch_options(found)
    rules = f"{launch.HOST_RESOLVER_RULES}, EXCLUDE {capture.probe_name}"
    options["args"] = [rules if argument == launch.HOST_RESOLVER_RULES else argument for argument in options["args"]]
    packets = _browser_looks_up_the_probe(options, capture)
    assert any(capture.probe_name in packet.names for packet in packets), [packet.describe() for packet in packets]


def test_a_browser_with_the_projects_flags_sends_nothing_beyond_loopback():
    found = _real_browser()
    packets = _browser_looks_up_the_probe(launch.launch_options(found), traffic.Capture())
    assert packets == [], [packet.describe() for packet in packets]


# ---------------------------------------------------------------- no browser


def test_without_a_browser_the_keywords_skip_with_how_to_get_one(monkeypatch):
    from robot.api import SkipExecution

    import LiveKitBrowser as library

    monkeypatch.setattr(library.executable, "find_browser", lambda: None)
    monkeypatch.delenv("LIVEKIT_REQUIRE_BROWSER", raising=False)
    browser = library.LiveKitBrowser()
    with pytest.raises(SkipExecution) as skipped:
        browser.start_the_browser()
    assert str(skipped.value) == executable.HOW_TO_GET_A_BROWSER
    with pytest.raises(SkipExecution):
        browser.data_should_reach_the_browser()


def test_with_the_browser_required_a_skip_is_a_failure(monkeypatch):
    import LiveKitBrowser as library

    monkeypatch.setattr(library.executable, "find_browser", lambda: None)
    monkeypatch.setenv("LIVEKIT_REQUIRE_BROWSER", "1")
    with pytest.raises(AssertionError) as failed:
        library.LiveKitBrowser().start_the_browser()
    assert str(failed.value) == f"LIVEKIT_REQUIRE_BROWSER=1 but the browser check cannot run: {executable.HOW_TO_GET_A_BROWSER}"


def test_track_sources_compare_by_name_whatever_their_form():
    from livekit_browser.observed import compare_permissions

    offline = {"canSubscribe": True, "canPublish": True, "canPublishSources": ["camera", "screen_share"]}
    received = {"canSubscribe": True, "canPublish": True, "canPublishSources": [3, 1]}
    rows, different = compare_permissions(offline, received)
    assert different == []
    assert len(rows) == 10
    _, different = compare_permissions(offline, {**received, "canPublishSources": [1]})
    assert different == ['canPublishSources: token ["camera", "screen_share"], browser ["CAMERA"]']
