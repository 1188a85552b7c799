"""Headless Chromium for page tests: Debian's `chromium` driven by Playwright (no browser
download; `python3 scripts/bootstrap.py test` installs the package when it is missing).

`browser` is one Chromium per test module; `page` a fresh context and tab per test, closed
after it. Any suite with a page to check (the sandbox Slack, the console) can use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Headless on a shared CI machine as root: no sandbox (root), no GPU, no phoning home.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--no-first-run",
]


# Per module, not per session: Playwright's sync API keeps its asyncio loop running on this
# thread until it stops, and held for the session every later asyncio.run on the same xdist
# worker (the MCP client tests, anyio) failed with "Cannot run the event loop while another
# loop is running" whenever a browser test happened to run before them.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `python3 scripts/bootstrap.py test` installs Debian's "
            "chromium (as root), or run `apt-get install -y chromium`"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()
