"""The state several processes share (roadmap/shared.py) on a real Redis, and the position
collation on a real PostgreSQL. Two `Shared` stores on one Redis stand for two processes."""

from __future__ import annotations

import json
import os
import uuid

import pytest
import sqlalchemy as sa

from roadmap import shared
from roadmap.extensions import db

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_processes(redis_server):
    one, other = shared.Shared(redis_server.url), shared.Shared(redis_server.url)
    for store in (one, other):  # no heartbeat task here: this process is alive by its key
        store._heartbeat_pid = os.getpid()
    one.redis.set(shared.PREFIX + "proc:" + shared.process_id(), "1", ex=60)
    yield one, other
    one.redis.flushdb()


def test_an_op_budget_is_spent_on_every_process_together(two_processes):
    one, other = two_processes
    key = uuid.uuid4().hex
    taken = [store.take("participant", key, 0.001, 4) for store in (one, other, one, other, one)]
    assert taken == [True, True, True, True, False]  # a burst of 4, whichever process asks
    other.give_back("participant", key, 4)
    assert one.take("participant", key, 0.001, 4)
    one.forget("participant", key)
    assert other.take("participant", key, 0.001, 4)


def test_presence_jobs_and_sockets_are_seen_from_every_process(two_processes):
    one, other = two_processes
    one.set_presence(7, "sid-1", {"id": 1, "name": "Ana", "editing": None, "secret": None})
    assert [e["name"] for e in other.presence_entries(7)] == ["Ana"]
    other.drop_presence(7, "sid-1")
    assert one.presence_entries(7) == []
    one.add_sid(5, "sid-a")
    other.add_sid(5, "sid-b")
    assert one.sids_of(5) == other.sids_of(5) == ["sid-a", "sid-b"]
    one.put_job({"job_id": "j1", "event_id": 1, "state": "rendering", "progress": 0.5})
    assert other.get_job("j1")["progress"] == 0.5


def test_the_presence_of_a_dead_process_disappears(two_processes):
    one, other = two_processes
    entry = {"id": 2, "name": "Ghost", "editing": None, "secret": None}
    other.redis.hset(f"{shared.PREFIX}presence:8", "sid-x", json.dumps({**entry, "proc": "gone"}))
    assert one.presence_entries(8) == []  # no heartbeat key for process "gone"
    assert other.redis.hlen(f"{shared.PREFIX}presence:8") == 0


def test_positions_sort_by_bytes_on_postgresql(postgres, pg_migrated_database, tmp_path):
    from support.engine_fixtures import pg_app_on_copy_of

    for app in pg_app_on_copy_of(postgres, pg_migrated_database, tmp_path):
        with app.app_context():
            collation = db.session.scalar(
                sa.text(
                    "SELECT collation_name FROM information_schema.columns "
                    "WHERE table_name = 'note' AND column_name = 'position'"
                )
            )
            assert collation == "C"  # SQLite: BINARY already (no-op there)
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    from roadmap.models import Note

    ddl = str(CreateTable(Note.__table__).compile(dialect=postgresql.dialect()))
    assert 'position VARCHAR(64) COLLATE "C"' in ddl  # the model says so too
