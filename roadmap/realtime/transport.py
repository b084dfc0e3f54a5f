"""Websocket writes without a writer greenlet per client (gevent + simple-websocket only).

python-engineio gives every websocket connection a writer greenlet that waits on a queue
(`queue.get(timeout=...)`, which arms a timer each time) and frames each message with wsproto.
A board op goes to ~45 people, so each op cost 45 queue hand-offs, 45 greenlet switches, 45
timers and 45 wsproto frames. Profiled at 230 clients this was a third of the server's time:
more than the op core itself (docs/protocol.md, "Performance").

`FastSocket` keeps engine.io's protocol and its handshake (the code below follows
`engineio.socket.Socket._websocket_handler`) and changes one thing: once a connection is a
plain websocket, a packet is framed once per broadcast (every receiver gets the same bytes;
compression is never negotiated, see `live.without_websocket_compression`) and written straight
to the client's socket without blocking. A client whose socket buffer is full (a phone on weak
Wi-Fi) gets a flusher greenlet of its own that waits for it, so a slow client never holds up the
room; its backlog keeps the order of what follows. Past `MAX_BACKLOG_BYTES` the client is
disconnected instead: it reconnects and catches up with `since`, and nothing is lost.

Every byte written to a direct socket goes through one writer (`FastSocket._write`), in order:
simple-websocket's reader still answers the client's pings and close frames by writing to what
it holds as its socket, so that socket is replaced by a `SerialSocket` that hands those writes
to the same writer. A pong can no longer land in the middle of a half-flushed frame.

Anything else (threading, eventlet, gevent-websocket, a compression extension, long polling)
keeps engine.io's own code. `prepare_for_serving()` (app.py, the gunicorn entry point) calls
`install()` in gevent mode; ROADMAP_FAST_WEBSOCKET=0 keeps engine.io's writer.

This copies and depends on library internals; tests/realtime/test_transport_guard.py holds
the hashes of the upstream code reviewed for it and says what to re-check when they change.
The versions are capped in pyproject.toml.
"""

from __future__ import annotations

import contextlib
import struct
from collections import deque
from typing import Any

import engineio.socket
from engineio import exceptions, packet

MAX_BACKLOG_BYTES = 4 * 1024 * 1024  # a client this far behind is disconnected (it catches up)

_last: tuple[Any, bytes] | None = None  # (packet, frame): a broadcast sends one packet object
_direct_count = 0  # websockets of this process written directly now (GET /healthz shows it)


