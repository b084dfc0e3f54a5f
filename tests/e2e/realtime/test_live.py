"""End to end: a real gunicorn + gevent server, real websockets, python-socketio clients."""

from __future__ import annotations

import gc
import random
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import socketio
import websocket
from support.peers import FIELDS, Peer, lanes_of, server_board, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", "pg"])
def live_server(request):
    """Every test here on the shared SQLite server and on a server on a real PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_live_server")


def test_two_clients_see_each_others_ops(live_server, peers):
    board = live_server.board_id(0)
    lane = lanes_of(live_server, board)[0]
    ana, ben = peers("Ana"), peers("Ben")
    ana.join(board)
    ben.join(board)
    from_ana = ana.send(board, "note.create", lane_id=lane, text="From Ana")
    from_ben = ben.send(board, "note.create", lane_id=lane, text="From Ben")
    assert from_ana["ok"] and from_ben["ok"]
    assert wait_for(lambda: any(m["seq"] == from_ana["seq"] for m in ben.received))
    assert wait_for(lambda: any(m["seq"] == from_ben["seq"] for m in ana.received))
    seen_by_ben = next(m for m in ben.received if m["seq"] == from_ana["seq"])
    assert seen_by_ben["result"]["note"]["text"] == "From Ana"
    assert seen_by_ben["actor"]["name"] == "Ana"
    assert not any(m["seq"] == from_ana["seq"] for m in ana.received)  # its ack is enough


def test_a_client_that_reconnects_with_since_gets_exactly_the_ops_it_missed(live_server, peers):
    board = live_server.board_id(1)
    lane = lanes_of(live_server, board)[0]
    writer = peers("Writer")
    writer.join(board)
    reader_token = live_server.join("Reader")["token"]
    reader = peers(token=reader_token)
    last_seen = reader.join(board)["seq"]
    reader.close()
    acks = [writer.send(board, "note.create", lane_id=lane, text=f"missed {i}") for i in range(20)]
    assert all(a["ok"] for a in acks)
    back = peers(token=reader_token)
    answer = back.join(board, since=last_seen)
    assert "snapshot" not in answer
    assert [m["seq"] for m in answer["ops"]] == [a["seq"] for a in acks]
    assert [m["result"]["note"]["text"] for m in answer["ops"]] == [
        f"missed {i}" for i in range(20)
    ]
    assert answer["seq"] == acks[-1]["seq"]


def test_ten_clients_firing_fifty_ops_each_converge_to_the_servers_board(live_server, peers):
    board = live_server.board_id(4)
    lanes = lanes_of(live_server, board)
    clients = [peers(f"Racer {i}") for i in range(10)]
    starts = {id(peer): peer.join(board)["seq"] for peer in clients}
    errors: list[dict[str, Any]] = []

    def fire(peer: Peer) -> None:
        rng = random.Random(id(peer))
        mine: dict[int, int] = {}
        voted: set[int] = set()
        for i in range(50):
            roll = rng.random()
            if mine and roll < 0.25:
                note_id = rng.choice(list(mine))
                ack = peer.send(
                    board, "note.update", note_id=note_id, base_version=mine[note_id], text=f"v{i}"
                )
            elif mine and roll < 0.45:
                note_id = rng.choice(list(mine))
                ack = peer.send(board, "note.move", note_id=note_id, lane_id=rng.choice(lanes))
            elif mine and roll < 0.6 and len(voted) < 3:
                note_id = rng.choice(list(mine))
                op_type = "vote.remove" if note_id in voted else "vote.add"
                ack = peer.send(board, op_type, note_id=note_id)
                voted.symmetric_difference_update({note_id})
            elif len(mine) > 3 and roll < 0.65:
                note_id = mine.popitem()[0]
                voted.discard(note_id)
                ack = peer.send(board, "note.delete", note_id=note_id)
            else:
                ack = peer.send(board, "note.create", lane_id=rng.choice(lanes), text=f"n{i}")
            if not ack["ok"]:
                errors.append(ack)
            elif "note" in ack["result"]:
                mine[ack["result"]["note"]["id"]] = ack["result"]["note"]["version"]

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(fire, clients))
    assert errors == []
    truth = server_board(live_server, board)
    expected = {n["id"]: {k: n[k] for k in FIELDS} for n in truth["notes"]}
    for peer in clients:
        assert wait_for(lambda p=peer: p.replica.seq == truth["seq"]), (
            peer.replica.seq,
            truth["seq"],
        )
        assert peer.replica.notes == expected
        start = starts[id(peer)]
        seen = sorted(s for s in peer.replica.seen if s > start)
        assert seen == list(range(start + 1, truth["seq"] + 1)), "an op was lost or duplicated"


def test_replays_stale_versions_and_every_error_code_over_real_sockets(live_server, peers):
    board = live_server.board_id(2)
    lane = lanes_of(live_server, board)[0]
    ana, ben = peers("Ana"), peers("Ben")
    facilitator = peers(token=live_server.demo["groups"][2]["facilitator_token"])
    for peer in (ana, ben, facilitator):
        peer.join(board)

    def code(ack: dict[str, Any]) -> str | None:
        return None if ack["ok"] else ack["error"]["code"]

    op_id = str(uuid.uuid4())
    first = ana.send(board, "note.create", op_id, lane_id=lane, text="Once")
    replay = ana.send(board, "note.create", op_id, lane_id=lane, text="Once")
    assert replay["seq"] == first["seq"] and replay["result"] == first["result"]
    note = first["result"]["note"]
    assert ana.send(board, "note.update", note_id=note["id"], base_version=1, text="v2")["ok"]
    stale = ana.send(board, "note.update", note_id=note["id"], base_version=1, text="v2 again")
    assert code(stale) == "conflict" and stale["current"]["text"] == "v2"
    assert code(ana.send(board, "note.create", lane_id="one", text="x")) == "invalid"
    assert (
        code(ana.send(board, "note.update", note_id=10**9, base_version=1, text="x")) == "not_found"
    )
    assert code(ben.send(board, "note.delete", note_id=note["id"])) == "forbidden"
    assert code(ana.send(board, "note.create", lane_id=lane, text="x" * 2001)) == "too_large"
    assert facilitator.send(board, "board.lock", locked=True)["ok"]
    try:
        assert code(ana.send(board, "note.create", lane_id=lane, text="x")) == "locked"
    finally:
        assert facilitator.send(board, "board.lock", locked=False)["ok"]
    flood = peers("Flood")
    flood.join(board)
    with ThreadPoolExecutor(30) as pool:  # many in flight, faster than the bucket refills
        acks = list(
            pool.map(
                lambda i: flood.send(board, "note.create", lane_id=lane, text=str(i)), range(120)
            )
        )
    codes = [code(ack) for ack in acks]
    assert codes.count(None) >= 60 and "rate_limited" in codes
    assert set(codes) == {None, "rate_limited"}
    assert ana.send(board, "note.create", lane_id=lane, text="Ana is not limited")["ok"]


def test_a_message_over_64_kb_is_refused_by_the_transport_without_harm(live_server, peers):
    board = live_server.board_id(3)
    lane = lanes_of(live_server, board)[0]
    big, other = peers("Big"), peers("Other")
    big.join(board)
    other.join(board)
    transport = big.sio.eio.ws  # the client library leaves it open when the server closes it
    op = {"board_id": board, "op_id": str(uuid.uuid4()), "type": "note.create"}
    big.sio.emit("op", {**op, "data": {"lane_id": lane, "text": "x" * 70_000}})
    assert wait_for(lambda: not big.sio.connected)
    transport.close()
    del transport
    big.sio = socketio.Client()  # drop the dropped client, and the socket its library leaks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert other.sio.connected
    assert other.send(board, "note.create", lane_id=lane, text="still here")["ok"]
    assert requests.get(live_server.url + "/healthz", timeout=5).ok


def test_the_websocket_handshake_checks_the_origin(live_server):
    url = live_server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    foreign = websocket.WebSocket()
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            foreign.connect(url, origin="http://evil.example", timeout=5)
    finally:
        foreign.close()  # a refused handshake leaves the socket open
    assert refused.value.status_code == 400
    own = websocket.create_connection(url, origin=live_server.url, timeout=5)
    try:
        assert own.recv().startswith("0{")  # the engine.io open packet
    finally:
        own.close()
    polling = live_server.url + "/socket.io/?EIO=4&transport=polling"
    assert (
        requests.get(polling, headers={"Origin": "http://evil.example"}, timeout=5).status_code
        == 400
    )


def test_websocket_frames_are_not_compressed(live_server):
    """A browser offers permessage-deflate; per-client compression of small ops is declined."""
    url = live_server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"
    ws = websocket.create_connection(url, origin=live_server.url, header=[offer], timeout=5)
    try:
        assert ws.recv().startswith("0{")
        assert "sec-websocket-extensions" not in {k.lower() for k in ws.getheaders() or {}}
    finally:
        ws.close()
