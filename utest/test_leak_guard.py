"""The leak guard: every form a secret or a token can take in a results folder is found, and named."""

from __future__ import annotations

import html
import json
import secrets

import pytest
from robot.utils import compress_text

from livekit_evidence import leak_guard
from LiveKitAuth import LiveKitAuth


@pytest.fixture
def secret() -> str:
    return secrets.token_urlsafe(40) + "<&\"'"  # characters that HTML and JSON escape


@pytest.fixture
def token() -> str:
    return LiveKitAuth(api_key="devkey", api_secret="secret").generate_token("alice", "room", room_join=True).value


@pytest.fixture
def token_log(tmp_path, token):
    path = tmp_path / "tokens.log"
    junk = ["", "not a token", "a.b.c", "Bearer " + "x" * 40]  # hostile test inputs the library also records
    path.write_text("".join(json.dumps(value) + "\n" for value in [token, token, *junk]), encoding="utf-8")
    return path


def guard(monkeypatch, results, token_log=None, **environ) -> int:
    for name in ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "LIVEKIT_KEYS", "LIVEKIT_TOKEN", "LIVEKIT_AUTH_TOKEN_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    arguments = [str(results)] + (["--tokens", str(token_log)] if token_log else [])
    return leak_guard.main(arguments)


def results_folder(tmp_path, **files: str):
    folder = tmp_path / "results"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html>the API secret of devkey is the word secret</html>", encoding="utf-8")
    for name, content in files.items():
        (folder / name.replace("_", ".")).write_text(content, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "form",
    [
        lambda value: value,
        lambda value: html.escape(value),
        lambda value: html.escape(html.escape(value)),
        lambda value: json.dumps(value),
        lambda value: json.dumps({"m": f"<td>{html.escape(value)}</td>"}),
        lambda value: json.dumps(["*", compress_text(f"a long message that Robot stores compressed: {value} " * 3)]),
    ],
    ids=["raw", "html", "html-in-xml", "json", "html-in-json", "robot-compressed"],
)
def test_a_secret_is_found_in_every_form(tmp_path, monkeypatch, capsys, secret, form):
    folder = results_folder(tmp_path, log_html=f"window.output = {form(secret)};")
    assert guard(monkeypatch, folder, LIVEKIT_API_KEY="prod", LIVEKIT_API_SECRET=secret) == 1
    error = capsys.readouterr().err
    assert "log.html (secret)" in error
    assert "report.html" not in error
    assert secret not in error
    assert html.escape(secret) not in error


def test_every_secret_of_livekit_keys_is_searched(tmp_path, monkeypatch, capsys):
    second = secrets.token_hex(24)
    folder = results_folder(tmp_path, xunit_xml=f"<failure>{second}</failure>")
    keys = f"first: {secrets.token_hex(24)}\nsecond: {second}\n"
    assert guard(monkeypatch, folder, LIVEKIT_KEYS=keys) == 1
    assert "xunit.xml (secret)" in capsys.readouterr().err


def test_a_recorded_token_is_found_even_when_cut_short(tmp_path, monkeypatch, capsys, token, token_log):
    signed_part, _, signature = token.rpartition(".")
    for name, content in {"output.xml": signed_part + "...", "signoff.md": f"sig={signature}", "log.html": token}.items():
        folder = results_folder(tmp_path / name, **{name.replace(".", "_"): content})
        assert guard(monkeypatch, folder, token_log) == 1
        error = capsys.readouterr().err
        assert f"{name} (token)" in error
        assert token not in error and signature not in error


def test_the_supplied_token_is_searched_without_a_token_log(tmp_path, monkeypatch, capsys, token):
    folder = results_folder(tmp_path, output_xml=f"<msg>{token}</msg>")
    assert guard(monkeypatch, folder, LIVEKIT_TOKEN=token) == 1
    assert "output.xml (token)" in capsys.readouterr().err


def test_a_clean_folder_passes_with_one_line_of_counts(tmp_path, monkeypatch, capsys, secret, token_log):
    folder = results_folder(tmp_path, log_html="nothing to see", output_xml="<robot/>")
    assert guard(monkeypatch, folder, token_log, LIVEKIT_API_KEY="prod", LIVEKIT_API_SECRET=secret) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("Leak guard: 3 file(s) searched for 1 secret(s) and 1 token(s): none found")
    assert "4 recorded test input(s) that are not tokens skipped" in out


def test_the_public_dev_secret_is_not_searched_and_the_output_says_so(tmp_path, monkeypatch, capsys):
    folder = results_folder(tmp_path)  # report.html contains the word "secret"
    assert guard(monkeypatch, folder) == 0
    out = capsys.readouterr().out
    assert "0 secret(s)" in out
    assert "the public development secret is not searched" in out
    assert "no token log" in out


