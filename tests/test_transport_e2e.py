"""The direct websocket writer on the real server: really in use, and one stream per client."""

from __future__ import annotations

import json
import socket

import pytest
import requests
import websocket
from live_peers import lanes_of, wait_for

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
    assert [s for s in got if s in seqs] == seqs
    ws.close()
