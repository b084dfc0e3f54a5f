"""Follow-up end to end: a real gunicorn+gevent server, real websockets and Chromium.

An owner's update through the private link appears live on the board (a websocket peer and the
facilitator's browser) and on the organiser's dashboard; the owner's page at 360 px is axe clean.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from support.browser import api, serious_violations
from support.peers import wait_for
from support.server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def group(live_server) -> dict[str, Any]:
    name = f"Follow-up group {uuid.uuid4().hex[:6]}"
    return api(
        live_server,
        "POST",
        f"/api/events/{live_server.demo['event_id']}/groups",
        live_server.demo["organiser_token"],
        json={"name": name, "template": "challenges-signposts-commitments"},
    )


def make_commitment(server, group: dict[str, Any], text: str) -> tuple[dict, dict]:
    board_id = group["group"]["board_id"]
    fac = group["facilitator_token"]
    lanes = api(server, "GET", f"/api/boards/{board_id}", fac)["lanes"]
    signposts = next(lane["id"] for lane in lanes if lane["key"] == "signposts")

    def op(op_type: str, **data: Any) -> dict[str, Any]:
        body = {"op_id": str(uuid.uuid4()), "type": op_type, "data": data}
        return api(server, "POST", f"/api/boards/{board_id}/ops", fac, json=body)["result"]

    source = op("note.create", lane_id=signposts, text=text)["note"]
    note = op(
        "commitment.set",
        note_id=source["id"],
        owner_name="Somchai",
        owner_org="Freedom Business Alliance",
        due_date="2027-06-30",
        indicator="Businesses listed",
        partners="ILO",
    )["note"]
    return note, source


def test_an_owner_update_is_live_on_the_board_and_the_dashboard(
    live_server, peers, group, new_context
):
    board_id = group["group"]["board_id"]
    note, _source = make_commitment(live_server, group, "Publish a directory of freedom businesses")
    made = api(
        live_server,
        "POST",
        f"/api/commitments/{note['id']}/follow-up-link",
        group["facilitator_token"],
        json={},
    )
    link = made["url"].replace("http://localhost", live_server.url)
    token = link.rsplit("/", 1)[1]
    peer = peers("Watcher")
    peer.join(board_id)
    dashboard = new_context().new_page()
    dashboard.goto(f"{live_server.url}/organise/{live_server.demo['organiser_token']}")
    tile = dashboard.locator(f'.tile[data-board-id="{board_id}"]')
    tile.wait_for()
    dashboard.wait_for_selector('#conn[data-state="online"]')
    res = requests.post(
        f"{live_server.url}/api/follow-up/{token}",
        json={"status": "in_progress", "note": "Twelve businesses listed", "value": 12},
        timeout=10,
    )
    assert res.status_code == 201, res.text
    seq = res.json()["seq"]

    def seen() -> dict[str, Any] | None:
        for message in peer.received:
            if message["seq"] == seq and message["type"] == "commitment.status":
                return message
        return None

    assert wait_for(lambda: seen() is not None), peer.received
    got = seen()["result"]["note"]["commitment"]
    assert got["status"] == "in_progress" and got["status_value"] == 12
    tile.locator(".tile-update", has_text="In progress").wait_for()
    assert "Publish a directory" in tile.locator(".tile-update").inner_text()


def test_the_owner_page_on_a_phone_and_the_link_on_the_card(
    live_server, group, new_context, artifacts
):
    note, source = make_commitment(live_server, group, "Train hotel staff to spot trafficking")
    # The facilitator makes the link from the commitment's card.
    fac = new_context().new_page()
    fac.goto(group["facilitator_url"].replace("http://localhost", live_server.url))
    fac.wait_for_selector('#conn[data-state="live"]')
    card = fac.locator(f'.note[data-id="{note["id"]}"]')
    card.locator(".fu-card-facts", has_text="Freedom Business Alliance").wait_for()
    assert "Train hotel staff" in card.locator(".fu-card-facts").inner_text()  # from: …
    origin = fac.locator(f'.note[data-id="{source["id"]}"]')
    origin.locator(".fu-turned").wait_for()
    card.locator('[data-fu="owner-link"]').click()
    card.locator('[data-fu="create-link"]').click()
    url_box = card.locator('[data-fu="url"]')
    url_box.wait_for()
    assert card.locator("img.fu-card-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    link = url_box.input_value().replace("http://localhost", live_server.url)
    # The owner opens it on a phone: no account.
    phone = new_context(phone=True).new_page()
    phone.goto(link)
    phone.get_by_text("Train hotel staff to spot trafficking").first.wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(phone) == []
    phone.check("#status-done")
    phone.fill("#fu-note", "Forty staff trained in two hotels")
    phone.fill("#fu-value", "40")
    phone.click("#fu-form button[type=submit]")
    phone.get_by_role("status").filter(has_text="Thank you").wait_for()
    phone.locator(".fu-history", has_text="Forty staff trained").wait_for()
    assert serious_violations(phone) == []
    phone.screenshot(path=str(artifacts / "follow-up-owner-360.png"), full_page=True)
    # The facilitator's board follows live.
    card.locator(".fu-card-facts", has_text="Done").wait_for()
    # Staff record progress from the card too: another history row.
    card.locator('[data-fu="status"]').select_option("blocked")
    card.locator('[data-fu="status-note"]').fill("Hotel closed for the season")
    card.locator('[data-fu="record"]').click()
    card.locator(".fu-card-facts", has_text="Blocked").wait_for()
    phone.reload()
    phone.locator(".fu-history", has_text="Hotel closed for the season").wait_for()
    # A withdrawn link is a 404.
    fac.once("dialog", lambda d: d.accept())
    card.locator('[data-fu="revoke-link"]').click()
    card.get_by_text("The link no longer works.").wait_for()
    assert requests.get(link, timeout=10).status_code == 404


def test_the_server_sends_the_owner_their_link_in_the_background(tmp_path, smtp):
    inbox, port = smtp
    env = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "ROADMAP_MAIL_INTERVAL_SECONDS": "0.5",
    }
    server = LiveServer(tmp_path, env=env).start()
    try:
        group = {
            "group": {"board_id": server.board_id(2)},
            "facilitator_token": server.demo["groups"][2]["facilitator_token"],
        }
        note, _ = make_commitment(server, group, "Shelter training in three provinces")
        made = api(
            server,
            "POST",
            f"/api/commitments/{note['id']}/follow-up-link",
            group["facilitator_token"],
            json={"email": "somchai@example.org"},
        )
        assert wait_for(lambda: len(inbox.all()) == 1, timeout=20), server.log.read_text()[-2000:]
        [message] = inbox.all()
        assert message["To"] == "somchai@example.org"
        assert made["url"].split("/follow-up/")[1] in message.get_content()
        # Sent once: the loop keeps running and sends nothing more.
        api(
            server,
            "GET",
            f"/api/commitments/{note['id']}/follow-up-link",
            group["facilitator_token"],
        )
        assert not wait_for(lambda: len(inbox.all()) > 1, timeout=2)
    finally:
        server.stop()


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own: synergies rank every note of the event, and the shared
    server holds the notes of every earlier test (the expected pair was crowded out)."""
    server = LiveServer(tmp_path).start()
    yield server
    server.stop()


