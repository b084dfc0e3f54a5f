"""End-to-end fixtures: Debian's Chromium through Playwright (never `playwright install`).

The real server (`live_server`, `peers`) is in tests/conftest.py, shared with the tests
beside it that still mix unit and end-to-end cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser) -> Iterator[Callable[..., Any]]:
    """Make browser contexts (each its own cookies and storage); all closed after the test."""
    made: list[Any] = []

    def _make(phone: bool = False, **options: Any) -> Any:
        if phone:
            options = {"viewport": PHONE, "has_touch": True, "is_mobile": True, **options}
        # Playwright's wait_for_function compiles its predicate with eval, which our CSP (no
        # 'unsafe-eval') refuses; the app's own scripts never need it (test_security.py
        # checks the policy and the templates; the pages load with it in the real server).
        context = browser.new_context(**{"viewport": DESKTOP, "bypass_csp": True, **options})
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield _make
    for context in made:
        context.close()
