"""In-process cost of the op core: CPU milliseconds per op, per op type (no sockets).

Builds a temporary SQLite database with the demo event and 60 extra participants, then for each
hot op type applies --n ops the way a socket event does: push an app context, ops.apply() with
the actor's id, db.session.remove(). Every op must be accepted. Prints CPU ms (process time) and
wall ms per op, and SQL statements (round trips to the database) per op; --profile NAME writes a
cProfile of that op type to /tmp/ops_core.NAME.prof. --postgres runs the same on a private
PostgreSQL server (deploy/cluster.py's), started and stopped by the bench.

    .venv/bin/python bench/ops_core.py
    .venv/bin/python bench/ops_core.py --n 600 --profile note.create
    .venv/bin/python bench/ops_core.py --postgres
"""

from __future__ import annotations

import argparse
import cProfile
import json
import random
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from roadmap import create_app
from roadmap.cli import init_database
from roadmap.demo import create_demo
from roadmap.extensions import db
from roadmap.joining.participants import add_participant
from roadmap.models import Event
from roadmap.ops import apply, buckets

TYPES = ("note.create", "note.update", "note.move", "vote.add", "vote.remove", "note.delete")


def make_app(where: Path, url: str | None = None):
    return create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{where / 'ops.sqlite'}",
            "EXPORT_DIR": str(where / "exports"),
            "SOCKETIO_ASYNC_MODE": "threading",
            "PDF_WORKER": False,
        },
        instance_path=str(where / "instance"),
    )


def set_up(app) -> tuple[int, list[int], list[int]]:
    """The first demo board, its lane ids, and 60 participants' ids."""
    with app.app_context():
        init_database()
        info = create_demo()
        event = db.session.get(Event, info["event_id"])
        people = [add_participant(event, f"Bench {i}")[0] for i in range(60)]
        db.session.commit()
        board = event.groups[0].board
        result = board.id, [lane.id for lane in board.lanes], [p.id for p in people]
        db.session.remove()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="ops per type")
    parser.add_argument("--profile", choices=TYPES, help="cProfile this op type")
    parser.add_argument("--postgres", action="store_true", help="on a private PostgreSQL")
    parser.add_argument("--show", action="store_true", help="print the first op's statements")
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()
    where = Path(tempfile.mkdtemp(prefix="roadmap-ops-"))
    if not opts.postgres:
        run_all(opts, make_app(where))
        return
    from deploy.cluster import Postgres

    server = Postgres(where / "pg", fast=False).start()
    try:
        url = server.create_database("ops").replace("postgresql://", "postgresql+psycopg://")
        run_all(opts, make_app(where, url))
    finally:
        server.stop()


def run_all(opts: argparse.Namespace, app) -> None:
    random.seed(1)
    board_id, lanes, people = set_up(app)
    statements = [0]
    showing = [False]
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements[0] += 1
        if showing[0]:
            print("   ", " ".join(statement.split())[:160])

    @sa.event.listens_for(engine, "commit")
    def count_commit(*_: Any) -> None:
        statements[0] += 1

    notes: list[tuple[int, int]] = []  # (note id, author id) made by note.create
    versions: dict[int, int] = {}
    votes: list[tuple[int, int]] = []  # (note id, voter id) placed by vote.add

    def data_for(kind: str, i: int) -> tuple[int, dict[str, Any]]:
        if kind == "note.create":
            text = "Signpost: " + " ".join(random.choice("abcdefgh") * 5 for _ in range(8))
            return people[i % len(people)], {"lane_id": random.choice(lanes), "text": text}
        note_id, author = notes[i % len(notes)]
        if kind == "note.update":
            return author, {"note_id": note_id, "base_version": versions[note_id], "text": f"v{i}"}
        if kind == "note.move":
            return author, {"note_id": note_id, "lane_id": random.choice(lanes)}
        if kind == "note.delete":
            return author, {"note_id": note_id}
        if kind == "vote.add":  # five dots each, on five different notes
            voter = people[i % len(people)]
            return voter, {"note_id": notes[(i // len(people)) * 7 % len(notes)][0]}
        note_id, voter = votes[i % len(votes)]
        return voter, {"note_id": note_id}

    def one(kind: str, i: int) -> None:
        actor, data = data_for(kind, i)
        raw = {"op_id": str(uuid.uuid4()), "type": kind, "data": data}
        with app.app_context():
            ack = apply(board_id, raw, actor).ack
            db.session.remove()
        if not ack["ok"]:
            raise RuntimeError(f"{kind} refused: {ack['error']}")
        result = ack["result"]
        if kind in ("note.create", "note.update"):
            versions[result["note"]["id"]] = result["note"]["version"]
            if kind == "note.create":
                notes.append((result["note"]["id"], actor))
        elif kind == "vote.add":
            votes.append((data["note_id"], actor))

    def many(kind: str, n: int) -> None:
        for i in range(n):
            one(kind, i)

    figures: dict[str, dict[str, float]] = {}
    for kind in TYPES:
        buckets.reset()
        n = min(opts.n, len(people) * 5) if kind.startswith("vote.") else opts.n
        run = partial(many, kind, n)
        profiler = cProfile.Profile() if kind == opts.profile else None
        statements[0] = 0
        if opts.show:
            print(kind)
            showing[0] = True
            one(kind, 10_000)
            showing[0] = False
            statements[0] = 0
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.runcall(run)
            profiler.dump_stats(f"/tmp/ops_core.{kind}.prof")
        else:
            run()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        per_op = statements[0] / n
        figures[kind] = {
            "n": n,
            "cpu_ms": cpu / n * 1000,
            "wall_ms": wall / n * 1000,
            "statements": per_op,
        }
        print(
            f"{kind:12} {n:5} ops  {cpu / n * 1000:6.2f} ms CPU  {wall / n * 1000:6.2f} ms wall"
            f"  {per_op:4.1f} statements (commit included)"
        )
    weights = dict(zip(TYPES, (0.4, 0.3, 0.2, 0.05, 0.05, 0.0), strict=True))  # bench/live.py mix
    mix = sum(figures[k]["cpu_ms"] * w for k, w in weights.items())
    print(f"{'bench mix':12} {'':5}      {mix:6.2f} ms CPU (weighted like bench/live.py)")
    if opts.json:
        print(json.dumps({**figures, "mix_cpu_ms": mix}))


if __name__ == "__main__":
    main()
