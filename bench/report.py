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
    for label, kind, context, bar_seconds, bar_mb in (
        ("200-note board PDF", "board", board, 3, 150),
        ("1,000-note event PDF", "event", event, 10, None),
    ):
        r = measure(kind, context)

        def check(value: float, limit: float | None, unit: str) -> str:
            if limit is None:
                return "(no bar)"
            return f"(bar <= {limit} {unit}: {'ok' if value <= limit else 'MISSED'})"

        print(f"{label}: {r['pages']} pages, {len(r['pdf']) / 1e6:.1f} MB file")
        cpu, wall, peak = r["cpu_seconds"], r["seconds"], r["peak_mb"]
        print(f"  wall in the worker  {wall:6.2f} s   {check(wall, bar_seconds, 's')}")
        print(f"  CPU in the worker   {cpu:6.2f} s   {check(cpu, bar_seconds, 's')}")
        print(f"  worker peak RSS     {peak:6.0f} MB  {check(peak, bar_mb, 'MB')}")
        print(f"  round trip with worker start {r['wall']:.2f} s")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"server-side process peak (data gathering only): {own:.0f} MB")


if __name__ == "__main__":
    main()