@pytest.mark.parametrize("short", ["grants", "server", "xyzq", "s3cr3t!"])
def test_a_short_secret_is_reported_as_not_searchable_instead_of_failing_every_run(tmp_path, monkeypatch, capsys, short):
    # Words of the suite's own documentation, in every log.html; a short secret cannot be told apart from them.
    folder = results_folder(tmp_path, log_html=f"<p>Check the {short} of the token: grants, server, publish.</p>")
    assert guard(monkeypatch, folder, LIVEKIT_API_KEY="k", LIVEKIT_API_SECRET=short) == 0
    out = capsys.readouterr().out
    assert out.startswith("Leak guard: 2 file(s) searched for 0 secret(s) and 0 token(s): none found (")
    assert "1 secret(s) shorter than 8 characters not searchable" in out
    assert "weak secrets" in out
    assert short not in out


def test_a_random_secret_of_24_characters_is_still_found_and_named(tmp_path, monkeypatch, capsys):
    secret = secrets.token_urlsafe(18)  # 24 characters
    assert len(secret) == 24
    folder = results_folder(tmp_path, output_xml=f"<msg>connected with {secret}</msg>", log_html="grants server")
    keys = f"long: {secret}\nshort: grants\n"
    assert guard(monkeypatch, folder, LIVEKIT_KEYS=keys) == 1
    captured = capsys.readouterr()
    assert "in 1 file(s)" in captured.err
    assert "output.xml (secret)" in captured.err
    assert "log.html" not in captured.err
    assert secret not in captured.err + captured.out


def test_a_secret_of_8_characters_is_always_searched(tmp_path, monkeypatch, capsys):
    folder = results_folder(tmp_path, log_html="the documentation says password here")
    assert guard(monkeypatch, folder, LIVEKIT_API_KEY="k", LIVEKIT_API_SECRET="password") == 1
    assert "log.html (secret)" in capsys.readouterr().err


def noted_log(tmp_path, *entries) -> object:
    path = tmp_path / "noted.log"
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries), encoding="utf-8")
    return path


def test_a_secret_noted_by_the_run_is_searched_like_a_configured_one(tmp_path, monkeypatch, capsys, token):
    header_value = "hdr-" + secrets.token_hex(12)
    log = noted_log(tmp_path, token, {"secret": header_value}, {"secret": "short"})
    clean = results_folder(tmp_path / "clean", log_html="nothing to see")
    assert guard(monkeypatch, clean, log) == 0
    out = capsys.readouterr().out
    assert "searched for 1 secret(s) and 1 token(s): none found" in out
    assert "1 of the secrets noted by the run (request header values, API keys added by tests)" in out
    assert "1 secret(s) shorter than 8 characters not searchable" in out
    leaked = results_folder(tmp_path / "leaked", xunit_xml=f"<failure>X-App-Key: {html.escape(header_value)}</failure>")
    assert guard(monkeypatch, leaked, log) == 1
    error = capsys.readouterr().err
    assert "xunit.xml (secret)" in error
    assert header_value not in error


def test_noted_secrets_and_tokens_are_read_apart(tmp_path, token):
    log = noted_log(tmp_path, token, {"secret": "a-header-value"}, {"secret": "   "}, {"other": "x"}, 42)
    assert leak_guard.recorded_values(log) == ([token], ["a-header-value"])
    assert leak_guard.recorded_tokens(log) == [token]


def test_the_token_log_itself_is_not_reported_when_it_lies_in_the_folder(tmp_path, monkeypatch, token):
    folder = results_folder(tmp_path)
    log = folder / "tokens.log"
    log.write_text(json.dumps(token) + "\n", encoding="utf-8")
    assert guard(monkeypatch, folder, log) == 0


def test_a_missing_folder_ends_in_one_sentence(tmp_path, monkeypatch, capsys):
    assert guard(monkeypatch, tmp_path / "nowhere") == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_tokens_are_told_apart_from_other_test_inputs(token):
    assert leak_guard.is_token(token)
    for value in ("", "a.b.c", "not a token", token.replace(".", " "), "e30.e30", "bm90IGpzb24.e30.sig"):
        assert not leak_guard.is_token(value)


def test_a_secret_without_white_space_is_not_found_in_words_that_only_join_to_it(tmp_path, monkeypatch, capsys):
    manual = "<p>Use Token Endpoint starts the token endpoint; see the tokenendpoint-free example.</p>"
    folder = results_folder(tmp_path, LiveKitHttp_html=manual.replace("tokenendpoint-free ", ""))
    assert guard(monkeypatch, folder, LIVEKIT_API_KEY="k", LIVEKIT_API_SECRET="tokenendpoint") == 0
    wrapped = results_folder(tmp_path / "wrapped", debug_txt="the secret was token\n    endpoint")
    assert guard(monkeypatch, wrapped, LIVEKIT_API_KEY="k", LIVEKIT_API_SECRET="tokenendpoint") == 1
    assert "debug.txt (secret)" in capsys.readouterr().err


def test_a_secret_with_white_space_is_found_however_the_writers_changed_it(tmp_path, monkeypatch, capsys):
    secret = "first-part \r\n second-part"
    for number, written in enumerate(["first-part second-part", "first-part\nsecond-part", "first-part  \\r\\n second-part"]):
        folder = results_folder(tmp_path / str(number), signoff_md=f"`{written}`")
        assert guard(monkeypatch, folder, LIVEKIT_API_KEY="k", LIVEKIT_API_SECRET=secret) == 1
        assert "signoff.md (secret)" in capsys.readouterr().err
