"""Socket.IO protocol (Flask-SocketIO test client) and the op endpoints over HTTP."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from support.api import auth, new_op

from roadmap import ops
from roadmap.config import NOTE_TEXT_MAX
from roadmap.realtime import handlers as live

BIG = 2**70


@pytest.fixture
def app(demo_app):
    demo_app.config["PRESENCE_COALESCE_SECONDS"] = 0  # presence at once, to test it in order
    return demo_app


@pytest.fixture
def demo(demo_database):
    ops.buckets.reset()
    return demo_database[1]


@pytest.fixture
def board(demo) -> int:
    return demo["groups"][0]["board_id"]


@pytest.fixture
def lanes(client, demo, board) -> list[int]:
    res = client.get(f"/api/boards/{board}", headers=auth(demo["organiser_token"]))
    return [lane["id"] for lane in res.get_json()["lanes"]]


@pytest.fixture
def fac(demo) -> str:
    return demo["groups"][0]["facilitator_token"]


def events(sc, name: str = "op") -> list[Any]:
    return [m["args"][0] for m in sc.get_received() if m["name"] == name]


def joined(socket_client, token: str, board: int, **extra: Any):
    sc = socket_client(token)
    answer = sc.emit("board:join", {"board_id": board, **extra}, callback=True)
    assert answer["ok"], answer
    sc.get_received()  # drop the presence broadcast
    return sc, answer


def send(sc, board: int, op_type: str, op_id: str | None = None, **data: Any) -> dict[str, Any]:
    op = {"board_id": board, "op_id": op_id or str(uuid.uuid4()), "type": op_type, "data": data}
    return sc.emit("op", op, callback=True)


def without_clock(snapshot: dict[str, Any]) -> dict[str, Any]:
    snapshot["facilitation"]["timer"].pop("server_time", None)
    return snapshot


# --- connecting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "not-a-token", 12, "x" * 500])
def test_a_connection_without_a_valid_identity_is_refused(socket_client, demo, token):
    assert not socket_client(token).is_connected()


def test_participant_facilitator_and_organiser_tokens_connect(socket_client, join, demo, fac):
    for token in (join()["token"], fac, demo["organiser_token"]):
        assert socket_client(token).is_connected()


def test_the_browser_session_cookie_is_enough(app, client, join, board):
    token = join()["token"]
    with client.session_transaction() as session:
        session["token"] = token
    from roadmap.extensions import socketio

    sc = socketio.test_client(app, flask_test_client=client)
    assert sc.is_connected()
    assert sc.emit("board:join", {"board_id": board}, callback=True)["ok"]
    sc.disconnect()


def test_foreign_origins_are_refused_and_the_own_origin_allowed(client):
    handshake = "/socket.io/?EIO=4&transport=polling"
    foreign = client.get(handshake, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 400
    own = client.get(handshake, headers={"Origin": "http://localhost"})
    assert own.status_code == 200 and own.data.startswith(b"0{")


# --- joining ------------------------------------------------------------------------------------


def test_join_answers_the_same_snapshot_as_the_http_api(socket_client, client, join, board):
    me = join()
    sc = socket_client(me["token"])
    answer = sc.emit("board:join", {"board_id": board}, callback=True)
    http = client.get(f"/api/boards/{board}", headers=auth(me["token"])).get_json()
    assert answer["ok"] and answer["seq"] == http["seq"]
    assert without_clock(answer["snapshot"]) == without_clock(http)
    assert "ops" not in answer


def test_join_with_since_answers_exactly_the_missed_ops(socket_client, join, board, lanes):
    writer, _ = joined(socket_client, join("Writer")["token"], board)
    reader_token = join("Reader")["token"]
    start = writer.emit("board:join", {"board_id": board}, callback=True)["seq"]
    acks = [send(writer, board, "note.create", lane_id=lanes[0], text=f"n{i}") for i in range(5)]
    reader = socket_client(reader_token)
    answer = reader.emit("board:join", {"board_id": board, "since": start + 2}, callback=True)
    assert answer["ok"] and "snapshot" not in answer
    assert [m["seq"] for m in answer["ops"]] == [a["seq"] for a in acks[2:]]
    assert [m["result"] for m in answer["ops"]] == [a["result"] for a in acks[2:]]
    assert answer["seq"] == acks[-1]["seq"]
    current = reader.emit("board:join", {"board_id": board, "since": answer["seq"]}, callback=True)
    assert current["ops"] == []


def test_join_gives_a_snapshot_when_the_log_cannot_reach_back(app, socket_client, join, board):
    sc = socket_client(join()["token"])
    seq = sc.emit("board:join", {"board_id": board}, callback=True)["seq"]
    ahead = sc.emit("board:join", {"board_id": board, "since": seq + 5}, callback=True)
    assert "snapshot" in ahead and "ops" not in ahead
    app.config["OPS_CATCHUP_LIMIT"] = 2
    far = sc.emit("board:join", {"board_id": board, "since": 0}, callback=True)
    assert far["snapshot"]["seq"] == seq and "ops" not in far


@pytest.mark.parametrize(
    "payload, code",
    [
        (None, "invalid"),
        ("1", "invalid"),
        ({}, "invalid"),
        ({"board_id": "1"}, "invalid"),
        ({"board_id": True}, "invalid"),
        ({"board_id": BIG}, "invalid"),
        ({"board_id": 1, "since": -1}, "invalid"),
        ({"board_id": 1, "since": BIG}, "invalid"),
        ({"board_id": 10_000}, "not_found"),
    ],
)
def test_join_refuses_bad_payloads(socket_client, join, payload, code):
    sc = socket_client(join()["token"])
    answer = sc.emit("board:join", payload, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == code
    assert sc.is_connected()


def test_a_board_of_another_event_is_forbidden(app, socket_client, join):
    from roadmap.extensions import db
    from roadmap.models import Event
    from roadmap.organise.groups import add_group

    with app.app_context():
        event = Event(name="Elsewhere", join_code="OTHER3", languages=["en"])
        db.session.add(event)
        db.session.flush()
        group, _ = add_group(event, "Other group")
        db.session.commit()
        other = group.board.id
    sc = socket_client(join()["token"])
    answer = sc.emit("board:join", {"board_id": other}, callback=True)
    assert answer["error"]["code"] == "forbidden"
    assert send(sc, other, "note.create", lane_id=1, text="x")["error"]["code"] == "forbidden"


# --- ops ----------------------------------------------------------------------------------------


def test_an_op_is_acked_to_its_sender_and_broadcast_to_everyone_else(
    socket_client, join, board, lanes
):
    ana = join("Ana")
    sender, _ = joined(socket_client, ana["token"], board)
    other, _ = joined(socket_client, join("Ben")["token"], board)
    elsewhere, _ = joined(socket_client, join("Cy")["token"], board + 1)
    op_id = str(uuid.uuid4())
    answer = send(sender, board, "note.create", op_id, lane_id=lanes[0], text="Hello")
    assert answer["ok"] and set(answer) == {"ok", "seq", "result"}
    assert events(sender) == []
    assert events(elsewhere) == []
    [message] = events(other)
    assert message["seq"] == answer["seq"] and message["op_id"] == op_id
    assert message["board_id"] == board and message["type"] == "note.create"
    assert message["data"] == {"lane_id": lanes[0], "text": "Hello"}
    assert message["result"] == answer["result"]
    assert message["actor"] == {"id": ana["participant"]["id"], "name": "Ana"}
    assert message["at"].endswith("Z")


def test_a_replayed_op_gets_the_original_ack_and_is_not_broadcast_again(
    socket_client, join, board, lanes
):
    sender, _ = joined(socket_client, join("Ana")["token"], board)
    other, _ = joined(socket_client, join("Ben")["token"], board)
    op_id = str(uuid.uuid4())
    first = send(sender, board, "note.create", op_id, lane_id=lanes[0], text="Once")
    again = send(sender, board, "note.create", op_id, lane_id=lanes[0], text="Once")
    assert again["seq"] == first["seq"] and again["result"] == first["result"]
    assert len(events(other)) == 1


def test_a_stale_update_gets_conflict_with_the_current_note(socket_client, join, board, lanes):
    ana, _ = joined(socket_client, join("Ana")["token"], board)
    note = send(ana, board, "note.create", lane_id=lanes[0], text="Mine")["result"]["note"]
    assert send(ana, board, "note.update", note_id=note["id"], base_version=1, text="v2")["ok"]
    answer = send(ana, board, "note.update", note_id=note["id"], base_version=1, text="v2'")
    assert answer["ok"] is False and answer["error"]["code"] == "conflict"
    assert answer["current"]["text"] == "v2" and answer["current"]["version"] == 2


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "op",
        [1, 2],
        {},
        {"board_id": "1", "op_id": "a", "type": "note.create", "data": {}},
        {"board_id": True, "op_id": "a", "type": "note.create", "data": {}},
        {"board_id": BIG, "op_id": "a", "type": "note.create", "data": {}},
        {"board_id": 1, "op_id": "a", "type": "nope", "data": {}},
        {"board_id": 1, "op_id": "a", "type": "note.create", "data": []},
        {"board_id": 1, "op_id": "a", "type": "note.create", "data": {"lane_id": BIG}},
        {"board_id": 1, "op_id": "a", "type": "note.create", "data": {"lane_id": [[[[1]]]]}},
        {"board_id": 1, "op_id": {"x": 1}, "type": "note.create", "data": {}},
    ],
)
def test_malformed_ops_are_refused_without_harm_to_anyone(socket_client, join, board, payload):
    bad, _ = joined(socket_client, join("Mallory")["token"], board)
    good, _ = joined(socket_client, join("Ana")["token"], board)
    answer = bad.emit("op", payload, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "invalid"
    assert bad.is_connected() and good.is_connected()
    assert events(good) == []
    assert good.emit("board:join", {"board_id": board}, callback=True)["ok"]


def test_a_participant_edits_and_deletes_only_its_own_notes(socket_client, join, fac, board, lanes):
    ana, _ = joined(socket_client, join("Ana")["token"], board)
    ben, _ = joined(socket_client, join("Ben")["token"], board)
    staff, _ = joined(socket_client, fac, board)
    note = send(ana, board, "note.create", lane_id=lanes[0], text="Ana's")["result"]["note"]
    refused = send(ben, board, "note.update", note_id=note["id"], base_version=1, text="Ben's")
    assert refused["error"]["code"] == "forbidden"
    assert send(ben, board, "note.delete", note_id=note["id"])["error"]["code"] == "forbidden"
    assert send(staff, board, "note.update", note_id=note["id"], base_version=1, text="F")["ok"]
    assert send(staff, board, "note.delete", note_id=note["id"])["ok"]


def test_a_locked_board_refuses_participant_writes(socket_client, join, fac, board, lanes):
    ana, _ = joined(socket_client, join("Ana")["token"], board)
    staff, _ = joined(socket_client, fac, board)
    assert send(staff, board, "board.lock", locked=True)["ok"]
    answer = send(ana, board, "note.create", lane_id=lanes[0], text="x")
    assert answer["error"]["code"] == "locked"
    assert send(staff, board, "note.create", lane_id=lanes[0], text="Staff may")["ok"]
    assert send(staff, board, "board.lock", locked=False)["ok"]
    assert send(ana, board, "note.create", lane_id=lanes[0], text="x")["ok"]


def test_too_long_text_is_too_large(socket_client, join, board, lanes):
    ana, _ = joined(socket_client, join("Ana")["token"], board)
    answer = send(ana, board, "note.create", lane_id=lanes[0], text="x" * (NOTE_TEXT_MAX + 1))
    assert answer["error"]["code"] == "too_large"


def test_sending_too_fast_is_rate_limited_and_others_are_unaffected(
    app, socket_client, join, board, lanes
):
    app.config.update(OP_RATE_PER_SECOND=0.01, OP_RATE_BURST=5)
    ana, _ = joined(socket_client, join("Ana")["token"], board)
    ben, _ = joined(socket_client, join("Ben")["token"], board)
    codes = [
        send(ana, board, "note.create", lane_id=lanes[0], text=str(i)).get("error", {}).get("code")
        for i in range(8)
    ]
    assert codes[:4] == [None] * 4  # the join spent one of the connection's messages
    assert "rate_limited" in codes[4:]
    assert send(ben, board, "note.create", lane_id=lanes[0], text="Ben")["ok"]


def test_hidden_notes_reach_the_audience_whole_and_everyone_else_redacted(
    socket_client, join, fac, board, lanes
):
    staff, _ = joined(socket_client, fac, board)
    ana, _ = joined(socket_client, join("Ana")["token"], board)
    ben, _ = joined(socket_client, join("Ben")["token"], board)
    assert send(staff, board, "writing.private", on=True)["ok"]
    staff.get_received()
    for sc in (ana, ben):
        sc.get_received()
    answer = send(ana, board, "note.create", lane_id=lanes[0], text="Only mine")
    assert answer["ok"] and answer["result"]["note"]["hidden"] is True
    [for_staff] = events(staff)
    [for_ben] = events(ben)
    assert for_staff["type"] == "note.create" and for_staff["result"]["note"]["text"] == "Only mine"
    assert for_ben == {
        "board_id": board,
        "seq": answer["seq"],
        "op_id": None,
        "type": "redacted",
        "data": {},
        "result": {},
        "actor": None,
        "at": for_ben["at"],
    }


# --- presence -----------------------------------------------------------------------------------


def test_presence_is_broadcast_on_join_editing_leave_and_disconnect(
    socket_client, join, board, client, demo
):
    snapshot = client.get(f"/api/boards/{board}", headers=auth(demo["organiser_token"]))
    note_id = snapshot.get_json()["notes"][0]["id"]  # editing must name a note of the board
    ana_id = join("Ana")
    watcher, _ = joined(socket_client, join("Watcher")["token"], board)
    ana = socket_client(ana_id["token"])
    ana.emit("board:join", {"board_id": board}, callback=True)

    def names() -> list[dict[str, Any]]:
        [last] = events(watcher, "presence")[-1:]
        assert last["board_id"] == board
        return sorted(last["participants"], key=lambda p: p["name"])

    assert [p["name"] for p in names()] == ["Ana", "Watcher"]
    assert ana.emit("presence", {"board_id": board, "editing": note_id}, callback=True)["ok"]
    assert names()[0] == {
        "id": ana_id["participant"]["id"],
        "name": "Ana",
        "role": "participant",
        "editing": note_id,
    }
    assert ana.emit("presence", {"board_id": board, "editing": None}, callback=True)["ok"]
    assert names()[0]["editing"] is None
    assert ana.emit("board:leave", {"board_id": board}, callback=True)["ok"]
    assert [p["name"] for p in names()] == ["Watcher"]
    ana.emit("board:join", {"board_id": board}, callback=True)
    assert [p["name"] for p in names()] == ["Ana", "Watcher"]
    ana.disconnect()
    assert [p["name"] for p in names()] == ["Watcher"]
    assert board not in live.PRESENCE or len(live.PRESENCE[board]) == 1


def test_presence_needs_a_joined_board(socket_client, join, board):
    sc = socket_client(join()["token"])
    answer = sc.emit("presence", {"board_id": board}, callback=True)
    assert answer["error"]["code"] == "invalid"


# --- the same ops over HTTP ---------------------------------------------------------------------


def test_an_op_posted_over_http_is_broadcast_to_the_room(socket_client, client, join, board, lanes):
    poster = join("Poster")
    watcher, _ = joined(socket_client, join("Watcher")["token"], board)
    op = new_op("note.create", lane_id=lanes[0], text="Over HTTP")
    res = client.post(f"/api/boards/{board}/ops", json=op, headers=auth(poster["token"]))
    assert res.status_code == 201
    ack = res.get_json()
    assert ack["ok"] and set(ack) == {"ok", "seq", "result"}
    [message] = events(watcher)
    assert message["op_id"] == op["op_id"] and message["seq"] == ack["seq"]
    again = client.post(f"/api/boards/{board}/ops", json=op, headers=auth(poster["token"]))
    assert again.status_code == 200 and again.get_json()["seq"] == ack["seq"]
    assert events(watcher) == []


def test_get_ops_answers_what_a_socket_catch_up_answers(socket_client, client, join, board, lanes):
    me = join()
    sc, answer = joined(socket_client, me["token"], board)
    since = answer["seq"]
    for i in range(3):
        send(sc, board, "note.create", lane_id=lanes[0], text=f"n{i}")
    http = client.get(f"/api/boards/{board}/ops?after={since}", headers=auth(me["token"]))
    socket = sc.emit("board:join", {"board_id": board, "since": since}, callback=True)
    assert http.status_code == 200
    assert http.get_json()["ops"] == socket["ops"] and len(socket["ops"]) == 3
    assert http.get_json()["seq"] == socket["seq"]
    far = client.get(f"/api/boards/{board}/ops?after={BIG}", headers=auth(me["token"]))
    assert "snapshot" in far.get_json()


def test_every_error_code_over_http(app, client, join, fac, board, lanes):
    me = join()
    headers = auth(me["token"])
    url = f"/api/boards/{board}/ops"

    def post(op_type: str, token_headers=headers, **data: Any):
        return client.post(url, json=new_op(op_type, **data), headers=token_headers)

    def check(res, status: int, code: str) -> dict[str, Any]:
        body = res.get_json()
        assert res.status_code == status and body["error"]["code"] == code, body
        return body

    note = post("note.create", lane_id=lanes[0], text="Mine").get_json()["result"]["note"]
    check(post("note.create", lane_id="x", text="y"), 400, "invalid")
    check(client.post(url, data="nope", headers=headers), 400, "invalid")
    check(post("note.create", lane_id=10_000, text="y"), 404, "not_found")
    huge = client.post(f"/api/boards/{BIG}/ops", json=new_op("x"), headers=headers)
    assert huge.status_code in (404, 405) and huge.get_json()["error"]["code"] != "server_error"
    check(client.get(f"/api/boards/{BIG}", headers=headers), 404, "not_found")
    check(post("note.delete", auth(join("Other")["token"]), note_id=note["id"]), 403, "forbidden")
    post("note.update", note_id=note["id"], base_version=1, text="v2")
    body = check(
        post("note.update", note_id=note["id"], base_version=1, text="v3"), 409, "conflict"
    )
    assert body["current"]["text"] == "v2"
    check(post("note.create", lane_id=lanes[0], text="x" * 3000), 413, "too_large")
    assert post("board.lock", auth(fac), locked=True).status_code == 201
    check(post("note.create", lane_id=lanes[0], text="x"), 423, "locked")
    post("board.lock", auth(fac), locked=False)
    check(client.post(url, json=new_op("note.create"), headers={}), 401, "unauthorized")
    app.config.update(OP_RATE_PER_SECOND=0.01, OP_RATE_BURST=1)
    ops.buckets.reset()
    assert post("note.create", lane_id=lanes[0], text="1").status_code == 201
    check(post("note.create", lane_id=lanes[0], text="2"), 429, "rate_limited")


def test_presence_broadcasts_are_coalesced(app, socket_client, join, board):
    # A window longer than the five joins take on a loaded machine (~0.1 s each).
    app.config["PRESENCE_COALESCE_SECONDS"] = 1.5
    watcher, _ = joined(socket_client, join("Watcher")["token"], board)
    for i in range(5):
        socket_client(join(f"P{i}")["token"]).emit("board:join", {"board_id": board}, callback=True)
    received: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        received += events(watcher, "presence")
        if received and len(received[-1]["participants"]) == 6:
            break
        time.sleep(0.05)
    assert 1 <= len(received) <= 2
    assert len(received[-1]["participants"]) == 6
