"""What a LiveKit server's ``/agent`` endpoint answers a plain HTTP request, as an agent worker makes it.

A worker registers by opening ``GET /agent`` as a WebSocket with a bearer token whose ``video.agent``
grant is true. The server decides on the token before the upgrade, so one plain request with the
upgrade headers shows the server's verdict: 101 when the token is accepted, else the status and the
message of the refusal. livekit-server v1.13.5 answers a refused token with 401 and a body that
quotes the whole token (``invalid token: <token>, error: token signature is invalid``): the body is
kept for the checks and shown only scrubbed.
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

AGENT_PATH = "/agent"
BODY_LIMIT = 64 * 1024  # bytes of a refusal read at most


@dataclass(frozen=True)
class AgentAnswer:
    """The server's answer to one request on ``/agent``: the body only for the checks, never shown as it is."""

    status: int
    reason: str
    body: bytes
    upgraded: bool
    elapsed: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace").strip()


class AgentEndpointUnreachable(AssertionError):
    """No HTTP answer from ``/agent`` within the deadline; the message says what happened."""

    ROBOT_SUPPRESS_NAME = True


def ask(
    http_base: str,
    token: str | None,
    scheme: str = "Bearer",
    in_query: bool = False,
    upgrade: bool = True,
    timeout: float = 10.0,
) -> AgentAnswer:
    """Send one ``GET /agent`` to the server at ``http_base`` and return its answer.

    ``token`` goes in the ``Authorization`` header after ``scheme`` (``scheme`` empty: the header
    holds the value as given), or in ``?access_token=`` when ``in_query``; ``None`` sends none.
    ``upgrade`` adds the WebSocket upgrade headers a worker sends. A 101 answer is closed at once:
    the endpoint is judged, no worker registers.
    """
    parts = urlsplit(http_base)
    host, port = parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(host, port, timeout=timeout)
    path = parts.path.rstrip("/") + AGENT_PATH
    headers = {"Host": f"{host}:{port}", "User-Agent": "livekit-auth-acceptance"}
    if token is not None and in_query:
        path += "?access_token=" + quote(token, safe="")
    elif token is not None:
        headers["Authorization"] = f"{scheme} {token}" if scheme else token
    if upgrade:
        headers.update(
            {
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode("ascii"),
            }
        )
    started = time.monotonic()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = b"" if response.status == 101 else response.read(BODY_LIMIT)
        return AgentAnswer(response.status, response.reason, body, response.status == 101, time.monotonic() - started)
    except (OSError, http.client.HTTPException) as error:
        where = f"The LiveKit server's {AGENT_PATH} endpoint at {parts.scheme}://{host}:{port}"
        if isinstance(error, socket.timeout):
            raise AgentEndpointUnreachable(f"{where} did not answer within {timeout:g} s.") from None
        raise AgentEndpointUnreachable(f"{where} could not be reached: {type(error).__name__}.") from None
    finally:
        connection.close()
