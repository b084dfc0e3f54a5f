"""Batched broadcasts (roadmap/realtime/broadcast.py): one frame per client per tick, in process.

`batcher.holding()` makes every op published inside one batch per room, sent on the way out,
as a busy room's tick does; the in-process app otherwise sends each op at once.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.api import auth

from roadmap import ops
from roadmap.realtime.broadcast import batcher


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


def joined(socket_client, token: str, board: int):
    sc = socket_client(token)
    answer = sc.emit("board:join", {"board_id": board}, callback=True)
    assert answer["ok"], answer
    sc.get_received()
    return sc


def send(sc, board: int, op_type: str, **data: Any) -> dict[str, Any]:
    op = {"board_id": board, "op_id": str(uuid.uuid4()), "type": op_type, "data": data}
    ack = sc.emit("op", op, callback=True)
    assert ack["ok"], ack
    return ack


def frames(sc) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each op frame received: ("op", [message]) or ("ops", [message, ...])."""
    out = []
    for m in sc.get_received():
        if m["name"] == "op":
            out.append(("op", [m["args"][0]]))
        elif m["name"] == "ops":
            out.append(("ops", m["args"][0]["ops"]))
    return out


def messages(sc) -> list[dict[str, Any]]:
    return [msg for _name, batch in frames(sc) for msg in batch]


def test_a_batch_is_one_frame_in_seq_order_without_the_senders_own_ops(
    socket_client, join, board, lanes
):
    ana = joined(socket_client, join("Ana")["token"], board)
    ben = joined(socket_client, join("Ben")["token"], board)
    cleo = joined(socket_client, join("Cleo")["token"], board)
    with batcher.holding():
        acks = [send(ana, board, "note.create", lane_id=lanes[0], text=f"A{i}") for i in range(3)]
        acks += [send(ben, board, "note.create", lane_id=lanes[1], text=f"B{i}") for i in range(2)]
        # the acks are not held back: each came with its own seq and result
        assert [a["seq"] for a in acks] == list(range(acks[0]["seq"], acks[0]["seq"] + 5))
        assert frames(cleo) == []
    seqs = [a["seq"] for a in acks]
    [(name, batch)] = frames(cleo)
    assert name == "ops" and [m["seq"] for m in batch] == seqs
    assert [m["result"]["note"]["text"] for m in batch] == ["A0", "A1", "A2", "B0", "B1"]
    [(_, for_ana)] = frames(ana)
    [(_, for_ben)] = frames(ben)
    assert [m["seq"] for m in for_ana] == seqs[3:]  # never its own ops: the acks carried them
    assert [m["seq"] for m in for_ben] == seqs[:3]
    # each message is exactly what the `op` event carries
    assert set(batch[0]) == {"board_id", "seq", "op_id", "type", "data", "result", "actor", "at"}
    assert batch[0]["op_id"] == acks[0].get("op_id", batch[0]["op_id"])


def test_one_op_in_a_tick_is_an_op_event_as_before(socket_client, join, board, lanes):
    ana = joined(socket_client, join("Ana")["token"], board)
    ben = joined(socket_client, join("Ben")["token"], board)
    with batcher.holding():
        ack = send(ana, board, "note.create", lane_id=lanes[0], text="alone")
    [(name, [message])] = frames(ben)
    assert name == "op" and message["seq"] == ack["seq"]
    assert frames(ana) == []


def test_every_seq_exactly_once_across_batches_and_single_ops(socket_client, join, board, lanes):
    ana = joined(socket_client, join("Ana")["token"], board)
    ben = joined(socket_client, join("Ben")["token"], board)
    seqs = []
    for round_ in range(4):
        with batcher.holding():
            for i in range(round_ + 1):  # batches of 1, 2, 3, 4
                seqs.append(send(ana, board, "note.create", lane_id=lanes[0], text=f"{i}")["seq"])
    got = [m["seq"] for m in messages(ben)]
    assert got == seqs and len(set(got)) == len(got)
    assert [name for name, _ in frames(ben)] == []  # already read above
    assert seqs == list(range(seqs[0], seqs[0] + 10))