def ws_frame(data: str | bytes) -> bytes:
    """One unmasked, final websocket frame (server to client) with `data` as its payload."""
    if isinstance(data, str):
        payload, opcode = data.encode(), 0x81
    else:
        payload, opcode = bytes(data), 0x82
    n = len(payload)
    if n < 126:
        return bytes((opcode, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", opcode, 126, n) + payload
    return struct.pack("!BBQ", opcode, 127, n) + payload


def frame_of(pkt: packet.Packet) -> bytes:
    global _last
    last = _last
    if last is not None and last[0] is pkt:
        return last[1]
    frame = ws_frame(pkt.encode())
    _last = (pkt, frame)
    return frame


def _plain_gevent_socket(ws: Any) -> Any | None:
    """The gevent socket under a simple-websocket connection without extensions, or None."""
    try:
        import gevent.socket
    except ImportError:  # pragma: no cover - gevent is a dependency
        return None
    server = getattr(ws, "ws", None)  # engineio's SimpleWebSocketWSGI wraps simple_websocket
    sock = getattr(server, "sock", None)
    if not isinstance(sock, gevent.socket.socket):
        return None
    connection = getattr(getattr(server, "ws", None), "connection", None)
    proto = getattr(connection, "_proto", None)
    if getattr(proto, "extensions", None) != []:
        return None  # not negotiated yet, or compression: frames must go through wsproto
    return sock


class SerialSocket:
    """The client's socket as simple-websocket sees it: its writes go through our one writer.

    Reads, `fileno()` (its selector), `close()` and the rest go to the real socket.
    """

    def __init__(self, sock: Any, owner: FastSocket) -> None:
        self._real = sock
        self._owner = owner

    def send(self, data: bytes, *_args: Any) -> int:
        self._owner._write(bytes(data))
        return len(data)

    def sendall(self, data: bytes, *_args: Any) -> None:
        self._owner._write(bytes(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class FastSocket(engineio.socket.Socket):
    """An engine.io socket that writes websocket frames directly (see the module docstring)."""

    closed: bool  # engine.io's Socket sets these in __init__
    closing: bool
    connected: bool
    _direct = False  # True once the connection is a websocket written directly
    _sock: Any = None  # the client's socket while it can be written to
    _ws: Any = None
    _backlog: deque[memoryview] | None = None
    _backlog_bytes: int = 0

    # --- writing ------------------------------------------------------------------------------

    def send(self, pkt: packet.Packet) -> None:
        if not self._direct:
            super().send(pkt)
        elif self.check_ping_timeout():
            self._write(frame_of(pkt))

    def _write(self, frame: bytes) -> None:
        sock = self._sock
        if sock is None:
            return
        if self._backlog is not None:  # behind already: keep the order
            self._queue_behind(memoryview(frame))
            return
        try:
            sent = sock.send(frame, 0, 0.0)  # gevent: timeout 0 means never wait
        except BlockingIOError:
            sent = 0
        except OSError:
            self._broken()
            return
        if sent < len(frame):
            self._backlog = deque()
            self._backlog_bytes = 0
            self._queue_behind(memoryview(frame)[sent:])
            self.server.start_background_task(self._flush)

    def _queue_behind(self, chunk: memoryview) -> None:
        assert self._backlog is not None
        self._backlog.append(chunk)
        self._backlog_bytes += len(chunk)
        if self._backlog_bytes > MAX_BACKLOG_BYTES:
            self.server.logger.info("%s: client too far behind, disconnecting", self.sid)
            self._broken()

    def _flush(self) -> None:
        """Wait for a slow client: send its backlog in order, then write directly again."""
        backlog = self._backlog
        try:
            while backlog:
                chunk = backlog[0]
                self._sock.sendall(chunk)
                backlog.popleft()
                self._backlog_bytes -= len(chunk)
        except (OSError, AttributeError):  # AttributeError: _broken() cleared _sock meanwhile
            self._broken()
        finally:
            if self._backlog is backlog:
                self._backlog = None

    def _broken(self) -> None:
        """Stop writing to a dead or hopeless connection; the reader loop then closes it."""
        sock, self._sock, self._backlog = self._sock, None, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(2)  # wakes the reader, which ends the engine.io session

    def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        if not self._direct:
            super().close(wait=wait, abort=abort, reason=reason)
            return
        if self.closed or self.closing:
            return
        self.closing = True
        self.server._trigger_event(
            "disconnect", self.sid, reason or self.server.reason.SERVER_DISCONNECT, run_async=False
        )
        if not abort:
            self.send(packet.Packet(packet.CLOSE))
        self.closed = True
        if self._backlog is None and self._ws is not None:
            with contextlib.suppress(Exception):  # already closed by the client
                self._ws.close()  # a websocket close frame; the reader loop then ends
        elif self._backlog is not None:
            self._broken()

    # --- the websocket session (engine.io's, with direct writes) -------------------------------

    def _websocket_handler(self, ws: Any) -> Any:
        global _direct_count
        sock = _plain_gevent_socket(ws)
        if sock is None:
            return super()._websocket_handler(ws)

        def websocket_wait() -> Any:
            data = ws.wait()
            if data and len(data) > self.server.max_http_buffer_size:
                raise ValueError("packet is too large")
            return data

        for attr in ("_sock", "socket"):  # as engine.io does: time out a silent client
            if hasattr(ws, attr) and hasattr(getattr(ws, attr), "settimeout"):
                getattr(ws, attr).settimeout(self.server.ping_interval + self.server.ping_timeout)

        if self.connected:
            # the socket was already connected over polling, so this is an upgrade
            self.upgrading = True  # hold packet sends during the upgrade
            pkt = websocket_wait()
            decoded_pkt = packet.Packet(encoded_packet=pkt)
            if decoded_pkt.packet_type != packet.PING or decoded_pkt.data != "probe":
                self.server.logger.info("%s: Failed websocket upgrade, no PING packet", self.sid)
                self.upgrading = False
                return []
            ws.send(packet.Packet(packet.PONG, data="probe").encode())
            self.queue.put(packet.Packet(packet.NOOP))  # end poll
            pkt = websocket_wait()
            decoded_pkt = packet.Packet(encoded_packet=pkt)
            if decoded_pkt.packet_type != packet.UPGRADE:
                self.upgraded = False
                self.server.logger.info(
                    "%s: Failed websocket upgrade, expected UPGRADE packet, received %s instead.",
                    self.sid,
                    pkt,
                )
                self.upgrading = False
                return []
            self.upgraded = True
            self.upgrading = False
        else:
            self.connected = True
            self.upgraded = True

        self._ws = ws
        ws.ws.sock = SerialSocket(sock, self)  # its pongs and close frames: through _write
        self._start_direct_writes(sock)
        self.server.logger.info("%s: Upgrade to websocket successful", self.sid)
        _direct_count += 1
        try:
            self._read_until_closed(websocket_wait)
        finally:
            _direct_count -= 1
        with contextlib.suppress(Exception):
            ws.close()
        self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
        return []

    def _read_until_closed(self, websocket_wait: Any) -> None:
        """engine.io's reader loop: receive packets until the client or the server closes."""
        while True:
            try:
                p = websocket_wait()
            except Exception as e:
                if not self.closed:
                    self.server.logger.info(
                        '%s: Unexpected error "%s", closing connection', self.sid, str(e)
                    )
                break
            if p is None:  # connection closed by client
                break
            try:
                self.receive(packet.Packet(encoded_packet=p))
            except exceptions.UnknownPacketError:
                pass
            except exceptions.SocketIsClosedError:
                self.server.logger.info("Receive error -- socket is closed")
                break
            except Exception:
                self.server.logger.exception("Unknown receive error")
                break

        self._sock = None
        self._backlog = None

    def _start_direct_writes(self, sock: Any) -> None:
        """Send what was queued before the upgrade, in order, then write directly."""
        self._direct = True
        self._sock = sock
        empty = self.server.get_queue_empty_exception()
        while True:
            try:
                pkt = self.queue.get(block=False)
            except empty:
                break
            self.queue.task_done()
            if pkt is None:  # closed meanwhile
                self._write(ws_frame(packet.Packet(packet.CLOSE).encode()))
                break
            self._write(ws_frame(pkt.encode()))


def install() -> None:
    """Make engine.io create FastSocket connections (idempotent)."""
    engineio.socket.Socket = FastSocket


def status() -> dict[str, Any]:
    """Which writer this process uses, and how many websockets it writes directly now."""
    direct = engineio.socket.Socket is FastSocket
    return {
        "websocket_writes": "direct" if direct else "engine.io",
        "direct_websockets": _direct_count,
    }
