"""A plenary board: presence as counts past PRESENCE_LIST_MAX, paged notes and catch-up."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.api import auth

from roadmap import ops


@pytest.fixture
def app(demo_app):
    demo_app.config["PRESENCE_COALESCE_SECONDS"] = 0
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


def send(sc, board: int, op_type: str, **data: Any) -> dict[str, Any]:
    op = {"board_id": board, "op_id": str(uuid.uuid4()), "type": op_type, "data": data}
    ack = sc.emit("op", op, callback=True)
    assert ack["ok"], ack
    return ack


def last_presence(sc) -> dict[str, Any]:
    got = [m["args"][0] for m in sc.get_received() if m["name"] == "presence"]
    assert got
    return got[-1]


# --- presence -------------------------------------------------------------------------------


def test_presence_is_counts_past_the_threshold(app, socket_client, join, demo, board):
    app.config["PRESENCE_LIST_MAX"] = 3
    fac = socket_client(demo["groups"][0]["facilitator_token"])
    assert fac.emit("board:join", {"board_id": board}, callback=True)["ok"]
    people = [socket_client(join(f"P{i}")["token"]) for i in range(3)]
    for sc in people:
        assert sc.emit("board:join", {"board_id": board}, callback=True)["ok"]
    small = last_presence(fac)  # 4 people: still past 3
    assert small["crowd"] is True and small["count"] == 4
    assert small["roles"] == {"facilitator": 1, "participant": 3}
    assert [p["role"] for p in small["participants"]] == ["facilitator"]  # staff by name only
    # an editor is named (that is what the note shows), the others are counted
    note = send(people[0], board, "note.create", lane_id=_lane(fac, board), text="Mine")
    assert people[0].emit(
        "presence", {"board_id": board, "editing": note["result"]["note"]["id"]}, callback=True
    )["ok"]
    crowd = last_presence(fac)
    assert crowd["count"] == 4
    assert sorted(p["name"] for p in crowd["participants"]) == sorted(
        [p["name"] for p in small["participants"]] + ["P0"]
    )
    assert len(crowd["participants"]) <= 3


def test_presence_below_the_threshold_is_the_whole_list(app, socket_client, join, board):
    app.config["PRESENCE_LIST_MAX"] = 10
    first = socket_client(join("P0")["token"])
    assert first.emit("board:join", {"board_id": board}, callback=True)["ok"]
    second = socket_client(join("P1")["token"])
    assert second.emit("board:join", {"board_id": board}, callback=True)["ok"]
    msg = last_presence(first)
    assert "crowd" not in msg and msg["count"] == 2
    assert sorted(p["name"] for p in msg["participants"]) == ["P0", "P1"]


def test_an_anonymous_editor_is_never_named_in_a_crowd(app, socket_client, join, demo, board):
    app.config["PRESENCE_LIST_MAX"] = 1
    fac = socket_client(demo["groups"][0]["facilitator_token"])
    assert fac.emit("board:join", {"board_id": board}, callback=True)["ok"]
    anon = socket_client(join("Hidden Person", anonymous=True)["token"])
    assert anon.emit("board:join", {"board_id": board}, callback=True)["ok"]
    note = send(anon, board, "note.create", lane_id=_lane(fac, board), text="Mine")
    note_id = note["result"]["note"]["id"]
    assert anon.emit("presence", {"board_id": board, "editing": note_id}, callback=True)["ok"]
    crowd = last_presence(fac)
    assert crowd["crowd"] is True and crowd["editing_anonymous"] == [note_id]
    assert "Hidden Person" not in str(crowd)


def _lane(sc, board: int) -> int:
    answer = sc.emit("board:join", {"board_id": board}, callback=True)
    sc.get_received()
    return answer["snapshot"]["lanes"][0]["id"]


# --- paged notes ------------------------------------------------------------------------------


def make_notes(client, token: str, board: int, lane: int, n: int) -> list[int]:
    ids = []
    for i in range(n):
        res = client.post(
            f"/api/boards/{board}/ops",
            json={
                "op_id": str(uuid.uuid4()),
                "type": "note.create",
                "data": {"lane_id": lane, "text": f"n{i}"},
            },
            headers=auth(token),
        )
        assert res.status_code == 201, res.get_json()
        ids.append(res.get_json()["result"]["note"]["id"])
    return ids


def test_join_sends_the_first_page_and_board_page_every_other_note_once(
    app, client, socket_client, join, demo, board, lanes
):
    app.config["NOTES_PAGE"] = 3
    ana = join("Ana")
    make_notes(client, ana["token"], board, lanes[0], 8)
    everything = client.get(f"/api/boards/{board}", headers=auth(ana["token"])).get_json()
    all_ids = sorted(n["id"] for n in everything["notes"])
    assert len(all_ids) >= 8
    sc = socket_client(ana["token"])
    answer = sc.emit("board:join", {"board_id": board}, callback=True)
    first = answer["snapshot"]["notes"]
    assert len(first) == 3 and answer["snapshot"]["notes_next"] == max(n["id"] for n in first)
    seen = [n["id"] for n in first]
    cursor = answer["snapshot"]["notes_next"]
    while cursor is not None:
        page = sc.emit(
            "board:page", {"board_id": board, "after": cursor, "limit": 3}, callback=True
        )
        assert page["ok"] and page["seq"] == everything["seq"] and len(page["notes"]) <= 3
        seen += [n["id"] for n in page["notes"]]
        cursor = page["next"]
    assert sorted(seen) == all_ids and len(seen) == len(set(seen))
    # each page note is the snapshot's note, field for field
    by_id = {n["id"]: n for n in everything["notes"]}
    page = sc.emit("board:page", {"board_id": board, "after": 0, "limit": 1000}, callback=True)
    assert all(n == by_id[n["id"]] for n in page["notes"])


def test_get_notes_pages_over_http(app, client, join, board, lanes):
    ana = join("Ana")
    make_notes(client, ana["token"], board, lanes[0], 5)
    everything = client.get(f"/api/boards/{board}", headers=auth(ana["token"])).get_json()
    seen, after = [], 0
    while after is not None:
        res = client.get(
            f"/api/boards/{board}/notes?after={after}&limit=2", headers=auth(ana["token"])
        )
        assert res.status_code == 200
        body = res.get_json()
        seen += [n["id"] for n in body["notes"]]
        after = body["next"]
    assert sorted(seen) == sorted(n["id"] for n in everything["notes"])
    assert len(seen) == len(set(seen))
    for bad in ("after=-1", "limit=0", "limit=5000", "after=x"):
        res = client.get(f"/api/boards/{board}/notes?{bad}", headers=auth(ana["token"]))
        assert res.status_code == 400 and res.get_json()["error"]["code"] == "invalid"


def test_pages_hide_what_the_snapshot_hides(app, client, socket_client, join, demo, board, lanes):
    fac = demo["groups"][0]["facilitator_token"]
    ana, ben = join("Ana"), join("Ben")
    res = client.post(
        f"/api/boards/{board}/ops",
        json={"op_id": str(uuid.uuid4()), "type": "writing.private", "data": {"on": True}},
        headers=auth(fac),
    )
    assert res.status_code == 201
    [secret] = make_notes(client, ana["token"], board, lanes[0], 1)

    def ids(token: str) -> set[int]:
        sc = socket_client(token)
        page = sc.emit("board:page", {"board_id": board, "after": 0}, callback=True)
        assert page["ok"], page
        return {n["id"] for n in page["notes"]}

    assert secret in ids(ana["token"]) and secret in ids(fac)
    assert secret not in ids(ben["token"])
    app.config["NOTES_PAGE"] = 1
    sc = socket_client(ben["token"])
    snap = sc.emit("board:join", {"board_id": board}, callback=True)["snapshot"]
    assert snap["hidden_count"] == 1


def test_board_page_refuses_bad_payloads_and_other_events_boards(socket_client, join, board):
    sc = socket_client(join("Ana")["token"])
    for bad in (
        None,
        [],
        {"board_id": board},
        {"board_id": board, "after": "1"},
        {"board_id": board, "after": 0, "limit": 0},
        {"board_id": 0, "after": 0},
    ):
        answer = sc.emit("board:page", bad, callback=True)
        assert answer["ok"] is False and answer["error"]["code"] == "invalid", bad
    answer = sc.emit("board:page", {"board_id": 999999, "after": 0}, callback=True)
    assert answer["error"]["code"] == "not_found"


def test_a_long_catch_up_comes_in_pages(app, client, socket_client, join, board, lanes):
    app.config["OPS_PAGE"] = 3
    ana = join("Ana")
    sc = socket_client(ana["token"])
    start = sc.emit("board:join", {"board_id": board}, callback=True)["seq"]
    make_notes(client, ana["token"], board, lanes[0], 7)
    seqs, since = [], start
    while True:
        answer = sc.emit("board:join", {"board_id": board, "since": since}, callback=True)
        assert answer["ok"] and len(answer["ops"]) <= 3
        seqs += [m["seq"] for m in answer["ops"]]
        if not answer.get("more"):
            break
        since = answer["ops"][-1]["seq"]
    assert seqs == list(range(start + 1, start + 8))
