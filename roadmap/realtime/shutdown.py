"""A clean stop of one server process: its clients move on at once, nobody is left "here".

On SIGTERM (systemd, `make cluster-stop`, a deploy) gunicorn stops accepting connections and
then waits up to its graceful timeout (30 s) for open requests. A websocket is an open request
for as long as the phone stays connected, so without this module every client stayed on the
stopping process for 30 s, and its presence entries outlived the process by PROCESS_TTL
(another 30 s, roadmap/shared.py): the room saw people who had gone, for a minute.

`drain()` (run by gunicorn.conf.py's worker hook when the worker is told to stop, after the
listening socket is closed):
1. disconnects every client of this process (engine.io's close packet): each Socket.IO client
   reconnects at once, through nginx to another process (or, with one process, when the server
   is back) and catches up with `since` as after any reconnect (docs/protocol.md);
2. removes this process's presence entries and heartbeat from the shared store and tells every
   affected room who is still here, through the message queue (the other processes send it to
   their clients) — no stale entry waits for the heartbeat to expire;
then gunicorn finds no open request and the process exits.

`ROADMAP_DRAIN_ON_STOP=0` turns it off (gunicorn's plain graceful stop).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)
_app: dict[str, Flask] = {}
DELAY = 1.0  # seconds: gunicorn closes its listening socket within a second of the signal


def init_app(app: Flask) -> None:
    _app["app"] = app


def enabled() -> bool:
    app = _app.get("app")
    return bool(app is not None and app.config.get("DRAIN_ON_STOP", True))


def drain(delay: float = DELAY) -> dict[str, Any]:
    """Disconnect this process's clients and retire its shared state; returns what it did."""
    from .. import shared
    from ..extensions import socketio
    from . import handlers

    app = _app.get("app")
    if app is None or socketio.server is None:
        return {"clients": 0, "boards": 0}
    socketio.sleep(delay)
    with app.app_context():
        store = shared.store()
        eio = socketio.server.eio
        clients = list(getattr(eio, "sockets", {}))
        boards = sorted(shared.local().presence)
        try:
            eio.disconnect()  # every client of this process: close packet, then the socket
        except Exception:  # a socket already gone: its close raced ours
            log.exception("drain: disconnecting the clients")
        store.retire(boards)
        for board_id in boards:  # who is still here, from every other process
            try:
                payload = handlers.presence_payload(
                    board_id, app.config.get("PRESENCE_LIST_MAX", 50), store
                )
                socketio.emit("presence", payload, to=handlers.room_of(board_id))
            except Exception:  # Redis away: the heartbeat expiry still cleans up
                log.exception("drain: presence of board %s", board_id)
    log.info("drain: %s clients moved on, %s boards told", len(clients), len(boards))
    return {"clients": len(clients), "boards": len(boards)}
