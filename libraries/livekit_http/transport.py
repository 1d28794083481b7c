"""One HTTP exchange with a server or an endpoint, kept whole for the checks and shown only scrubbed,
and the small URL and caching rules the keywords apply to it. Nothing here imports Robot Framework."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import requests

from livekit_tokens import evidence
from livekit_tokens.timeutil import now as current_time

from . import deadline
from .urls import path_of


@dataclass
class Exchange:
    """One HTTP request and its answer; the body is kept for checks and shown only scrubbed."""

    method: str
    url: str
    status: int
    reason: str
    headers: dict
    body: bytes
    sent_at: float
    received_at: float
    token_fingerprint: str | None = None
    cookies: dict = field(default_factory=dict)  # the cookies the answer set, by name

    @property
    def path(self) -> str:
        return path_of(self.url)


@dataclass
class EndpointRequest:
    """What was asked of the token endpoint and when, kept per token fingerprint."""

    body: dict
    sent_at: float
    received_at: float
    server_url: str
    cache_control: str | None
    status: int
    date: str | None = None  # the answer's Date header: the endpoint's clock
    age: str | None = None  # the answer's Age header, which only caches add


def send(
    session: requests.Session,
    method: str,
    url: str,
    headers: dict,
    json_body: dict | None,
    timeout: float,
    token: str | None = None,
) -> Exchange:
    """Send one request without following redirects and return the exchange; a transport error propagates."""
    # urllib3 logs each request line, query included, at DEBUG; a configured URL may carry a
    # credential in its query, so it stays quiet here (the keyword's table says what was sent).
    wire_log = logging.getLogger("urllib3")
    level = wire_log.level
    wire_log.setLevel(max(level, logging.INFO))
    sent_at = current_time()
    try:
        response = deadline.call(
            lambda: session.request(method, url, headers=headers, json=json_body, timeout=timeout, allow_redirects=False), url
        )
    finally:
        wire_log.setLevel(level)
    received_at = current_time()
    return Exchange(
        method=method,
        url=url,
        status=response.status_code,
        reason=response.reason or "",
        headers={key.lower(): value for key, value in response.headers.items()},
        body=response.content or b"",
        sent_at=sent_at,
        received_at=received_at,
        token_fingerprint=None if token is None else evidence.fingerprint(token),
        cookies={cookie.name: cookie.value or "" for cookie in response.cookies},
    )


def origin(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"


def path_and_query(url: str) -> str:
    rest = url.split("://", 1)[1]
    slash = rest.find("/")
    question = rest.find("?")
    if slash == -1 or (question != -1 and question < slash):
        return "/" + rest[question:] if question != -1 else "/"
    return rest[slash:]


def cacheable(cache_control: str | None) -> bool:
    if not cache_control:
        return False
    directives = {part.strip().split("=", 1)[0].lower(): part.strip() for part in cache_control.split(",")}
    if "no-store" in directives:
        return False
    if "public" in directives:
        return True
    for name in ("max-age", "s-maxage"):
        if name in directives:
            value = directives[name].split("=", 1)[-1].strip().strip('"')
            if value.isascii() and value.isdigit() and value.strip("0"):  # a positive number of seconds
                return True
    return False
