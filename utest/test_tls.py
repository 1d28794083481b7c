"""A LiveKit server, a token endpoint and a webhook receiver behind a TLS terminator on loopback, with
a certificate of a private CA these tests make: everything passes with the CA in ``SSL_CERT_FILE``
(the HTTP checks, the signal-level join, the real-time SDK, RoomService, ``diagnose``, and Node.js
through ``NODE_EXTRA_CA_CERTS``), and a certificate that does not verify fails with one sentence
naming the host and the reason, never a traceback."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT
from http_test_support import SUITES, clean_environment, leaks, run_robot, tokens_from_log
from server_support import real_server
from tls_terminator import Terminator, make_ca

from livekit_client import realtime, signal
from livekit_client.loop import run as run_on_loop
from livekit_http import processes, tls
from livekit_server import process
from livekit_settings.suite import configuration_problem
from livekit_tokens import minting

KEY = "tls-check-key"
SECRET = "tls-check-secret-5a0e9c3b7d1f2846e8b6"
UNTRUSTED = "the certificate is not signed by a certificate authority trusted here"
OTHER_HOST = "the certificate is not issued for this host name"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """The CA these tests trust, and another CA's files (a certificate no one here trusts)."""
    return make_ca(tmp_path_factory.mktemp("ca")), make_ca(tmp_path_factory.mktemp("other-ca"), "another CA")


@pytest.fixture(scope="module")
def server():
    started = process.start_server(real_server(), {KEY: SECRET})
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def behind_tls(server, certificates):
    """The server's port behind a terminator whose certificate names localhost and 127.0.0.1."""
    with Terminator(f"127.0.0.1:{server.managed.port}", certificates[0].cert, certificates[0].key) as terminator:
        yield terminator.port


@pytest.fixture(scope="module")
def behind_other_host(server, certificates):
    """The same server behind a certificate of the same CA for another host name."""
    with Terminator(
        f"127.0.0.1:{server.managed.port}", certificates[0].other_host_cert, certificates[0].other_host_key
    ) as terminator:
        yield terminator.port


def settings(url: str, ca: Path | None, **more: str) -> dict[str, str]:
    environment = clean_environment(LIVEKIT_URL=url, LIVEKIT_API_KEY=KEY, LIVEKIT_API_SECRET=SECRET, **more)
    environment.pop(tls.CA_DIR, None)
    if ca is None:
        environment.pop(tls.CA_FILE, None)
    else:
        environment[tls.CA_FILE] = str(ca)
    return environment


def diagnose(environment: dict[str, str]) -> subprocess.CompletedProcess:
    environment = dict(environment, LIVEKIT_AUTH_BOOTSTRAPPED="1")
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "diagnose"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_live_suite_passes_against_a_server_behind_tls_with_the_ca_in_ssl_cert_file(behind_tls, certificates, tmp_path):
    url = f"wss://localhost:{behind_tls}"
    token_log = tmp_path / "tokens.jsonl"
    environment = settings(url, certificates[0].ca, LIVEKIT_AUTH_TOKEN_LOG=str(token_log), LIVEKIT_REQUIRE_TRANSPORT="1")
    # The server's webhooks go where its own configuration says; a server given by URL is checked without them.
    run = run_robot(
        tmp_path / "out",
        "--exclude",
        "webhooks",
        "--exclude",
        "agents",
        str(SUITES / "live"),
        environment=environment,
        timeout=300,
    )
    statuses = run.statuses()
    assert statuses and all(status == "PASS" for status, _ in statuses.values()), {
        name: result for name, result in statuses.items() if result[0] != "PASS"
    }
    output = (tmp_path / "out" / "output.xml").read_text(encoding="utf-8")
    assert f"{url}, version" in output  # the real-time SDK joined over wss://
    assert "connected (WebRTC, UDP on 127.0.0.1)" in output
    assert statuses["The browser joins with the five-step token"][0] == "PASS"  # Chromium, told the verified key
    assert "Traceback" not in run.stdout + run.stderr
    assert leaks(run.all_text(), tokens_from_log(token_log), [SECRET]) == []


