"""Benchmark the PDF reports: events of 5 boards x 200 notes (100 commitments) and of 25 x 200.

Prints, for a 200-note board PDF, the whole-event PDF of 1,000 notes and that of 5,000 notes:
the render time in the worker process (wall and CPU), the page count and the worker's memory:
its own peak RSS (VmHWM, which includes the warm-up render), the largest RSS sampled from outside
every 50 ms, and getrusage's peak (which Linux carries over from the parent: high_water_mark).
Each measurement uses a fresh worker process (after its warm-up render),
so the peak is its own. Event PDFs of more than REPORT_PART_NOTES notes (the default config's,
or --part-notes N; 0: never) are laid out in parts and joined, as the server does.
Run: .venv/bin/python bench/report.py [--repeat N] [--idle] [--skip-5k] [--part-notes N]

By default the worker runs at normal CPU priority: on this shared machine a SCHED_IDLE worker
(production) waits minutes for a core, which changes wall time, not CPU time. --idle keeps it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roadmap import create_app
from roadmap.config import defaults
from roadmap.extensions import db
from roadmap.models import Board, Event
from roadmap.reports.context import board_context, event_context
from roadmap.reports.sample import build_event
from roadmap.reports.worker import RenderWorker


def high_water_mark(pid: int | None) -> float:
    """The worker's own peak RSS (VmHWM, MB). Its getrusage peak is not: Linux keeps ru_maxrss
    across fork and exec, so it starts at the RSS of the process that started the worker (this
    bench, or the server), which was 159-177 MB here for a worker whose own peak is ~135 MB."""
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(kind: str, context: dict, part_notes: int) -> dict:
    worker = RenderWorker()
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            pid = worker.pid
            if pid:
                with contextlib.suppress(psutil.Error):
                    peak[0] = max(peak[0], psutil.Process(pid).memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        started = time.perf_counter()
        result = worker.render(kind, context, part_notes=part_notes)
        result["wall"] = time.perf_counter() - started
        result["sampled_mb"] = peak[0] / 2**20
        result["hwm_mb"] = high_water_mark(worker.pid)
        return result
    finally:
        done.set()
        sampler.join()
        worker.stop()


def make_event(boards: int, commitments: int) -> tuple[dict, dict, float, float]:
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
        info = build_event(boards=boards, notes_per_board=200, commitments=commitments)
        started = time.perf_counter()
        board = board_context(db.session.get(Board, info["board_ids"][0]))
        gather_board = time.perf_counter() - started
        started = time.perf_counter()
        event = event_context(db.session.get(Event, info["event_id"]))
        gather_event = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return board, event, gather_board, gather_event


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1, help="measure each PDF N times")
    parser.add_argument("--idle", action="store_true", help="worker at SCHED_IDLE (production)")
    parser.add_argument("--skip-5k", action="store_true", help="leave out the 5,000-note event")
    parser.add_argument(
        "--part-notes",
        type=int,
        default=defaults("instance")["REPORT_PART_NOTES"],
        help="lay out an event of more notes in parts of about this many (0: never)",
    )
    args = parser.parse_args()
    if not args.idle:
        os.environ["ROADMAP_REPORT_WORKER_PRIORITY"] = "normal"
    board, event, gather_board, gather_event = make_event(5, 100)
    print(f"data: {event['note_count']} notes, {len(event['actions'])} commitments")
    print(f"gathering in the server: board {gather_board:.2f} s, event {gather_event:.2f} s")
    cases = [
        ("200-note board PDF", "board", board, 1.5, 150),
        ("1,000-note event PDF", "event", event, 5, None),
    ]
    if not args.skip_5k:
        _board, big, _gb, gather_big = make_event(25, 500)
        print(f"5,000-note event: {big['note_count']} notes, gathered in {gather_big:.2f} s")
        cases.append(("5,000-note event PDF", "event", big, None, 500))

    def check(value: float, limit: float | None, unit: str) -> str:
        if limit is None:
            return "(no bar)"
        return f"(bar <= {limit} {unit}: {'ok' if value <= limit else 'MISSED'})"

    for label, kind, context, bar_seconds, bar_mb in cases:
        for _ in range(args.repeat):
            r = measure(kind, context, args.part_notes)
            parts = f", {r['parts']} parts joined" if r.get("parts", 1) > 1 else ""
            print(f"{label}: {r['pages']} pages, {len(r['pdf']) / 1e6:.1f} MB file{parts}")
            cpu, wall, peak = r["cpu_seconds"], r["seconds"], r["peak_mb"]
            print(f"  wall in the worker  {wall:6.2f} s")
            print(f"  CPU in the worker   {cpu:6.2f} s   {check(cpu, bar_seconds, 's')}")
            hwm = r["hwm_mb"]
            print(f"  worker peak RSS     {hwm:6.0f} MB  {check(hwm, bar_mb, 'MB')} (VmHWM)")
            print(f"  sampled RSS (max)   {r['sampled_mb']:6.0f} MB")
            print(f"  getrusage peak      {peak:6.0f} MB   (counts the parent's RSS at fork)")
            print(f"  round trip with worker start {r['wall']:.2f} s", flush=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"server-side process peak (data gathering only): {own:.0f} MB")


if __name__ == "__main__":
    main()
