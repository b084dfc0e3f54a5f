"""Real time: Socket.IO set-up and its frame guards (guard.py), the board socket handlers and
publish() (handlers.py), direct websocket writes (transport.py), how busy the boards are
(activity.py)."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

from .. import config as config_module
from ..extensions import socketio


def _async_mode(app: Flask) -> str:
    mode = app.config.get("SOCKETIO_ASYNC_MODE")
    if mode:
        return mode
    try:
        from gevent import monkey

        return "gevent" if monkey.is_module_patched("socket") else "threading"
    except ImportError:  # pragma: no cover
        return "threading"


# Every module that declares Socket.IO handlers. They are imported before socketio.init_app:
# Flask-SocketIO keeps a handler for the apps built later only if it was declared before the
# first server existed (after that, @socketio.on registers on the current server alone).
SOCKET_HANDLERS = ("roadmap.realtime.handlers", "roadmap.reports.live")


def init_app(app: Flask) -> None:
    from ..security.payloads import SocketJSON

    for name in SOCKET_HANDLERS:
        import_module(name)
    from . import handlers, shutdown
    from .guard import install as guard_sockets
    from .guard import polling_guard

    socketio.init_app(
        app,
        async_mode=_async_mode(app),
        message_queue=app.config.get("REDIS_URL"),
        cors_allowed_origins=config_module.origins(app.config.get("CORS_ORIGINS")),
        max_http_buffer_size=app.config["SOCKET_MAX_MESSAGE"],
        ping_interval=15,
        ping_timeout=20,
        manage_session=False,
        http_compression=False,  # small messages: see handlers.without_websocket_compression
        json=SocketJSON,  # the body limits of roadmap/security/payloads.py
    )
    guard_sockets(socketio.server)
    shutdown.init_app(app)
    app.wsgi_app = handlers.without_websocket_compression(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = polling_guard(app.wsgi_app, socketio.server)  # type: ignore[method-assign]
