"""Schema migrations: a fresh database, an old database with data, and models in step."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from support.api import make_app

from roadmap.cli import init_database
from roadmap.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_upgrade_keeps_the_data_of_an_old_database(tmp_path):
    database = tmp_path / "old.sqlite"
    app = make_app(tmp_path, database)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0001")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO event (id, name, place, languages, join_code, created_at) "
                    "VALUES (1, 'Old event', 'Bangkok', '[]', 'OLD123', '2019-02-19 09:00:00')"
                )
            )
            conn.execute(
                sa.text(
                    'INSERT INTO "group" (id, event_id, name, description, position) '
                    "VALUES (1, 1, 'The Legal Route', '', 0)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO board (id, group_id, title, template, seq, phase, locked, "
                    "private_writing, voting_open, vote_budget, message, created_at) VALUES "
                    "(1, 1, 'Legal', 'now-next-later', 1, 'brainstorm', 0, 0, 1, 5, '', "
                    "'2019-02-19 09:00:00')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO board_op (id, board_id, seq, op_id, type, data, result, "
                    "anonymous, at) "
                    "VALUES (1, 1, 1, 'op-1', 'note.create', '{}', '{}', 0, '2019-02-19 09:00:00')"
                )
            )
        kind = init_database()  # what `make run` does on every start
        assert kind == "sqlite WAL"
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name FROM event")).scalar() == "Old event"
            row = conn.execute(sa.text("SELECT op_id, undone FROM board_op")).one()
            assert tuple(row) == ("op-1", 0)
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            head = conn.execute(sa.text("PRAGMA journal_mode")).scalar()
        assert head == "wal"
        assert version != "0001"
        db.engine.dispose()


def test_init_database_is_idempotent(tmp_path):
    app = make_app(tmp_path, tmp_path / "fresh.sqlite")
    with app.app_context():
        init_database()
        init_database()
        tables = set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"event", "group", "board", "lane", "note", "vote", "participant", "board_op"} <= tables
