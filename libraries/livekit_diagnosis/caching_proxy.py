"""A cache in front of a token endpoint, as a careless framework route cache or proxy behaves: it
passes the first request on to the endpoint, keeps the answer, and gives that same answer to every
later request, whatever it asks. The diagnosis catalogue puts it in front of the reference endpoint
to induce a cached token. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from livekit_http import deadline

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


class CachingProxy:
    """Forward the first request to ``target`` (a URL) and answer every request with its stored answer."""

    def __init__(self, target: str, timeout: float = 10.0):
        self.target = target
        self.timeout = timeout
        self.forwarded = 0
        self.served = 0
        self._stored: tuple[int, list[tuple[str, str]], bytes] | None = None
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # the suite's log shows what matters; nothing on stderr
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name: value for name, value in self.headers.items() if name.lower() not in ("host", "content-length")}
                status, kept, content = proxy._answer(body, headers)
                self.send_response(status)
                for name, value in kept:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        path = "/" + self.target.split("://", 1)[-1].split("/", 1)[1] if "/" in self.target.split("://", 1)[-1] else "/"
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def _answer(self, body: bytes, headers: dict) -> tuple[int, list[tuple[str, str]], bytes]:
        with self._lock:
            if self._stored is None:
                session = deadline.Session()
                session.trust_env = False
                try:
                    reply = session.post(self.target, data=body, headers=headers, timeout=self.timeout, allow_redirects=False)
                finally:
                    session.close()
                kept = [(name, value) for name, value in reply.headers.items() if name.lower() not in _HOP_BY_HOP]
                self._stored = (reply.status_code, kept, reply.content)
                self.forwarded += 1
            else:
                self.served += 1
            return self._stored

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
