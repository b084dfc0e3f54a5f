"""Database engine set-up: SQLite in WAL mode with a busy timeout, and write transactions that
take the write lock up front.

One rule for every write (docs/security.md, "Write transactions"): a SQLite transaction that
starts with a read (BEGIN DEFERRED) and then writes must upgrade its lock; when another writer
holds it, SQLite answers "database is locked" at once, whatever the busy timeout, because
waiting could deadlock. So:

- every transaction of a state-changing HTTP request (POST, PUT, PATCH, DELETE) is
  BEGIN IMMEDIATE, and its body is read in full before the first query (`receive_body`), so
  no lock is ever held while a slow client sends the rest of its body;
- the op core (ops/core.py `_begin_write`) and the few GET handlers that write
  (`begin_write()`) start an IMMEDIATE transaction themselves;
- socket events are reads, except ops, which go through the op core.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, has_request_context, request

from .extensions import db

FLUSHED = "roadmap_flushed"  # session.info key: changes were flushed and not yet committed


def has_pending_changes(session: so.Session) -> bool:
    """Whether the session holds writes not committed: unflushed objects or flushed rows."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(FLUSHED))


@sa.event.listens_for(so.Session, "after_flush")
def _mark_flushed(session: so.Session, _context: object) -> None:
    session.info[FLUSHED] = True


@sa.event.listens_for(so.Session, "after_commit")
@sa.event.listens_for(so.Session, "after_soft_rollback")
def _clear_flushed(session: so.Session, *_args: object) -> None:
    session.info.pop(FLUSHED, None)


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _request_writes() -> bool:
    """An HTTP request that changes state (socket events run in a request context too)."""
    return (
        has_request_context()
        and request.method in WRITE_METHODS
        and not hasattr(request, "sid")  # Flask-SocketIO event: the op core decides
    )


def receive_body() -> None:
    """Read a write request's body before any query (cached for get_json and request.form)."""
    if _request_writes():
        request.get_data(cache=True, parse_form_data=False)


def begin_write() -> None:
    """In a GET request that is about to write: end its read transaction and start an
    IMMEDIATE one. Elsewhere (write requests are IMMEDIATE already; the CLI and tests have no
    competing writers and may hold unflushed work) it does nothing."""
    if not has_request_context() or request.method in WRITE_METHODS or hasattr(request, "sid"):
        return
    session = db.session()
    if session.in_transaction():
        if session.connection().info.get("roadmap_immediate_now"):
            return
        session.rollback()
    session.connection(execution_options={"roadmap_immediate": True})


def configure_engine(app: Flask) -> None:
    """Tune SQLite connections; PostgreSQL needs nothing (apply() locks the board row)."""
    app.before_request(receive_body)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        # Do No Harm: freed space is zeroed, so erased text leaves the file (do_no_harm/erasure.py).
        cur.execute("PRAGMA secure_delete=ON")
        if _checkpointer["on"]:
            cur.execute("PRAGMA wal_autocheckpoint=0")  # the checkpoint thread does it
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(conn) -> None:
        immediate = bool(conn.get_execution_options().get("roadmap_immediate")) or _request_writes()
        conn.info["roadmap_immediate_now"] = immediate
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app: Flask) -> None:
    """Flask-SQLAlchemy, Alembic migrations (migrations/), and the engine's SQLite settings."""
    from .extensions import db, migrate

    db.init_app(app)
    root = Path(app.root_path).parent
    migrate.init_app(app, db, directory=str(root / "migrations"), render_as_batch=True)
    configure_engine(app)


# --- WAL checkpoints off the request path (the gevent server) -----------------------------------

_checkpointer: dict[str, Any] = {"on": False, "runs": 0, "longest": 0.0}


def start_checkpointer(app: Flask, interval: float = 0.5) -> bool:
    """Checkpoint the SQLite WAL in a thread of its own instead of inside a commit.

    SQLite's automatic checkpoint runs in whichever commit pushes the WAL past 1,000 pages:
    it copies them into the database file and fsyncs it, in the one gevent process, so every
    op in flight waited behind it (the stalls of issue 17; figures in docs/protocol.md).
    Here the app's connections turn it off and an OS thread (gevent's thread pool: the hub keeps
    running while it waits on the disk) runs a PASSIVE checkpoint every `interval` seconds on
    a connection of its own; PASSIVE never blocks a writer or a reader. No-op on PostgreSQL.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return False
    path = engine.url.database
    try:
        import gevent
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    real_sleep = monkey.get_original("time", "sleep")
    _checkpointer["on"] = True
    engine.dispose()  # connections made before this keep their automatic checkpoint: drop them

    def loop() -> None:
        import sqlite3

        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=1000")
        while _checkpointer["on"]:
            real_sleep(interval)
            started = time.monotonic()
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                continue
            _checkpointer["runs"] += 1
            _checkpointer["longest"] = max(_checkpointer["longest"], time.monotonic() - started)

    gevent.get_hub().threadpool.spawn(loop)
    return True


def stop_checkpointer() -> None:
    """Let the checkpoint thread end (after its current sleep); new connections checkpoint
    automatically again."""
    _checkpointer["on"] = False
