"""Issue 12 (audit gaps 2 and 8): any Socket.IO frame shape gets a clean ack, and presence
names only a note its sender can see.

Each test failed on the code before its fix.
"""

from __future__ import annotations

import pytest
from support.security import first_board, socket_acks

# --- 2: any frame shape gets a clean ack ------------------------------------------------------


EVENTS = ("board:join", "board:page", "board:leave", "op", "presence", "organiser:join")


@pytest.mark.parametrize("event", EVENTS)
def test_audit_2_a_frame_with_several_arguments_gets_an_invalid_ack_and_no_traceback(
    demo, join, socket_client, caplog, event
):
    sc = socket_client(join()["token"])
    board = first_board(demo)
    shapes = (
        f'["{event}",{{"board_id":{board}}},{{"x":1}},3]',
        f'["{event}",{{"board_id":{board}}},null]',
        f'["{event}"]',
        f'["{event}",[1,2]]',
        f'["{event}","text"]',
        f'["{event}",7]',
        f'["{event}",null]',
    )
    for shape in shapes:
        acks = socket_acks(sc, "21" + shape)
        assert acks, shape
        assert acks[0]["ok"] is False and acks[0]["error"]["code"] == "invalid", (shape, acks)
    assert "socket event failed" not in caplog.text
    assert "Traceback" not in caplog.text
    assert sc.is_connected()


# --- 8: presence names only a note its sender can see ------------------------------------------


def test_audit_8_presence_cannot_point_at_someone_elses_hidden_note(board, socket_client):
    board.ok(board.fac, "writing.private", on=True)
    hidden = board.note(board.ana_token, "Ana's private thought")
    ben = socket_client(board.ben_token)
    assert ben.emit("board:join", {"board_id": board.id}, callback=True)["ok"]
    ack = ben.emit("presence", {"board_id": board.id, "editing": hidden["id"]}, callback=True)
    missing = ben.emit("presence", {"board_id": board.id, "editing": 10**9}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    # Word for word what a note that does not exist gets: nothing tells that it exists.
    assert ack["error"]["message"].replace(str(hidden["id"]), "N") == missing["error"][
        "message"
    ].replace(str(10**9), "N")
    ana = socket_client(board.ana_token)
    assert ana.emit("board:join", {"board_id": board.id}, callback=True)["ok"]
    assert ana.emit("presence", {"board_id": board.id, "editing": hidden["id"]}, callback=True)[
        "ok"
    ]
    fac = socket_client(board.fac)
    assert fac.emit("board:join", {"board_id": board.id}, callback=True)["ok"]
    assert fac.emit("presence", {"board_id": board.id, "editing": hidden["id"]}, callback=True)[
        "ok"
    ]
    board.ok(board.fac, "notes.reveal")
    assert ben.emit("presence", {"board_id": board.id, "editing": hidden["id"]}, callback=True)[
        "ok"
    ]


def test_presence_never_names_a_hidden_note_to_the_room(app, board, socket_client):
    """Private writing: someone editing their own hidden note is shown as editing nothing, and
    the note's id is in no list the room receives (not even as "someone is editing")."""
    from roadmap.realtime.handlers import presence_payload

    board.ok(board.fac, "writing.private", on=True)
    hidden = board.note(board.ana_token, "Ana's private thought")
    ana = socket_client(board.ana_token)
    assert ana.emit("board:join", {"board_id": board.id}, callback=True)["ok"]
    assert ana.emit("presence", {"board_id": board.id, "editing": hidden["id"]}, callback=True)[
        "ok"
    ]
    with app.app_context():
        payload = presence_payload(board.id, 50)
    assert any(p["id"] for p in payload["participants"])  # Ana is listed
    assert all(p.get("editing") != hidden["id"] for p in payload["participants"])
    assert hidden["id"] not in payload["editing_anonymous"]
