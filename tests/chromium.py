"""Headless Chromium for the browser tests: a pytest plugin (`pytest_plugins = ["chromium"]`).

Debian's /usr/bin/chromium (or $KB_CHROMIUM), driven by Playwright. A test module calls
`require_chromium()` before it imports Playwright itself: without the browser it is skipped
(and fails under CI, where `make test` installs it). `serve` serves a built site on
127.0.0.1 on a port the system picks; `Tab` records console errors and every request that
leaves the site; the `tab` fixture (internal, or `indirect` "public") fails a test on either.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import Sites

CHROMIUM = Path(os.environ.get("KB_CHROMIUM", "/usr/bin/chromium"))  # Debian's, unless told otherwise
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]


def require_chromium() -> None:
    """Skip the calling test module when there is no Chromium (fail under CI)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: `make test` installs it", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)",
                    allow_module_level=True)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(root: Path) -> tuple[ThreadingHTTPServer, str]:
    """Serve `root` on 127.0.0.1 on a free port the system picks (port 0): never a fixed one."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


@pytest.fixture(scope="module")
def origins(sites: Sites) -> Iterator[dict[str, str]]:
    servers = {audience: serve(getattr(sites, audience)) for audience in ("internal", "public")}
    yield {audience: url for audience, (_, url) in servers.items()}
    for server, _ in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


class Tab:
    """A page that records console errors and every request leaving the site."""

    def __init__(self, page: Page, origin: str):
        self.page, self.origin = page, origin
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(self.origin) else self.outside.append(r.url))

    def open(self, path: str, idle: bool = False) -> Page:
        """Load a page; with `idle`, also wait until nothing more is loading (search worker, index)."""
        self.page.goto(self.origin + path, wait_until="networkidle" if idle else "load")
        return self.page

    def search(self, words: str) -> list[str]:
        """Type into the header search and return the result links."""
        page = self.page
        box = page.locator("input.md-search__input")
        page.locator("label.md-search__icon, .md-search__input").first.click()
        box.fill("")
        box.press_sequentially(words, delay=10)  # Material searches on key events
        page.wait_for_function(
            "() => { const m = document.querySelector('.md-search-result__meta');"
            " return m && !/Initializing|Type to start/.test(m.textContent) }"
        )
        return page.eval_on_selector_all(".md-search-result__item > a", "els => els.map(e => e.href)")


@pytest.fixture
def tab(browser: Browser, origins: dict[str, str], request) -> Iterator[Tab]:
    audience = getattr(request, "param", "internal")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    opened = Tab(page, origins[audience])
    yield opened
    context.close()
    assert opened.errors == [], f"console errors: {opened.errors}"
    assert opened.outside == [], f"requests outside the site: {opened.outside}"
