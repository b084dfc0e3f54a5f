"""Do No Harm in a real headless Chromium against the real server: anonymous moves announced
without a name, redaction reaching another participant's board and offline store, a shared
phone's queue and "Leave this board"."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests
from support.browser import join_board, note, wait_live

pytestmark = pytest.mark.e2e


def uid() -> str:
    return uuid.uuid4().hex[:6]


def api(server: Any, token: str, method: str, path: str, **kwargs: Any) -> dict:
    res = requests.request(
        method,
        server.url + path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kwargs,
    )
    assert res.ok, res.text
    return res.json()


def op(server: Any, token: str, board: int, op_type: str, **data: Any) -> dict:
    body = {"op_id": str(uuid.uuid4()), "type": op_type, "data": data}
    return api(server, token, "POST", f"/api/boards/{board}/ops", json=body)


def stored(page: Any) -> str:
    """Everything the page keeps in localStorage, as one string."""
    return page.evaluate(
        "() => Object.keys(localStorage).map(k => k + '=' + localStorage.getItem(k)).join('\\n')"
    )


def test_an_anonymous_move_is_announced_without_a_name_in_the_list_view(live_server, new_context):
    board = live_server.board_id(2)
    page = new_context().new_page()
    join_board(page.context, live_server, "Listener Q", group=2)
    page.goto(f"{live_server.url}/boards/{board}/list")
    page.bring_to_front()
    wait_live(page)
    secret = f"Secret-Name-{uid()}"
    author = live_server.join(secret)
    lanes = api(live_server, author["token"], "GET", f"/api/boards/{board}")["lanes"]
    text = f"Anonymous idea {uid()}"
    created = op(
        live_server,
        author["token"],
        board,
        "note.create",
        lane_id=lanes[0]["id"],
        text=text,
        anonymous=True,
    )
    note(page, text).wait_for()
    op(
        live_server,
        author["token"],
        board,
        "note.move",
        note_id=created["result"]["note"]["id"],
        lane_id=lanes[1]["id"],
    )
    page.wait_for_function(
        "lane => document.querySelector('#announcer').textContent.includes(lane)",
        arg=lanes[1]["title"],
    )
    announced = page.inner_text("#announcer")
    assert "Anonymous" in announced or "Anonyme" in announced
    assert secret not in announced and secret not in page.content()


def test_a_redacted_note_leaves_another_participants_board_and_offline_store(
    live_server, new_context
):
    board = live_server.board_id(3)
    page = join_board(new_context(), live_server, "Reader R", group=3)
    writer = live_server.join("Writer W")
    lane = api(live_server, writer["token"], "GET", f"/api/boards/{board}")["lanes"][0]["id"]
    text = f"Call Mai on 081 234 {uid()}"
    created = op(live_server, writer["token"], board, "note.create", lane_id=lane, text=text)
    note(page, text).wait_for()
    page.wait_for_function("t => Object.values(localStorage).some(v => v.includes(t))", arg=text)
    facilitator = live_server.demo["groups"][3]["facilitator_token"]
    refused = requests.post(
        f"{live_server.url}/api/boards/{board}/ops",
        json={
            "op_id": str(uuid.uuid4()),
            "type": "note.redact",
            "data": {"note_id": created["result"]["note"]["id"]},
        },
        headers={"Authorization": f"Bearer {writer['token']}"},
        timeout=10,
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    op(live_server, facilitator, board, "note.redact", note_id=created["result"]["note"]["id"])
    note(page, text).wait_for(state="detached")
    page.wait_for_function("t => !Object.values(localStorage).some(v => v.includes(t))", arg=text)
    assert text not in stored(page)
    page.reload()  # and it does not come back from the offline copy or the catch-up
    wait_live(page)
    assert note(page, text).count() == 0 and text not in stored(page)


@pytest.mark.console_errors(
    r"status of 401", reason="after leaving, the test opens the board again: signed out, refused"
)
def test_a_shared_phone_keeps_queues_apart_and_leaving_clears_the_device(live_server, new_context):
    board = live_server.board_id(4)
    context = new_context()
    first = join_board(context, live_server, "First F", group=4)
    me = first.evaluate("() => Number(document.getElementById('main').dataset.me)")
    # Another identity's queued edit (written offline on this phone) and an unowned old one.
    foreign = {
        "op_id": str(uuid.uuid4()),
        "type": "note.create",
        "data": {"lane_id": 1, "text": "Someone else's draft"},
        "at": 0,
        "who": me + 1000,
    }
    first.evaluate(
        """([board, me, foreign]) => {
          const key = `roadmap:board:${board}:queue`, ops = JSON.stringify([foreign]);
          localStorage.setItem(`${key}:${me + 1000}`, ops);  // the other identity's queue
          localStorage.setItem(key, ops);  // from before queues had an owner
          localStorage.setItem(`${key}:${me}`, ops);  // mislabelled: its ops are not mine
        }""",
        [board, me, foreign],
    )
    first.reload()
    wait_live(first)
    first.wait_for_selector(".toast")  # the unowned one was dropped, with a notice
    assert note(first, "Someone else's draft").count() == 0
    other_queue = first.evaluate(
        "k => localStorage.getItem(k)", f"roadmap:board:{board}:queue:{me + 1000}"
    )
    assert json.loads(other_queue)[0]["op_id"] == foreign["op_id"]  # kept apart, not sent
    server = api(live_server, live_server.demo["organiser_token"], "GET", f"/api/boards/{board}")
    assert "Someone else's draft" not in json.dumps(server)
    first.click("#leave-form button")
    first.wait_for_url(f"**/join/{live_server.demo['join_code']}")
    assert stored(first) == ""
    first.goto(f"{live_server.url}/boards/{board}")
    assert "data-me" not in first.content()


def test_a_facilitator_sees_the_warning_badge_filters_and_redacts(live_server, new_context):
    board = live_server.board_id(1)
    page = new_context().new_page()
    page.goto(f"{live_server.url}/facilitate/{live_server.demo['groups'][1]['facilitator_token']}")
    wait_live(page)
    writer = live_server.join("Writer V")
    lane = api(live_server, writer["token"], "GET", f"/api/boards/{board}")["lanes"][0]["id"]
    risky = f"LINE id: mai{uid()}"
    calm = f"Train inspectors {uid()}"
    for text in (risky, calm):
        op(live_server, writer["token"], board, "note.create", lane_id=lane, text=text)
    note(page, calm).wait_for()
    note(page, risky).locator(".dnh-badge").wait_for()
    assert note(page, calm).locator(".dnh-badge").count() == 0
    page.check(".dnh-filter")
    note(page, calm).wait_for(state="hidden")
    # A presence change redraws the cards: the flagged one must stay shown under the filter.
    join_board(new_context(), live_server, "Newcomer N", group=1)
    page.wait_for_function(
        "() => document.querySelector('#presence').textContent.includes('Newcomer N')"
    )
    note(page, risky).wait_for(state="visible")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".dnh-item", has_text=risky).locator(".dnh-redact").click()
    note(page, risky).wait_for(state="detached")
    server = api(live_server, live_server.demo["organiser_token"], "GET", f"/api/boards/{board}")
    assert risky not in json.dumps(server)


@pytest.mark.console_errors(
    r"net::ERR_INTERNET_DISCONNECTED", reason="the page is offline while Alice writes"
)
def test_an_offline_edit_is_never_sent_under_the_next_identity_on_the_device(
    live_server, new_context
):
    """Alice writes offline; Bob signs in on the same browser; Alice's page comes back online
    under Bob's cookie: the server says who the socket is, and her page sends nothing as him."""
    board = live_server.board_id(3)
    context = new_context()
    alice = join_board(context, live_server, "Alice A", group=3)
    me = alice.evaluate("() => Number(document.getElementById('main').dataset.me)")
    context.set_offline(True)
    alice.wait_for_selector("#conn[data-state=offline]")
    text = f"Alice offline {uid()}"
    alice.click("#add-note")
    alice.keyboard.type(text)
    alice.keyboard.press("Enter")
    alice.wait_for_function(
        "k => (localStorage.getItem(k) || '').length > 2", arg=f"roadmap:board:{board}:queue:{me}"
    )
    bob = join_board(new_context(), live_server, "Bob B", group=3)  # signs in: the cookie is his
    context.add_cookies(bob.context.cookies())
    context.set_offline(False)
    alice.wait_for_function("() => document.querySelector('#conn').dataset.state === 'error'")
    assert "signed in on this device" in alice.locator(".toast").last.inner_text()
    server = api(live_server, live_server.demo["organiser_token"], "GET", f"/api/boards/{board}")
    assert text not in json.dumps(server)  # not sent as Bob (nor as anyone)
    queue = alice.evaluate("k => localStorage.getItem(k)", f"roadmap:board:{board}:queue:{me}")
    assert text in queue  # kept for Alice, sent if she signs in again
