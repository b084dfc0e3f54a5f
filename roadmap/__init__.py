"""Live roadmap boards for conference breakout groups."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import config as config_module
from .extensions import db, migrate, socketio


def _async_mode(app: Flask) -> str:
    mode = app.config.get("SOCKETIO_ASYNC_MODE")
    if mode:
        return mode
    try:
        from gevent import monkey

        return "gevent" if monkey.is_module_patched("socket") else "threading"
    except ImportError:  # pragma: no cover
        return "threading"


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Build the app: config, extensions, blueprints, socket handlers, CLI commands."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
        instance_relative_config=True,
        instance_path=instance_path
        or os.environ.get("ROADMAP_INSTANCE_PATH")
        or str(root / "instance"),
    )
    app.config.from_mapping(config_module.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        config_module.from_environment(app)
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config_module.ensure_secret_key(app)
    Path(app.config["EXPORT_DIR"]).mkdir(parents=True, exist_ok=True)

    from .payloads import SocketJSON, init_payloads

    init_payloads(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"), render_as_batch=True)
    from .database import configure_engine

    configure_engine(app)

    from .i18n import init_i18n

    init_i18n(app)

    from .reports.gate import configure as configure_render_gate

    configure_render_gate(app.config)

    async_mode = _async_mode(app)
    socketio.init_app(
        app,
        async_mode=async_mode,
        message_queue=app.config.get("REDIS_URL"),
        cors_allowed_origins=config_module.origins(app.config.get("CORS_ORIGINS")),
        max_http_buffer_size=app.config["SOCKET_MAX_MESSAGE"],
        ping_interval=15,
        ping_timeout=20,
        manage_session=False,
        http_compression=False,  # small messages: see live.without_websocket_compression
        json=SocketJSON,  # the body limits of roadmap/payloads.py
    )
    from .socket_guard import install as guard_sockets

    guard_sockets(socketio.server)

    from .errors import register_error_handlers
    from .routing import init_routing

    register_error_handlers(app)
    init_routing(app)

    from . import live  # (socket handlers)

    app.wsgi_app = live.without_websocket_compression(app.wsgi_app)  # type: ignore[method-assign]
    from .socket_guard import polling_size_guard

    app.wsgi_app = polling_size_guard(app.wsgi_app, socketio.server)  # type: ignore[method-assign]
    from .security import init_security

    init_security(app)
    from .api import bp as api_bp
    from .api.openapi import init_openapi
    from .organise.views import bp as organise_bp
    from .views import bp as views_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(views_bp)
    app.register_blueprint(organise_bp)
    from . import follow_up

    follow_up.init_app(app)
    init_openapi(app)

    from .cli import register_cli

    register_cli(app)
    from . import purge  # retention: `flask purge`, and due purges run by the server

    purge.init_app(app)
    return app


def prepare_for_serving(app: Flask) -> None:
    """What the long-running gevent server does once, after the app is built (app.py).

    - Direct websocket writes (roadmap/transport.py), unless ROADMAP_FAST_WEBSOCKET=0.
    - One process serves every socket: move what start-up made (modules, the app, ~200,000
      objects) out of the cyclic GC's reach; a full collection over it paused the process for
      100-150 ms, every op in flight with it (docs/protocol.md, "Performance").
    - SQLite WAL checkpoints in a thread of their own, not in a commit
      (database.start_checkpointer; SQLITE_CHECKPOINT_THREAD=False keeps SQLite's automatic one).
    """
    if socketio.async_mode != "gevent":
        return
    if app.config["FAST_WEBSOCKET"]:
        from .transport import install

        install()
    if app.config.get("SQLITE_CHECKPOINT_THREAD", True):
        from .database import start_checkpointer

        start_checkpointer(app)
    gc.collect()
    gc.freeze()
    from .stalls import watch_gc

    watch_gc()
