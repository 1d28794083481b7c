"""One browser (the system's Chromium or Chrome, through Playwright for Python) and its pages.

Each participant is a page of its own, named by an alias. The token goes to the page as an
argument of ``livekitAuth.join`` and nowhere else: it is in no URL, no file and no log line. What
the browser says on its console and every error of a page is kept, scrubbed of anything
token-shaped and of the run's tokens and secrets, for the log.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from livekit_http.answers import scrub

from . import launch
from .page import PageServer

LAUNCH_TIMEOUT = 30.0  # seconds for the browser to start and the page to load
CALL_MARGIN = 5.0  # seconds a page call may take beyond its own deadline


def _server_key_pin() -> str | None:
    """The key of the chosen ``wss://`` server's certificate, when it verified with ``SSL_CERT_FILE``."""
    from livekit_http import tls
    from livekit_server import current as current_server

    chosen = current_server.chosen()
    return tls.verified_key_pin(chosen.ws_url) if chosen is not None else None


class BrowserProblem(AssertionError):
    """The browser could not do what was asked; the message says what and why."""

    ROBOT_SUPPRESS_NAME = True


@dataclass
class PageOf:
    """A participant's page and what its console said."""

    alias: str
    page: object = field(repr=False)
    console: list[str] = field(default_factory=list)


class BrowserSession:
    """Playwright, one browser, the page server and the pages of the participants."""

    def __init__(self, executable: Path, scrubber, server_host: str | None = None):
        self.executable = executable
        self.server_host = server_host
        self._scrub = scrubber  # text -> text without tokens or secrets
        self._playwright = None
        self._browser = None
        self._pages: dict[str, PageOf] = {}
        self._server: PageServer | None = None
        self.launched_at: float | None = None
        self.version: str | None = None

    # -- the browser

    def start(self) -> None:
        from playwright.sync_api import Error, sync_playwright

        self.launched_at = time.monotonic()
        self._server = PageServer()
        try:
            self._playwright = sync_playwright().start()
            options = launch.launch_options(self.executable, server_host=self.server_host, server_key_pin=_server_key_pin())
            self._browser = self._playwright.chromium.launch(timeout=LAUNCH_TIMEOUT * 1000, **options)
        except Error as error:
            self.stop()
            raise BrowserProblem(f"The browser {self.executable} did not start: {self._first_line(error)}") from None
        from .executable import product_name

        self.version = f"{product_name(self.executable)} {self._browser.version}"

    def stop(self) -> None:
        for alias in list(self._pages):
            self.close_page(alias)
        for closing in (self._browser, self._playwright):
            if closing is not None:
                with contextlib.suppress(Exception):
                    closing.close() if closing is self._browser else closing.stop()
        self._browser = self._playwright = None
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def running(self) -> bool:
        return self._browser is not None

    # -- pages

    def open_page(self, alias: str) -> PageOf:
        from playwright.sync_api import Error

        if alias in self._pages:
            raise BrowserProblem(f"A page is already open as '{alias}'; let it leave first.")
        context = self._browser.new_context()
        page = context.new_page()
        kept = PageOf(alias, page)
        page.on("console", lambda message: kept.console.append(f"console.{message.type}: {self._scrub(message.text)}"))
        page.on("pageerror", lambda error: kept.console.append(f"page error: {self._scrub(str(error))}"))
        try:
            page.goto(self._server.url, timeout=LAUNCH_TIMEOUT * 1000, wait_until="load")
            loaded = page.evaluate("() => typeof window.livekitAuth === 'object' ? window.livekitAuth.version : null")
        except Error as error:
            context.close()
            raise BrowserProblem(f"The page did not load in the browser: {self._first_line(error)}") from None
        if not loaded:
            context.close()
            raise BrowserProblem("The page loaded, but livekit-client did not: see the browser's console in the log.")
        self._pages[alias] = kept
        return kept

    def close_page(self, alias: str) -> list[str]:
        kept = self._pages.pop(alias, None)
        if kept is None:
            return []
        with contextlib.suppress(Exception):
            kept.page.evaluate("() => window.livekitAuth.leave(10)")
        with contextlib.suppress(Exception):
            kept.page.context.close()
        return kept.console

    def page(self, alias: str) -> PageOf:
        kept = self._pages.get(alias)
        if kept is None:
            raise BrowserProblem(f"No browser page joined as '{alias}'; use Join Room In The Browser first.")
        return kept

    def has_page(self, alias: str) -> bool:
        return alias in self._pages

    def call(self, alias: str, function: str, arguments: list, seconds: float):
        """Call ``livekitAuth.<function>(...arguments)`` on the page of ``alias``; its JSON answer."""
        from playwright.sync_api import Error

        kept = self.page(alias)
        kept.page.set_default_timeout((seconds + CALL_MARGIN) * 1000)
        try:
            return kept.page.evaluate(f"(args) => window.livekitAuth.{function}(...args)", arguments)
        except Error as error:
            raise BrowserProblem(f"The page of '{alias}' failed in {function}: {self._first_line(error)}") from None

    def _first_line(self, error: Exception) -> str:
        text = self._scrub(str(error)).strip()
        return (text.splitlines() or ["no reason given"])[0][:300]


def scrubber(tokens_of, secrets_of):
    """A function that scrubs text of the run's tokens (``tokens_of()``) and secrets (``secrets_of()``)."""

    def scrub_text(text: str) -> str:
        return scrub(str(text), tokens=tuple(tokens_of()), secrets=tuple(secrets_of()))

    return scrub_text
