"""Addresses of a LiveKit server and of a token endpoint, as users write them.

Clients connect to ``ws://`` or ``wss://`` URLs; the server answers HTTP on the same host and port
(``/rtc/validate``, ``/twirp/...``). Both forms are accepted and turned into the HTTP base URL.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

_HTTP_FOR = {"ws": "http", "wss": "https", "http": "http", "https": "https"}
_WS_FOR = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


class UrlError(ValueError):
    """A configured URL is unusable; the message says what to set."""


@dataclass(frozen=True)
class ServerUrl:
    """A LiveKit server address: ``http_base`` for HTTP checks, ``ws_base`` as clients write it."""

    http_base: str
    ws_base: str
    host: str
    port: int

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _split(text, setting: str, schemes: dict[str, str]):
    if not isinstance(text, str) or not text.strip():
        raise UrlError(f"{setting} is empty; set it to a URL such as ws://127.0.0.1:7880.")
    value = text.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise UrlError(f"{setting} holds spaces or control characters; got '{_safe(value)}'.")
    try:
        parts = urlsplit(value)
        parts.hostname  # noqa: B018 - checks a bracketed host
    except ValueError:  # '[::1' without its bracket, or a host that changes under Unicode normalisation
        raise UrlError(f"{setting} has an invalid host name; got '{_safe(value)}'.") from None
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        raise UrlError(f"{setting} must start with {' or '.join(f'{name}://' for name in schemes)}; got '{_safe(value)}'.")
    if parts.username is not None or parts.password is not None:
        raise UrlError(f"{setting} must not carry a user name or password; give credentials another way.")
    if not parts.hostname:
        raise UrlError(f"{setting} has no host name; got '{_safe(value)}'.")
    try:
        port = parts.port
    except ValueError:
        raise UrlError(f"{setting} has an invalid port; got '{_safe(value)}'.") from None
    return parts, scheme, port


def normalise_server_url(text, setting: str = "LIVEKIT_URL") -> ServerUrl:
    """Return the server's HTTP base URL from ``ws(s)://`` or ``http(s)://`` text.

    ``ws`` becomes ``http`` and ``wss`` becomes ``https``; a path prefix (a server behind a
    reverse proxy) is kept, the query, fragment and trailing slashes are dropped.
    """
    parts, scheme, port = _split(text, setting, _HTTP_FOR)
    http_scheme = _HTTP_FOR[scheme]
    netloc = parts.netloc
    path = parts.path.rstrip("/")
    http_base = urlunsplit((http_scheme, netloc, path, "", ""))
    ws_base = urlunsplit((_WS_FOR[http_scheme], netloc, path, "", ""))
    default_port = 443 if http_scheme == "https" else 80
    return ServerUrl(http_base=http_base, ws_base=ws_base, host=parts.hostname, port=port or default_port)


def check_endpoint_url(text, setting: str = "LIVEKIT_TOKEN_ENDPOINT") -> str:
    """Return a token endpoint URL (``http(s)://``) as given, or fail with what to set."""
    parts, _, _ = _split(text, setting, {"http": "http", "https": "https"})
    if parts.fragment:
        raise UrlError(f"{setting} must not have a '#' fragment; got '{_safe(text.strip())}'.")
    return text.strip()


def without_query(url: str) -> str:
    """``scheme://host:port/path`` of ``url``: what the log may show (a query can carry credentials)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))


def path_of(url: str) -> str:
    """The path of ``url`` without its query: ``/rtc/validate``."""
    return urlsplit(url).path or "/"


def _safe(value: str) -> str:
    """A URL as it may appear in a message: no query, no user info, at most 200 characters."""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is not None and parts.scheme and parts.netloc:
        host = parts.netloc.rpartition("@")[2]
        shown = urlunsplit((parts.scheme, host, parts.path, "", ""))
    else:
        scheme, separator, rest = value.split("?", 1)[0].split("#", 1)[0].partition("://")
        shown = scheme + separator + rest.rpartition("@")[2] if separator else scheme
    shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
    return shown[:200]
