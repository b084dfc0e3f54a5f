"""realtime/transport.py: websocket frames written directly, slow clients, server-side closes."""

from __future__ import annotations

import socket
from collections import deque
from typing import Any

import pytest
from engineio import packet
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, TextMessage

from roadmap.realtime import transport

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
