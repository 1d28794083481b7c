"""The token given from outside instead of a minted one, as a client SDK would send it.

It comes from ``LIVEKIT_TOKEN``, or from the file ``LIVEKIT_TOKEN_FILE`` names (for a token longer
than an environment variable can hold: about 128 KiB on Linux, 32 KiB on Windows), or from the
Robot Framework variable ``${TOKEN}``. White space around it (the line break a pasted or saved token
ends with) is removed, and the log says so: a client SDK never sends it, so every step checks the
token without it. White space inside the token is kept: the server refuses such a token.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .keys import ConfigurationError

TOKEN_SETTING = "LIVEKIT_TOKEN"
FILE_SETTING = "LIVEKIT_TOKEN_FILE"
VARIABLE = "TOKEN"
# Far more than a LiveKit server reads (1 MiB): a file larger than this is not a token file.
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class SuppliedToken:
    text: str  # without the white space around it
    setting: str  # LIVEKIT_TOKEN, LIVEKIT_TOKEN_FILE or TOKEN
    removed: str | None = None  # the white space taken away, in words; None when there was none

    @property
    def note(self) -> str | None:
        """The sentence the log shows when white space was removed, else None."""
        if self.removed is None:
            return None
        return (
            f"The supplied token ({self.setting}) had {self.removed}: it was removed, as a client SDK sends the token "
            "without it, and every step checks the token without it."
        )


def trimmed(text: str, setting: str) -> SuppliedToken:
    """``text`` without the white space around it, noting what was removed."""
    stripped = text.strip()
    before = len(text) - len(text.lstrip())
    after = len(text) - len(text.rstrip()) if stripped else 0
    if not before and not after:
        return SuppliedToken(text, setting)
    parts = []
    if before:
        parts.append(f"{_characters(before)} of white space before it")
    if after:
        kind = "a line break" if text.rstrip(" \t") != text.rstrip() and after == 1 else _characters(after) + " of white space"
        parts.append(f"{kind} after it")
    return SuppliedToken(stripped, setting, " and ".join(parts))


def _characters(count: int) -> str:
    return "1 character" if count == 1 else f"{count} characters"


def from_environment(environ: Mapping[str, str] | None = None) -> SuppliedToken | None:
    """The token of ``LIVEKIT_TOKEN`` or of the file ``LIVEKIT_TOKEN_FILE`` names, or None when neither is set.

    Raises :class:`ConfigurationError` with one sentence when the setting cannot be used.
    """
    environ = os.environ if environ is None else environ
    given = environ.get(TOKEN_SETTING, "")
    path = environ.get(FILE_SETTING, "").strip()
    if path and given.strip():
        raise ConfigurationError(f"Both {TOKEN_SETTING} and {FILE_SETTING} are set; set only one of them.")
    if path:
        return trimmed(read_token_file(Path(path)), FILE_SETTING)
    if given.strip():
        return trimmed(given, TOKEN_SETTING)
    return None


def read_token_file(path: Path) -> str:
    """The text of the token file, or :class:`ConfigurationError` with one sentence saying what to set."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ConfigurationError(
                f"{FILE_SETTING} names {path}, which is not a file; give the path of a file holding the token."
            )
        if size > MAX_FILE_BYTES:
            raise ConfigurationError(
                f"{FILE_SETTING} names {path}, {size:,} bytes long: that is no token file; give a file holding only the token."
            )
        text = path.read_bytes().decode("utf-8-sig")
    except ConfigurationError:
        raise
    except FileNotFoundError:
        raise ConfigurationError(
            f"{FILE_SETTING} names {path}, which does not exist; give the path of a file holding the token."
        ) from None
    except OSError as error:
        raise ConfigurationError(f"{FILE_SETTING} names {path}, which cannot be read ({error.strerror or error}).") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{FILE_SETTING} names {path}, which is not text; give a file holding only the token.") from None
    if not text.strip():
        raise ConfigurationError(f"{FILE_SETTING} names {path}, which is empty; write the token into it.")
    return text


def problem(environ: Mapping[str, str] | None = None) -> str | None:
    """The sentence saying what to set when the supplied token's setting cannot be used, else None."""
    try:
        from_environment(environ)
    except ConfigurationError as error:
        return str(error)
    return None
