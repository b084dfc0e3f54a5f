"""Real Chromium against the live server: clusters drawn as cards, the inclusion panel, the
Do No Harm check before sending, and the phone's first screen."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from support.browser import api, join_board, note, serious_violations

pytestmark = pytest.mark.e2e
SOON = 2000  # ms


def op(server: Any, token: str, board_id: int, op_type: str, **data: Any) -> dict[str, Any]:
    body = {"op_id": str(uuid.uuid4()), "type": op_type, "data": data}
    return api(server, "POST", f"/api/boards/{board_id}/ops", token, json=body)


@pytest.fixture
def group(live_server) -> dict[str, Any]:
    """A fresh group, so the counts start at zero and other tests are not disturbed."""
    return api(
        live_server,
        "POST",
        f"/api/events/{live_server.demo['event_id']}/groups",
        live_server.demo["organiser_token"],
        json={
            "name": f"Inclusion {uuid.uuid4().hex[:6]}",
            "template": "challenges-signposts-commitments",
        },
    )


def open_board(context: Any, server: Any, name: str, board_id: int) -> Any:
    page = context.new_page()
    page.goto(f"{server.url}/join/{server.demo['join_code']}")
    page.fill("#name", name)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{server.url}/boards/{board_id}")
    page.wait_for_selector("#conn[data-state=live]")
    return page


def loose(page: Any, text: str) -> Any:
    """A note with this text drawn directly in a lane (not inside a cluster)."""
    return page.locator(".note-list > .note").filter(
        has=page.locator(":scope > .note-text", has_text=re.compile("^" + re.escape(text) + "$"))
    )


def inclusion_button(page: Any, key: str) -> Any:
    return page.locator(f".inclusion-group[data-group={key}]")


def test_clusters_show_nested_live_and_unmerge_restores_them(
    live_server, new_context, group, artifacts
):
    board_id = group["group"]["board_id"]
    fac = new_context().new_page()
    fac.goto(group["facilitator_url"].replace("http://localhost", live_server.url))
    fac.wait_for_selector("#facilitator-panel:not([hidden])")
    ana = open_board(new_context(), live_server, "Ana Cluster", board_id)
    writer = live_server.join("Writer W")
    lane_id = api(live_server, "GET", f"/api/boards/{board_id}", writer["token"])["lanes"][0]["id"]
    texts = ["Hotline in every language", "Interpreters for the hotline"]
    ids = []
    for text in texts:
        made = op(live_server, writer["token"], board_id, "note.create", lane_id=lane_id, text=text)
        ids.append(made["result"]["note"]["id"])
    op(live_server, writer["token"], board_id, "vote.add", note_id=ids[0])
    for text in texts:
        loose(ana, text).wait_for(timeout=SOON)

    # The facilitator merges them from the panel (its "Cluster duplicates" section).
    fac.click("details[data-section=cluster] > summary")
    for note_id in ids:
        fac.check(f"#fac-pick-{note_id}")
    fac.locator(".fac-section", has_text="Cluster duplicates").locator("input:not([type])").fill(
        "One multilingual hotline"
    )
    fac.click("text=Merge the selected notes")

    card = ana.locator(".cluster-card", has_text="One multilingual hotline")
    card.wait_for(timeout=SOON)
    for text in texts:
        card.locator(".cluster-members .note", has_text=text).wait_for(timeout=SOON)
        assert loose(ana, text).count() == 0  # no longer loose in the lane
    meta = card.locator(":scope > .note-meta").inner_text()
    assert "2 notes inside" in meta and "1 vote" in meta
    assert card.locator(".note-kind").first.text_content().endswith("Cluster")
    assert ana.locator(".cluster-unmerge:visible").count() == 0  # staff only
    ana.locator(".kind-filter[data-kind=cluster]").wait_for()
    card.screenshot(path=str(artifacts / "board-cluster.png"))

    # Keyboard: Enter on the card folds and unfolds it.
    card.focus()
    ana.keyboard.press("Enter")
    assert card.locator(".cluster-members").is_hidden()
    assert card.locator(".cluster-toggle").get_attribute("aria-expanded") == "false"
    ana.keyboard.press("Enter")
    card.locator(".cluster-members").wait_for()
    assert serious_violations(ana) == []

    # The list view nests them too.
    listed = new_context().new_page()
    listed.context.add_cookies(ana.context.cookies())
    listed.goto(f"{live_server.url}/boards/{board_id}/list")
    listed.locator(".cluster-card .cluster-members .note", has_text=texts[1]).wait_for()

    # Un-merge from the card (staff): both come back loose, everywhere.
    fac_card = fac.locator(".cluster-card", has_text="One multilingual hotline")
    fac_card.locator(".cluster-unmerge").click()
    for page in (ana, fac):
        for text in texts:
            loose(page, text).wait_for(timeout=SOON)
        page.locator(".cluster-card").wait_for(state="detached", timeout=SOON)


def test_inclusion_panel_counts_live_and_filters(live_server, new_context, group, artifacts):
    board_id = group["group"]["board_id"]
    ana = open_board(new_context(), live_server, "Ana Inclusion", board_id)
    panel = ana.locator("#inclusion")
    panel.wait_for()
    # Folded to one line by default on a desktop (issue 16): open it.
    ana.locator(".inclusion-toggle[aria-expanded=false]").click()
    assert ana.locator(".inclusion-group").count() == 6
    men = inclusion_button(ana, "men_boys")
    assert "not yet considered" in men.inner_text()
    assert "missing" in men.get_attribute("class")
    assert "0 of 6 groups" in ana.inner_text("#inclusion-summary")

    ben = live_server.join("Ben Inclusion")
    lane_id = api(live_server, "GET", f"/api/boards/{board_id}", ben["token"])["lanes"][1]["id"]
    op(live_server, ben["token"], board_id, "note.create", lane_id=lane_id, text="Legal aid desks")
    op(
        live_server,
        ben["token"],
        board_id,
        "note.create",
        lane_id=lane_id,
        text="Shelters for men and boys",
    )
    men.locator(".inclusion-count", has_text="1 note").wait_for(timeout=SOON)
    assert "missing" not in men.get_attribute("class")
    assert "1 of 6 groups" in ana.inner_text("#inclusion-summary")

    # A tag from the composer counts as well as keywords.
    ana.click("#add-note")
    ana.keyboard.type("Accessible courtrooms")
    ana.locator(".composer .tag-picker summary").click()
    ana.check(".composer .tag-picker input[value='inclusion:disability']")
    ana.locator(".composer button[type=submit]").click()
    inclusion_button(ana, "disability").locator(".inclusion-count", has_text="1 note").wait_for()
    note(ana, "Accessible courtrooms").locator(
        ".note-tags", has_text="People with disability"
    ).wait_for()
    ana.locator(".composer button[type=button]").click()  # Done
    ana.screenshot(path=str(artifacts / "board-inclusion.png"), full_page=True)

    # Enter on a group filters the board to its notes; again shows everything.
    men.focus()
    ana.keyboard.press("Enter")
    assert men.get_attribute("aria-pressed") == "true"
    note(ana, "Legal aid desks").wait_for(state="detached")
    assert note(ana, "Shelters for men and boys").is_visible()
    assert "Men and boys" in ana.inner_text("#filter-status")
    ana.click("#filter-clear")
    note(ana, "Legal aid desks").wait_for()
    saved = api(live_server, "GET", f"/api/boards/{board_id}", ben["token"])
    tagged = [n for n in saved["notes"] if n["text"] == "Accessible courtrooms"]
    assert tagged and tagged[0]["tags"] == ["inclusion:disability"]


def test_personal_data_asks_before_sending(live_server, new_context, group):
    board_id = group["group"]["board_id"]
    ana = open_board(new_context(), live_server, "Ana Safety", board_id)
    reminder = "Don't write names or details that could identify a survivor"
    ana.click("#add-note")
    assert reminder in ana.inner_text(".composer .dnh-reminder")
    text = "call me on +66 81 234 5678"
    ana.keyboard.type(text)
    ana.keyboard.press("Enter")
    dialog = ana.locator("#safety-dialog")
    dialog.wait_for(state="visible")
    assert "A phone number" in dialog.inner_text() and "+66 81 234 5678" in dialog.inner_text()
    ana.click("#safety-edit")  # back to the text, nothing sent
    dialog.wait_for(state="hidden")
    assert ana.input_value(".composer textarea") == text
    ana.wait_for_timeout(300)
    assert note(ana, text).count() == 0
    viewer = live_server.join("Viewer V")
    board = api(live_server, "GET", f"/api/boards/{board_id}", viewer["token"])
    assert not [n for n in board["notes"] if n["text"] == text]

    ana.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    ana.click("#safety-send")
    note(ana, text).wait_for()
    ana.wait_for_function("!document.querySelector('#conn').textContent.includes('waiting')")
    board = api(live_server, "GET", f"/api/boards/{board_id}", viewer["token"])
    assert len([n for n in board["notes"] if n["text"] == text]) == 1
    # An ordinary note goes straight through.
    ana.keyboard.type("Train 300 judges by 2027")
    ana.keyboard.press("Enter")
    note(ana, "Train 300 judges by 2027").wait_for()
    assert dialog.is_hidden()
    # The editor carries the reminder too, and asks the same way.
    ana.keyboard.press("Escape")
    note(ana, text).locator("[data-action=edit]").click()
    assert reminder in ana.inner_text(".note-editor .dnh-reminder")


def test_phone_first_screen_shows_the_lane_tabs(live_server, new_context, artifacts):
    page = join_board(new_context(phone=True), live_server, "Phone Options", group=0)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "board-phone-360.png"))
    height = 740
    tabs = page.locator("#lane-tabs").bounding_box()
    assert tabs["y"] + tabs["height"] <= height
    first_note = page.locator(".lane:visible .note").first.bounding_box()
    assert first_note["y"] < height - 100  # notes start on the first screen
    assert page.locator("#board-options").is_hidden()
    assert page.locator("#lang-select").is_hidden()
    toggle = page.locator("#options-toggle")
    assert toggle.bounding_box()["height"] >= 44
    assert "Inclusion" in toggle.inner_text()
    toggle.tap()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.locator("#inclusion").wait_for()
    page.locator("#lang-select-options").wait_for()
    for target in page.locator(".inclusion-group, .kind-filter").all():
        box = target.bounding_box()
        assert box["height"] >= 44, target.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "board-phone-options.png"), full_page=True)
    assert serious_violations(page) == []