def test_diagnose_checks_a_server_behind_tls(behind_tls, certificates):
    finished = diagnose(settings(f"wss://localhost:{behind_tls}", certificates[0].ca))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"OK          Server       https://localhost:{behind_tls} answered" in finished.stdout
    assert "the set-up works" in finished.stdout


@pytest.mark.parametrize(
    ("case", "reason", "fix"),
    [
        ("no CA", UNTRUSTED, "Set SSL_CERT_FILE to the PEM file of the certificate authority that signed it"),
        ("another CA", UNTRUSTED, "Set SSL_CERT_FILE to the PEM file of the certificate authority that signed it"),
        ("another host", OTHER_HOST, "Use the host name the certificate names in the URL"),
    ],
)
def test_diagnose_names_the_host_and_why_the_certificate_does_not_verify(
    case, reason, fix, behind_tls, behind_other_host, certificates
):
    port = behind_other_host if case == "another host" else behind_tls
    ca = {"no CA": None, "another CA": certificates[1].ca, "another host": certificates[0].ca}[case]
    finished = diagnose(settings(f"wss://localhost:{port}", ca))
    assert finished.returncode == 1
    assert f"Diagnosis: The TLS handshake with localhost:{port} failed: {reason} (" in finished.stdout
    assert f"Fix: {fix}" in finished.stdout
    assert "Traceback" not in finished.stdout + finished.stderr


def test_a_plain_url_for_the_tls_port_is_named_as_such(behind_tls, certificates, tmp_path):
    environment = settings(f"ws://localhost:{behind_tls}", certificates[0].ca)
    finished = diagnose(environment)
    assert finished.returncode == 1
    assert f"Fix: Write wss://localhost:{behind_tls} in LIVEKIT_URL." in finished.stdout
    run = run_robot(tmp_path / "out", "--include", "client", str(SUITES / "live"), environment=environment)
    message = next(iter(run.statuses().values()))[1]
    assert message.startswith(
        f"Parent suite setup failed:\nThe LiveKit server at localhost:{behind_tls} speaks TLS, but LIVEKIT_URL says ws:// "
        "or http://: write wss:// (or https://) in LIVEKIT_URL."
    )


def test_the_live_suite_stops_with_one_sentence_for_an_untrusted_certificate(behind_tls, tmp_path):
    run = run_robot(
        tmp_path / "out", "--include", "client", str(SUITES / "live"), environment=settings(f"wss://localhost:{behind_tls}", None)
    )
    statuses = run.statuses()
    assert statuses and all(status == "FAIL" for status, _ in statuses.values())
    message = next(iter(statuses.values()))[1]
    assert message.startswith(
        f"Parent suite setup failed:\nThe TLS certificate of the LiveKit server at localhost:{behind_tls} does not verify: "
        f"{UNTRUSTED}; set SSL_CERT_FILE to the PEM file of the certificate authority that signed it."
    )
    assert "Traceback" not in run.stdout + run.stderr


_SDK_JOIN = """
import sys
from livekit_client import realtime
try:
    realtime.join("observer", sys.argv[1], sys.argv[2], 10)
except realtime.JoinRefused as refused:
    print(refused.certificate, refused)
else:
    print("joined")
"""


