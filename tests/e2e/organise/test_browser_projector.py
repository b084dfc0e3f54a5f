"""Real Chromium: the projector fits the wall (issue 16) — 50 and 200 notes at 1280x720 and
1920x1080: the page never scrolls, the density and columns follow the note count, lanes that
still do not fit scroll by themselves, and the timer, phase, message and spotlight stay large."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from support.browser import api

pytestmark = pytest.mark.e2e

WORDS = (
    "Shelter referral network for returnees",
    "Train labour inspectors on forced labour indicators in fishing",
    "Survivor-led advisory group",
    "Cross-border case management with the police of both countries",
    "Hotline in Khmer, Lao and Burmese",
)


def board_with_notes(server: Any, count: int) -> dict[str, Any]:
    group = api(
        server,
        "POST",
        f"/api/events/{server.demo['event_id']}/groups",
        server.demo["organiser_token"],
        json={"name": f"Projector {count} {uuid.uuid4().hex[:4]}", "template": "now-next-later"},
    )
    board = group["group"]["board_id"]
    lanes = [
        lane["id"]
        for lane in api(server, "GET", f"/api/boards/{board}", group["facilitator_token"])["lanes"]
    ]
    writers = [
        requests.post(
            f"{server.url}/api/join",
            json={"code": server.demo["join_code"], "name": f"Writer {i}"},
            timeout=10,
        ).json()["token"]
        for i in range(count // 40 + 1)
    ]
    for i in range(count):
        api(
            server,
            "POST",
            f"/api/boards/{board}/ops",
            writers[i // 40],
            json={
                "op_id": str(uuid.uuid4()),
                "type": "note.create",
                "data": {"lane_id": lanes[i % len(lanes)], "text": f"{WORDS[i % 5]} ({i + 1})"},
            },
        )
    fac = group["facilitator_token"]
    api(
        server,
        "POST",
        f"/api/boards/{board}/ops",
        fac,
        json={"op_id": str(uuid.uuid4()), "type": "timer.start", "data": {"seconds": 600}},
    )
    api(
        server,
        "POST",
        f"/api/boards/{board}/ops",
        fac,
        json={
            "op_id": str(uuid.uuid4()),
            "type": "board.message",
            "data": {"text": "Vote for the three most urgent"},
        },
    )
    return {"board": board, "group": group}


@pytest.mark.parametrize("count", [50, 200])
def test_the_projector_fits_the_screen(live_server, new_context, artifacts, count):
    made = board_with_notes(live_server, count)
    for width, height in ((1280, 720), (1920, 1080)):
        page = new_context(viewport={"width": width, "height": height}).new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
        page.goto(made["group"]["facilitator_url"].replace("http://localhost", live_server.url))
        page.goto(f"{live_server.url}/boards/{made['board']}/projector")
        page.wait_for_function(f"() => document.querySelectorAll('.p-note').length >= {count}")
        page.wait_for_function("() => !!document.querySelector('.projector').dataset.fit")
        page.locator("#projector-timer:not([hidden])").wait_for()
        page.locator("#projector-message:not([hidden])").wait_for()
        fit = page.evaluate("document.querySelector('.projector').dataset.fit")
        # One screen: the page itself never scrolls; lanes keep inside it.
        assert page.evaluate("document.scrollingElement.scrollHeight <= innerHeight + 1"), fit
        # Timer, message and phase stay legible from the back of the room.
        sizes = page.evaluate(
            """() => ['projector-timer', 'projector-message', 'projector-phase'].map(
                 (id) => parseFloat(getComputedStyle(document.getElementById(id)).fontSize))"""
        )
        assert sizes[0] >= 48 and sizes[1] >= 28 and sizes[2] >= 16, sizes
        page.screenshot(path=str(artifacts / f"projector-{count}-notes-{width}x{height}.png"))
        density, _cols, mode = fit.split(":")
        if count == 200:
            assert density in ("compact", "dense")
        if mode == "scroll":
            # A lane that does not fit scrolls by itself.
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.p-lane-notes'))"
                ".some(l => l.scrollTop > 20)",
                timeout=15_000,
            )
        assert errors == []
