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
