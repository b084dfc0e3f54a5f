"""Socket.IO frames the protocol does not have are refused out loud, never met with silence.

python-socketio, left alone, (a) waits forever for the binary attachments a frame announces:
every later text frame is taken as an attachment, so the connection stays open and answers
nothing ever after; (b) runs the server's `disconnect` handler for a client-sent event named
"disconnect" while the socket stays open; (c) answers no ack for a frame it cannot decode (too
deep, a huge integer: security/payloads.py refuses those) or for an event that has no handler.

`install()` puts one check in front of python-socketio's message dispatch:

- binary frames (BINARY_EVENT / BINARY_ACK or raw bytes): our protocol is JSON only, so the
  connection is closed;
- a frame that does not decode, an event without a name, a reserved name (connect, disconnect)
  or a name with no handler: an error ack `{"ok": false, "error": {"code": "invalid"}}` when the
  frame asked for one, else the connection is closed (there is no other way to tell the client).

`polling_size_guard()` is the WSGI wrapper for engine.io's long-polling POSTs (see there).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from socketio import packet

from ..errors import AppError

RESERVED = {"connect", "disconnect", "connect_error", "message"}
_HEAD = re.compile(r"^(\d)(?:\d+-)?(?:(/[^,]*),)?(\d{1,20})?")


def _drop(server: Any, eio_sid: str) -> None:
    """Close an engine.io session at once (no waiting for a poll to drain its queue)."""
    socket = server.eio.sockets.get(eio_sid)
    if socket is None:  # no engine.io socket (Flask-SocketIO's test client): end the session
        server._binary_packet.pop(eio_sid, None)
        server._handle_eio_disconnect(eio_sid, server.reason.SERVER_DISCONNECT)
        return
    try:
        socket.close(wait=False, reason=server.eio.reason.SERVER_DISCONNECT)
    finally:
        server.eio.sockets.pop(eio_sid, None)


def _refuse(server: Any, eio_sid: str, namespace: str | None, ack_id: int | None, why: str):
    if ack_id is None:
        server.logger.info("%s: refused frame without ack (%s); closing", eio_sid, why)
        _drop(server, eio_sid)
        return
    ack = AppError("invalid", why).ack()
    server._send_packet(
        eio_sid, server.packet_class(packet.ACK, namespace=namespace, id=ack_id, data=[ack])
    )


def install(server: Any) -> None:
    """Guard `server` (a socketio.Server): see the module docstring. Idempotent."""
    if getattr(server, "_roadmap_guarded", False):
        return
    server._roadmap_guarded = True

    def handlers_of(namespace: str | None) -> dict[str, Any]:
        return server.handlers.get(namespace or "/", {})

    def guarded(eio_sid: str, data: Any) -> None:
        if not isinstance(data, str):
            server.logger.info("%s: binary frame refused; closing", eio_sid)
            _drop(server, eio_sid)
            return
        head = _HEAD.match(data)
        kind = head.group(1) if head else None
        namespace = head.group(2) if head else None
        ack_id = int(head.group(3)) if head and head.group(3) else None
        if kind in (str(packet.BINARY_EVENT), str(packet.BINARY_ACK)):
            server.logger.info("%s: binary frame refused; closing", eio_sid)
            _drop(server, eio_sid)
            return
        try:
            pkt = server.packet_class(encoded_packet=data)
        except ValueError as err:  # roadmap.payloads.PayloadError is one
            if kind == str(packet.EVENT):
                _refuse(server, eio_sid, namespace, ack_id, str(err) or "Malformed frame.")
            else:
                _drop(server, eio_sid)
            return
        if pkt.packet_type == packet.EVENT:
            name = pkt.data[0] if isinstance(pkt.data, list) and pkt.data else None
            if not isinstance(name, str):
                _refuse(server, eio_sid, pkt.namespace, pkt.id, "An event needs a name.")
                return
            if name in RESERVED or name not in handlers_of(pkt.namespace):
                _refuse(server, eio_sid, pkt.namespace, pkt.id, f"Unknown event {name[:40]!r}.")
                return
            server._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif pkt.packet_type == packet.CONNECT:
            server._handle_connect(eio_sid, pkt.namespace, pkt.data)
        elif pkt.packet_type == packet.DISCONNECT:
            server._handle_disconnect(eio_sid, pkt.namespace, server.reason.CLIENT_DISCONNECT)
        elif pkt.packet_type == packet.ACK:
            server._handle_ack(eio_sid, pkt.namespace, pkt.id, pkt.data)
        else:
            _drop(server, eio_sid)

    server._handle_eio_message = guarded
    server.eio.on("message", guarded)


def polling_size_guard(wsgi_app: Any, server: Any, path: str = "/socket.io/") -> Any:
    """Answer an oversized engine.io long-polling POST with 413 and close the connection.

    python-engineio (4.15) raises ContentTooLongError for a POST over max_http_buffer_size
    and then calls `server.disconnect(sid)`, which closes the session with `wait=True`: that
    waits for a GET poll to drain the session's queue, which an attacker never sends. The POST
    was never answered and its socket stayed in CLOSE-WAIT; enough of them exhaust the worker's
    connections. Here such a POST is answered before engine.io sees it; its session is closed
    without waiting. (A body without a Content-Length is refused too: engine.io would read none.)
    """

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(
            path
        ):
            limit = server.eio.max_http_buffer_size
            raw = environ.get("CONTENT_LENGTH") or ""
            length = int(raw) if raw.isdigit() and len(raw) < 20 else None
            if length is None and environ.get("HTTP_TRANSFER_ENCODING"):
                length = limit + 1
            if length is not None and length > limit:
                sid = parse_qs(environ.get("QUERY_STRING", "")).get("sid", [None])[0]
                if sid:
                    _drop(server, sid)
                body = b'{"error": {"code": "too_large", "message": "The message is too large."}}'
                start_response(
                    "413 Content Too Large",
                    [
                        ("Content-Type", "application/json"),
                        ("Content-Length", str(len(body))),
                        ("Connection", "close"),
                    ],
                )
                return [body]
        return wsgi_app(environ, start_response)

    return app