@pytest.mark.parametrize("case", ["the CA", "another CA", "another host"])
def test_the_real_time_sdk_reads_ssl_cert_file_and_names_a_certificate_that_does_not_verify(
    case, behind_tls, behind_other_host, certificates
):
    port = behind_other_host if case == "another host" else behind_tls
    ca = certificates[1].ca if case == "another CA" else certificates[0].ca
    claims = minting.build_claims(KEY, f"tls-{case.replace(' ', '-')}", "tls_room", ttl="2 minutes", room_join=True)
    token = minting.encode(claims, SECRET.encode())
    # A process of its own: the SDK's native library reads SSL_CERT_FILE when it first needs the roots.
    finished = subprocess.run(
        [sys.executable, "-c", _SDK_JOIN, f"wss://localhost:{port}", token],
        env=settings(f"wss://localhost:{port}", ca),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    said = finished.stdout.strip()
    if case == "the CA":
        assert said == "joined", finished.stdout + finished.stderr
        return
    reason = OTHER_HOST if case == "another host" else UNTRUSTED
    assert said.startswith(f"True The TLS certificate of the LiveKit server at localhost:{port} does not verify: {reason}; ")
    assert token not in finished.stdout + finished.stderr


def test_the_signal_level_join_reads_ssl_cert_file(server, behind_tls, certificates, monkeypatch):
    claims = minting.build_claims(KEY, "tls-signal", "tls_room", ttl="2 minutes", room_join=True)
    token = minting.encode(claims, SECRET.encode())
    url = f"wss://localhost:{behind_tls}"
    monkeypatch.setenv(tls.CA_FILE, str(certificates[0].ca))
    joined, _ = run_on_loop(signal.join_and_ask_to_publish(url, url.replace("wss", "https"), token, publish=False), 20, "join")
    assert (joined.identity, joined.room) == ("tls-signal", "tls_room")
    monkeypatch.setenv(tls.CA_FILE, str(certificates[1].ca))
    with pytest.raises(signal.SignalCertificate) as caught:
        run_on_loop(signal.join_and_ask_to_publish(url, url.replace("wss", "https"), token, publish=False), 20, "join")
    assert str(caught.value).startswith(
        f"The TLS certificate of the LiveKit server at localhost:{behind_tls} does not verify: {UNTRUSTED}"
    )


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ("engine: signal failure: transport connection error: IO error: invalid peer certificate: UnknownIssuer", UNTRUSTED),
        (
            "engine: signal failure: transport connection error: IO error: invalid peer certificate: certificate not valid "
            'for name "localhost"; certificate is only valid for DnsName("livekit.other.example")',
            OTHER_HOST,
        ),
    ],
)
def test_the_sdks_certificate_errors_read_as_one_sentence(said, reason):
    refused = realtime._refusal(said, "no-token-here", "wss://localhost:7443")
    assert refused.certificate and not refused.transport and refused.status is None
    assert str(refused).startswith(f"The TLS certificate of the LiveKit server at localhost:7443 does not verify: {reason}; ")


