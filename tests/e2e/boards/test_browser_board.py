"""The board in a real headless Chromium against the real server: live, offline, keyboard,
phone, accessibility, and untrusted text."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from support.browser import join_board, lane_note, note, serious_violations, wait_live

pytestmark = pytest.mark.e2e
SOON = 15000  # ms: a deadline for a change to show at another page (bench/live.py times it;
# a loaded CI machine took more than 5 s once)


def uid() -> str:
    return uuid.uuid4().hex[:6]


def api_op(server: Any, token: str, board_id: int, op_type: str, **data: Any) -> dict:
    res = requests.post(
        f"{server.url}/api/boards/{board_id}/ops",
        json={"op_id": str(uuid.uuid4()), "type": op_type, "data": data},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.ok, res.text
    return res.json()


def api_board(server: Any, token: str, board_id: int) -> dict:
    res = requests.get(
        f"{server.url}/api/boards/{board_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    res.raise_for_status()
    return res.json()


def add_with_composer(page: Any, text: str) -> None:
    page.click("#add-note")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def test_two_participants_see_each_others_changes_live(live_server, new_context, artifacts):
    a = join_board(new_context(), live_server, "Ana A", organisation="Visayan Forum")
    b = join_board(new_context(), live_server, "Bea B")
    text = f"Shelter mapping {uid()}"

    add_with_composer(a, text)
    lane_note(b, 0, text).wait_for(timeout=SOON)

    a_note = lane_note(a, 0, text)
    a_note.locator("[data-action=edit]").click()
    a.locator(".note-editor textarea").fill(text + " edited")
    a.keyboard.press("Control+Enter")
    lane_note(b, 0, text + " edited").wait_for(timeout=SOON)
    text += " edited"

    lane_note(a, 0, text).focus()
    a.keyboard.press("Shift+ArrowRight")
    lane_note(b, 1, text).wait_for(timeout=SOON)
    assert lane_note(b, 0, text).count() == 0

    lane_note(a, 1, text).locator("[data-action=vote]").click()
    b_note = lane_note(b, 1, text)
    b_note.locator(".note-meta", has_text="1 vote").wait_for(timeout=SOON)
    assert "Votes left: 4 of 5" in a.inner_text("#votes-left")

    # Presence: both are listed; the editor is shown on the note.
    for name in ("Ana A", "Bea B"):  # presence is coalesced: wait for it, with a deadline
        b.locator("#presence", has_text=name).wait_for(timeout=SOON)
    a.screenshot(path=str(artifacts / "board-desktop.png"), full_page=True)

    # Delete asks in the page (no native confirm()), then offers Undo.
    lane_note(a, 1, text).locator("[data-action=delete]").click()
    a.locator("#delete-dialog[open]").wait_for()
    a.screenshot(path=str(artifacts / "board-delete-confirm.png"))
    a.click("#delete-confirm")
    lane_note(b, 1, text).wait_for(state="detached", timeout=SOON)
    a.locator(".toast .toast-action").click()  # Undo: the note comes back for everyone
    lane_note(b, 1, text).wait_for(timeout=SOON)
    # "Undo my last change" takes back the restore: the note goes again.
    a.click("#undo-mine")
    lane_note(b, 1, text).wait_for(state="detached", timeout=SOON)
    # Everything went through: nothing waits in A's queue.
    assert a.get_attribute("#conn", "data-state") == "live"
    assert "waiting" not in a.inner_text("#conn")


def test_presence_shows_who_is_editing_which_note(live_server, new_context):
    a = join_board(new_context(), live_server, "Editor A", group=3)
    b = join_board(new_context(), live_server, "Watcher B", group=3)
    text = f"Worker voice {uid()}"
    add_with_composer(a, text)
    lane_note(b, 0, text).wait_for(timeout=SOON)  # committed: A's page has its real id now
    a.wait_for_function(
        "t => [...document.querySelectorAll('.note')].some(n => n.textContent.includes(t)"
        " && /^\\d+$/.test(n.dataset.id || ''))",
        arg=text,
    )
    lane_note(a, 0, text).locator("[data-action=edit]").click()
    lane_note(b, 0, text).locator(".note-meta", has_text="Editor A editing").wait_for(timeout=SOON)
    a.keyboard.press("Escape")
    lane_note(b, 0, text).locator(".note-meta", has_text="editing").wait_for(
        state="detached", timeout=SOON
    )


@pytest.mark.console_errors(
    r"net::ERR_INTERNET_DISCONNECTED",
    r"net::ERR_FAILED",
    reason="the page goes offline on purpose: its requests fail until it is back",
)
def test_offline_edits_survive_a_reload_and_arrive_once(live_server, new_context):
    a = join_board(new_context(), live_server, "Online A", group=1)
    b_context = new_context()
    b = join_board(b_context, live_server, "Offline B", group=1)
    b.wait_for_selector("html[data-offline-ready=true]")
    texts = [f"Offline idea {i} {uid()}" for i in range(3)]

    b_context.set_offline(True)
    b.wait_for_selector("#conn[data-state=offline]")
    for text in texts:
        add_with_composer(b, text)
    b.wait_for_function("document.querySelector('#conn').textContent.includes('3 edits waiting')")
    for text in texts:
        assert note(a, text).count() == 0

    # Still offline: the service worker serves the page, localStorage keeps the queue.
    assert b.reload().from_service_worker
    b.wait_for_selector("#conn[data-state=offline]")
    for text in texts:
        note(b, text).wait_for()
        assert "pending" in note(b, text).get_attribute("class")
    assert "3 edits waiting" in b.inner_text("#conn")

    b_context.set_offline(False)
    b.wait_for_selector("#conn[data-state=live]", timeout=15_000)
    for text in texts:
        note(a, text).wait_for(timeout=10_000)
    b.wait_for_function("!document.querySelector('#conn').textContent.includes('waiting')")
    # A barrier instead of a pause: ops reach each page in seq order, so once a later note shows
    # on both, a duplicate of the offline ones would already be there too.
    later = f"After the queue {uid()}"
    add_with_composer(a, later)
    for page in (a, b):
        note(page, later).wait_for(timeout=10_000)
    for text in texts:
        assert note(a, text).count() == 1
        assert note(b, text).count() == 1
    order = [n for n in a.locator(".lane").first.locator(".note-text").all_inner_texts()]
    assert [order.index(t) for t in texts] == sorted(order.index(t) for t in texts)


def test_concurrent_edits_open_the_conflict_dialog(live_server, new_context):
    group = live_server.demo["groups"][2]
    a = join_board(new_context(), live_server, "Author A", group=2)
    text = f"Directory of businesses {uid()}"
    add_with_composer(a, text)
    lane_note(a, 0, text).wait_for()
    a.wait_for_function("!document.querySelector('#conn').textContent.includes('waiting')")

    f = new_context().new_page()  # the group's facilitator may edit any note
    f.goto(f"{live_server.url}/facilitate/{group['facilitator_token']}")
    wait_live(f)
    lane_note(f, 0, text).locator("[data-action=edit]").click()
    lane_note(a, 0, text).locator("[data-action=edit]").click()

    a.locator(".note-editor textarea").fill("Version of the author")
    a.keyboard.press("Control+Enter")
    a.wait_for_function("!document.querySelector('#conn').textContent.includes('waiting')")
    f.locator(".note-editor textarea").fill("Version of the facilitator")
    f.keyboard.press("Control+Enter")

    dialog = f.locator("#conflict-dialog")
    dialog.wait_for(state="visible")
    assert f.inner_text("#conflict-mine") == "Version of the facilitator"
    assert f.inner_text("#conflict-theirs") == "Version of the author"
    merged = f.input_value("#conflict-merge")
    assert "Version of the author" in merged and "Version of the facilitator" in merged
    # Closing the page does not lose "your text": the reload asks again (issue 16).
    f.reload()
    dialog.wait_for(state="visible")
    assert f.inner_text("#conflict-mine") == "Version of the facilitator"
    assert f.input_value("#conflict-merge") == merged
    f.click("#conflict-dialog [data-choice=merge]")
    assert f.evaluate("Object.keys(localStorage).filter(k => k.endsWith(':conflicts'))") == []
    # Nothing is lost: both texts end up in the note, at both ends.
    note(a, merged).wait_for(timeout=5000)
    note(f, merged).wait_for(timeout=5000)


def test_keyboard_only_add_and_move_to_the_next_lane(live_server, new_context):
    page = join_board(new_context(), live_server, "Keys K", group=4)
    text = f"Keyboard note {uid()}"
    page.locator("body").press("n")  # no mouse from here on
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    focused = page.evaluate("document.activeElement.querySelector('.note-text').textContent")
    assert focused == text
    page.keyboard.press("Shift+ArrowRight")
    lane_note(page, 1, text).wait_for()
    assert page.evaluate("document.activeElement.querySelector('.note-text').textContent") == text
    # And with the menu: M, then the first choice is the next lane.
    page.keyboard.press("m")
    page.locator("#move-dialog").wait_for(state="visible")
    page.keyboard.press("Enter")
    lane_note(page, 2, text).wait_for()
    page.wait_for_function("!document.querySelector('#conn').textContent.includes('waiting')")

    token = live_server.demo["organiser_token"]
    board = api_board(live_server, token, live_server.board_id(4))
    lanes = [lane["id"] for lane in board["lanes"]]
    saved = [n for n in board["notes"] if n["text"] == text]
    assert len(saved) == 1 and saved[0]["lane_id"] == lanes[2]


def test_phone_join_and_add_a_note(live_server, new_context, artifacts):
    page = new_context(phone=True).new_page()
    page.goto(live_server.url + "/")
    page.fill("#code", live_server.demo["join_code"].lower())
    page.tap("main button[type=submit]")
    page.fill("#name", "Phone P")
    page.tap("form.stack button[type=submit]")
    page.tap(f"a[href='/boards/{live_server.board_id(1)}']")
    wait_live(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    visible_lanes = page.locator(".lane:visible")
    assert visible_lanes.count() == 1  # one lane at a time on a phone
    page.locator(".lane-tab").nth(1).tap()
    assert page.locator(".lane:visible .lane-title").inner_text() == "Next"
    text = f"From my phone {uid()}"
    page.tap("#add-note")
    page.keyboard.type(text)
    page.locator(".composer button[type=submit]").tap()
    lane_note(page, 1, text).wait_for()
    page.wait_for_function("!document.querySelector('#conn').textContent.includes('waiting')")
    assert "pending" not in lane_note(page, 1, text).get_attribute("class")
    page.locator(".composer button[type=button]").tap()  # Done
    box = page.locator("#add-note").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "board-phone.png"))
    page.screenshot(path=str(artifacts / "board-phone-full.png"), full_page=True)


def test_accessibility_scan(live_server, new_context):
    context = new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/join/{live_server.demo['join_code']}")
    assert serious_violations(page) == []
    page.fill("#name", "Axe A")
    page.click("form.stack button[type=submit]")
    assert serious_violations(page) == []  # the group picker
    page.click(f"a[href='/boards/{live_server.board_id(0)}']")
    wait_live(page)
    page.wait_for_selector(".note")
    assert serious_violations(page) == []
    page.click("#help-button")
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    page.goto(f"{live_server.url}/boards/{live_server.board_id(0)}/list")
    wait_live(page)
    page.wait_for_selector(".note")
    assert page.locator("h2.lane-title").count() == 3
    assert serious_violations(page) == []


def test_list_view_announces_changes_politely(live_server, new_context):
    page = new_context().new_page()
    join_board(page.context, live_server, "Listener L", group=2)
    page.goto(f"{live_server.url}/boards/{live_server.board_id(2)}/list")
    page.bring_to_front()  # join_board opened another tab: a hidden tab draws only once a second
    wait_live(page)
    other = live_server.join("Speaker S")
    board = api_board(live_server, other["token"], live_server.board_id(2))
    text = f"Announced note {uid()}"
    lane_id = board["lanes"][1]["id"]
    api_op(live_server, other["token"], board["id"], "note.create", lane_id=lane_id, text=text)
    note(page, text).wait_for(timeout=SOON)
    assert page.get_attribute("#announcer", "aria-live") == "polite"
    page.wait_for_function(
        "t => document.querySelector('#announcer').textContent.includes(t)", arg=text
    )
    assert "Speaker S" in page.inner_text("#announcer")


def test_note_text_is_shown_as_text_and_never_run(live_server, new_context):
    page = new_context().new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    join_board(page.context, live_server, "Safe S", group=3)
    page.goto(f"{live_server.url}/boards/{live_server.board_id(3)}")
    page.bring_to_front()
    wait_live(page)
    evil = "<img src=x onerror=alert(1)>"
    add_with_composer(page, evil)  # mine, through the page
    other = live_server.join("<b>Mallory</b>")
    board = api_board(live_server, other["token"], live_server.board_id(3))
    sneaky = "<script>window.pwned=1</script><img src=y onerror='window.pwned=2'>"
    lane_id = board["lanes"][0]["id"]
    api_op(live_server, other["token"], board["id"], "note.create", lane_id=lane_id, text=sneaky)
    note(page, evil).wait_for()
    note(page, sneaky).wait_for()
    after = f"Rendered after the others {uid()}"  # a barrier: notes render in seq order
    api_op(live_server, other["token"], board["id"], "note.create", lane_id=lane_id, text=after)
    note(page, after).wait_for()
    assert page.locator(".lanes img").count() == 0
    assert page.locator(".lanes script").count() == 0
    assert page.evaluate("window.pwned") is None
    assert dialogs == []
    assert "<b>Mallory</b>" in page.inner_text(".lanes")


def test_first_load_of_a_board_is_under_500_kb(live_server, new_context):
    context = new_context()
    join_board(context, live_server, "Weigh W")  # signs in; the board is now in its caches
    fresh = new_context(storage_state=context.storage_state(), service_workers="block")
    page = fresh.new_page()
    responses: list[Any] = []
    page.on("requestfinished", lambda r: responses.append(r))
    page.goto(f"{live_server.url}/boards/{live_server.board_id(0)}")
    wait_live(page)
    page.wait_for_load_state("networkidle")
    total = 0
    for request in responses:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    hosts = {r.url.split("/")[2] for r in responses}
    print(f"first load of a board: {total / 1024:.0f} KB in {len(responses)} requests")
    assert hosts == {live_server.url.split("/")[2]}  # nothing from the internet
    assert total < 500 * 1024


def test_a_batch_of_ops_applies_like_single_ops_in_seq_order(live_server, new_context):
    """The server may broadcast `ops` {ops: [msg …]} (each msg what `op` carries): the client
    applies them in seq order and skips a duplicate (gaps: tests/js/store.test.mjs)."""
    page = join_board(new_context(), live_server, "Batch B", group=2)
    wait_live(page)
    tag = uid()
    seq = page.evaluate(
        """(tag) => {
          const RB = window.RoadmapBoard;
          const base = RB.state.seq;
          const lane = RB.state.board.lanes[0].id;
          const msg = (n, text) => ({
            board_id: RB.config.boardId, seq: base + n, type: 'note.create', op_id: 'b' + tag + n,
            actor: { id: -1, name: 'Server' }, at: new Date().toISOString(),
            result: { note: {
              id: 990000000 + n, lane_id: lane, kind: 'signpost', text: text + ' ' + tag,
              position: 'zz' + n, version: 1, votes: 0, author: null, anonymous: true } },
          });
          const handler = RB.socket.listeners('ops')[0];
          handler({ ops: [msg(2, 'second'), msg(1, 'first'), msg(1, 'first again')] });
          return { applied: RB.state.seq - base, ahead: RB.state.ahead.size };
        }""",
        tag,
    )
    assert seq == {"applied": 2, "ahead": 0}
    lane_note(page, 0, f"first {tag}").wait_for()
    lane_note(page, 0, f"second {tag}").wait_for()
    assert page.locator(".note", has_text=f"first again {tag}").count() == 0
    texts = page.locator("#lanes .lane").first.locator(".note-text").all_inner_texts()
    mine = [t for t in texts if tag in t]
    assert mine[:2] == [f"first {tag}", f"second {tag}"]
