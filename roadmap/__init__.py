"""Live roadmap boards for conference breakout groups."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import (
    api,
    boards,
    cli,
    database,
    do_no_harm,
    errors,
    follow_up,
    i18n,
    joining,
    organise,
    realtime,
    reports,
    routing,
    security,
    views,
)
from . import config as config_module
from .extensions import socketio

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Build the app: its configuration, then the plumbing, then one feature after another."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
        instance_path=instance_path
        or os.environ.get("ROADMAP_INSTANCE_PATH")
        or str(ROOT / "instance"),
    )
    configure(app, test_config)

    database.init_app(app)  # SQLAlchemy, migrations, SQLite's write lock taken up front
    i18n.init_app(app)  # the UI languages
    errors.init_app(app)  # one error shape, HTTP and socket acks
    routing.init_app(app)  # 64-bit ids in URLs
    realtime.init_app(app)  # Socket.IO, its frame guards, the board socket handlers
    security.init_app(app)  # JSON limits, cross-site writes, headers, rate limits
    joining.init_app(app)  # codes, QR, the join and sign-in pages
    boards.init_app(app)  # the board page, snapshots, the ops API
    organise.init_app(app)  # events, groups, dashboard, projector, participants
    reports.init_app(app)  # PDFs, trackers, backups, background renders
    follow_up.init_app(app)  # commitments after the event
    do_no_harm.init_app(app)  # retention and purge
    views.init_app(app)  # the pages' blueprint, once every feature added its pages
    api.init_app(app)  # the API blueprint and its OpenAPI document
    cli.init_app(app)  # init-db, demo, create-organiser
    return app


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Defaults, then instance/config.py and the environment, or the tests' mapping."""
    app.config.from_mapping(config_module.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        config_module.from_environment(app)
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config_module.ensure_secret_key(app)
    Path(app.config["EXPORT_DIR"]).mkdir(parents=True, exist_ok=True)


def prepare_for_serving(app: Flask) -> None:
    """What the long-running gevent server does once, after the app is built (app.py).

    - Direct websocket writes (roadmap/realtime/transport.py), unless ROADMAP_FAST_WEBSOCKET=0.
    - One process serves every socket: move what start-up made (modules, the app, its objects)
      out of the cyclic GC's reach; a full collection over it paused the process, every op in
      flight with it (figures: docs/protocol.md, "Performance").
    - SQLite WAL checkpoints in a thread of their own, not in a commit
      (database.start_checkpointer; SQLITE_CHECKPOINT_THREAD=False keeps SQLite's automatic one).
    """
    if socketio.async_mode != "gevent":
        return
    if app.config["FAST_WEBSOCKET"]:
        from .realtime.transport import install

        install()
    if app.config.get("SQLITE_CHECKPOINT_THREAD", True):
        from .database import start_checkpointer

        start_checkpointer(app)
    gc.collect()
    gc.freeze()
    from .realtime.stalls import watch_gc

    watch_gc()
