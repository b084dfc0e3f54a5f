"""WAL checkpoints off the request path, and the pause counters of GET /healthz."""

from __future__ import annotations

import gc
import time

import sqlalchemy as sa

from roadmap import database
from roadmap.extensions import db
from roadmap.realtime import stalls


def test_the_checkpoint_thread_takes_over_from_the_commits(app):
    try:
        assert database.start_checkpointer(app, interval=0.02)
        with app.app_context():
            # connections made from now on leave checkpoints to the thread
            assert db.session.execute(sa.text("PRAGMA wal_autocheckpoint")).scalar() == 0
            for i in range(20):
                db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x)"))
                db.session.execute(sa.text("INSERT INTO t VALUES (:x)"), {"x": "y" * 5000 + str(i)})
                db.session.commit()
            before = database._checkpointer["runs"]
            deadline = time.monotonic() + 20
            while database._checkpointer["runs"] <= before and time.monotonic() < deadline:
                time.sleep(0.02)
            assert database._checkpointer["runs"] > before
            assert stalls.status()["wal_checkpoint_thread"] is True
    finally:
        database.stop_checkpointer()
        with app.app_context():
            db.engine.dispose()
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA wal_autocheckpoint")).scalar() == 1000


def test_full_collections_are_counted(client):
    stalls.watch_gc()
    try:
        before = stalls.status()["gc_full_collections"]
        gc.collect()
        assert stalls.status()["gc_full_collections"] == before + 1
        body = client.get("/healthz").get_json()
        assert body["stalls"]["gc_full_collections"] >= before + 1
    finally:
        stalls.unwatch_gc()
