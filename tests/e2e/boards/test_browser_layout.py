"""Real Chromium: the small layout fixes of issue 16, each as a user would see it — phone lane
tabs that show they scroll, "+ Add note" never over a note, "On this board (3)" not cut, no
double full stop, whole dashboard labels and template names, every asset in the offline cache,
no console error."""

from __future__ import annotations

import time
from typing import Any

import pytest
from support.browser import join_board, serious_violations, wait_live

pytestmark = pytest.mark.e2e


def errors_of(page: Any) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: m.type == "error" and found.append(m.text))
    page.on("pageerror", lambda e: found.append(str(e)))
    return found


def test_phone_board_tabs_add_bar_and_presence(live_server, new_context, artifacts):
    context = new_context(phone=True)
    page = join_board(context, live_server, "Anan P.", group=0)
    errors = errors_of(page)
    page.reload()
    wait_live(page)
    # Lane tabs: the row that does not fit fades on the side that has more.
    page.wait_for_function(
        "() => document.getElementById('lane-tabs').classList.contains('more-right')"
    )
    page.screenshot(path=str(artifacts / "layout-phone-tabs.png"))
    page.locator(".lane-tab").last.click()
    page.wait_for_function(
        "() => document.getElementById('lane-tabs').classList.contains('more-left')"
    )
    page.locator(".lane-tab").first.click()
    # "+ Add note" is a bar at the bottom: at the end of the page nothing lies under it.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    covered = page.evaluate(
        """() => {
          const bar = document.getElementById('add-note').getBoundingClientRect();
          const lane = document.querySelector('.lane:not([hidden])');
          return Array.from(lane.querySelectorAll('.note-text, .note-actions button, .add-here'))
            .filter((n) => { const r = n.getBoundingClientRect();
                             return r.height && r.bottom > bar.top && r.top < bar.bottom; })
            .map((n) => n.textContent);
        }"""
    )
    assert covered == []
    assert page.evaluate("getComputedStyle(document.getElementById('add-note')).position") == (
        "fixed"
    )
    page.screenshot(path=str(artifacts / "layout-phone-bottom.png"))
    # Presence: two lines before anything is cut; the count is always there.
    presence = page.locator("#presence")
    page.wait_for_function("() => document.getElementById('presence').textContent.length > 0")
    assert presence.inner_text().startswith("On this board")
    assert page.evaluate("getComputedStyle(document.getElementById('presence')).whiteSpace") == (
        "normal"
    )
    assert serious_violations(page) == []
    # "Signed in as Anan P." — one full stop.
    page.goto(f"{live_server.url}/e/{live_server.demo['event_id']}")
    lead = page.locator(".lead").inner_text()
    assert "Anan P." in lead and ".." not in lead
    assert errors == []


def test_dashboard_labels_and_template_names_are_whole(live_server, new_context, artifacts):
    page = new_context(viewport={"width": 1024, "height": 800}).new_page()
    errors = errors_of(page)
    page.goto(f"{live_server.url}/organise/{live_server.demo['organiser_token']}")
    page.goto(f"{live_server.url}/organise/events/{live_server.demo['event_id']}")
    page.locator(".tile-stats dt").first.wait_for()
    cut = page.evaluate(
        """() => Array.from(document.querySelectorAll('.tile-stats dt, .summary dt'))
             .filter((d) => d.scrollWidth > d.clientWidth + 1).map((d) => d.textContent)"""
    )
    assert cut == []
    page.screenshot(path=str(artifacts / "layout-dashboard.png"))
    page.goto(f"{live_server.url}/organise/events/{live_server.demo['event_id']}/edit")
    short = page.evaluate(
        """() => { const c = document.createElement('canvas').getContext('2d');
             return Array.from(document.querySelectorAll('table select')).filter((s) => {
               c.font = getComputedStyle(s).font;
               const text = s.options[s.selectedIndex].text;
               return c.measureText(text).width + 24 > s.clientWidth; }).map((s) => s.id); }"""
    )
    page.screenshot(path=str(artifacts / "layout-event-form.png"), full_page=True)
    assert short == []
    assert errors == []


def test_every_board_asset_is_in_the_offline_cache(live_server, new_context):
    page = join_board(new_context(), live_server, "Cache C", group=1)
    page.wait_for_selector("html[data-offline-ready=true]")
    cached = page.evaluate(
        """async () => { const c = await caches.open('roadmap-v7');
             return (await c.keys()).map((r) => new URL(r.url).pathname); }"""
    )
    for asset in (
        "/static/js/boards/facilitation/room.js",
        "/static/js/boards/main.js",
        "/static/js/boards/store.js",
        "/static/js/boards/connection.js",
        "/static/js/boards/undo.js",
        "/static/js/boards/layout.js",
        "/static/js/common/dom.js",
        "/static/css/room.css",
        "/static/css/layout.css",
        "/static/favicon.svg",
    ):
        assert asset in cached, (asset, cached)


def test_a_console_error_on_any_page_is_caught(live_server, new_context):
    """The zero-console-error check (tests/e2e/conftest.py) sees errors on every page of every
    context, pages opened later included; this test takes its own provoked ones back."""
    page = join_board(new_context(), live_server, "Console C", group=1)
    page.evaluate("() => console.error('provoked error one')")
    other = page.context.new_page()
    other.goto(f"{live_server.url}/static/favicon.svg")
    other.evaluate("() => setTimeout(() => { throw new Error('provoked error two'); })")
    deadline = time.monotonic() + 10
    seen = new_context.console_errors
    while time.monotonic() < deadline and not any("provoked error two" in e for e in seen):
        page.wait_for_timeout(50)
    assert any("provoked error one" in e for e in seen), seen
    assert any("uncaught" in e and "provoked error two" in e for e in seen), seen
    seen[:] = [e for e in seen if "provoked error" not in e]
