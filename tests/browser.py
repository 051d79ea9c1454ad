"""A headless Chromium for tests that open pages: Debian's browser driven by Playwright (never `playwright
install`, which downloads a browser build and fails offline), and a page whose network is cut.

Use: `from tests.browser import browser, open_offline  # noqa: F401`. Without playwright or a Chromium the
`browser` fixture skips with the reason, unless JOURNEY_REQUIRE_BROWSER=1 (CI), where it fails instead, so a
missing browser cannot turn CI green."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest

REQUIRE_ENV = "JOURNEY_REQUIRE_BROWSER"
CHROMIUM_ENV = "JOURNEY_CHROMIUM"  # another Chromium binary, e.g. on a developer's laptop
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 900}


def chromium_path() -> str | None:
    """The Chromium to drive: $JOURNEY_CHROMIUM, else Debian's /usr/bin/chromium, else one on the PATH."""
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: the browser tests must run here)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium (a playwright Browser) per test module. Not per session: while playwright's sync API
    runs, its event loop counts as running in the main thread, and code under test that runs its own loop (the llm
    extractor) would fail in every later module."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (.venv/bin/python -m pip install playwright)")
        return
    path = chromium_path()
    if path is None:
        _unavailable("no Chromium found (apt-get install chromium, or set JOURNEY_CHROMIUM)")
        return
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        except PlaywrightError as exc:
            _unavailable(f"Chromium at {path} does not start: {str(exc).splitlines()[0]}")
            return
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageLog:
    """What a page did that a test may forbid: requests that would leave the allowed origins, console errors,
    uncaught script errors and dialogs (an `alert` from injected markup)."""

    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"request {u}" for u in self.blocked] + [f"console error: {e}" for e in self.console_errors]
                + [f"page error: {e}" for e in self.page_errors] + [f"dialog: {d}" for d in self.dialogs])


@contextmanager
def open_offline(browser: Any, url: str, *, allow: tuple[str, ...] = ("file://",),
                 viewport: dict[str, int] | None = None) -> Iterator[tuple[Any, PageLog]]:
    """Open `url` in a fresh context where every request outside `allow` (URL prefixes) is aborted and logged.

    A page for a local server passes allow=("http://127.0.0.1:PORT/",); data: URLs never reach the network."""
    log = PageLog()
    context = browser.new_context(viewport=viewport or VIEWPORT, service_workers="block")

    def route(r: Any) -> None:
        if r.request.url.startswith(allow):
            r.continue_()
        else:
            r.abort()

    def on_request(request: Any) -> None:
        # Logged here, not in the route handler: some requests (file:// ones among them) bypass routing.
        if not request.url.startswith(allow) and not request.url.startswith("data:"):
            log.blocked.append(request.url)

    def on_dialog(dialog: Any) -> None:
        log.dialogs.append(dialog.message)
        dialog.dismiss()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", on_request)
    page.on("console", lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    page.on("dialog", on_dialog)
    try:
        page.goto(url, wait_until="load")
        yield page, log
    finally:
        context.close()
