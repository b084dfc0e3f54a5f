"""End to end: batched broadcasts and a plenary's presence on a real gevent server.

The server here has a long tick (ROADMAP_BROADCAST_TICK_SECONDS=3) so that ops sent within it
certainly go out as one `ops` batch, however slow the machine; and presence turns into counts
past two people (ROADMAP_PRESENCE_LIST_MAX=2).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from support.peers import FIELDS, Peer, lanes_of, server_board, wait_for
from support.server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    env = {
        "ROADMAP_BROADCAST_TICK_SECONDS": "3",
        "ROADMAP_BROADCAST_TICK_MAX_SECONDS": "3",
        "ROADMAP_PRESENCE_LIST_MAX": "2",
        "ROADMAP_PRESENCE_CROWD_SECONDS": "0.5",
    }
    live = LiveServer(tmp_path_factory.mktemp("batches"), env=env).start()
    yield live
    live.stop()


@pytest.fixture
def peer(server) -> Iterator:
    made: list[Peer] = []

    def make(name: str) -> Peer:
        p = Peer(server, name).connect()
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def test_batches_keep_seq_order_and_exactly_once_and_the_replica_converges(server, peer):
    board = server.board_id(0)
    lanes = lanes_of(server, board)
    reader = peer("Reader")
    reader.join(board)
    writers = [peer(f"Writer {i}") for i in range(3)]
    for w in writers:
        w.join(board)
    start = server_board(server, board)["seq"]

    def write(w: Peer) -> list[int]:
        seqs = []
        note = w.send(board, "note.create", lane_id=lanes[0], text=f"{w.token[:4]} first")
        seqs.append(note["seq"])
        note_id = note["result"]["note"]["id"]
        for lane in (lanes[1], lanes[2], lanes[0], lanes[1]):  # the same note, moved again
            seqs.append(w.send(board, "note.move", note_id=note_id, lane_id=lane)["seq"])
        for i in range(3):
            ack = w.send(board, "note.create", lane_id=lanes[2], text=f"more {i}")
            assert ack["ok"], ack
            seqs.append(ack["seq"])
        return seqs

    with ThreadPoolExecutor(3) as pool:
        sent = sorted(s for seqs in pool.map(write, writers) for s in seqs)
    last = sent[-1]
    assert sent == list(range(start + 1, last + 1))
    assert wait_for(lambda: reader.replica.seq == last, timeout=60)
    got = [m["seq"] for m in reader.received]
    assert sorted(got) == sent and len(got) == len(set(got))  # every op once
    assert reader.batches, "ops sent within one tick come as one batch"
    assert all(b == sorted(b) for b in reader.batches)  # in seq order inside a batch
    # a writer never gets its own ops, only the others'
    for w in writers:
        assert wait_for(lambda w=w: w.replica.seq == last, timeout=60)
        mine = set(w.replica.seen) - {m["seq"] for m in w.received}
        assert len(mine) == 8 and not mine & {m["seq"] for m in w.received}
    # the reader's copy is the server's, coalesced moves or not
    truth = {n["id"]: {k: n[k] for k in FIELDS} for n in server_board(server, board)["notes"]}
    assert reader.replica.notes == truth
    # and the op log holds every move whole
    token = server.demo["organiser_token"]
    logged = requests.get(
        f"{server.url}/api/boards/{board}/ops?after={start}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["ops"]
    assert [m["seq"] for m in logged] == sent
    assert sum(m["type"] == "note.move" for m in logged) == 12
    assert all(m["result"] for m in logged)


def test_presence_past_the_threshold_is_a_count(server, peer):
    board = server.board_id(1)
    people = [peer(f"Person {i}") for i in range(4)]
    for p in people:
        p.join(board)

    def crowd() -> bool:
        last = people[0].presence[-1] if people[0].presence else {}
        return last.get("crowd") is True and last.get("count") == 4

    assert wait_for(crowd, timeout=30)
    last = people[0].presence[-1]
    assert last["roles"] == {"participant": 4} and last["participants"] == []
