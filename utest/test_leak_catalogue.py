"""Catalogue of the ways a secret or a token can reach a results folder, and the guard finding each.

Each row plants one value in one form into one file of an otherwise clean results folder (or into
the console output) and expects the guard to fail and name that file with the kind of value. To
add a case, add a row: the case in words, the file, the kind the guard must name, and how the
value is written (a function of the run's values, below).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import html
import io
import json
import secrets
import textwrap
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from robot.htmldata.jsonwriter import JsonWriter
from robot.utils import compress_text
from robot.utils.markuputils import html_escape, html_format, xml_escape

from livekit_evidence import leak_guard
from livekit_signoff.markdown import code_span, escape_text
from LiveKitAuth import LiveKitAuth

CONSOLE = "the console output"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed(header_json: str, claims: dict, secret: str, digest=hashlib.sha256) -> str:
    """A compact JWS of exactly this header text, signed with ``secret`` (nothing else records it)."""
    signing_input = f"{_b64url(header_json.encode())}.{_b64url(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64url(signature)}"


def claims(identity: str = "mallory") -> dict:
    return {"iss": "prod", "sub": identity, "exp": 4102444800, "video": {"roomJoin": True, "room": "standup"}}


@dataclass
class Run:
    """The values of one run: configured keys, what the run recorded, and tokens it never saw."""

    secret: str  # LIVEKIT_API_SECRET of key 'prod'
    second: str  # the secret of key 'second' in LIVEKIT_KEYS
    token: str  # minted by the run (in the token log)
    deep: str  # recorded; its header nests 1,500 levels deep
    bearer: str  # TOKEN_ENDPOINT_HEADERS: {"Authorization": "Bearer <bearer>"}
    api_key: str  # TOKEN_ENDPOINT_HEADERS: {"X-Api-Key": "<api_key>"}
    password: str  # TOKEN_ENDPOINT_HEADERS: {"Authorization": "Basic base64(app:<password>)"}
    added: str  # a secret made by Add API Key With Random Secret

    def unseen(self, secret: str | None = None, identity: str = "mallory") -> str:
        """A valid token this run never minted nor received, signed with a configured secret."""
        return signed('{"alg":"HS256","typ":"JWT"}', claims(identity), secret or self.secret)


def make_run(secret: str) -> Run:
    second = secrets.token_hex(24)
    token = LiveKitAuth(api_key="prod", api_secret=secret).generate_token("alice", "standup", room_join=True).value
    deep_header = '{"alg":"HS256","typ":"JWT","x":' + "[" * 1500 + "]" * 1500 + "}"
    return Run(
        secret=secret,
        second=second,
        token=token,
        deep=signed(deep_header, claims("deep"), secret),
        bearer="sess-" + secrets.token_urlsafe(24),
        api_key="key-" + secrets.token_hex(16),
        password="pw-" + secrets.token_urlsafe(15),
        added=secrets.token_urlsafe(24),
    )


# ---------------------------------------------------------------- how writers write a value


def robot_js(text: str) -> str:
    """``text`` as Robot Framework writes a string into the JavaScript model of log.html."""
    output = io.StringIO()
    JsonWriter(output).write_json("window.output['strings'] = ", ["*", html_escape(text)])
    return output.getvalue()


def robot_compressed(text: str) -> str:
    """``text`` as a long message of log.html: HTML-escaped, zlib-compressed, base64, in a JS string."""
    output = io.StringIO()
    JsonWriter(output).write_json("window.output['strings'] = ", ["*", compress_text(html_escape(text) * 3)])
    return output.getvalue()


def wrapped(text: str, width: int = 40, end: str = "\n") -> str:
    return end.join(textwrap.wrap(text, width, break_on_hyphens=False))


def base64_at(value: str, prefix: str = "", alphabet: str = "standard") -> str:
    encoded = base64.b64encode((prefix + value).encode()).decode()
    return encoded.replace("+", "-").replace("/", "_") if alphabet == "urlsafe" else encoded


def server_excerpt(token: str) -> str:
    """A 400-character answer excerpt of a server that echoes its request in base64."""
    echoed = base64.b64encode(json.dumps({"roomCreate": True, "token": token}).encode()).decode()
    return f"<td>Answer</td><td>400 Bad Request {{&quot;echo&quot;: &quot;{echoed}&quot;}}"[:400] + "</td>"


def deep_unseen(run: Run) -> str:
    return signed('{"alg":"HS256","x":' + "[" * 1500 + "]" * 1500 + "}", claims(), run.secret)


def hs512(run: Run) -> str:
    return signed('{"alg":"HS512","typ":"JWT"}', claims(), run.secret, hashlib.sha512)


@dataclass(frozen=True)
class Leak:
    case: str
    file: str  # where the value is planted, relative to the results folder, or CONSOLE
    kind: str  # what the guard must name: secret or token
    write: Callable[[Run], str | bytes]
    secret: str | None = None  # the run's API secret, when the case needs a particular one


SPECIAL = {
    "crlf": "crlf-" + secrets.token_hex(6) + "\r\n" + secrets.token_hex(6),
    "newline": "nl-" + secrets.token_hex(6) + "\n" + secrets.token_hex(6),
    "cr": "cr-" + secrets.token_hex(6) + "\r" + secrets.token_hex(6),
    "script": "end-" + secrets.token_hex(6) + "</script><b>" + secrets.token_hex(4),
    "markdown": "md*" + secrets.token_hex(4) + "*_x_|`y`#[z]\\" + secrets.token_hex(4),
    "control": "ctl-" + secrets.token_hex(6) + "\x01\x1b" + secrets.token_hex(6),
    "spaced": "  " + secrets.token_urlsafe(18) + " ",
}

# fmt: off
CATALOGUE = [
    # Credentials of TOKEN_ENDPOINT_HEADERS.
    Leak("bearer credential echoed without its scheme", "output.xml", "secret", lambda r: f"<msg>invalid {r.bearer}</msg>"),
    Leak("X-Api-Key echoed in a 401 body", "xunit.xml", "secret", lambda r: f'<failure message="401 {{&quot;key&quot;: &quot;{r.api_key}&quot;}}"/>'),
    Leak("password of a Basic credential", "log.html", "secret", lambda r: robot_js(f"user app, password {r.password}")),
    Leak("Basic credential decoded", "output.xml", "secret", lambda r: f"<msg>app:{r.password}</msg>"),
    # Tokens nobody recorded, found because a configured secret signs them.
    Leak("token given with grouped short options, in the sign-off command", "signoff.md", "token", lambda r: f"`python run.py -XvTOKEN:{r.unseen()} --dryrun`"),
    Leak("token given with -. grouped, in the HTML sign-off", "signoff.html", "token", lambda r: f"<code>python run.py -.vTOKEN:{r.unseen()}</code>"),
    Leak("token inside another token's sub, quoted in a claim failure", "output.xml", "token", lambda r: f"<status>sub is '{r.unseen()}', expected 'client_test'.</status>"),
    Leak("token inside another token's iss", "log.html", "token", lambda r: robot_js(f"iss {r.unseen(identity='inner')}")),
    Leak("token signed by the second key of LIVEKIT_KEYS", "report.html", "token", lambda r: robot_js(r.unseen(r.second))),
    Leak("token signed by a key a test added", "output.xml", "token", lambda r: f"<msg>{r.unseen(r.added)}</msg>"),
    Leak("token signed with HS512 by a configured secret", "output.xml", "token", lambda r: f"<msg>{hs512(r)}</msg>"),
    Leak("unseen token with a header nested 1,500 levels deep", "output.xml", "token", lambda r: f"<msg>{deep_unseen(r)}</msg>"),
    Leak("unseen token whose header starts with white space", "log.html", "token", lambda r: robot_js(signed(' \t{"alg":"HS256"}', claims(), r.secret))),
    Leak("unseen token split over several lines", "debug.txt", "token", lambda r: wrapped(r.unseen(), 30)),
    Leak("unseen token in base64", "output.xml", "token", lambda r: f"<msg>{base64_at(r.unseen(), 'ab')}</msg>"),
    Leak("unseen token in URL-safe base64 over several lines", "debug.txt", "token", lambda r: wrapped(base64_at(r.unseen(), "{", "urlsafe"), 64)),
    Leak("unseen token in hex", "xunit.xml", "token", lambda r: r.unseen().encode().hex()),
    Leak("unseen token glued to the word before it", "xunit.xml", "token", lambda r: f"<failure>Bearer{r.unseen()}</failure>"),
    # A token the run recorded.
    Leak("recorded token with a header nested 1,500 levels deep", "output.xml", "token", lambda r: f"<msg>{r.deep}</msg>"),
    Leak("token split over several lines", "log.html", "token", lambda r: robot_js(wrapped(r.token))),
    Leak("token split over lines ending in CRLF", "xunit.xml", "token", lambda r: wrapped(r.token, 50, "\r\n  ")),
    Leak("token in base64", "output.xml", "token", lambda r: f"<msg>{base64_at(r.token)}</msg>"),
    Leak("token in base64 after one byte", "output.xml", "token", lambda r: f"<msg>{base64_at(r.token, 'x')}</msg>"),
    Leak("token in base64 after two bytes", "output.xml", "token", lambda r: f"<msg>{base64_at(r.token, 'xy')}</msg>"),
    Leak("token in URL-safe base64", "log.html", "token", lambda r: robot_js(base64_at(r.token, "{", "urlsafe"))),
    Leak("token in base64 wrapped at 76 characters", "output.xml", "token", lambda r: wrapped(base64_at(r.token), 76)),
    Leak("token in hex", "output.xml", "token", lambda r: f"<msg>{r.token.encode().hex()}</msg>"),
    Leak("token in upper-case hex", "xunit.xml", "token", lambda r: r.token.encode().hex().upper()),
    Leak("roomCreate token echoed in base64 in a 400-character excerpt", "output.xml", "token", lambda r: server_excerpt(r.token)),
    Leak("token in a compressed block of a split log", "log-1.js", "token", lambda r: robot_compressed(f"token {r.token}")),
    # Secrets.
    Leak("API secret in base64", "output.xml", "secret", lambda r: f"<msg>{base64_at(r.secret, 'k:')}</msg>"),
    Leak("API secret in hex", "log.html", "secret", lambda r: robot_js(r.secret.encode().hex())),
    Leak("secret added by a test (Add API Key With Random Secret)", "output.xml", "secret", lambda r: f"<msg>{r.added}</msg>"),
    Leak("secret with CR LF, as Robot writes it into XML", "output.xml", "secret", lambda r: f"<msg>{xml_escape(r.secret.replace(chr(13), ''))}</msg>", SPECIAL["crlf"]),
    Leak("secret with CR LF, as the sign-off collapses it", "signoff.md", "secret", lambda r: code_span(r.secret), SPECIAL["crlf"]),
    Leak("secret with CR LF, as the console shows it", CONSOLE, "secret", lambda r: f"Leak It  | FAIL |\n{r.secret} != x\n", SPECIAL["crlf"]),
    Leak("secret with a newline, in the JavaScript of log.html", "log.html", "secret", lambda r: robot_js(r.secret), SPECIAL["newline"]),
    Leak("secret with a carriage return, in the debug file", "debug.txt", "secret", lambda r: f"INFO - {r.secret}\n", SPECIAL["cr"]),
    Leak("secret with </, in the JavaScript of log.html", "log.html", "secret", lambda r: robot_js(r.secret), SPECIAL["script"]),
    Leak("secret with </, as Robot formats documentation", "report.html", "secret", lambda r: robot_js(html_format(r.secret)), SPECIAL["script"]),
    Leak("secret with Markdown characters, escaped by the sign-off", "signoff.md", "secret", lambda r: escape_text(r.secret), SPECIAL["markdown"]),
    Leak("secret with Markdown characters, in the HTML sign-off", "signoff.html", "secret", lambda r: f"<li>{html.escape(r.secret)}</li>", SPECIAL["markdown"]),
    Leak("secret with control characters, dropped from XML", "output.xml", "secret", lambda r: f"<msg>{xml_escape(r.secret)}</msg>", SPECIAL["control"]),
    Leak("secret with control characters, as an excerpt prints them", "xunit.xml", "secret", lambda r: r.secret.replace("\x01", "?").replace("\x1b", "?"), SPECIAL["control"]),
    Leak("secret with outer spaces, trimmed", "signoff.md", "secret", lambda r: f"- `{r.secret.strip()}`", SPECIAL["spaced"]),
    # Files of any name, compressed or not, and the console.
    Leak("the server log kept in the results folder", "livekit-server.log", "token", lambda r: f"INFO auth failed token={r.token}\n"),
    Leak("a gzip-compressed server log", "livekit-server.log.gz", "secret", lambda r: gzip.compress(f"keys: prod: {r.secret}\n".encode())),
    Leak("a gzip-compressed log cut short", "livekit-server.log.gz", "token", lambda r: gzip.compress(f"token={r.token}\n".encode() * 50)[:-20]),
    Leak("a zlib-compressed file", "dump.bin", "token", lambda r: zlib.compress(r.token.encode())),
    Leak("a UTF-16 file", "notes.txt", "secret", lambda r: ("written by an editor: " + r.secret).encode("utf-16")),
    Leak("the debug file of --debugfile", "debug.txt", "token", lambda r: f"20260101 12:00:00 - INFO - ${{token}} = {r.token}\n"),
    Leak("a file in a subfolder", "screenshots/page.html", "secret", lambda r: f"<p>{html.escape(r.secret)}</p>"),
    Leak("a keyword manual", "LiveKitAuth.html", "secret", lambda r: robot_js(f"<p>Example: {r.secret}</p>")),
    Leak("the console output", CONSOLE, "token", lambda r: f"Leak It :: logs to the console\n{r.token}\n| PASS |\n"),
]
# fmt: on


def clean_folder(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "report.html").write_text(
        "<html>the API secret of devkey is the word secret; grants, server, publish</html>", encoding="utf-8"
    )
    (folder / "output.xml").write_text("<robot><msg>Token fingerprint sha256:0123456789ab</msg></robot>", encoding="utf-8")
    return folder


def guard(monkeypatch, tmp_path, run: Run, folder, console=None) -> int:
    for name in ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "LIVEKIT_KEYS", "LIVEKIT_TOKEN", "LIVEKIT_AUTH_TOKEN_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIVEKIT_API_KEY", "prod")
    monkeypatch.setenv("LIVEKIT_API_SECRET", run.secret)
    monkeypatch.setenv("LIVEKIT_KEYS", f"second: {run.second}")
    token_log = tmp_path / "tokens.log"
    noted = [
        run.token,
        run.deep,
        {"secret": f"Bearer {run.bearer}"},
        {"secret": run.api_key},
        {"secret": "Basic " + base64.b64encode(f"app:{run.password}".encode()).decode()},
        {"secret": run.added},
    ]
    token_log.write_text("".join(json.dumps(entry) + "\n" for entry in noted), encoding="utf-8")
    arguments = [str(folder), "--tokens", str(token_log)] + (["--console", str(console)] if console else [])
    return leak_guard.main(arguments)


@pytest.mark.parametrize("leak", CATALOGUE, ids=[leak.case for leak in CATALOGUE])
def test_the_guard_finds_and_names_each_form_of_leak(tmp_path, monkeypatch, capsys, leak):
    run = make_run(leak.secret or secrets.token_urlsafe(32) + "<&\"'")
    folder = clean_folder(tmp_path)
    content = leak.write(run)
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    target = tmp_path / "console.txt" if leak.file == CONSOLE else folder / leak.file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    assert guard(monkeypatch, tmp_path, run, folder, target if leak.file == CONSOLE else None) == 1
    captured = capsys.readouterr()
    assert f"{leak.file} ({leak.kind})" in captured.err
    assert "report.html" not in captured.err or leak.file == "report.html"
    shown = captured.err + captured.out
    for value in (run.secret.strip(), run.token, run.bearer, run.api_key, run.password, run.added):
        assert value not in shown


def test_the_catalogue_configuration_passes_on_a_clean_folder(tmp_path, monkeypatch, capsys):
    run = make_run(secrets.token_urlsafe(32) + "<&\"'")
    folder = clean_folder(tmp_path)
    console = tmp_path / "console.txt"
    console.write_text("Token Generation | PASS |\nSign-off summary: PASSED\n", encoding="utf-8")
    assert guard(monkeypatch, tmp_path, run, folder, console) == 0
    out = capsys.readouterr().out
    assert out.startswith("Leak guard: 3 file(s) searched for ")
    assert "and 2 token(s): none found" in out


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_a_special_secret_is_still_searchable(name):
    assert leak_guard.secret_forms(SPECIAL[name])


def test_a_token_the_public_development_secret_signs_is_found_with_the_default_keys(tmp_path, monkeypatch, capsys):
    for name in ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "LIVEKIT_KEYS", "LIVEKIT_TOKEN", "LIVEKIT_AUTH_TOKEN_LOG"):
        monkeypatch.delenv(name, raising=False)
    folder = clean_folder(tmp_path)
    unseen = signed('{"alg":"HS256","typ":"JWT"}', {**claims(), "iss": "devkey"}, "secret")
    (folder / "signoff.md").write_text(f"`python run.py -XvTOKEN:{unseen} --dryrun`", encoding="utf-8")
    assert leak_guard.main([str(folder)]) == 1
    assert "signoff.md (token)" in capsys.readouterr().err
    other = signed('{"alg":"HS256","typ":"JWT"}', claims(), "not-a-configured-secret")
    (folder / "signoff.md").write_text(f"`python run.py -XvTOKEN:{other} --dryrun`", encoding="utf-8")
    assert leak_guard.main([str(folder)]) == 0  # signed with a secret this run does not know: not found by signature


# ---------------------------------------------------------------- kept out at the source


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# fmt: off
EXCERPTS = [
    # case, header values or secrets the run sends, the answer body, the value that must not show
    ("bearer credential echoed without its scheme", ["Bearer sess-4f9a1c2e7b"], '{"error": "unknown session sess-4f9a1c2e7b"}', "sess-4f9a1c2e7b"),
    ("X-Api-Key echoed in a 401", ["key-0a1b2c3d4e5f"], '{"error": "bad key", "got": "key-0a1b2c3d4e5f"}', "key-0a1b2c3d4e5f"),
    ("password of a Basic credential", ["Basic " + _b64("app:pw-93kd8sl2")], "user app with password pw-93kd8sl2 refused", "pw-93kd8sl2"),
    ("secret in hex", ["api-secret-0123456789"], "debug " + b"api-secret-0123456789".hex(), b"api-secret-0123456789".hex()),
    ("secret in base64 after a prefix", ["api-secret-0123456789"], "echo " + _b64("k=api-secret-0123456789"), _b64("k=api-secret-0123456789")),
]
# fmt: on


@pytest.mark.parametrize(("case", "secrets_sent", "body", "hidden"), EXCERPTS, ids=[row[0] for row in EXCERPTS])
def test_answer_excerpts_never_show_a_credential(case, secrets_sent, body, hidden):
    from livekit_http.answers import excerpt

    shown = excerpt(body, secrets=secrets_sent, limit=400)
    assert hidden not in shown
    assert "<secret>" in shown or "<encoded credential>" in shown


@pytest.mark.parametrize("known", [True, False], ids=["known token", "token nobody recorded"])
def test_an_answer_echoing_a_token_in_base64_shows_neither(known):
    from livekit_http.answers import excerpt

    token = make_run(secrets.token_urlsafe(32)).token
    echoed = _b64(json.dumps({"roomCreate": True, "token": token}))
    shown = excerpt(f'{{"echo": "{echoed}"}}', tokens=[token] if known else [], limit=400)
    assert echoed not in shown and token not in shown
    assert "<encoded credential>" in shown


def test_a_token_endpoint_echoing_the_request_headers_in_a_401_shows_no_credential(monkeypatch):
    from http_test_support import Reply, ScriptedServer

    import LiveKitHttp as module

    headers = {"Authorization": "Bearer sess-" + secrets.token_hex(12), "X-Api-Key": "key-" + secrets.token_hex(12)}
    monkeypatch.setattr(module, "robot_variable", lambda name: headers if name == module.HEADERS_VARIABLE else None)

    def echo(seen):
        credential = seen.headers["authorization"].split()[1]
        return Reply(401, {"error": "unauthorized", "credential": credential, "key": seen.headers["x-api-key"]})

    with ScriptedServer(echo) as server, pytest.raises(AssertionError) as caught:
        http = module.LiveKitHttp(timeout=5)
        http.use_token_endpoint(server.url + "/token")
        http.request_token_from_endpoint(room_name="test_room", participant_identity="alice")
    message = str(caught.value)
    assert message.startswith("The token endpoint answered 401 Unauthorized instead of a 2xx status: ")
    assert headers["Authorization"].split()[1] not in message
    assert headers["X-Api-Key"] not in message
    assert message.count("<secret>") == 2


def test_a_token_carried_in_a_claim_is_named_by_its_fingerprint_in_the_failure():
    from livekit_tokens.evidence import fingerprint

    library = LiveKitAuth(api_key="devkey", api_secret="secret")
    inner = library.generate_token("inner", "standup", room_join=True).value
    outer = library.generate_token(inner, "standup", room_join=True)
    with pytest.raises(AssertionError) as caught:
        library.claim_should_be(outer, "sub", "client_test")
    assert inner not in str(caught.value)
    assert f"<token {fingerprint(inner)}>" in str(caught.value)
    with pytest.raises(AssertionError) as caught:
        library.identity_should_be(outer, "client_test")
    assert inner not in str(caught.value)


def test_a_secret_made_by_add_api_key_with_random_secret_is_noted_as_a_secret(tmp_path, monkeypatch):
    token_log = tmp_path / "tokens.log"
    monkeypatch.setenv("LIVEKIT_AUTH_TOKEN_LOG", str(token_log))
    library = LiveKitAuth(api_key="devkey", api_secret="secret")
    library.add_api_key_with_random_secret("second")
    library.add_api_key_with_random_secret("spaced", whitespace=True)
    tokens, noted = leak_guard.recorded_values(token_log)
    assert tokens == []
    assert [len(secret) for secret in noted] == [32, 33]
    assert [secret in library.keyring.secrets() for secret in noted] == [True, True]


# ---------------------------------------------------------------- whole runs through run.py

HOSTILE_SUITE = """*** Settings ***
Library    OperatingSystem
Library    LiveKitAuth.py

