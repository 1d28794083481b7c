"""URL normalisation, token-free body excerpts, transport failures and clock skew."""

from __future__ import annotations

import socket

import pytest
import requests
from http_test_support import Reply, ScriptedServer

from livekit_http.answers import excerpt, scrub, status_text, transport_failure
from livekit_http.clock import parse_http_date, skew_from_date
from livekit_http.urls import UrlError, check_endpoint_url, is_loopback, normalise_server_url, path_of, without_query
from livekit_tokens.evidence import fingerprint
from livekit_tokens.keys import Keyring, load_keyring
from livekit_tokens.minting import build_claims, encode


def _token(**options) -> str:
    keyring: Keyring = load_keyring(environ={})
    return encode(build_claims("devkey", "alice", "demo", room_join=True, **options), keyring.prepared_secret("devkey"))


# ---------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("given", "http_base", "ws_base"),
    [
        ("ws://127.0.0.1:7880", "http://127.0.0.1:7880", "ws://127.0.0.1:7880"),
        ("wss://lk.example.com", "https://lk.example.com", "wss://lk.example.com"),
        ("http://localhost:7880/", "http://localhost:7880", "ws://localhost:7880"),
        ("HTTPS://lk.example.com:8443/livekit/", "https://lk.example.com:8443/livekit", "wss://lk.example.com:8443/livekit"),
        ("  ws://[::1]:7880?x=1#frag ", "http://[::1]:7880", "ws://[::1]:7880"),
    ],
)
def test_server_urls_are_normalised_from_both_forms(given, http_base, ws_base):
    server = normalise_server_url(given)
    assert (server.http_base, server.ws_base) == (http_base, ws_base)


def test_server_url_ports_default_to_the_scheme():
    assert normalise_server_url("wss://lk.example.com").port == 443
    assert normalise_server_url("ws://lk.example.com").port == 80
    assert normalise_server_url("ws://127.0.0.1:7880").is_loopback


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("", "LIVEKIT_URL is empty"),
        ("127.0.0.1:7880", "must start with ws:// or wss:// or http:// or https://"),
        ("ftp://host", "must start with"),
        ("ws://user:pw@host:7880", "must not carry a user name or password"),
        ("ws://:7880", "has no host name"),
        ("ws://host:notaport", "has an invalid port"),
    ],
)
def test_unusable_server_urls_say_what_to_set(given, words):
    with pytest.raises(UrlError, match=words):
        normalise_server_url(given)


def test_a_refused_url_never_shows_its_credentials_or_query():
    with pytest.raises(UrlError) as caught:
        normalise_server_url("ftp://user:hunter2@host/path?api_secret=hunter2")
    assert "hunter2" not in str(caught.value)


def test_endpoint_urls_must_be_http():
    assert check_endpoint_url(" http://127.0.0.1:8080/token ") == "http://127.0.0.1:8080/token"
    with pytest.raises(UrlError, match="LIVEKIT_TOKEN_ENDPOINT must start with http:// or https://"):
        check_endpoint_url("ws://127.0.0.1:8080/token")
    with pytest.raises(UrlError, match="fragment"):
        check_endpoint_url("http://127.0.0.1:8080/token#x")


def test_logged_urls_drop_query_and_user_info():
    assert without_query("https://u:p@api.example.com:8443/token?key=abc") == "https://api.example.com:8443/token"
    assert without_query("http://[::1]:8080") == "http://[::1]:8080/"
    assert path_of("http://h/rtc/validate?access_token=x") == "/rtc/validate"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("localhost", True), ("10.0.0.1", False), ("example.com", False)],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


# ---------------------------------------------------------------------- excerpts


def test_scrub_replaces_known_and_unknown_tokens_by_fingerprints():
    token = _token()
    other = _token(ttl="1 hour", name="x")
    text = f"invalid token: {token}, error: token is expired; also {other}"
    cleaned = scrub(text, tokens=[token])
    assert token not in cleaned and other not in cleaned
    assert f"<token {fingerprint(token)}>" in cleaned
    assert f"<token {fingerprint(other)}>" in cleaned
    assert "error: token is expired" in cleaned


def test_scrub_hides_secrets_bearer_credentials_and_token_fields():
    cleaned = scrub(
        'Authorization: Bearer abc.def opaque-session; {"participant_token": "raw-value"} ?access_token=qwerty&x=1 s3cr3t-value',
        secrets=["s3cr3t-value"],
    )
    for hidden in ("abc.def", "raw-value", "qwerty", "s3cr3t-value"):
        assert hidden not in cleaned
    assert "Bearer <credential>" in cleaned
    assert "<secret>" in cleaned


def test_excerpts_are_short_single_line_and_never_cut_a_marker():
    token = _token()
    body = ("x" * 150 + " " + token + "\n\n tail").encode()
    shown = excerpt(body, limit=160)
    assert "\n" not in shown and token not in shown
    assert shown.endswith(" ...")
    assert "<token sha256" not in shown or shown.count("<") == shown.count(">")
    assert excerpt(b"") == "(empty body)"
    assert excerpt(None) == "(empty body)"
    assert excerpt(b"\x00\xff binary") == "?? binary"


def test_status_text_names_the_reason():
    assert status_text(401) == "401 Unauthorized"
    assert status_text(599) == "599"
    assert status_text(418, "Teapot") == "418 Teapot"


