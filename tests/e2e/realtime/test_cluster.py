"""Two app processes on one PostgreSQL and one Redis: what a scaled-out event relies on.

Clients on different processes see each other's ops in seq order, presence is whole on both,
a removed participant is cut off on both, a report job started on one is polled on the other,
and concurrent writers on both processes get one seq each, without gaps (docs/deploy.md).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
import requests
from support.peers import Peer, lanes_of, wait_for
from support.server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def cluster(pg_cluster) -> tuple[LiveServer, LiveServer]:
    a, b = pg_cluster
    return a, b


def organiser(server: LiveServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.demo['organiser_token']}"}


def seqs_seen(peer: Peer, acks: list[dict[str, Any]]) -> list[int]:
    return sorted([m["seq"] for m in peer.received] + [a["seq"] for a in acks if a["ok"]])


def test_clients_on_two_processes_see_each_others_ops_in_seq_order(cluster):
    a, b = cluster
    board = a.board_id(0)
    lane = lanes_of(a, board)[0]
    ana, ben = Peer(a, "Ana on A").connect(), Peer(b, "Ben on B").connect()
    try:
        start = ana.join(board)["seq"]
        ben.join(board)
        acks: dict[str, list[dict[str, Any]]] = {"ana": [], "ben": []}
        for i in range(8):
            acks["ana"].append(ana.send(board, "note.create", lane_id=lane, text=f"A{i}"))
            acks["ben"].append(ben.send(board, "note.create", lane_id=lane, text=f"B{i}"))
        everything = list(range(start + 1, start + 17))
        assert wait_for(lambda: seqs_seen(ana, acks["ana"]) == everything)
        assert wait_for(lambda: seqs_seen(ben, acks["ben"]) == everything)
        for peer in (ana, ben):  # each process delivers the other's ops in seq order
            received = [m["seq"] for m in peer.received]
            assert received == sorted(received)
        assert ana.replica.notes == ben.replica.notes
    finally:
        ana.close()
        ben.close()


def test_presence_is_whole_on_both_processes(cluster):
    a, b = cluster
    board = a.board_id(1)
    ana, ben = Peer(a, "Presence Ana").connect(), Peer(b, "Presence Ben").connect()
    try:
        ana.join(board)
        ben.join(board)

        def sees_both(peer: Peer) -> bool:
            last = peer.presence[-1]["participants"] if peer.presence else []
            return {"Presence Ana", "Presence Ben"} <= {p["name"] for p in last}

        assert wait_for(lambda: sees_both(ana) and sees_both(ben))
        dashboard = requests.get(
            f"{b.url}/api/events/{b.demo['event_id']}/dashboard", headers=organiser(b), timeout=10
        ).json()
        tile = next(t for t in dashboard["boards"] if t["board_id"] == board)
        assert tile["people_online"] == 2  # the dashboard counts both processes' sockets
    finally:
        ana.close()
        ben.close()


def test_a_removed_participant_is_cut_off_on_both_processes(cluster):
    a, b = cluster
    joined = a.join("Removed soon")
    token, pid = joined["token"], joined["participant"]["id"]
    on_a, on_b = Peer(a, token=token).connect(), Peer(b, token=token).connect()
    try:
        on_a.join(a.board_id(2))
        on_b.join(a.board_id(2))
        res = requests.delete(
            f"{a.url}/api/events/{a.demo['event_id']}/participants/{pid}",
            headers=organiser(a),
            timeout=10,
        )
        assert res.ok, res.text
        assert wait_for(lambda: not on_a.sio.connected and not on_b.sio.connected)
    finally:
        on_a.close()
        on_b.close()


def test_a_report_job_started_on_one_process_is_polled_on_the_other(cluster):
    a, b = cluster
    url = f"/api/events/{a.demo['event_id']}/report-jobs"
    started = requests.post(a.url + url, headers=organiser(a), timeout=10)
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    states: list[str] = []

    def done() -> bool:
        res = requests.get(f"{b.url}{url}/{job_id}", headers=organiser(b), timeout=10)
        assert res.status_code == 200, res.text  # never a 404 from the other process
        states.append(res.json()["state"])
        return states[-1] in ("done", "failed")

    assert wait_for(done, timeout=240)
    assert states[-1] == "done", states
    file_url = requests.get(f"{b.url}{url}/{job_id}", headers=organiser(b), timeout=10).json()
    pdf = requests.get(b.url + file_url["file"]["url"], headers=organiser(b), timeout=30)
    assert pdf.ok and pdf.content.startswith(b"%PDF")


def test_concurrent_writers_on_both_processes_get_one_seq_each(cluster):
    a, b = cluster
    board = a.board_id(3)
    lane = lanes_of(a, board)[0]
    writers = [Peer(server, f"Writer {i}").connect() for i, server in enumerate((a, b, a, b))]
    acks: list[dict[str, Any]] = []
    lock = threading.Lock()
    go = threading.Barrier(len(writers))

    def write(peer: Peer) -> None:
        peer.join(board)
        go.wait()
        for i in range(12):
            ack = peer.send(board, "note.create", lane_id=lane, text=f"{peer.token[:4]} {i}")
            with lock:
                acks.append(ack)

    try:
        threads = [threading.Thread(target=write, args=(peer,)) for peer in writers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert [ack for ack in acks if not ack["ok"]] == []
        seqs = sorted(ack["seq"] for ack in acks)
        assert len(set(seqs)) == len(seqs) == 48
        log = requests.get(
            f"{b.url}/api/boards/{board}/ops",
            params={"after": seqs[0] - 1},
            headers={"Authorization": f"Bearer {writers[0].token}"},
            timeout=10,
        ).json()
        logged = [op["seq"] for op in log["ops"]]
        assert logged == list(range(seqs[0], seqs[0] + len(logged)))  # no gap, no duplicate
        assert set(seqs) <= set(logged)
        # A retried op (its ack lost) on the other process is answered from the log, not redone.
        op_id = str(uuid.uuid4())
        first = writers[0].send(board, "note.create", op_id=op_id, lane_id=lane, text="once")
        same_person_on_b = Peer(b, token=writers[0].token).connect()
        writers.append(same_person_on_b)
        same_person_on_b.join(board)
        again = same_person_on_b.send(board, "note.create", op_id=op_id, lane_id=lane, text="once")
        assert again["ok"] and again["seq"] == first["seq"] and again.get("duplicate")
    finally:
        for peer in writers:
            peer.close()


def test_a_private_note_reaches_the_facilitator_on_the_other_process_in_full(cluster):
    """Private writing: the author's facilitator on B gets the note whole, another participant
    on B only its seq (`redacted`), although the note was written on A."""
    a, b = cluster
    board = a.board_id(2)
    lane = lanes_of(a, board)[0]
    facilitator_token = a.demo["groups"][2]["facilitator_token"]
    fac_a = Peer(a, token=facilitator_token).connect()
    ana = Peer(a, "Ana writes on A").connect()
    fac_b = Peer(b, token=facilitator_token).connect()
    ben = Peer(b, "Ben reads on B").connect()
    try:
        for peer in (fac_a, ana, fac_b, ben):
            peer.join(board)
        assert fac_a.send(board, "writing.private", on=True)["ok"]
        text = f"Private idea {uuid.uuid4().hex[:6]}"
        ack = ana.send(board, "note.create", lane_id=lane, text=text)
        assert ack["ok"], ack

        def first(peer: Peer) -> dict[str, Any] | None:
            return next((m for m in peer.received if m["seq"] == ack["seq"]), None)

        assert wait_for(lambda: first(fac_b) is not None and first(ben) is not None)
        assert first(fac_b)["result"]["note"]["text"] == text  # whole, and first
        assert first(ben)["type"] == "redacted"
        assert text not in str([m for m in ben.received if m["seq"] == ack["seq"]])
        assert fac_b.send(board, "writing.private", on=False)["ok"]
    finally:
        for peer in (fac_a, ana, fac_b, ben):
            peer.close()


def test_a_cleanly_stopped_process_moves_its_clients_on_and_leaves_no_presence(cluster):
    """SIGTERM (a deploy, systemd): the stopping process closes its websockets at once (their
    clients reconnect elsewhere and catch up) and the room stops listing its people now, not
    after gunicorn's 30 s graceful timeout plus the 30 s heartbeat expiry (PROCESS_TTL)."""
    a, b = cluster
    board = a.board_id(3)
    ana, ben = Peer(a, "Leaving Ana").connect(), Peer(b, "Staying Ben").connect()
    try:
        ana.join(board)
        ben.join(board)

        def names(peer: Peer) -> set[str]:
            return (
                {p["name"] for p in peer.presence[-1]["participants"]} if peer.presence else set()
            )

        assert wait_for(lambda: {"Leaving Ana", "Staying Ben"} <= names(ben))
        a.proc.terminate()
        # Well inside either 30 s wait: what this asserts is that neither is waited out.
        assert wait_for(lambda: not ana.sio.connected, timeout=15)
        assert wait_for(lambda: "Leaving Ana" not in names(ben), timeout=15), names(ben)
        assert "Staying Ben" in names(ben)
        assert a.proc.wait(15) == 0  # the worker found no open request left and exited
    finally:
        ana.close()
        ben.close()
        if a.proc.poll() is not None:
            a.stop()
            a.start(demo=a.demo)  # the cluster serves the tests after this one
