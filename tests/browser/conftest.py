"""Browser tests: headless Chromium (Debian's package) driven by Playwright against a live server on 127.0.0.1.

The server is the test's own app (same database, same fixtures) served by werkzeug in a thread.
Screenshots go to tests-output/screenshots/. Where Chromium is not installed (the test command installs
it with apt where it can), these tests are skipped with that reason.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.accounts.conftest import PASSWORD, as_role, county  # noqa: F401  (fixtures for these tests)

CHROMIUM = os.environ.get("JOBMATCH_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium tries to reach Google's hosts at start, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "tests-output" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium): browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The test's app on a free port of 127.0.0.1, answering from a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def _new_page(browser, base_url: str, viewport: dict, mobile: bool):
    context = browser.new_context(
        base_url=base_url, viewport=viewport, is_mobile=mobile, has_touch=mobile, locale="zh-CN"
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page."""
    context, new_page = _new_page(browser, live_server, DESKTOP, mobile=False)
    yield new_page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A 360-px-wide phone page with touch."""
    context, new_page = _new_page(browser, live_server, PHONE, mobile=True)
    yield new_page
    context.close()


def log_in(page, name: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would."""
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, "login failed"


def screenshot(page, name: str) -> Path:
    """Save the whole page under tests-output/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def fits_the_screen(page) -> bool:
    """Nothing makes the page scroll sideways (tables scroll inside their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def pick(page, select_id: str, typed: str, choice: str) -> None:
    """Choose in a type-ahead picker (static/js/pick-filter.js) as a person does: type, then tap the match."""
    page.fill(f"#{select_id}-search", typed)
    page.locator(f"#{select_id}-list .suggestion", has_text=choice).first.click()