# ---------------------------------------------------------------------- transport failures


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused_is_one_sentence():
    url = f"http://127.0.0.1:{_closed_port()}/token?key=hidden"
    with pytest.raises(requests.ConnectionError) as caught:
        requests.post(url, timeout=2)
    sentence = transport_failure(caught.value, "the token endpoint", url, 2)
    assert sentence.startswith("Could not connect to the token endpoint at http://127.0.0.1:")
    assert sentence.endswith("/token: the connection was refused (is it running?).")
    assert "hidden" not in sentence


def test_a_silent_server_is_a_timeout_sentence():
    with ScriptedServer(lambda seen: Reply(hang=True)) as server:
        with pytest.raises(requests.ReadTimeout) as caught:
            requests.post(server.url + "/token", timeout=0.3)
        sentence = transport_failure(caught.value, "the token endpoint", server.url + "/token", 0.3)
    assert sentence == f"The token endpoint at {server.url}/token accepted the connection but did not answer within 0.3 s."


# ---------------------------------------------------------------------- clock


def test_skew_is_estimated_from_the_date_header():
    skew = skew_from_date(
        "Fri, 20 Nov 2026 10:00:00 GMT",
        sent_at=parse_http_date("Fri, 20 Nov 2026 10:00:30 GMT"),
        received_at=parse_http_date("Fri, 20 Nov 2026 10:00:30 GMT") + 0.2,
    )
    assert skew.seconds == pytest.approx(-29.6, abs=0.01)
    assert skew.uncertainty == pytest.approx(0.6)
    assert skew.severity() == "warning"
    assert "behind" in skew.describe()
    assert (
        skew.sentence()
        == "Clock skew: the server's clock is 29.6 s behind this machine's (± 0.6 s), close to the server's 60 s leeway on nbf and exp."
    )


@pytest.mark.parametrize(
    ("offset", "severity"),
    [(0, "info"), (10, "info"), (-29, "info"), (31, "warning"), (59, "warning"), (62, "failure"), (-300, "failure")],
)
def test_skew_severity_follows_the_leeway(offset, severity):
    now = 1_800_000_000.0
    from email.utils import formatdate

    skew = skew_from_date(formatdate(now + offset, usegmt=True), sent_at=now, received_at=now)
    assert skew.severity() == severity


@pytest.mark.parametrize("header", [None, "", "yesterday", "Fri, 99 Nov 2026 10:00:00 GMT"])
def test_a_missing_or_bad_date_header_is_named(header):
    with pytest.raises(ValueError, match=r"Date header|no Date header"):
        parse_http_date(header)


@pytest.mark.parametrize(
    "header",
    ["1 Jan 2020 00:00:00 +99999999999999999999", "Mon, 01 Jan 2020 00:00:00 -99999999999999999999"],
)
def test_a_date_header_with_an_impossible_offset_is_named(header):
    with pytest.raises(ValueError) as caught:
        parse_http_date(header)
    assert str(caught.value) == f"the Date header {header[:40]!r} is not an HTTP date"


# ---------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("ws://[::1", "LIVEKIT_URL has an invalid host name; got 'ws://[::1'."),
        ("http://user:pw@[abc]:80/?key=hidden", "LIVEKIT_URL has an invalid host name; got 'http://[abc]:80/'."),
        ("ws://exa\u2100mple/", "LIVEKIT_URL has an invalid host name; got 'ws://exa\u2100mple/'."),
        ("ws://lk example/", "LIVEKIT_URL holds spaces or control characters; got 'ws://lk example/'."),
        ("ws://lk\x00example/", "LIVEKIT_URL holds spaces or control characters; got 'ws://lk?example/'."),
    ],
)
def test_malformed_urls_are_one_sentence(given, words):
    with pytest.raises(UrlError) as caught:
        normalise_server_url(given)
    assert str(caught.value) == words
    with pytest.raises(UrlError, match=r"^LIVEKIT_TOKEN_ENDPOINT (has an invalid host name|holds spaces)"):
        check_endpoint_url(given.replace("ws://", "http://"))


def _reference_mask(text: str) -> str:
    """What the excerpts masked before: a regular expression, slow on long runs of 'ey'."""
    import re

    pattern = re.compile(r"ey[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
    return pattern.sub(lambda match: f"<token {fingerprint(match.group(0))}>", text)


def test_jwt_masking_finds_what_the_pattern_finds():
    import random

    chance = random.Random(20260519)
    alphabet = ["e", "y", "J", "a", "0", "-", "_", ".", ".", " ", '"', "="]
    for _ in range(4000):
        text = "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 40)))
        assert scrub(text) == _reference_mask(text), text
    token = _token()
    for text in (token, f"x{token}.tail", f"a.b.{token}", f'{{"t":"{token}"}}', f"{token}.{token}", f"..{token}.."):
        assert scrub(text) == _reference_mask(text), text
        assert token not in scrub(text)


def test_a_long_body_of_token_look_alikes_is_excerpted_in_one_pass():
    # The former pattern tried every 'ey' against the rest of the run: minutes for this body.
    token = _token()
    body = "ey" * 500_000 + ".. " + token
    assert excerpt(body, limit=40) == "ey" * 20 + " ..."
    assert scrub(body) == "ey" * 500_000 + f".. <token {fingerprint(token)}>"
