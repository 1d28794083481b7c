"""The browser client's page, served by the run itself from 127.0.0.1 on a free port.

Three paths and nothing else: ``/`` (the page), ``/browser-client.js`` (what the page does) and
``/livekit-client.umd.js``, the pinned ``livekit-client`` read unchanged from the project's
installed npm packages (``interop/node/node_modules``; ``python run.py`` installs them with npm).
No CDN and no download: a page that cannot load the client says so.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

PAGE_FOLDER = Path(__file__).parent / "page"
NODE_PROJECT = Path(__file__).resolve().parents[2] / "interop" / "node"
CLIENT_PACKAGE = NODE_PROJECT / "node_modules" / "livekit-client"
UMD_FILE = CLIENT_PACKAGE / "dist" / "livekit-client.umd.js"
HOW_TO_GET_THE_CLIENT = (
    "the pinned livekit-client is not installed: install Node.js 18 or newer and run `python run.py` "
    "(it runs `npm ci` in interop/node)"
)


def client_version() -> str | None:
    """The installed livekit-client's version (its package.json), or None when it is not installed."""
    try:
        return str(json.loads((CLIENT_PACKAGE / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def missing_client() -> str | None:
    """Why the page cannot load the client, or None when it can."""
    return None if UMD_FILE.is_file() else HOW_TO_GET_THE_CLIENT


class _Handler(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, tuple[Path, str]]] = {
        "/": (PAGE_FOLDER / "index.html", "text/html; charset=utf-8"),
        "/browser-client.js": (PAGE_FOLDER / "browser-client.js", "text/javascript; charset=utf-8"),
        "/livekit-client.umd.js": (UMD_FILE, "text/javascript; charset=utf-8"),
    }

    def do_GET(self) -> None:
        entry = self.files.get(self.path.split("?", 1)[0])
        if entry is None:
            self.send_error(404)
            return
        body = entry[0].read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", entry[1])
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        pass  # the page's requests are not part of the evidence


class PageServer:
    """The page on a free port of 127.0.0.1, served from a daemon thread until :meth:`stop`."""

    def __init__(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="livekit-browser-page", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
