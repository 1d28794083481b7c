"""Requests to a token endpoint as separate callers: each caller is a fresh HTTP client with its own
cookies, as two browsers are. Nothing here logs; the keywords show the exchanges scrubbed."""

from __future__ import annotations

import logging
import secrets as random_source
from dataclasses import dataclass, field

from livekit_http import deadline, tls
from livekit_http.answers import UnreadableJson, load_json
from livekit_http.transport import Exchange
from livekit_http.urls import is_loopback
from livekit_tokens.timeutil import now as current_time
from livekit_tokens.verification import TokenRejected, identity_of, parse_token

from . import shapes

FOREIGN_ORIGIN = "https://foreign-site.example"


@dataclass
class Answer:
    """One caller's exchange, and the token's claims when the answer held a token."""

    exchange: Exchange
    token: str | None = None
    claims: dict = field(default_factory=dict)

    @property
    def minted(self) -> bool:
        return self.token is not None and 200 <= self.exchange.status < 300

    @property
    def identity(self) -> str:
        return identity_of(self.claims) if self.claims else ""


def marker(prefix: str) -> str:
    """A value no endpoint could have chosen by itself."""
    return f"{prefix}-{random_source.token_hex(4)}"


class Caller:
    """A separate caller of the endpoint: its own session and cookies."""

    def __init__(self, url: str, timeout: float):
        self.url = url
        self.timeout = timeout
        self.session = deadline.Session(timeout)  # the whole exchange within the endpoint's timeout
        self.session.verify = tls.verify_setting()  # a private CA given in SSL_CERT_FILE
        host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
        if is_loopback(host):
            self.session.trust_env = False

    def close(self) -> None:
        self.session.close()

    def send(
        self,
        method: str,
        query: dict | None = None,
        json_body=None,
        data: bytes | None = None,
        headers: dict | None = None,
        cookies: dict | None = None,
    ) -> Exchange:
        """One request; a transport failure propagates as ``requests.RequestException``."""
        url = shapes.with_query(self.url, query or {})
        sent = {"Accept": "application/json, text/plain;q=0.9, */*;q=0.1", **(headers or {})}
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        wire_log = logging.getLogger("urllib3")
        level = wire_log.level
        wire_log.setLevel(max(level, logging.INFO))
        sent_at = current_time()
        try:
            response = self.session.request(
                method, url, headers=sent, json=json_body, data=data, cookies=cookies, timeout=self.timeout, allow_redirects=False
            )
        finally:
            wire_log.setLevel(level)
        return Exchange(
            method=method,
            url=url,
            status=response.status_code,
            reason=response.reason or "",
            headers={key.lower(): value for key, value in response.headers.items()},
            body=response.content or b"",
            sent_at=sent_at,
            received_at=current_time(),
            cookies={cookie.name: cookie.value or "" for cookie in response.cookies},
        )

    def ask(
        self,
        chosen: shapes.Shape,
        values: dict,
        headers: dict | None = None,
        cookies: dict | None = None,
        room_config: dict | None = None,
        agent: tuple[str, str] = ("", ""),
    ) -> Answer:
        """Ask for a token in ``chosen``'s shape; the answer's token is read in any of the shapes."""
        query, body = shapes.request_parts(chosen, values, agent[0], agent[1])
        if body is not None and room_config is not None:
            body["room_config"] = room_config
        exchange = self.send(chosen.method, query=query, json_body=body, headers=headers, cookies=cookies)
        return read(exchange)


def read(exchange: Exchange) -> Answer:
    if not 200 <= exchange.status < 300:
        return Answer(exchange)
    try:
        document = load_json(exchange.body)
    except UnreadableJson:
        document = None
    found = shapes.read_document(document) if isinstance(document, dict) else shapes.read_bare(exchange.body)
    if found is None or not isinstance(found.token, str):
        return Answer(exchange)
    try:
        claims = parse_token(found.token).claims
    except TokenRejected:
        claims = {}
    return Answer(exchange, found.token, claims)


def preflight(caller: Caller, method: str, with_credentials: bool) -> Exchange:
    """A browser's CORS preflight from a foreign origin."""
    wanted = "content-type, authorization" if with_credentials else "content-type"
    return caller.send(
        "OPTIONS",
        headers={"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": wanted},
    )
