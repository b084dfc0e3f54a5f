"""Real Chromium against the live server: a facilitator runs a timer and a private-writing
round with two participants; the organiser dashboard follows a group live."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests

pytest_plugins = ["browser_fixtures"]  # playwright, browser, new_context (shared)
pytestmark = pytest.mark.e2e


def api(live_server, method: str, path: str, token: str, **kwargs: Any) -> Any:
    res = requests.request(
        method,
        live_server.url + path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kwargs,
    )
    assert res.ok, res.text
    return res.json()


@pytest.fixture
def group(live_server) -> dict[str, Any]:
    """A fresh group (so other tests on the shared server are not disturbed)."""
    name = f"Browser group {uuid.uuid4().hex[:6]}"
    return api(
        live_server,
        "POST",
        f"/api/events/{live_server.demo['event_id']}/groups",
        live_server.demo["organiser_token"],
        json={"name": name, "template": "challenges-signposts-commitments"},
    )


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


def seconds_shown(page) -> int:
    text = page.locator("#timer").inner_text()
    found = re.search(r"(\d+):(\d\d)", text)
    assert found, text
    return int(found.group(1)) * 60 + int(found.group(2))


def test_facilitator_runs_private_writing_and_a_timer(new_context, live_server, group):
    board_id = group["group"]["board_id"]
    fac = facilitator_page(new_context, live_server, group)
    ana = participant_page(new_context, live_server, "Ana", board_id)
    ben = participant_page(new_context, live_server, "Ben", board_id)
    # Participants have no controls, and the server would refuse them anyway.
    assert ana.locator("#facilitator-panel").is_hidden()
    assert ana.locator("script[src*='facilitate.js']").count() == 0

    # Private writing: Ana's note is hidden from Ben until the reveal.
    fac.click('[data-fac="private"]')
    ana.wait_for_function(
        "() => window.RoadmapBoard.state.board.facilitation.private_writing === true"
    )
    add_note(ana, "Ana's private idea")
    ana.locator(".note", has_text="Ana's private idea").wait_for()
    fac.locator(".note", has_text="Ana's private idea").wait_for()
    ben.reload()  # a reload (or a late joiner) does not get it either
    ben.wait_for_selector('#conn[data-state="live"]')
    ben.wait_for_function("window.RoadmapBoard.state.board.facilitation.private_writing")
    assert ben.locator(".note", has_text="Ana's private idea").count() == 0
    assert "Ana's private idea" not in ben.content()
    fac.click('[data-fac="reveal"]')
    ben.locator(".note", has_text="Ana's private idea").wait_for()

    # The timer: the same countdown on both screens, and after a reload.
    fac.fill(".fac-minutes", "5")
    fac.click('[data-fac="timer-start"]')
    for page in (ana, ben):
        page.locator("#timer").wait_for(state="visible")
    assert abs(seconds_shown(ana) - seconds_shown(ben)) <= 1
    assert 290 <= seconds_shown(ana) <= 300
    before = seconds_shown(ana)
    ben.reload()
    ben.wait_for_selector('#conn[data-state="live"]')
    ben.locator("#timer").wait_for(state="visible")
    assert abs(seconds_shown(ben) - seconds_shown(ana)) <= 1
    assert seconds_shown(ben) <= before
    # Pause: both screens stop on the very same second; +1 min shows on both.
    fac.click('[data-fac="timer-pause"]')
    for page in (ana, ben):
        page.wait_for_function("document.getElementById('timer').dataset.state === 'paused'")
    assert seconds_shown(ana) == seconds_shown(ben)
    paused_at = seconds_shown(ana)
    fac.click('[data-fac="timer-add"]')
    ben.wait_for_function(
        f"document.getElementById('timer').textContent.includes('{(paused_at + 60) // 60}:')"
    )
    assert seconds_shown(ana) == seconds_shown(ben) == paused_at + 60
    fac.click('[data-fac="timer-stop"]')
    ana.locator("#timer").wait_for(state="hidden")

    # The end signal: a timer that runs out shows "time is up" everywhere.
    api(
        live_server,
        "POST",
        f"/api/boards/{board_id}/ops",
        group["facilitator_token"],
        json={"op_id": str(uuid.uuid4()), "type": "timer.start", "data": {"seconds": 2}},
    )
    for page in (ana, ben):
        page.wait_for_function("document.getElementById('timer').dataset.state === 'ended'")
    ana.locator("#announcer", has_text="Time is up").wait_for(state="attached")

    # Takeaways: the phase opens the question; answers are shared with the group.
    assert ana.locator("#takeaways").is_hidden()
    fac.click('.fac-phase[data-phase="takeaways"]')
    ana.locator("#takeaways").wait_for()
    ana.fill("#takeaway-text", "Call the shelter network next week")
    ana.click("#takeaways button[type=submit]")
    ben.locator(".takeaway-list", has_text="Call the shelter network next week").wait_for()


def test_organiser_dashboard_follows_a_group_live(new_context, live_server, group):
    board_id = group["group"]["board_id"]
    context = new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/organise/{live_server.demo['organiser_token']}")
    tile = page.locator(f'.tile[data-board-id="{board_id}"]')
    tile.wait_for()
    page.wait_for_selector('#conn[data-state="online"]')
    assert tile.locator(".tile-notes").inner_text().startswith("0")
    # A participant works on the board: the tile follows.
    ana = live_server.join("Dewi")
    lanes = api(live_server, "GET", f"/api/boards/{board_id}", ana["token"])["lanes"]
    api(
        live_server,
        "POST",
        f"/api/boards/{board_id}/ops",
        ana["token"],
        json={
            "op_id": str(uuid.uuid4()),
            "type": "note.create",
            "data": {"lane_id": lanes[1]["id"], "text": "Dashboard sees this live"},
        },
    )
    tile.locator(".tile-latest", has_text="Dashboard sees this live").wait_for()
    assert tile.locator(".tile-notes").inner_text().startswith("1")
    api(
        live_server,
        "POST",
        f"/api/boards/{board_id}/ops",
        group["facilitator_token"],
        json={"op_id": str(uuid.uuid4()), "type": "board.phase", "data": {"phase": "vote"}},
    )
    page.wait_for_function(
        f"document.querySelector('.tile[data-board-id=\"{board_id}\"] .tile-phase')"
        ".dataset.phase === 'vote'"
    )
    # One control starts the same timer in every group.
    page.fill("#broadcast-minutes", "3")
    page.click("#broadcast-timer button[type=submit]")
    page.locator("#broadcast-status", has_text="Timer started").wait_for()
    tile.locator(".tile-timer:not([hidden])").wait_for()
    dashboard = api(
        live_server,
        "GET",
        f"/api/events/{live_server.demo['event_id']}/dashboard",
        live_server.demo["organiser_token"],
    )
    assert all(b["timer"]["state"] == "running" for b in dashboard["boards"])
    # The projector view follows the same board, read-only.
    projector = context.new_page()
    projector.goto(f"{live_server.url}/boards/{board_id}/projector")
    projector.locator(".p-note", has_text="Dashboard sees this live").wait_for()
    projector.locator("#projector-timer:not([hidden])").wait_for()
