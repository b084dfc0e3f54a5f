"""An op's write transaction on PostgreSQL under gevent holds its board's lock without yielding.

Each check runs in a process of its own that gevent has patched, as the server is, on the real
PostgreSQL server of the session (a copy of the demo database). A "ticker" greenlet counts
how often the hub let it run; the count is read when the op takes its board's lock and again
when it commits. Cooperative waits (psycopg's own choice under gevent) let the ticker run in
between, at every round trip, with the lock held: that is what capped the cluster at ~85 ops/s
(docs/deploy.md). Unyielding waits (roadmap/database.py) do not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support.engines import new_database_name

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]

PRELUDE = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import json, os, time, uuid

    import gevent
    import sqlalchemy as sa

    from roadmap import create_app, database
    from roadmap.extensions import db
    from roadmap.models import Board, Participant
    from roadmap.ops import apply

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": os.environ["URL"],
            "EXPORT_DIR": os.environ["WHERE"] + "/exports",
            "SOCKETIO_ASYNC_MODE": "gevent",
            "PDF_WORKER": False,
            "BROADCAST_TICK_SECONDS": 0,
        },
        instance_path=os.environ["WHERE"] + "/instance",
    )
    ticks = [0]

    def ticker():
        while True:
            ticks[0] += 1
            gevent.sleep(0)

    gevent.spawn(ticker)
    with app.app_context():
        board = db.session.scalars(sa.select(Board).order_by(Board.id)).first()
        actor = db.session.scalars(
            sa.select(Participant).where(Participant.role == "participant").order_by(Participant.id)
        ).first()
        board_id, lane_id, actor_id = board.id, board.lanes[0].id, actor.id
        db.session.remove()

    def create(text):
        raw = {"op_id": str(uuid.uuid4()), "type": "note.create",
               "data": {"lane_id": lane_id, "text": text}}
        with app.app_context():
            ack = apply(board_id, raw, actor_id).ack
            db.session.remove()
        return ack
    """
)

HELD_TICKS = PRELUDE + textwrap.dedent(
    """
    seen = {}
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def on_statement(conn, cursor, statement, *args):
        if "FOR UPDATE" in statement:
            seen["locked"] = ticks[0]

    @sa.event.listens_for(engine, "commit")
    def on_commit(conn):
        if "locked" in seen:
            seen["committed"] = ticks[0]

    def held(text):
        seen.clear()
        ack = create(text)
        assert ack["ok"], ack
        return seen["committed"] - seen["locked"]

    cooperative = [held(f"cooperative {i}") for i in range(5)]
    installed = database.install_unyielding_waits()
    unyielding = [held(f"unyielding {i}") for i in range(5)]
    print(json.dumps({"installed": installed, "cooperative": cooperative,
                      "unyielding": unyielding, "blocking_waits": database._waits["blocking"]}))
    """
)

LOCKED_BY_A_YIELDING_GREENLET = PRELUDE + textwrap.dedent(
    """
    database.install_unyielding_waits()
    events = []

    def holder():
        # Another greenlet of this process holds the board's lock and yields while it does
        # (not an op: a cooperative transaction), as no op does any more.
        with app.app_context():
            db.session.execute(
                sa.text("SELECT id FROM board WHERE id = :id FOR UPDATE"), {"id": board_id}
            )
            events.append("holder locked")
            gevent.sleep(1.0)
            events.append("holder commits")
            db.session.commit()
            db.session.remove()

    a = gevent.spawn(holder)
    while "holder locked" not in events:
        gevent.sleep(0.01)
    before = ticks[0]
    started = time.monotonic()
    ack = create("after the holder")
    events.append("op applied")
    a.join(10)
    print(json.dumps({"ack": ack, "events": events, "ticks_while_waiting": ticks[0] - before,
                      "seconds": round(time.monotonic() - started, 2)}))
    """
)


@pytest.fixture
def pg_demo_url(postgres, pg_demo_database):
    name = new_database_name()
    url = postgres.create_database(name, template=pg_demo_database[0])
    yield url.replace("postgresql://", "postgresql+psycopg://")
    postgres.drop_database(name)


def run_patched(script: str, url: str, where: Path) -> dict:
    env = {**os.environ, "URL": url, "WHERE": str(where), "PYTHONPATH": str(ROOT)}
    env.pop("PSYCOPG_WAIT_FUNC", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_op_holds_its_board_lock_without_handing_the_process_to_other_greenlets(
    pg_demo_url, tmp_path
):
    out = run_patched(HELD_TICKS, pg_demo_url, tmp_path)
    assert out["installed"] is True
    # The probe sees yields: psycopg's cooperative waits let the ticker run with the lock held.
    assert min(out["cooperative"]) > 0, out
    # Unyielding: from the lock to the commit, no other greenlet ran.
    assert out["unyielding"] == [0, 0, 0, 0, 0], out
    assert out["blocking_waits"] >= 5 * 5, out  # each op's round trips waited blocking


def test_a_lock_held_by_a_yielding_greenlet_of_the_same_process_is_waited_for_cooperatively(
    pg_demo_url, tmp_path
):
    """Waiting blocked for it would freeze the process for good: the holder could never run.
    The unyielding attempt gives up after its lock_timeout; the retry waits cooperatively."""
    out = run_patched(LOCKED_BY_A_YIELDING_GREENLET, pg_demo_url, tmp_path)
    assert out["ack"]["ok"] is True, out
    assert out["events"] == ["holder locked", "holder commits", "op applied"], out
    assert out["ticks_while_waiting"] > 0, out  # the process kept running while the op waited