def test_each_viewer_gets_its_own_redaction_inside_a_batch(socket_client, join, demo, board, lanes):
    fac = joined(socket_client, demo["groups"][0]["facilitator_token"], board)
    ana = joined(socket_client, join("Ana")["token"], board)
    ben = joined(socket_client, join("Ben")["token"], board)
    cleo = joined(socket_client, join("Cleo", anonymous=True)["token"], board)
    send(fac, board, "writing.private", on=True)
    for sc in (fac, ana, ben, cleo):
        sc.get_received()
    with batcher.holding():
        a = send(ana, board, "note.create", lane_id=lanes[0], text="Ana's secret")
        b = send(ben, board, "note.create", lane_id=lanes[0], text="Ben's secret")
        c = send(cleo, board, "note.create", lane_id=lanes[1], text="Cleo's secret")
        off = send(fac, board, "writing.private", on=False)
    assert a["result"]["note"]["hidden"] and b["result"]["note"]["hidden"]
    seqs = [a["seq"], b["seq"], c["seq"], off["seq"]]

    def kinds(sc) -> list[tuple[int, str]]:
        return [(m["seq"], m["type"]) for m in messages(sc)]

    # the facilitator sees every hidden note whole, but not Cleo's name (anonymous)
    for_fac = messages(fac)
    assert [m["seq"] for m in for_fac] == seqs[:3]
    assert [m["result"]["note"]["text"] for m in for_fac] == [
        "Ana's secret",
        "Ben's secret",
        "Cleo's secret",
    ]
    assert for_fac[2]["actor"] == {"id": None, "name": "Anonymous"}
    assert for_fac[2]["result"]["note"]["author"] == {"id": None, "name": "Anonymous"}
    # each participant: the others' hidden notes redacted, its own left out, the reveal whole
    assert kinds(ana) == [
        (b["seq"], "redacted"),
        (c["seq"], "redacted"),
        (off["seq"], "writing.private"),
    ]
    assert kinds(ben) == [
        (a["seq"], "redacted"),
        (c["seq"], "redacted"),
        (off["seq"], "writing.private"),
    ]
    assert kinds(cleo) == [
        (a["seq"], "redacted"),
        (b["seq"], "redacted"),
        (off["seq"], "writing.private"),
    ]


def test_hidden_vote_counts_stay_hidden_for_participants_inside_a_batch(
    socket_client, join, demo, board, lanes
):
    fac = joined(socket_client, demo["groups"][0]["facilitator_token"], board)
    ana_token = join("Ana")["token"]
    ana = joined(socket_client, ana_token, board)
    ana_tab = joined(socket_client, ana_token, board)  # Ana's second tab
    ben = joined(socket_client, join("Ben")["token"], board)
    note = send(ana, board, "note.create", lane_id=lanes[0], text="Vote me")["result"]["note"]
    send(fac, board, "voting.configure", open=True, hide_results=True)
    for sc in (fac, ana, ana_tab, ben):
        sc.get_received()
    with batcher.holding():
        a = send(ana, board, "vote.add", note_id=note["id"])
        b = send(ben, board, "vote.add", note_id=note["id"])
        c = send(fac, board, "note.create", lane_id=lanes[0], text="public")
    # while the results are hidden only the voter and the staff learn that a dot moved
    for_ben = messages(ben)
    assert [(m["seq"], m["type"]) for m in for_ben] == [
        (a["seq"], "redacted"),
        (c["seq"], "note.create"),
    ]
    assert for_ben[1]["result"]["note"]["votes"] is None
    for_tab = messages(ana_tab)
    assert [(m["seq"], m["type"]) for m in for_tab] == [
        (a["seq"], "vote.add"),
        (b["seq"], "redacted"),
        (c["seq"], "note.create"),
    ]
    assert for_tab[0]["result"]["votes"] is None and for_tab[0]["actor"]["id"] is None
    for_fac = messages(fac)
    assert [(m["type"], m["result"]["votes"]) for m in for_fac] == [
        ("vote.add", 1),
        ("vote.add", 2),
    ]


