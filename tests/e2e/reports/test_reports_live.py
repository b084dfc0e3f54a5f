"""While a big event PDF renders in the worker process, the live board keeps answering."""

from __future__ import annotations

import os
import statistics
import threading
import time

import psutil
import pytest
import requests
import socketio
from support.peers import create_note, render_workers

from roadmap import create_app
from roadmap.extensions import db
from roadmap.reports.sample import build_event

pytestmark = pytest.mark.e2e


def test_the_board_stays_responsive_while_a_report_renders(live_server, tmp_path):
    # A large event written straight into the running server's database.
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": live_server.env["DATABASE_URL"],
            "EXPORT_DIR": str(tmp_path),
            "SOCKETIO_ASYNC_MODE": "threading",
        },
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        big = build_event(boards=2, notes_per_board=200, commitments=40)
        db.session.remove()
        db.engine.dispose()

    me = live_server.join("Responsive")
    board = live_server.board_id(0)
    snapshot = requests.get(
        f"{live_server.url}/api/boards/{board}",
        headers={"Authorization": f"Bearer {me['token']}"},
        timeout=10,
    ).json()
    lane = snapshot["lanes"][0]["id"]
    client = socketio.Client()
    client.connect(live_server.url, auth={"token": me["token"]}, transports=["websocket"])
    try:
        assert client.call("board:join", {"board_id": board}, timeout=10)["ok"]
        result: dict = {}

        def fetch_report() -> None:
            started = time.monotonic()
            res = requests.get(
                f"{live_server.url}/api/events/{big['event_id']}/report.pdf",
                headers={"Authorization": f"Bearer {big['organiser_token']}"},
                timeout=120,
            )
            result.update(
                status=res.status_code, size=len(res.content), seconds=time.monotonic() - started
            )
            result["pdf"] = res.content[:5]

        thread = threading.Thread(target=fetch_report)
        thread.start()
        latencies = []
        statuses: set[str] = set()
        time.sleep(0.3)  # the render is under way
        # ~6 ops a second: under REPORT_YIELD_OPS, so the render runs alongside (test_reports_gate
        # covers the busy boards, where it waits).
        while thread.is_alive() and len(latencies) < 200:
            started = time.monotonic()
            ack = create_note(client, board, lane, "Still here")
            latencies.append(time.monotonic() - started)
            assert ack["ok"], ack
            workers = render_workers(live_server)
            statuses.update(w.status() for w in workers)
            time.sleep(0.15)
        thread.join(120)
    finally:
        client.disconnect()
    assert result["status"] == 200 and result["pdf"] == b"%PDF-", result
    assert len(latencies) >= 10, (latencies, result)  # measured while the render ran
    assert psutil.STATUS_RUNNING in statuses and psutil.STATUS_STOPPED not in statuses, statuses
    assert max(latencies) < 1.0, latencies
    assert statistics.median(latencies) < 0.2, latencies
    # The render runs only when a core would otherwise idle: the live server comes first.
    assert len(workers) == 1
    assert os.sched_getscheduler(workers[0].pid) == os.SCHED_IDLE


def test_the_server_pauses_a_render_while_ops_flow(live_server):
    """gunicorn + gevent: ops at ~20 a second stop the worker; when they end, the PDF arrives."""
    me = live_server.join("Busy writer")
    board = live_server.board_id(0)
    headers = {"Authorization": f"Bearer {me['token']}"}
    lane = requests.get(f"{live_server.url}/api/boards/{board}", headers=headers, timeout=10)
    lane = lane.json()["lanes"][0]["id"]
    client = socketio.Client()
    client.connect(live_server.url, auth={"token": me["token"]}, transports=["websocket"])
    result: dict = {}
    try:
        assert client.call("board:join", {"board_id": board}, timeout=10)["ok"]

        def send(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                ack = create_note(client, board, lane, "Typing fast")
                assert ack["ok"], ack
                time.sleep(0.05)

        send(1.0)  # the boards are busy before the report is asked for
        organiser = {"Authorization": f"Bearer {live_server.demo['organiser_token']}"}

        def fetch() -> None:
            started = time.monotonic()
            res = requests.get(
                f"{live_server.url}/api/events/{live_server.demo['event_id']}/report.pdf",
                headers=organiser,
                timeout=120,
            )
            result.update(status=res.status_code, head=res.content[:5])
            result["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=fetch)
        thread.start()
        seen: set[str] = set()
        end = time.monotonic() + 4
        sender = threading.Thread(target=send, args=(4.0,))
        sender.start()
        while time.monotonic() < end:
            seen.update(p.status() for p in render_workers(live_server))
            time.sleep(0.05)
        sender.join()
        assert thread.is_alive(), result  # still waiting for a quiet moment
        thread.join(60)
    finally:
        client.disconnect()
    assert psutil.STATUS_STOPPED in seen, seen
    assert result["status"] == 200 and result["head"] == b"%PDF-", result
    assert result["seconds"] >= 4
