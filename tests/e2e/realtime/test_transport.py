"""The direct websocket writer on the real server: really in use, and one stream per client."""

from __future__ import annotations

import json
import socket
import time
import uuid
from typing import Any

import pytest
import requests
import websocket
from support.peers import lanes_of, wait_for

pytestmark = pytest.mark.e2e


def health(live_server) -> dict:
    return requests.get(live_server.url + "/healthz", timeout=10).json()


def test_the_live_server_writes_websockets_directly(live_server, peers):
    assert health(live_server)["websocket_writes"] == "direct"
    before = health(live_server)["direct_websockets"]
    ana = peers("Direct Ana")
    assert wait_for(lambda: health(live_server)["direct_websockets"] == before + 1)
    ana.close()
    assert wait_for(lambda: health(live_server)["direct_websockets"] == before)


def test_client_pings_during_a_backlogged_frame_leave_the_stream_intact(live_server, peers):
    board = live_server.board_id(4)
    lane = lanes_of(live_server, board)[0]
    token = live_server.join("Pinging reader")["token"]
    ws = websocket.create_connection(
        live_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
        sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),),
        timeout=20,
    )
    assert ws.recv().startswith("0{")
    ws.send("40" + json.dumps({"token": token}))
    assert ws.recv().startswith("40{")
    ws.send("421" + json.dumps(["board:join", {"board_id": board}]))
    writer = peers("Big writer")
    writer.join(board)
    text = "A signpost long enough to fill a phone's buffer on venue Wi-Fi. " * 30  # ~1.9 KB
    seqs = []
    for i in range(60):
        ack = writer.send(board, "note.create", lane_id=lane, text=f"{i} {text}", kind="signpost")
        assert ack["ok"], ack
        seqs.append(ack["seq"])
        ws.ping(f"ping {i}")  # the server's reader answers each with a pong, mid-backlog
    got = []
    while not got or got[-1] < seqs[-1]:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode != websocket.ABNF.OPCODE_TEXT:
            continue
        frame = data.decode()
        if frame == "2":
            ws.send("3")
        elif frame.startswith("42"):
            event, payload = json.loads(frame[2:])  # a split frame would not parse
            if event == "op":
                got.append(payload["seq"])
            elif event == "ops":  # a batch (roadmap/realtime/broadcast.py)
                got.extend(m["seq"] for m in payload["ops"])
    assert [s for s in got if s in seqs] == seqs
    ws.close()


# --- against the real server --------------------------------------------------------------------


class RawClient:
    """Engine.IO v4 / Socket.IO v5 spoken by hand over websocket-client, reading only on demand."""

    def __init__(self, url: str, token: str, rcvbuf: int | None = None) -> None:
        opts = ((socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf),) if rcvbuf else ()
        self.ws = websocket.create_connection(
            url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
            sockopt=opts,
            timeout=20,
        )
        assert self.ws.recv().startswith("0{")  # engine.io OPEN
        self.ws.send("40" + json.dumps({"token": token}))
        assert self.ws.recv().startswith("40{")  # socket.io CONNECT

    def call(self, event: str, payload: dict[str, Any], ack_id: int) -> Any:
        self.ws.send(f"42{ack_id}" + json.dumps([event, payload]))
        while True:
            frame = self.recv()
            if frame.startswith(f"43{ack_id}"):
                return json.loads(frame[len(f"43{ack_id}") :])[0]

    def recv(self) -> str:
        frame = self.ws.recv()
        if frame == "2":  # engine.io PING
            self.ws.send("3")
        return frame

    def ops_until(self, last_seq: int) -> list[int]:
        """The seqs of the ops received, up to and including `last_seq`."""
        seqs: list[int] = []
        while not seqs or seqs[-1] < last_seq:
            frame = self.recv()
            if frame.startswith("42"):
                event, payload = json.loads(frame[2:])
                if event == "op":
                    seqs.append(payload["seq"])
                elif event == "ops":  # a batch (roadmap/realtime/broadcast.py)
                    seqs.extend(m["seq"] for m in payload["ops"])
        return seqs


def test_a_client_that_stops_reading_holds_up_nobody_and_misses_nothing(live_server, peers):
    board = live_server.demo["groups"][2]["board_id"]
    lane = lanes_of(live_server, board)[0]
    slow = RawClient(live_server.url, live_server.join("Slow reader")["token"], rcvbuf=4096)
    assert slow.call("board:join", {"board_id": board}, 1)["ok"]
    fast = peers("Fast reader")
    fast.join(board)
    writers = [peers(f"Writer {i}") for i in range(3)]
    for w in writers:
        w.join(board)
    text = "A long signpost that fills the slow reader's buffer. " * 36  # ~1.9 KB
    seqs = []
    for round_ in range(40):
        for w in writers:
            ack = w.send(
                board, "note.create", lane_id=lane, text=f"{round_} {text}", kind="signpost"
            )
            assert ack["ok"], ack
            seqs.append(ack["seq"])
    deadline = time.monotonic() + 20
    while len([m for m in fast.received if m["seq"] in seqs]) < len(seqs):
        assert time.monotonic() < deadline, "the fast reader was held up by the slow one"
        time.sleep(0.05)
    # 120 ops of ~2 KB: far more than a 4 KB receive buffer holds; the rest waited server-side.
    got = slow.ops_until(seqs[-1])
    assert [s for s in got if s in seqs] == seqs, "in order, each once"
    assert got == sorted(set(got)), "no op twice, none out of order"
    slow.ws.close()


def test_a_removed_participant_is_disconnected_over_a_real_websocket(live_server, peers):
    zoe = live_server.join("Zoe removed")
    peer = peers("Zoe removed", token=zoe["token"])
    board = live_server.demo["groups"][0]["board_id"]
    peer.join(board)
    org = {"Authorization": f"Bearer {live_server.demo['organiser_token']}"}
    res = requests.delete(
        f"{live_server.url}/api/events/{live_server.demo['event_id']}/participants/"
        f"{zoe['participant']['id']}",
        headers=org,
        timeout=10,
    )
    assert res.status_code == 200
    deadline = time.monotonic() + 10
    while peer.sio.connected:
        assert time.monotonic() < deadline, "still connected after removal"
        time.sleep(0.05)
    other = peers("Still here")
    other.join(board)
    lane = lanes_of(live_server, board)[0]
    ack = other.send(board, "note.create", lane_id=lane, text=str(uuid.uuid4()), kind="signpost")
    assert ack["ok"], "the server goes on serving after closing a websocket itself"