def test_the_organiser_tracks_and_introduces_partners(own_server, new_context, artifacts):
    live_server = own_server
    groups = []
    for _ in range(2):
        groups.append(
            api(
                live_server,
                "POST",
                f"/api/events/{live_server.demo['event_id']}/groups",
                live_server.demo["organiser_token"],
                json={
                    "name": f"Partners {uuid.uuid4().hex[:6]}",
                    "template": "challenges-signposts-commitments",
                },
            )
        )
    english, _ = make_commitment(
        live_server, groups[0], "Hotline for migrant fishers in Thai and Burmese"
    )
    thai, _ = make_commitment(live_server, groups[1], "สายด่วนสำหรับแรงงานประมงข้ามชาติ")
    page = new_context().new_page()
    page.goto(f"{live_server.url}/organise/{live_server.demo['organiser_token']}")
    page.wait_for_selector(".tile")
    page.click("nav.event-nav >> text=Action tracker")
    page.wait_for_selector("#tracker")
    assert page.locator(f'#tracker tr[data-id="{english["id"]}"]').count() == 1
    assert serious_violations(page) == []
    pair = page.locator(f'.syn-pair[data-items="{english["id"]},{thai["id"]}"]')
    pair.wait_for()
    assert "hotline" in pair.locator(".syn-why").inner_text()
    pair.locator('[data-syn="introduce"]').click()
    pair.locator('[data-syn="introduce"]', has_text="Introduced").wait_for()
    page.screenshot(path=str(artifacts / "follow-up-tracker.png"), full_page=True)
    # The facilitator of the first group sees the partner on the commitment's card, live.
    fac = new_context().new_page()
    fac.goto(groups[0]["facilitator_url"].replace("http://localhost", live_server.url))
    card = fac.locator(f'.note[data-id="{english["id"]}"]')
    card.locator(".fu-card-facts", has_text="สายด่วน").wait_for()
    # Filters: only the first group's rows, and the CSV link carries the same filter.
    page.select_option("#f-group", str(groups[0]["group"]["id"]))
    page.click("#tracker-filters button[type=submit]")
    page.wait_for_url(f"**group_id={groups[0]['group']['id']}**")
    assert page.locator("#tracker tbody tr").count() == 1
    href = page.locator("#export-csv").get_attribute("href")
    assert f"group_id={groups[0]['group']['id']}" in href