*** Test Cases ***
Hostile Step
    ${{token}} =    Generate Token    alice    standup    room_join=${{True}}
{steps}
"""

# What a tester's edit or an option does, and what the run must report. A step list makes a
# hostile suite ({suite} below); options go to run.py as given, {token} standing for a token the
# run's key signs that nothing records. ``named``: the places the guard must name (the run then
# fails); empty when the run must pass with nothing found anywhere.
# fmt: off
RUNS = [
    ("a step logs the token to the console", ["    Log To Console    ${token.value}"], [], [CONSOLE]),
    ("--debugfile with a step that logs the token", ["    Log    ${token.value}"], ["--debugfile", "debug.txt"], ["debug.txt", "log.html", "output.xml"]),
    ("--splitlog with a step that logs the token", ["    Log    ${token.value}"], ["--splitlog"], ["log-1.js", "output.xml"]),
    ("a step writes the server log into the results", ["    Create File    ${OUTPUT DIR}/livekit-server.log    token=${token.value}"], [], ["livekit-server.log"]),
    ("a token given under another name with grouped options, --dryrun", None, ["-XvNOTE:{token}", "--dryrun"], ["signoff.html", "signoff.md"]),
    ("a token given with -XvTOKEN and --dryrun: moved off the command line", None, ["-XvTOKEN:{token}", "--dryrun"], []),
    ("a token given with -.vTOKEN: moved off the command line", None, ["-.vTOKEN:{token}", "--dryrun"], []),
    ("a secret-looking variable with grouped options: hidden", None, ["-XvAPP_PASSWORD:{token}", "--dryrun"], []),
]
# fmt: on


def all_files_text(folder) -> str:
    return "\n".join(leak_guard.readable_text(path.read_bytes()) for path in folder.rglob("*") if path.is_file())


@pytest.mark.parametrize(("case", "steps", "options", "named"), RUNS, ids=[row[0] for row in RUNS])
def test_a_run_through_run_py_fails_and_names_where_a_value_leaked(tmp_path, run_py, capfd, case, steps, options, named):
    from helpers import SUITES

    token = signed('{"alg":"HS256","typ":"JWT"}', {**claims(), "iss": "devkey"}, "secret")
    arguments = [option.format(token=token) for option in options]
    if steps is None:
        arguments.append(str(SUITES / "authentication"))
    else:
        suite = tmp_path / "hostile.robot"
        suite.write_text(HOSTILE_SUITE.format(steps="\n".join(steps)), encoding="utf-8")
        arguments.append(str(suite))
    status = run_py.run_suites(arguments)
    captured = capfd.readouterr()
    guard_lines = [line for line in captured.err.splitlines() + captured.out.splitlines() if line.startswith("Leak guard:")]
    assert len(guard_lines) == 1, captured.err
    if named:
        assert status != 0
        for place in named:
            assert f"{place} (token)" in guard_lines[0]
        assert token not in guard_lines[0]
    else:
        assert status == 0, captured.out[-2000:] + captured.err[-2000:]
        assert "none found" in guard_lines[0]
        assert token not in all_files_text(tmp_path / "results")
        assert token not in captured.out + captured.err


def test_a_run_searches_exactly_the_files_it_wrote_and_leaves_the_other_earlier_files(tmp_path, run_py, capfd):
    from helpers import SUITES

    results = tmp_path / "results"
    earlier = results / "old"
    earlier.mkdir(parents=True)
    token = signed('{"alg":"HS256","typ":"JWT"}', {**claims(), "iss": "devkey"}, "secret")
    (earlier / "debug.txt").write_text(f"a token of an earlier run: {token}", encoding="utf-8")  # not this run's
    for name in ("log-3.js", "livekit-server.log", "signoff.md", "leak-guard.json"):
        (results / name).write_text(f"an earlier run's {name}", encoding="utf-8")
    assert run_py.run_suites(["--include", "step-1", str(SUITES / "authentication")]) == 0
    assert sorted(path.relative_to(results).as_posix() for path in results.rglob("*") if path.is_file()) == [
        "leak-guard.json", "log.html", "old/debug.txt", "output.xml", "report.html", "signoff.html", "signoff.md", "xunit.xml",
    ]  # fmt: skip
    assert (earlier / "debug.txt").read_text(encoding="utf-8").endswith(token)
    out = capfd.readouterr().out
    assert "Leak guard: 7 file(s) searched" in out  # the four outputs, the sign-off and the console output
    record = json.loads((results / "leak-guard.json").read_text(encoding="utf-8"))
    assert record["searched"] == [
        "log.html", "output.xml", "report.html", "xunit.xml", CONSOLE, "signoff.md", "signoff.html",
    ]  # fmt: skip


def test_an_endpoint_echoing_the_app_credentials_in_a_401_leaks_nothing_in_a_run(tmp_path, run_py, capfd, monkeypatch):
    from helpers import SUITES
    from http_test_support import Reply, ScriptedServer

    bearer, api_key = "sess-" + secrets.token_hex(12), "key-" + secrets.token_hex(12)
    headers = tmp_path / "app_headers.py"
    headers.write_text(
        "from robot.api.types import Secret\n"
        f"TOKEN_ENDPOINT_HEADERS = {{'Authorization': Secret('Bearer {bearer}'), 'X-Api-Key': Secret('{api_key}')}}\n",
        encoding="utf-8",
    )

    def echo(seen):
        return Reply(
            401, {"error": "unauthorized", "session": seen.headers["authorization"][7:], "key": seen.headers["x-api-key"]}
        )

    with ScriptedServer(echo) as server:
        monkeypatch.setenv("LIVEKIT_TOKEN_ENDPOINT", server.url + "/token")
        status = run_py.run_suites(
            ["--variablefile", str(headers), "--test", "The standard request gets a token", str(SUITES / "endpoint")]
        )
    captured = capfd.readouterr()
    assert status == 1  # the test fails: the endpoint refused the request
    assert "The token endpoint answered 401 Unauthorized instead of a 2xx status" in captured.out
    assert "Leak guard: " in captured.out and "none found" in captured.out
    for value in (bearer, api_key):
        assert value not in captured.out + captured.err
        assert value not in all_files_text(tmp_path / "results")
