"""End-to-end fixtures: Debian's Chromium through Playwright (never `playwright install`).

Zero console errors: every page of every context made by `new_context` is watched; a console
error or an uncaught exception on any of them fails the test at teardown. A test that provokes
errors on purpose (going offline, a refused request) says so with
`@pytest.mark.console_errors(r"pattern", ..., reason="why")`: only messages matching one of the
patterns are allowed, the others still fail it (docs/board.md "Zero console errors").

The real server (`live_server`, `peers`) is in tests/conftest.py, shared with the tests
beside it that still mix unit and end-to-end cases.
"""

from __future__ import annotations

import re
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


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers",
        "console_errors(*patterns, reason): console errors matching these regular expressions are "
        "expected in this browser test (it provokes them); any other one still fails it",
    )


def watch_console(page: Any, errors: list[str]) -> None:
    """Record a page's console errors and uncaught exceptions."""
    where = lambda: page.url if not page.is_closed() else "(closed page)"  # noqa: E731
    page.on("console", lambda m: m.type == "error" and errors.append(f"{where()}: {m.text}"))
    page.on("pageerror", lambda e: errors.append(f"{where()}: uncaught {e}"))


def unexpected_console_errors(request: Any, errors: list[str]) -> list[str]:
    marker = request.node.get_closest_marker("console_errors")
    if marker is None:
        return list(errors)
    if not marker.kwargs.get("reason"):
        pytest.fail("@pytest.mark.console_errors needs a reason=")
    patterns = [re.compile(p) for p in marker.args]
    return [e for e in errors if not any(p.search(e) for p in patterns)]


@pytest.fixture
def new_context(browser, request) -> Iterator[Callable[..., Any]]:
    """Make browser contexts (each its own cookies and storage); all closed after the test.

    Fails the test at teardown when any page of them logged a console error (see above)."""
    made: list[Any] = []
    errors: list[str] = []

    def _make(phone: bool = False, **options: Any) -> Any:
        if phone:
            options = {"viewport": PHONE, "has_touch": True, "is_mobile": True, **options}
        # Playwright's wait_for_function compiles its predicate with eval, which our CSP (no
        # 'unsafe-eval') refuses; the app's own scripts never need it (test_security.py
        # checks the policy and the templates; the pages load with it in the real server).
        context = browser.new_context(**{"viewport": DESKTOP, "bypass_csp": True, **options})
        context.set_default_timeout(10_000)
        context.on("page", lambda page: watch_console(page, errors))
        made.append(context)
        return context

    _make.console_errors = errors  # type: ignore[attr-defined]  (what was seen so far)
    yield _make
    for context in made:
        context.close()
    unexpected = unexpected_console_errors(request, errors)
    if unexpected:
        pytest.fail("console errors in the browser:\n" + "\n".join(unexpected[:20]), pytrace=False)
