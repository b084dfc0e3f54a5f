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

from pathlib import Path

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
