"""Notes translated by the room (issue 15), end to end: real server, real websockets, Chromium,
and the board PDF read back with pdftotext."""

from __future__ import annotations

import subprocess
import uuid
from typing import Any

import pytest
import requests
from support.peers import lanes_of, server_board, wait_for

pytestmark = pytest.mark.e2e
SOON = 5000  # ms: a loaded 2-core machine; the check polls, it does not wait this long


def uid() -> str:
    return uuid.uuid4().hex[:6]


def board_pdf_text(server: Any, board: int, group: int) -> str:
    token = server.demo["groups"][group]["facilitator_token"]
    res = requests.get(
        f"{server.url}/api/boards/{board}/report.pdf?lang=en",
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    assert res.status_code == 200, res.text[:300]
    out = subprocess.run(
        ["pdftotext", "-", "-"], input=res.content, capture_output=True, check=True, timeout=60
    )
    return " ".join(out.stdout.decode("utf-8").split())


def test_note_translate_end_to_end_over_a_real_websocket(live_server, peers):
    board = live_server.board_id(3)
    lane = lanes_of(live_server, board)[0]
    ana, bao = peers("Ana"), peers("Bao")
    ana.join(board)
    bao.join(board)
    text = f"Train border officials {uid()}"
    made = ana.send(board, "note.create", lane_id=lane, text=text)
    assert made["ok"], made
    note_id = made["result"]["note"]["id"]
    vi = f"Đào tạo cán bộ biên phòng {uid()}"
    done = bao.send(board, "note.translate", note_id=note_id, lang="vi", text=vi)
    assert done["ok"], done
    assert wait_for(lambda: any(m["seq"] == done["seq"] for m in ana.received))
    seen = next(m for m in ana.received if m["seq"] == done["seq"])
    assert seen["type"] == "note.translate" and seen["result"]["translation"]["text"] == vi
    assert seen["actor"]["name"] == "Bao"
    snapshot = server_board(live_server, board)
    shown = next(n for n in snapshot["notes"] if n["id"] == note_id)["translations"]
    assert shown["vi"]["text"] == vi and shown["vi"]["outdated"] is False
    # Ana edits her note: Bao learns live that the translation is outdated.
    edited = ana.send(board, "note.update", note_id=note_id, base_version=1, text=text + " now")
    assert edited["ok"] and edited["result"]["translations_outdated"] == ["vi"]
    assert wait_for(
        lambda: any(
            m["seq"] == edited["seq"] and m["result"].get("translations_outdated") == ["vi"]
            for m in bao.received
        )
    )
    # A reader who was away catches up with the translation as it is now.
    late = peers("Late")
    answer = late.join(board, since=made["seq"])
    translated = [m for m in answer["ops"] if m["type"] == "note.translate"]
    assert [m["result"]["translation"]["text"] for m in translated] == [vi]
    text_now = board_pdf_text(live_server, board, 3)
    assert "Tiếng Việt" in text_now and vi in text_now and "outdated" in text_now


def test_one_participant_translates_in_the_browser_and_another_sees_it_live_and_in_the_pdf(
    live_server, new_context, artifacts
):
    from support.browser import join_board, note

    board, group = live_server.board_id(2), 2
    writer = join_board(new_context(), live_server, "Sokha", group=group)
    # Bao reads the board in Vietnamese (the picker's choice is kept in the cookie).
    reader_context = new_context()
    reader = join_board(reader_context, live_server, "Bao", group=group)
    reader.goto(f"{live_server.url}/boards/{board}?lang=vi")
    reader.wait_for_selector("#conn[data-state=live]")
    text = f"Train border officials {uid()}"
    writer.click("#add-note")
    writer.keyboard.type(text)
    writer.keyboard.press("Enter")
    writer.keyboard.press("Escape")
    card = note(reader, text)
    card.wait_for(timeout=SOON)
    # Bao translates it: the form offers his UI language first.
    card.locator("[data-action=translate]").click()
    form = card.locator(".note-translator")
    assert form.locator("select option").first.get_attribute("value") == "vi"
    vi = f"Đào tạo cán bộ biên phòng {uid()}"
    form.locator("textarea").fill(vi)
    form.locator("button[type=submit]").click()
    # Sokha sees it live, under the original, labelled in Vietnamese's own name.
    shown = note(writer, text).locator(".note-translation[data-lang=vi]")
    shown.wait_for(timeout=SOON)
    assert shown.locator(".translation-lang").inner_text() == "Tiếng Việt"
    assert shown.locator(".translation-text").inner_text() == vi
    assert "Bao" in shown.locator(".translation-by").inner_text()
    # Sokha edits the original: both see the translation marked outdated.
    mine = note(writer, text)
    mine.locator("[data-action=edit]").click()
    writer.locator(".note-editor textarea").fill(text + " and police")
    writer.keyboard.press("Control+Enter")
    edited = note(reader, text + " and police")
    edited.locator(".note-translation.outdated .translation-outdated").wait_for(timeout=SOON)
    note(writer, text + " and police").locator(".note-translation.outdated").wait_for(timeout=SOON)
    writer.screenshot(path=str(artifacts / "translation-board.png"), full_page=True)
    # The list view shows it too.
    writer.goto(f"{live_server.url}/boards/{board}/list")
    writer.wait_for_selector("#conn[data-state=live]")
    note(writer, text + " and police").locator(".note-translation[data-lang=vi]").wait_for(
        timeout=SOON
    )
    # The projector (the facilitator's screen) shows it under the original, live.
    wall = new_context().new_page()
    token = live_server.demo["groups"][group]["facilitator_token"]
    wall.goto(f"{live_server.url}/facilitate/{token}")
    if "/signin" in wall.url:
        wall.click("#signin-form button[value=switch]")
        wall.wait_for_load_state()
    wall.goto(f"{live_server.url}/boards/{board}/projector")
    projected = wall.locator(".p-note", has_text=text + " and police").locator(".p-translation")
    projected.wait_for(timeout=SOON)
    assert vi in projected.inner_text() and "Tiếng Việt" in projected.inner_text()
    assert wall.locator(".p-translation.outdated").count() >= 1
    # And the board PDF, read back with pdftotext.
    pdf = board_pdf_text(live_server, board, group)
    assert vi in pdf and "Tiếng Việt" in pdf and "outdated" in pdf
    # Bao's "Undo my last change" takes his translation back, for everyone.
    reader.click("#undo-mine")
    gone = note(writer, text + " and police").locator(".note-translation")
    deadline_ms = SOON
    gone.first.wait_for(state="detached", timeout=deadline_ms)
    assert gone.count() == 0


def test_translating_on_a_phone_in_khmer_fits_the_screen(live_server, new_context, artifacts):
    from support.browser import join_board, note

    board, group = live_server.board_id(1), 1
    page = join_board(new_context(phone=True), live_server, "Dara", group=group)
    page.goto(f"{live_server.url}/boards/{board}?lang=km")
    page.wait_for_selector("#conn[data-state=live]")
    text = f"Hotline for returnees {uid()}"
    token = live_server.join("Writer")["token"]
    lane = lanes_of(live_server, board)[0]
    made = requests.post(
        f"{live_server.url}/api/boards/{board}/ops",
        json={
            "op_id": str(uuid.uuid4()),
            "type": "note.create",
            "data": {"lane_id": lane, "text": text},
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert made.ok, made.text
    card = note(page, text)
    card.wait_for(timeout=SOON)
    card.scroll_into_view_if_needed()
    card.locator("[data-action=translate]").click()
    form = card.locator(".note-translator")
    assert form.locator("select option").first.get_attribute("value") == "km"  # mine first
    form.locator("textarea").fill("ខ្សែទូរស័ព្ទជំនួយសម្រាប់អ្នកវិលត្រឡប់")
    page.screenshot(path=str(artifacts / "translate-form-km-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    form.locator("button[type=submit]").click()
    shown = card.locator(".note-translation[data-lang=km]")
    shown.wait_for(timeout=SOON)
    assert shown.locator(".translation-lang").inner_text() == "ភាសាខ្មែរ"
    assert card.locator(".note-translation").first.get_attribute("data-lang") == "km"
    page.screenshot(path=str(artifacts / "translation-km-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
