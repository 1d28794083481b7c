"""LIVEKIT_KEYS as the LiveKit server reads it (YAML, gopkg.in/yaml.v3): each form gives offline the
verdict the real livekit-server v1.13.5 gives, checked against that server started with the same
LIVEKIT_KEYS: the keys it keeps answer 200 to a token signed with the secret read here, the keys it
drops answer 401, and a text it cannot read stops it, as it stops the run here."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from matrix_support import free_port, operator_config
from server_support import real_server

from livekit_tokens import minting
from livekit_tokens.keys import ConfigurationError, load_keyring
from livekit_tokens.server_keys import KeysRefused, plain_kind, read_server_keys

LONG = "k7Qw2Zr9Xv4Lp1Ns8Dm3Hb6Tc5Fy0GjUe2Ai9Ro4W"  # 43 characters, as livekit-server generate-keys makes them


@dataclass(frozen=True)
class Form:
    name: str
    text: str
    kept: dict[str, str] | None  # None: the server does not start
    dropped: tuple[str, ...] = ()


FORMS = [
    # LiveKit's own TestFileBasedKeyProvider (livekit/protocol auth/provider_test.go)
    Form(
        "LiveKit's key file test: a trailing space, CRLF, a blank line",
        "key1: secret1\nkey2: secret2 \r\n\nkey3: secret3",
        {"key1": "secret1", "key2": "secret2", "key3": "secret3"},
    ),
    Form(
        "a comment line and several keys",
        f"# production\napi1: {LONG}\n# rotation\napi2: {LONG[::-1]}",
        {"api1": LONG, "api2": LONG[::-1]},
    ),
    Form("a comment after the secret", f"api1: {LONG} # rotated in May", {"api1": LONG}),
    Form("a tab after the colon", f"api1:\t{LONG}", {"api1": LONG}),
    Form("a tab before the key", f"\tapi1: {LONG}", None),
    Form("a tab after the secret and inside one", f"api1: {LONG}\t\napi2: two\twords", {"api1": LONG, "api2": "two\twords"}),
    Form("a number as secret", f"api1: {LONG}\napi2: 12345", {"api1": LONG}, ("api2",)),
    Form("a number with underscores and a float", f"api1: {LONG}\napi2: 1_000\napi3: 1e3", {"api1": LONG}, ("api2", "api3")),
    Form("a boolean and yes", f"api1: true\napi2: yes\napi3: {LONG}", {"api2": "yes", "api3": LONG}, ("api1",)),
    Form("an empty secret and null", f"api1:\napi2: null\napi3: {LONG}", {"api3": LONG}, ("api1", "api2")),
    Form("a date as secret", f"api1: 2026-01-20\napi2: {LONG}", {"api2": LONG}, ("api1",)),
    Form("a quoted number and quoted spaces", "api1: '12345'\napi2: \" padded \"", {"api1": "12345", "api2": " padded "}),
    Form("an octal-looking secret", f"api1: 0o17\napi2: 0x1G\napi3: {LONG}", {"api2": "0x1G", "api3": LONG}, ("api1",)),
    Form("a key named twice", f"api1: {LONG}\napi1: {LONG}", None),
    Form("no mapping at all", LONG, None),
    Form("only comments", "# nothing here", None),
]


def _server_verdict(text: str, folder, probes: dict[str, str]) -> tuple[bool, dict[str, int]]:
    """Start the real server with LIVEKIT_KEYS=text; whether it started, and what /rtc/validate answers each probe's token."""
    config = folder / "livekit.yaml"
    http_port = free_port()
    # The keys come from LIVEKIT_KEYS only: the configuration file names none.
    config.write_text(operator_config(http_port, free_port(2), "").replace("keys:\n", ""), encoding="utf-8")
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")}
    environment["LIVEKIT_KEYS"] = text
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [real_server(), "--config", str(config)], stdout=output, stderr=subprocess.STDOUT, env=environment
        )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False, {}
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"livekit-server did not answer: {log.read_text(errors='replace')[-1500:]}")
        return True, {name: _validate(http_port, name, secret) for name, secret in probes.items()}
    finally:
        process.terminate()
        process.wait(10)


def _candidates(text: str) -> dict[str, str]:
    """Each key the text names, with the secret a user would read there (the text after the colon, trimmed)."""
    candidates = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        name, separator, secret = line.partition(":")
        if separator and not line.lstrip().startswith("#"):
            candidates[name.strip()] = secret.split(" #")[0].strip().strip("'\"") or "empty"
    return candidates


def _validate(port: int, key: str, secret: str) -> int:
    claims = minting.build_claims(key, "keys-check", "keys-check", room_join=True, ttl="1 minute")
    token = minting.encode(claims, secret.encode("utf-8"))
    request = urllib.request.Request(f"http://127.0.0.1:{port}/rtc/validate", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - a request to 127.0.0.1
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("form", FORMS, ids=[form.name for form in FORMS])
def test_offline_reading_is_the_servers(form: Form):
    if form.kept is None:
        with pytest.raises(KeysRefused) as refused:
            keys = read_server_keys(form.text)
            if not keys.kept:
                raise KeysRefused("no key")
        assert "LIVEKIT_KEYS" in str(refused.value) or str(refused.value) == "no key"
        with pytest.raises(ConfigurationError):
            load_keyring(environ={"LIVEKIT_KEYS": form.text})
        return
    keys = read_server_keys(form.text)
    assert keys.kept == form.kept
    assert tuple(name for name, _ in keys.dropped) == form.dropped
    assert {key.key: key.secret for key in load_keyring(environ={"LIVEKIT_KEYS": form.text})} == form.kept


@pytest.mark.parametrize("form", FORMS, ids=[form.name for form in FORMS])
def test_the_real_server_reads_the_form_alike(form: Form, tmp_path):
    kept = form.kept or {}
    candidates = _candidates(form.text)
    probes = {**{name: candidates[name] for name in form.dropped}, **kept}
    started, statuses = _server_verdict(form.text, tmp_path, probes)
    assert started == (form.kept is not None), (tmp_path / "server.log").read_text(errors="replace")[-1500:]
    for name, status in statuses.items():
        if name in kept:
            assert status == 200, f"{name}: the server refused the secret read here"
        else:
            assert status == 401, f"{name}: the server kept a key that is dropped here"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("yes", "text"),
        ("on", "text"),
        ("true", "a boolean"),
        ("~", "empty"),
        ("1e3", "a number"),
        ("0o17", "a number"),
        ("017", "a number"),
        ("08", "a number"),
        ("0b2", "text"),
        (".5", "a number"),
        (".inf", "a number"),
        ("1e999", "text"),
        ("2026-01-20", "a date"),
        ("2026-13-01", "text"),
        ("+12", "a number"),
        ("-0x1F", "a number"),
        ("1_000", "a number"),
    ],
)
def test_plain_scalars_are_resolved_by_yaml_v3_rules(text, kind):
    assert plain_kind(text) == kind