def test_the_endpoint_and_webhook_suites_pass_over_https_and_node_gets_the_ca(certificates, tmp_path):
    environment = clean_environment(LIVEKIT_API_KEY=KEY, LIVEKIT_API_SECRET=SECRET)
    python = sys.executable
    # The reference endpoint in its safe design: the suite signs in with a credential, the endpoint chooses the identity.
    credential = secrets.token_urlsafe(24)
    headers = tmp_path / "headers.py"
    headers.write_text(f"TOKEN_ENDPOINT_HEADERS = {json.dumps({'Authorization': f'Bearer {credential}'})}\n", encoding="utf-8")
    endpoint = processes.start(
        "token endpoint",
        lambda port: [python, str(ROOT / "examples" / "token_endpoint.py"), "--port", str(port)],
        lambda port: f"http://127.0.0.1:{port}",
        probe_path="/token",
        environ={**environment, "TOKEN_ENDPOINT_USERS": json.dumps({credential: "tls-user"})},
    )
    receiver = processes.start(
        "webhook receiver",
        lambda port: [python, str(ROOT / "examples" / "webhook_receiver.py"), "--port", str(port)],
        lambda port: f"http://127.0.0.1:{port}",
        probe_path="/webhook",
        environ=environment,
    )
    ca = certificates[0]
    try:
        with (
            Terminator(f"127.0.0.1:{endpoint.port}", ca.cert, ca.key) as endpoint_tls,
            Terminator(f"127.0.0.1:{receiver.port}", ca.cert, ca.key) as receiver_tls,
        ):
            environment.update(
                LIVEKIT_TOKEN_ENDPOINT=f"https://localhost:{endpoint_tls.port}/token",
                LIVEKIT_WEBHOOK_URL=f"https://localhost:{receiver_tls.port}/webhook",
            )
            environment[tls.CA_FILE] = str(ca.ca)
            run = run_robot(
                tmp_path / "out",
                "--variablefile",
                str(headers),
                str(SUITES / "endpoint"),
                str(SUITES / "webhooks"),
                environment=environment,
                timeout=300,
            )
            statuses = run.statuses()
            assert statuses["The LiveKit JS client gets a token"][0] == "PASS"  # Node.js, with NODE_EXTRA_CA_CERTS
            assert all(status == "PASS" for status, _ in statuses.values()), {
                name: result for name, result in statuses.items() if result[0] != "PASS"
            }
            environment.pop(tls.CA_FILE)
            refused = run_robot(tmp_path / "refused", str(SUITES / "endpoint"), environment=environment)
            message = next(iter(refused.statuses().values()))[1]
            assert (
                f"The TLS certificate of the token endpoint at localhost:{endpoint_tls.port} does not verify: {UNTRUSTED}"
                in message
            )
            assert "Traceback" not in refused.stdout + refused.stderr
    finally:
        endpoint.stop()
        receiver.stop()


def test_node_gets_ssl_cert_file_joined_with_the_extra_certificates_it_already_has(certificates, tmp_path):
    own = tmp_path / "own.pem"
    own.write_text(certificates[1].ca.read_text())
    environment = tls.node_environment({tls.CA_FILE: str(certificates[0].ca), tls.NODE_CA: str(own)})
    joined = Path(environment[tls.NODE_CA]).read_text()
    assert certificates[0].ca.read_text().strip() in joined and own.read_text().strip() in joined
    assert tls.node_environment({tls.CA_FILE: str(certificates[0].ca)})[tls.NODE_CA] == str(certificates[0].ca)
    assert tls.NODE_CA not in tls.node_environment({})


def test_an_unusable_ssl_cert_file_stops_the_run_with_one_sentence(certificates, tmp_path):
    missing = tmp_path / "missing.pem"
    assert configuration_problem({tls.CA_FILE: str(missing)}) == (
        f"SSL_CERT_FILE names '{missing}', which does not exist; set it to the PEM file of your certificate authority."
    )
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("not a certificate\n")
    assert configuration_problem({tls.CA_FILE: str(not_pem)}).startswith(f"SSL_CERT_FILE names '{not_pem}', which holds no")
    assert configuration_problem({tls.CA_FILE: str(certificates[0].ca)}) is None


def test_the_browser_is_told_the_key_of_a_certificate_only_once_it_verified_here(behind_tls, behind_other_host, certificates):
    ca, other = str(certificates[0].ca), str(certificates[1].ca)
    pin = tls.verified_key_pin(f"wss://localhost:{behind_tls}", {tls.CA_FILE: ca})
    assert pin is not None and len(pin) == 44  # base64 of a SHA-256
    assert tls.verified_key_pin(f"wss://localhost:{behind_tls}", {tls.CA_FILE: other}) is None
    assert tls.verified_key_pin(f"wss://localhost:{behind_other_host}", {tls.CA_FILE: ca}) is None  # another host name
    assert tls.verified_key_pin(f"ws://localhost:{behind_tls}", {tls.CA_FILE: ca}) is None
    assert tls.verified_key_pin(f"wss://localhost:{behind_tls}", {}) is None  # the browser's own store decides


def test_a_port_speaks_tls_or_not(server, behind_tls):
    assert tls.speaks_tls("127.0.0.1", behind_tls)
    assert not tls.speaks_tls("127.0.0.1", server.managed.port)
