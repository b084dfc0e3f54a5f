"""Socket.IO frames the protocol does not have are refused out loud, never met with silence.

python-socketio, left alone, (a) waits forever for the binary attachments a frame announces:
every later text frame is taken as an attachment, so the connection stays open and answers
nothing ever after; (b) runs the server's `disconnect` handler for a client-sent event named
"disconnect" while the socket stays open; (c) answers no ack for a frame it cannot decode (too
deep, a huge integer: security/payloads.py refuses those) or for an event that has no handler.

`install()` puts one check in front of python-socketio's message dispatch:

- binary frames (BINARY_EVENT / BINARY_ACK or raw bytes): our protocol is JSON only, so the
  connection is closed;
- a frame that does not decode, an event without a name, a reserved name (connect, disconnect),
  a name with no handler, or more than one payload (every handler takes one: more arguments made
  it raise, a server_error ack and a traceback): an error ack
  `{"ok": false, "error": {"code": "invalid"}}` when the frame asked for one, else the
  connection is closed (there is no other way to tell the client).

`polling_guard()` is the WSGI wrapper that answers every engine.io long-polling POST: oversized
(413) and malformed (400) ones too, which engine.io left hanging (see there).
"""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import parse_qs

from engineio import packet as eio_packet
from engineio import payload as eio_payload
from flask_babel import lazy_gettext as _l
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
                _refuse(server, eio_sid, namespace, ack_id, str(err) or _l("Malformed frame."))
            else:
                _drop(server, eio_sid)
            return
        if pkt.packet_type == packet.EVENT:
            name = pkt.data[0] if isinstance(pkt.data, list) and pkt.data else None
            if not isinstance(name, str):
                _refuse(server, eio_sid, pkt.namespace, pkt.id, _l("An event needs a name."))
                return
            if name in RESERVED or name not in handlers_of(pkt.namespace):
                _refuse(
                    server,
                    eio_sid,
                    pkt.namespace,
                    pkt.id,
                    _l("Unknown event %(name)s.", name=repr(name[:40])),
                )
                return
            if len(pkt.data) > 2:  # the handlers take one payload: more was a TypeError (500)
                _refuse(server, eio_sid, pkt.namespace, pkt.id, _l("An event carries one payload."))
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


# What a client may send in a long-polling POST: the packet types engine.io's Socket.receive()
# handles. Any other (open, ping, noop, 7-9) raised UnknownPacketError, and engine.io then closed
# the session with wait=True: the POST hung (see polling_guard).
CLIENT_PACKETS = frozenset(
    (eio_packet.PONG, eio_packet.MESSAGE, eio_packet.UPGRADE, eio_packet.CLOSE)
)


def malformed_payload(body: bytes) -> str | None:
    """Why `body` is not an engine.io payload a client may POST, or None when it is one.

    Decoded by engine.io's own Payload class (what engine.io would do with it next), so the
    grammar is engine.io's: at most 16 packets separated by \\x1e, UTF-8, a known packet type.
    """
    try:
        packets = eio_payload.Payload(encoded_payload=body.decode("utf-8")).packets
    except (ValueError, KeyError, IndexError, TypeError):  # UnicodeDecodeError, binascii.Error
        return str(_l("The body is not an engine.io payload."))
    if not packets:
        return str(_l("The body holds no engine.io packet."))
    for pkt in packets:
        if pkt.packet_type not in CLIENT_PACKETS:
            return str(_l("The body holds an engine.io packet a client may not send."))
    return None


def _answer(start_response: Any, status: str, error: AppError) -> list[bytes]:
    """An error answer in the one error shape; the connection is closed after it."""
    body = json.dumps(error.body()).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ],
    )
    return [body]


def polling_guard(wsgi_app: Any, server: Any, path: str = "/socket.io/") -> Any:
    """Answer every engine.io long-polling POST, and close the connection of a refused one.

    python-engineio (4.15) leaves two kinds of POST unanswered, each socket then stuck in
    CLOSE-WAIT until enough of them exhaust the worker's connections:

    - over max_http_buffer_size it raises ContentTooLongError and then calls
      `server.disconnect(sid)`, which closes the session with `wait=True`: that waits for a GET
      poll to drain the session's queue, which an attacker never sends;
    - a body with a packet type `Socket.receive()` does not handle (the body `9`) raises
      UnknownPacketError and takes the same waiting path. Other garbage (`x`, an empty packet,
      bad base64, not UTF-8, 17 packets) was logged as a traceback and answered 200.

    Here an oversized POST is answered 413 before engine.io sees it; the body of any other POST
    to a polling session is decoded first with engine.io's own decoder (`malformed_payload`),
    and a malformed one is answered 400. Both close the session without waiting and the
    connection (`Connection: close`). A well-formed body is handed on to engine.io unchanged.
    (A body without a Content-Length is refused too: engine.io would read none.)
    tests/realtime/test_transport_guard.py notices when the engine.io code this relies on
    changes upstream.
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
            sid = parse_qs(environ.get("QUERY_STRING", "")).get("sid", [None])[0]
            if length is not None and length > limit:
                if sid:
                    _drop(server, sid)
                error = AppError("too_large", _l("The message is too large."))
                return _answer(start_response, "413 Content Too Large", error)
            socket = server.eio.sockets.get(sid) if sid else None
            if socket is not None and not socket.upgraded:  # else engine.io answers 400 itself
                body = environ["wsgi.input"].read(length or 0)
                why = malformed_payload(body)
                if why is not None:
                    server.logger.info("%s: malformed polling POST refused; closing", sid)
                    _drop(server, sid)
                    return _answer(start_response, "400 Bad Request", AppError("invalid", why))
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
        return wsgi_app(environ, start_response)

    return app
