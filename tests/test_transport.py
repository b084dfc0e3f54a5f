"""roadmap/transport.py: websocket frames written directly, slow clients, server-side closes."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections import deque
from typing import Any

import pytest
import requests
import websocket
from engineio import packet
from live_peers import lanes_of
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, TextMessage

from roadmap import transport

# --- frames -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_frames_are_read_back_by_a_websocket_client(size):
    client = Connection(ConnectionType.CLIENT)
    text = ("ผู้รอดชีวิต " * (size // 11 + 1))[:size]
    data = b"\x00\xff" * (size // 2)
    client.receive_data(transport.ws_frame(text) + transport.ws_frame(data))
    events = list(client.events())
    assert [type(e) for e in events] == [TextMessage, BytesMessage]
    assert events[0].data == text and events[0].message_finished
    assert events[1].data == data and events[1].message_finished


def test_a_broadcast_is_framed_once():
    pkt = packet.Packet(packet.MESSAGE, '2["op",{"seq":1}]')
    first = transport.frame_of(pkt)
    assert transport.frame_of(pkt) is first
    other = packet.Packet(packet.MESSAGE, '2["op",{"seq":1}]')
    assert transport.frame_of(other) == first and transport.frame_of(other) is not first


# --- writing, with a socket that takes only part of what it is given ------------------------------


class ChokedSocket:
    """Accepts `room` bytes, then would block until `drain()`; records what went out."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.out = bytearray()
        self.waiting: deque[Any] = deque()

    def send(self, data, flags=0, timeout=None):
        assert timeout == 0.0, "the direct path must never wait"
        if self.room <= 0:
            raise BlockingIOError
        n = min(self.room, len(data))
        self.out += bytes(data[:n])
        self.room -= n
        return n

    def sendall(self, data):
        self.out += bytes(data)  # the flusher's wait is over: the client read everything

    def shutdown(self, how):
        self.shut = how


class FakeServer:
    ping_timeout = 20
    logger = __import__("logging").getLogger("test")

    def __init__(self) -> None:
        self.tasks: list[Any] = []

    def start_background_task(self, fn, *args):
        self.tasks.append((fn, args))

    def run_tasks(self):
        while self.tasks:
            fn, args = self.tasks.pop(0)
            fn(*args)


def fast_socket(sock: ChokedSocket) -> transport.FastSocket:
    s = transport.FastSocket.__new__(transport.FastSocket)
    s.server, s.sid, s.closed, s.closing, s.last_ping = FakeServer(), "sid", False, False, None
    s._direct, s._sock = True, sock
    return s


def messages(raw: bytes) -> list[str]:
    client = Connection(ConnectionType.CLIENT)
    client.receive_data(raw)
    return [e.data for e in client.events()]


def test_a_slow_client_gets_every_frame_in_order_once_it_reads():
    sock = ChokedSocket(room=50)
    s = fast_socket(sock)
    sent = [f'2["op",{{"seq":{i},"text":"{"x" * 40}"}}]' for i in range(1, 21)]
    for text in sent:
        s.send(packet.Packet(packet.MESSAGE, text))
    assert s._backlog, "the first frame did not fit: the rest waits behind it"
    assert len(s.server.tasks) == 1, "one flusher, however many frames wait"
    s.server.run_tasks()
    assert s._backlog is None
    assert messages(bytes(sock.out)) == ["4" + text for text in sent]
    sock.room = 10**6  # the client caught up: frames go straight out again
    s.send(packet.Packet(packet.MESSAGE, "after"))
    assert messages(bytes(sock.out))[-1] == "4after" and not s.server.tasks


def test_a_slow_client_on_a_real_gevent_socket_is_waited_for_by_its_own_greenlet():
    """A socket pair with small buffers: the room's writes return at once, the reader catches up."""
    import gevent
    import gevent.socket

    server_end, client_end = gevent.socket.socketpair()
    server_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client_end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s = fast_socket(server_end)
    s.server.start_background_task = gevent.spawn
    sent = [f'2["op",{{"seq":{i},"text":"{"z" * 2000}"}}]' for i in range(200)]
    for text in sent:  # ~400 KB, while nobody reads: never blocks the sender
        s.send(packet.Packet(packet.MESSAGE, text))
    assert s._backlog, "the buffers are full: the rest waits in the backlog"
    received = bytearray()

    def read_all() -> None:
        while len(messages(bytes(received))) < len(sent):
            received.extend(client_end.recv(65536))

    gevent.spawn(read_all).join(timeout=20)
    assert messages(bytes(received)) == ["4" + text for text in sent]
    gevent.sleep(0)
    assert s._backlog is None, "caught up: back to direct writes"
    server_end.close()
    client_end.close()


def test_a_client_too_far_behind_is_disconnected(monkeypatch):
    monkeypatch.setattr(transport, "MAX_BACKLOG_BYTES", 1000)
    sock = ChokedSocket(room=0)
    s = fast_socket(sock)
    for i in range(30):
        s.send(packet.Packet(packet.MESSAGE, "y" * 100 + str(i)))
    assert s._sock is None and sock.shut == socket.SHUT_RDWR
    s.send(packet.Packet(packet.MESSAGE, "dropped"))  # writes to a closed client are no-ops


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
