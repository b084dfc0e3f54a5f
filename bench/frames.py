"""Frame times of a dense board in Chromium (issue 16: "200 notes stay smooth").

Starts its own server (tests/support/server.py: gunicorn + gevent on a temporary database with
the demo), makes a board of N notes per size (default 200 and 1000, spread over three lanes,
written through the ops API by several participants), opens it in Debian's Chromium (Playwright,
never `playwright install`) at 1366x768 and records, with a Chromium performance trace
(devtools.timeline) and a requestAnimationFrame clock:

- load: navigation → every note drawn (ms), and the longest main-thread task while loading;
- steady: frame times (median, p95, worst, frames over 50 ms) while the page scrolls down
  30 × 400 px and 20 live notes from others arrive; the trace's Layout / UpdateLayoutTree /
  Paint / FunctionCall totals in that window.

    .venv/bin/python bench/frames.py                 # 200 and 1000 notes
    .venv/bin/python bench/frames.py --notes 200 --runs 3
    .venv/bin/python bench/frames.py --trace-dir test-artifacts   # keep the traces

Figures go to docs/board.md ("200 notes"). On the shared 2-core machine numbers vary by ±20 %:
compare runs made back to back.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.server import LiveServer  # noqa: E402

LAPTOP = {"width": 1366, "height": 768}
CHROMIUM = "/usr/bin/chromium"
PER_WRITER = 40  # notes per participant (stays under the per-participant op rate limit)


def api(server: LiveServer, method: str, path: str, token: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for wait in (0.5, 1, 2, 4, 8, 0):  # rate limited: wait and try again
        res = requests.request(method, server.url + path, headers=headers, timeout=30, **kwargs)
        if res.status_code != 429 or not wait:
            break
        time.sleep(wait)
    res.raise_for_status()
    return res.json()


def add_note(server: LiveServer, board: int, token: str, lane: int, text: str) -> None:
    api(
        server,
        "POST",
        f"/api/boards/{board}/ops",
        token,
        json={
            "op_id": str(uuid.uuid4()),
            "type": "note.create",
            "data": {"lane_id": lane, "text": text},
        },
    )


def make_board(server: LiveServer, notes: int) -> tuple[dict[str, Any], list[int], list[str]]:
    org = server.demo["organiser_token"]
    group = api(
        server,
        "POST",
        f"/api/events/{server.demo['event_id']}/groups",
        org,
        json={"name": f"Bench {notes} {uuid.uuid4().hex[:4]}", "template": "now-next-later"},
    )
    board = group["group"]["board_id"]
    lanes = [lane["id"] for lane in api(server, "GET", f"/api/boards/{board}", org)["lanes"]]
    writers = [
        api(
            server,
            "POST",
            "/api/join",
            "",
            json={"code": server.demo["join_code"], "name": f"Writer {i}"},
        )["token"]
        for i in range(notes // PER_WRITER + 2)
    ]

    def write(i: int) -> None:
        text = f"Note {i + 1}: train border officials to spot the signs of trafficking early"
        add_note(server, board, writers[i // PER_WRITER], lanes[i % 3], text)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(notes)))
    return group, lanes, writers


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def task_durations(trace: Path, names: tuple[str, ...]) -> dict[str, list[float]]:
    events = json.loads(trace.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    work: dict[str, list[float]] = {}
    for e in events:
        if e.get("ph") == "X" and e.get("name") in names:
            work.setdefault(e["name"], []).append(e.get("dur", 0) / 1000)
    return work


def measure(
    browser: Any, server: LiveServer, notes: int, trace_dir: Path, run: int
) -> dict[str, Any]:
    group, lanes, writers = make_board(server, notes)
    board = group["group"]["board_id"]
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(group["facilitator_url"].replace("http://localhost", server.url))
    page.wait_for_selector("#conn[data-state=live]")
    # Load: a fresh page of the board, traced.
    load_trace = trace_dir / f"frames-{notes}-load-{run}.json"
    browser.start_tracing(
        page=page, path=str(load_trace), categories=["devtools.timeline", "toplevel"]
    )
    page.goto(f"{server.url}/boards/{board}")
    page.wait_for_function(
        f"() => document.querySelectorAll('#lanes .note').length >= {notes}", timeout=120_000
    )
    load_ms = page.evaluate("performance.now()")
    browser.stop_tracing()
    tasks = task_durations(load_trace, ("RunTask", "ThreadControllerImpl::RunTask"))
    load_tasks = [d for durations in tasks.values() for d in durations] or [0.0]
    page.wait_for_timeout(500)
    # Steady: scrolling and live notes from others.
    trace = trace_dir / f"frames-{notes}-steady-{run}.json"
    browser.start_tracing(page=page, path=str(trace), categories=["devtools.timeline"])
    page.evaluate(
        """() => { window.__frames = []; let last = performance.now();
             const tick = (now) => {
               window.__frames.push(now - last); last = now;
               if (window.__frames.length < 100000) requestAnimationFrame(tick); };
             requestAnimationFrame(tick); }"""
    )
    page.mouse.move(LAPTOP["width"] / 2, LAPTOP["height"] / 2)
    for _ in range(30):
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(50)
    for i in range(20):
        add_note(server, board, writers[-1], lanes[i % 3], f"Live {i}")
    page.wait_for_function(
        f"() => document.querySelectorAll('#lanes .note').length >= {notes + 20}",
        timeout=60_000,
    )
    page.wait_for_timeout(300)
    frames = page.evaluate("window.__frames.slice(1)")
    browser.stop_tracing()
    work = task_durations(trace, ("Layout", "UpdateLayoutTree", "Paint", "FunctionCall"))
    context.close()
    return {
        "notes": notes,
        "load_ms": load_ms,
        "load_longest_task": max(load_tasks),
        "frames": len(frames),
        "median": statistics.median(frames),
        "p95": pct(frames, 0.95),
        "worst": max(frames),
        "over50": sum(f > 50 for f in frames),
        "work": {k: sum(v) for k, v in work.items()},
        "work_max": {k: max(v) for k, v in work.items()},
    }


def summary(r: dict[str, Any]) -> str:
    work = ", ".join(f"{k} {v:.0f}/{r['work_max'][k]:.0f}" for k, v in sorted(r["work"].items()))
    return (
        f"{r['notes']} notes: load {r['load_ms']:.0f} ms (longest task "
        f"{r['load_longest_task']:.0f} ms); {r['frames']} frames: median {r['median']:.1f} ms, "
        f"p95 {r['p95']:.1f} ms, worst {r['worst']:.1f} ms, over 50 ms: {r['over50']}; "
        f"work (total/max ms) {work}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--trace-dir", type=Path, default=None)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        trace_dir = args.trace_dir or Path(tmp)
        trace_dir.mkdir(parents=True, exist_ok=True)
        server = LiveServer(Path(tmp)).start()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                for notes in args.notes:
                    for run in range(args.runs):
                        r = measure(browser, server, notes, trace_dir, run)
                        print(summary(r), flush=True)
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
