"""Database engine set-up: SQLite in WAL mode with a busy timeout and BEGIN IMMEDIATE writes."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask

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


def configure_engine(app: Flask) -> None:
    """Tune SQLite connections; PostgreSQL needs nothing (apply() locks the board row)."""
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
        # Do No Harm: freed space is zeroed, so erased text leaves the file (roadmap/erasure.py).
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(conn) -> None:
        immediate = conn.get_execution_options().get("roadmap_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
