"""Benchmark the PDF reports: an event of 5 boards x 200 notes with 100 commitments.

Prints, for a 200-note board PDF and for the whole-event PDF (1,000 notes): the render time
in the worker process (wall and CPU), the page count and the worker's peak memory. Each
measurement uses a fresh worker process (after its warm-up render), so the peak is its own.
Run: .venv/bin/python bench/report.py
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roadmap import create_app
from roadmap.extensions import db
from roadmap.models import Board, Event
from roadmap.reports.context import board_context, event_context
from roadmap.reports.sample import build_event
from roadmap.reports.worker import RenderWorker


def measure(kind: str, context: dict) -> dict:
    worker = RenderWorker()
    try:
        started = time.perf_counter()
        result = worker.render(kind, context)
        result["wall"] = time.perf_counter() - started
        return result
    finally:
        worker.stop()


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
            "EXPORT_DIR": str(tmp / "exports"),
            "SOCKETIO_ASYNC_MODE": "threading",
        },
        instance_path=str(tmp / "instance"),
    )
    with app.app_context():
        db.create_all()
        info = build_event(boards=5, notes_per_board=200, commitments=100)
        started = time.perf_counter()
        board = board_context(db.session.get(Board, info["board_ids"][0]))
        gather_board = time.perf_counter() - started
        started = time.perf_counter()
        event = event_context(db.session.get(Event, info["event_id"]))
        gather_event = time.perf_counter() - started
    print(f"data: {event['note_count']} notes, {len(event['actions'])} commitments")
    print(f"gathering in the server: board {gather_board:.2f} s, event {gather_event:.2f} s")
    for label, kind, context, bar in (
        ("200-note board PDF", "board", board, "<= 3 s, <= 150 MB"),
        ("1,000-note event PDF", "event", event, "<= 10 s"),
    ):
        r = measure(kind, context)
        print(
            f"{label}: render {r['seconds']:.2f} s in the worker ({r['cpu_seconds']:.2f} s CPU; "
            f"{r['wall']:.2f} s round trip with worker start), "
            f"{r['pages']} pages, {len(r['pdf']) / 1e6:.1f} MB file, "
            f"worker peak {r['peak_mb']:.0f} MB   [bar {bar}]"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"server-side process peak (data gathering only): {own:.0f} MB")


if __name__ == "__main__":
    main()