def test_moves_of_one_note_in_a_tick_are_coalesced_for_receivers_not_in_the_log(
    socket_client, client, join, board, lanes
):
    ana_join = join("Ana")
    ana = joined(socket_client, ana_join["token"], board)
    ben = joined(socket_client, join("Ben")["token"], board)
    note = send(ana, board, "note.create", lane_id=lanes[0], text="Moving")["result"]["note"]
    other = send(ana, board, "note.create", lane_id=lanes[0], text="Staying")["result"]["note"]
    ben.get_received()
    with batcher.holding():
        m1 = send(ana, board, "note.move", note_id=note["id"], lane_id=lanes[1])
        m2 = send(ana, board, "note.move", note_id=other["id"], lane_id=lanes[2])
        m3 = send(ana, board, "note.move", note_id=note["id"], lane_id=lanes[2])
    [(name, batch)] = frames(ben)
    assert name == "ops" and [m["seq"] for m in batch] == [m1["seq"], m2["seq"], m3["seq"]]
    assert batch[0]["type"] == "coalesced" and batch[0]["result"] == {} and batch[0]["data"] == {}
    assert batch[1]["type"] == "note.move" and batch[1]["result"]["note_id"] == other["id"]
    assert batch[2]["type"] == "note.move" and batch[2]["result"]["lane_id"] == lanes[2]
    # the op log keeps every move whole: catch-up over HTTP and over the socket
    res = client.get(
        f"/api/boards/{board}/ops?after={m1['seq'] - 1}", headers=auth(ana_join["token"])
    )
    logged = res.get_json()["ops"]
    assert [(m["seq"], m["type"]) for m in logged] == [
        (m1["seq"], "note.move"),
        (m2["seq"], "note.move"),
        (m3["seq"], "note.move"),
    ]
    assert logged[0]["result"]["lane_id"] == lanes[1]
    late = socket_client(ana_join["token"])
    answer = late.emit("board:join", {"board_id": board, "since": m1["seq"] - 1}, callback=True)
    assert [m["type"] for m in answer["ops"]] == ["note.move"] * 3


def test_a_socket_that_left_the_board_gets_nothing_of_a_batch(socket_client, join, board, lanes):
    ana = joined(socket_client, join("Ana")["token"], board)
    ben = joined(socket_client, join("Ben")["token"], board)
    with batcher.holding():
        send(ana, board, "note.create", lane_id=lanes[0], text="one")
        assert ben.emit("board:leave", {"board_id": board}, callback=True)["ok"]
        send(ana, board, "note.create", lane_id=lanes[0], text="two")
    assert messages(ben) == []


def test_through_the_message_queue_a_ticks_public_ops_go_as_one_frame(monkeypatch):
    """Several processes: a run of public ops is one `ops` emit for the room (skipping their
    senders), then each sender gets the others' ops; a restricted op keeps its place in seq
    order. Before, every op was its own emit through Redis: the queue fell seconds behind."""
    from types import SimpleNamespace

    from roadmap.realtime import broadcast

    sent: list[tuple[str, Any, Any, Any]] = []
    monkeypatch.setattr(
        broadcast.socketio,
        "emit",
        lambda event, data, to=None, skip_sid=None: sent.append((event, data, to, skip_sid)),
    )
    restricted: list[int] = []
    monkeypatch.setattr(
        broadcast, "send_through_queue", lambda board_id, item: restricted.append(item.row.seq)
    )

    def item(seq: int, sender: str, audience: dict | None = None) -> broadcast.Item:
        row = SimpleNamespace(seq=seq, audience=audience)
        message = {"board_id": 7, "seq": seq, "type": "note.create", "result": {"note_id": seq}}
        return broadcast.Item(row=row, message=message, skip_sid=sender)

    items = [item(1, "ana"), item(2, "ben"), item(3, "ana", {"participants": [5]}), item(4, "ana")]
    broadcast.send_queued(7, items)
    room = [(e, d, s) for e, d, to, s in sent if to == "board:7"]
    assert room[0] == ("ops", {"ops": [items[0].message, items[1].message]}, ["ana", "ben"])
    assert ("op", items[1].message, "ana", None) in sent  # Ana gets Ben's op, not her own
    assert ("op", items[0].message, "ben", None) in sent
    assert restricted == [3]
    assert room[1] == ("op", items[3].message, ["ana"])  # after the restricted op, in order
    assert not any(to == "ana" and d == items[3].message for _e, d, to, _s in sent)
