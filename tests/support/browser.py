"""Helpers for the browser tests: join through the pages, find notes on a board."""

from __future__ import annotations

import re
from typing import Any

import requests


def join_board(context: Any, server: Any, name: str, group: int = 0, **form: str) -> Any:
    """Join the demo event through the pages (code, name, group) and open a group's board."""
    page = context.new_page()
    page.goto(f"{server.url}/join/{server.demo['join_code']}")
    page.fill("#name", name)
    for field, value in form.items():
        page.fill(f"#{field}", value)
    page.click("form.stack button[type=submit]")
    page.click(f"a[href='/boards/{server.board_id(group)}']")
    wait_live(page)
    return page


def wait_live(page: Any) -> None:
    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector(".lane .note-list")


def lane_note(page: Any, lane_index: int, text: str) -> Any:
    """The note with exactly this text in the lane at this index (0-based)."""
    lane = page.locator(".lane").nth(lane_index)
    return lane.locator(".note").filter(
        has=page.locator(".note-text", has_text=re.compile("^" + re.escape(text) + "$"))
    )


def note(page: Any, text: str) -> Any:
    return page.locator(".note").filter(
        has=page.locator(".note-text", has_text=re.compile("^" + re.escape(text) + "$"))
    )


SERIOUS = {"serious", "critical"}


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def api(server: Any, method: str, path: str, token: str, **kwargs: Any) -> Any:
    """Call the server's JSON API as `token`; the answer must be a success."""
    res = requests.request(
        method,
        server.url + path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kwargs,
    )
    assert res.ok, res.text
    return res.json()


def participant_page(new_context, live_server, name: str, board_id: int):
    page = new_context().new_page()
    page.goto(f"{live_server.url}/join/{live_server.demo['join_code']}")
    page.fill("#name", name)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/boards/{board_id}")
    page.wait_for_selector('#conn[data-state="live"]')
    return page


def facilitator_page(new_context, live_server, group: dict[str, Any]):
    page = new_context().new_page()
    page.goto(group["facilitator_url"].replace("http://localhost", live_server.url))
    page.wait_for_selector('#conn[data-state="live"]')
    page.wait_for_selector("#facilitator-panel:not([hidden])")
    return page


def add_note(page, text: str) -> None:
    page.click("#add-note")
    page.fill("form.composer textarea", text)
    page.click("form.composer button[type=submit]")
