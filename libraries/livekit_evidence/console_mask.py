"""The run's console output as the terminal shows it: a token or a secret that reaches it is masked on
the way through, so that a CI log never keeps it.

Every substring shaped like a compact JWS becomes ``<token sha256:...>`` (its fingerprint), and
every secret of 8 characters or more that the run knows (configured, given as a secret-looking
variable, or noted in the token log by a library while the run goes on) becomes ``<secret>``. The
copy the leak guard searches keeps the output as it was, so the guard still reports the leak and
the run fails. Text that may be the start of a token or a secret is held back until the next chunk
shows how it goes on; a test's name still shows while it runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from livekit_tokens.evidence import mask_tokens

MIN_MASKED = 8  # characters; as the leak guard, shorter secrets are ordinary words
SECRET_SHOWN = "<secret>"
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_.\-]+\Z")


class ConsoleMask:
    """Masks one stream of console text; :meth:`feed` each decoded chunk, :meth:`end` at its end."""

    def __init__(self, secrets: Iterable[str] = (), token_log: Path | None = None):
        self.secrets: set[str] = set()
        self.token_log = token_log
        self._read = 0
        self._pending = ""
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        for secret in secrets:
            for value in (secret, secret.strip()):
                if len(value) >= MIN_MASKED:
                    self.secrets.add(value)

    def _learn(self) -> None:
        """The secrets a library noted in the token log since the last chunk."""
        if self.token_log is None:
            return
        try:
            with self.token_log.open("rb") as handle:
                handle.seek(self._read)
                data = handle.read()
        except OSError:
            return
        complete = data[: data.rfind(b"\n") + 1]
        self._read += len(complete)
        for line in complete.decode("utf-8", errors="surrogatepass").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("secret"), str):
                self.add([entry["secret"], *entry["secret"].split()[1:]])

    def _mask(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, SECRET_SHOWN)
        return mask_tokens(text)

    def _held(self, text: str) -> int:
        """Where the part of ``text`` that may go on as a token or a secret starts."""
        cut = len(text)
        tail = _TOKEN_TAIL.search(text)
        if tail:
            cut = tail.start()
        for secret in self.secrets:
            for size in range(min(len(secret) - 1, len(text)), 0, -1):
                if secret.startswith(text[-size:]):
                    cut = min(cut, len(text) - size)
                    break
        return cut

    def feed(self, text: str) -> str:
        self._learn()
        text = self._pending + text
        cut = self._held(text)
        self._pending = text[cut:]
        return self._mask(text[:cut])

    def end(self) -> str:
        self._learn()
        left, self._pending = self._pending, ""
        return self._mask(left)
