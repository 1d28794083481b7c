"""The kept server log is scrubbed of every token, also one the server wrote with a break inside it:
what the leak guard reads in the kept file, the redaction has already taken out."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from server_support import real_server

from livekit_evidence import leak_guard
from livekit_http.answers import scrub
from livekit_http.split_tokens import mask_split_tokens
from livekit_server import process
from livekit_tokens import minting
from livekit_tokens.evidence import fingerprint

KEY, SECRET = "APIsplitcheck12", "Zk3Qw9Xv4Lp1Ns8Dm3Hb6Tc5Fy0GjUe2Ai9Ro4WqE"


def _token() -> str:
    return minting.encode(minting.build_claims(KEY, "split", "split", room_join=True, ttl="1 minute"), SECRET.encode())


def _guard_hits(path: Path, token_log: Path) -> dict:
    work = leak_guard.plan({"LIVEKIT_API_KEY": KEY, "LIVEKIT_API_SECRET": SECRET}, token_log)
    return leak_guard.search_files([(path.name, path)], work).hits


def _noted(tmp_path: Path, *tokens: str) -> Path:
    log = tmp_path / "tokens.jsonl"
    log.write_text("".join(json.dumps(token) + "\n" for token in tokens), encoding="utf-8")
    return log


@pytest.mark.parametrize(
    "breaks",
    ["\n", "\\n", "\r\n", "\\r\\n", "\\u000a", "%0A", "\t", "\\t", "\n   ", "\\n\\t"],
    ids=repr,
)
@pytest.mark.parametrize("known", [True, False], ids=["noted by the run", "unknown to the run"])
def test_a_token_split_by_a_break_is_masked_where_the_guard_would_find_it(breaks, known, tmp_path):
    token = _token()
    for cut in (20, len(token.split(".")[0]) + 3, len(token) - 5):
        written = f'{{"error": "invalid token: {token[:cut]}{breaks}{token[cut:]}, error: signature is invalid"}}\n'
        kept = tmp_path / f"kept-{cut}.log"
        kept.write_text(scrub(written, tokens=[token] if known else []), encoding="utf-8")
        assert not _guard_hits(kept, _noted(tmp_path, token)), kept.read_text()
        assert "error: signature is invalid" in kept.read_text()  # the rest of the line is kept


def test_text_without_a_split_token_is_left_as_it_is():
    text = "line one\n\tline two with eyJ but no token\\n and 50% done\n"
    assert mask_split_tokens(text) == text
    token = _token()
    spaced = f"Traceback: KeyError while caching {token}\nnext line"
    assert scrub(spaced, tokens=[token]) == f"Traceback: KeyError while caching <token {fingerprint(token)}>\nnext line"


def test_a_known_token_split_by_an_escape_is_masked_exactly_by_its_own_fingerprint():
    token = _token()
    cut = len(token) // 2
    text = f'"error": "invalid token: {token[:cut]}\\n{token[cut:]}\\nnext", "level": "warn"'
    assert scrub(text, tokens=[token]) == f'"error": "invalid token: <token {fingerprint(token)}>\\nnext", "level": "warn"'


def test_the_real_servers_log_of_a_token_with_a_newline_is_kept_without_it(tmp_path, monkeypatch):
    token = _token()
    token_log = _noted(tmp_path, token)
    monkeypatch.setenv("LIVEKIT_AUTH_TOKEN_LOG", str(token_log))
    server = process.start_server(real_server(), {KEY: SECRET})
    try:
        cut = len(token.split(".")[0]) + 3
        sent = urllib.parse.quote(token[:cut] + "\n" + token[cut:], safe="")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.http_url}/rtc/validate?access_token={sent}", timeout=10)  # noqa: S310 - loopback
        assert refused.value.code == 401
        raw = server._raw_log()
        assert token[:cut] + "\\n" + token[cut:] in raw  # livekit-server v1.13.5 writes it split by the escape
        kept = server.keep_log(tmp_path / "results")
    finally:
        server.stop()
    assert kept is not None
    assert not _guard_hits(kept, token_log), kept.read_text()[-2000:]
    assert "invalid token: <token sha256:" in kept.read_text()
