"""Issue 12 (audit gap 5): no NUL character in any text, whatever the channel
(roadmap/security/payloads.py, the one string rule).

Each test failed on the code before its fix.
"""

from __future__ import annotations

import sqlalchemy as sa
from support.api import auth, new_op
from support.security import backup_with_history, first_board, import_bearer, socket_acks

from roadmap.extensions import db
from roadmap.models import Lane, Note, Participant

# --- 5: no NUL in any text --------------------------------------------------------------------


def test_audit_5_nul_characters_are_refused_everywhere(app, client, demo, join, socket_client):
    who = join()
    board = first_board(demo)
    with app.app_context():
        lane = db.session.scalar(sa.select(Lane.id).where(Lane.board_id == board))
    bearer = auth(who["token"])
    for data in (
        {"lane_id": lane, "text": "a\u0000b"},
        {"lane_id": lane, "text": "ok", "tags": ["t\u0000"]},
    ):
        res = client.post(
            f"/api/boards/{board}/ops", json=new_op("note.create", **data), headers=bearer
        )
        assert res.status_code == 400, res.get_json()
        assert res.get_json()["error"]["code"] == "invalid"
    res = client.post("/api/join", json={"code": demo["join_code"], "name": "N\u0000l"})
    assert res.status_code == 400
    res = client.patch(
        f"/api/events/{demo['event_id']}",
        json={"place": "Bang\u0000kok"},
        headers=auth(demo["organiser_token"]),
    )
    assert res.status_code == 400
    # Over the socket: the frame is decoded by the same parser.
    sc = socket_client(who["token"])
    frame = f'21["op",{{"board_id":{board},"op_id":"n1","type":"note.create","data":'
    frame += f'{{"lane_id":{lane},"text":"a\\u0000b"}}}}]'
    acks = socket_acks(sc, frame)
    assert acks and acks[0]["ok"] is False and acks[0]["error"]["code"] == "invalid"
    # Form fields (the join page) and addresses too.
    res = client.post(f"/join/{demo['join_code']}", data={"name": "Form\u0000Name"})
    assert res.status_code == 400
    assert client.get("/join?code=AB%00CD").status_code == 400
    assert client.get("/join/AB%00CD").status_code == 400
    with app.app_context():
        assert not db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Note)
            .where(sa.func.instr(Note.text, "\u0000") > 0)
        )
        assert not db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Participant)
            .where(sa.func.instr(Participant.name, "\u0000") > 0)
        )


def test_audit_5_an_import_with_a_nul_is_refused(app, client, demo):
    backup = backup_with_history(client, demo)
    backup["notes"][0]["text"] = "nul\u0000here"
    res = client.post("/api/events/import", json=backup, headers=auth(import_bearer(app, demo)))
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "invalid"
    assert "notes.0.text" in res.get_json()["error"]["message"]
