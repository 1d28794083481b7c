"""Extra request headers from a variable file (an app's own authentication), checked before use.

The values may be Robot Framework ``Secret``s; no message here ever shows a value.
"""

from __future__ import annotations

import re

# RFC 9110: a header name is a token; a value is visible Latin-1 characters with inner spaces and tabs.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?")


class HeaderError(ValueError):
    """The headers variable is unusable; the message names the variable and the header, never a value."""


def read_extra_headers(value, variable: str) -> dict[str, str]:
    """The headers of ``value`` (a dictionary, ``None`` or empty) as plain text, checked for HTTP.

    ``variable`` is the variable's name as the user wrote it (``TOKEN_ENDPOINT_HEADERS``), used in
    the messages of :class:`HeaderError`.
    """
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise HeaderError(f"{variable} must be a dictionary of header names and values in a variable file.")
    headers = {}
    for name, raw in value.items():
        text = getattr(raw, "value", raw)
        if not isinstance(name, str) or not isinstance(text, str):
            raise HeaderError(f"{variable} must map header names to text (or Secret) values in a variable file.")
        if not HEADER_NAME.fullmatch(name):
            shown = "".join(ch if ch.isprintable() else "?" for ch in name[:60])
            raise HeaderError(
                f"{variable} has '{shown}', which is no HTTP header name: use letters, digits and !#$%&'*+-.^_`|~ only."
            )
        if not HEADER_VALUE.fullmatch(text):
            raise HeaderError(
                f"The value of {variable} '{name}' cannot be sent in an HTTP header (value not shown): "
                "it must be Latin-1 text without line breaks, control characters or outer spaces."
            )
        headers[name] = text
    return headers
