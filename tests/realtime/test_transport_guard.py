"""Guards for roadmap/realtime/transport.py and guard.py, which depend on library internals.

If a hash below changes, a library we patch changed under us. Before updating the hash:
- `engineio.socket.Socket._websocket_handler` / `.close`: FastSocket._websocket_handler and
  .close copy them (upgrade handshake, reader loop, close order). Re-apply upstream's change to
  the copy, then run tests/realtime/test_transport.py and tests/e2e.
- `simple_websocket.ws.Base.*`: SerialSocket relies on every write of simple-websocket going
  through `self.sock.send(...)` (pongs, pings, close frames) and on `self.sock` being read with
  `recv()` and registered in a selector (`fileno()`).
- `engineio.async_drivers.gevent.SimpleWebSocketWSGI`: `_plain_gevent_socket` reads `ws.ws`
  (the simple_websocket.Server), its `.sock` and its wsproto connection's negotiated extensions.
Or switch the direct writes off (ROADMAP_FAST_WEBSOCKET=0) until the copy is reviewed.
- `engineio.socket.Socket.handle_post_request` / `.receive`, `engineio.server.Server.
  handle_request`, `engineio.payload.Payload.decode`, `engineio.packet.Packet.decode`:
  roadmap/realtime/guard.py's `polling_guard` decodes a long-polling POST with engine.io's own
  Payload first and refuses the packet types `receive()` does not handle (engine.io answered
  those by closing the session with wait=True: the POST hung). If upstream now answers a
  malformed POST itself (400, without waiting), the guard may go; if `receive()` takes other
  packet types, update `guard.CLIENT_PACKETS`; then run tests/security/test_audit.py and
  tests/e2e/security/test_audit_server.py.
- `gunicorn.util.write_error` / `.write` / `.write_nonblock`: gunicorn.conf.py adds the security
  headers to gunicorn's own error answers by handing write_error a socket whose `sendall` puts
  them after the status line; it relies on the whole answer going out in one `sendall`.
  tests/e2e/security/test_audit_server.py checks a real gunicorn's 400.
"""

from __future__ import annotations

import hashlib
import inspect
from importlib.metadata import version

import engineio.async_drivers.gevent as engineio_gevent
import engineio.packet
import engineio.payload
import engineio.server
import engineio.socket
import gunicorn.util as gunicorn_util
import pytest
import simple_websocket.ws as simple_ws
from engineio import packet
from packaging.version import Version
from wsproto.connection import Connection, ConnectionType
from wsproto.events import Pong, TextMessage

from roadmap.realtime import transport

REVIEWED = {
    "engineio.socket.Socket._websocket_handler": (
        engineio.socket.Socket._websocket_handler,
        "58afe122719282de",
    ),
    "engineio.socket.Socket.close": (engineio.socket.Socket.close, "05fac55831999f25"),
    "simple_websocket.ws.Base.send": (simple_ws.Base.send, "5dd75a306f1fab59"),
    "simple_websocket.ws.Base.close": (simple_ws.Base.close, "c3b710ade5278edb"),
    "simple_websocket.ws.Base._thread": (simple_ws.Base._thread, "da9a912028a48435"),
    "simple_websocket.ws.Base._handle_events": (simple_ws.Base._handle_events, "fa982a271583fe76"),
    "engineio.socket.Socket.handle_post_request": (
        engineio.socket.Socket.handle_post_request,
        "5be8170455a3482c",
    ),
    "engineio.socket.Socket.receive": (engineio.socket.Socket.receive, "4126eb2537d0d020"),
    "engineio.server.Server.handle_request": (
        engineio.server.Server.handle_request,
        "79302edd007fcce6",
    ),
    "engineio.payload.Payload.decode": (engineio.payload.Payload.decode, "9c7975664d815d3d"),
    "engineio.packet.Packet.decode": (engineio.packet.Packet.decode, "18e27ff7fd56addd"),
    "gunicorn.util.write_error": (gunicorn_util.write_error, "bd0143a03c15a2c8"),
    "gunicorn.util.write": (gunicorn_util.write, "cd995031295fd782"),
    "gunicorn.util.write_nonblock": (gunicorn_util.write_nonblock, "d2ff97701c36645e"),
    "engineio.async_drivers.gevent.SimpleWebSocketWSGI": (
        engineio_gevent.SimpleWebSocketWSGI,
        "ef4f852b672632e5",
    ),
}

# The minor versions the copy was reviewed against (pyproject.toml caps them the same way).
TESTED = {
    "python-engineio": "4.15",
    "python-socketio": "5.18",
    "simple-websocket": "1.1",
    "wsproto": "1.3",
    "weasyprint": "70",
    "cssselect2": "0.10",
}


def source_hash(obj: object) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(REVIEWED))
def test_the_upstream_code_we_depend_on_is_the_code_we_reviewed(name):
    obj, reviewed = REVIEWED[name]
    assert source_hash(obj) == reviewed, (
        f"{name} changed upstream (installed: {source_hash(obj)}). Read this module's "
        "docstring for what to re-check in roadmap/realtime/transport.py before updating the hash."
    )


@pytest.mark.parametrize("package", sorted(TESTED))
def test_the_installed_versions_are_the_tested_ones(package):
    installed = Version(version(package))
    tested = TESTED[package]
    assert str(installed).startswith(tested + ".") or str(installed) == tested, (
        f"{package} {installed} is installed; the patches were reviewed against {tested}.x"
    )


class ChokedSocket:
    """Takes `room` bytes without waiting, then would block; `drain()` reads everything."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.out = bytearray()

    def send(self, data, flags=0, timeout=None):
        if self.room <= 0:
            raise BlockingIOError
        n = min(self.room, len(data))
        self.out += bytes(data[:n])
        self.room -= n
        return n

    def sendall(self, data):
        self.out += bytes(data)

    def recv(self, n):
        return b"from the real socket"

    def fileno(self):
        return 42


class FakeServer:
    ping_timeout = 20
    logger = __import__("logging").getLogger("test")

    def __init__(self) -> None:
        self.tasks: list = []

    def start_background_task(self, fn, *args):
        self.tasks.append((fn, args))


def test_pongs_written_by_the_reader_wait_behind_a_half_sent_frame():
    """simple-websocket answers pings on its own; its bytes must not split one of our frames."""
    sock = ChokedSocket(room=100)
    s = transport.FastSocket.__new__(transport.FastSocket)
    s.server, s.sid, s.closed, s.closing, s.last_ping = FakeServer(), "sid", False, False, None
    s._direct, s._sock = True, sock
    serial = transport.SerialSocket(sock, s)
    big = '2["op",{"seq":1,"text":"' + "x" * 5000 + '"}]'
    s.send(packet.Packet(packet.MESSAGE, big))  # 100 bytes out, the rest in the backlog
    server = Connection(ConnectionType.SERVER)
    assert serial.send(server.send(Pong(b"p1"))) > 0  # the reader answers a ping meanwhile
    s.send(packet.Packet(packet.MESSAGE, "after"))
    for fn, args in s.server.tasks:
        fn(*args)
    client = Connection(ConnectionType.CLIENT)
    client.receive_data(bytes(sock.out))
    events = list(client.events())
    assert [type(e) for e in events] == [TextMessage, Pong, TextMessage]
    assert events[0].data == "4" + big and events[2].data == "4after"
    assert serial.recv(10) == b"from the real socket" and serial.fileno() == 42
