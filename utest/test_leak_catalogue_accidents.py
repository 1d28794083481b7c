"""Leak catalogue, continued: the accidental forms of a value, and values the guard must learn.

Rows as in ``test_leak_catalogue.py``: one value planted in one form into one file of an otherwise
clean results folder; the guard must fail and name that file with the kind of value.
"""

from __future__ import annotations

import io
import json
import secrets
from dataclasses import replace

import pytest
from robot.htmldata.jsonwriter import JsonWriter
from robot.utils import compress_text
from robot.utils.markuputils import html_escape, xml_escape
from test_leak_catalogue import CONSOLE, Leak, Run, clean_folder, guard, make_run

from livekit_evidence import leak_guard


def compressed_html(html: str) -> str:
    """``html`` as an HTML message (``html=True``) of log.html: not escaped, compressed, base64, in a JS string."""
    output = io.StringIO()
    JsonWriter(output).write_json("window.output['strings'] = ", ["*", compress_text(html * 3)])
    return output.getvalue()


def compressed(text: str) -> str:
    return compressed_html(html_escape(text))


def percent_encoded(value: str) -> str:
    return "".join(f"%{byte:02X}" for byte in value.encode())


def unicode_escaped(value: str) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in value)


def pieces(value: str, size: int = 25) -> list[str]:
    return [value[start : start + size] for start in range(0, len(value), size)]


def xxd(value: str) -> str:
    """``value``'s bytes as ``xxd`` prints them: offset, eight groups of two bytes, the characters."""
    data = value.encode()
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        groups = " ".join(chunk[start : start + 2].hex() for start in range(0, len(chunk), 2))
        lines.append(f"{offset:08x}: {groups:<39}  {chunk.decode('latin-1')}")
    return "\n".join(lines) + "\n"


def hexdump_c(value: str) -> str:
    """``value``'s bytes as ``hexdump -C`` prints them."""
    data = value.encode()
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        left = " ".join(f"{byte:02x}" for byte in chunk[:8])
        right = " ".join(f"{byte:02x}" for byte in chunk[8:])
        lines.append(f"{offset:08x}  {left:<23}  {right:<23}  |{chunk.decode('latin-1')}|")
    return "\n".join(lines) + "\n"


SPECIAL = {
    "fffe": "nonchar-" + secrets.token_hex(8) + "\ufffe" + secrets.token_hex(8),
    "not utf-8": "bytes-" + secrets.token_hex(8) + "\udcff\udcfe" + secrets.token_hex(8),  # os.environ's form of invalid bytes
}

# fmt: off
ACCIDENTS = [
    # Escaped inside log.html's compressed blocks (a long message is stored compressed).
    Leak("token %XX-encoded inside a compressed block of log.html", "log.html", "token", lambda r: compressed(f"url ?access_token={percent_encoded(r.token)}")),
    Leak("token \\uXXXX-escaped inside a compressed block of log.html", "log.html", "token", lambda r: compressed(unicode_escaped(r.token))),
    Leak("secret %XX-encoded inside a compressed block of log.html", "log.html", "secret", lambda r: compressed(percent_encoded(r.secret))),
    Leak("secret \\uXXXX-escaped inside a compressed block of log.html", "log.html", "secret", lambda r: compressed(unicode_escaped(r.secret))),
    # Pieces, dumps, invisible characters.
    Leak("token logged in pieces of 25 characters", "output.xml", "token", lambda r: "".join(f'<msg level="INFO">{p}</msg>\n' for p in pieces(r.token))),
    Leak("token logged in pieces of 22 characters in log.html", "log.html", "token", lambda r: compressed(" | ".join(pieces(r.token, 22)))),
    Leak("token in an xxd hexdump", "debug.txt", "token", lambda r: xxd(r.token)),
    Leak("token in a hexdump -C", "output.xml", "token", lambda r: f"<msg>{xml_escape(hexdump_c(r.token))}</msg>"),
    Leak("token with zero-width spaces between its characters", "output.xml", "token", lambda r: f"<msg>{chr(0x200B).join(r.token)}</msg>"),
    Leak("token with <wbr> between its characters in an HTML message", "log.html", "token", lambda r: compressed_html("<wbr>".join(r.token))),
    Leak("token with &#8203; between its characters in an HTML message", "output.xml", "token", lambda r: f'<msg html="true">{xml_escape("&#8203;".join(r.token))}</msg>'),
    Leak("secret with soft hyphens between its characters", "report.html", "secret", lambda r: "&shy;".join(r.secret)),
    Leak("secret with U+FFFE, which Robot drops from XML", "output.xml", "secret", lambda r: f"<msg>{r.secret.replace(chr(0xFFFE), '')}</msg>", SPECIAL["fffe"]),
    Leak("secret that is not valid UTF-8, written as its bytes", "output.xml", "secret", lambda r: b"<msg>" + r.secret.encode("utf-8", "surrogateescape") + b"</msg>", SPECIAL["not utf-8"]),
    Leak("token in pieces on the console", CONSOLE, "token", lambda r: "piece: " + " | piece: ".join(pieces(r.token)) + "\n"),
]
# fmt: on


@pytest.mark.parametrize("leak", ACCIDENTS, ids=[leak.case for leak in ACCIDENTS])
def test_the_guard_finds_each_accidental_form(tmp_path, monkeypatch, capsys, leak):
    run = make_run(secrets.token_urlsafe(32))
    run = replace(run, secret=leak.secret) if leak.secret else run  # the secret of the run, whatever signed its tokens
    folder = clean_folder(tmp_path)
    content = leak.write(run)
    target = tmp_path / "console.txt" if leak.file == CONSOLE else folder / leak.file
    target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogateescape"))
    assert guard(monkeypatch, tmp_path, run, folder, target if leak.file == CONSOLE else None) == 1
    captured = capsys.readouterr()
    assert f"{leak.file} ({leak.kind})" in captured.err
    assert run.token not in captured.err + captured.out


def test_a_secret_that_is_not_utf_8_does_not_stop_the_guard_on_clean_results(tmp_path, monkeypatch, capsys):
    run = replace(make_run(secrets.token_urlsafe(32)), secret=SPECIAL["not utf-8"])
    assert guard(monkeypatch, tmp_path, run, clean_folder(tmp_path)) == 0
    assert "none found" in capsys.readouterr().out


def test_pieces_of_other_text_are_not_taken_for_a_token(tmp_path, monkeypatch, capsys):
    run: Run = make_run(secrets.token_urlsafe(32))
    folder = clean_folder(tmp_path)
    other = make_run(secrets.token_urlsafe(32)).token  # a token of another run, nothing this run knows
    (folder / "output.xml").write_text(
        "".join(f"<msg>{piece}</msg>" for piece in pieces(other)) + "<msg>sha256:0123456789ab</msg>", encoding="utf-8"
    )
    assert guard(monkeypatch, tmp_path, run, folder) == 0, capsys.readouterr().err


def test_a_token_in_pieces_of_20_characters_of_its_signature_is_its_own(tmp_path):
    token = make_run(secrets.token_urlsafe(32)).token
    signature = token.rpartition(".")[2]
    fragments = leak_guard.accidental.Fragments([token])
    assert fragments.found_in(f"x {signature[3:23]} y")
    assert not fragments.found_in(f"x {signature[3:22]} y")
    assert json.dumps(sorted(fragments.windows)) and len(fragments.windows) == len(signature) - 19
