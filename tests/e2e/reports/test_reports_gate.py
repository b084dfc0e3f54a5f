"""reports/gate.py: a PDF render waits while the live boards are busy, and still finishes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import psutil
import pytest

from roadmap.realtime.activity import Activity, live_activity
from roadmap.reports import gate
from roadmap.reports.gate import Governor, YieldPolicy
from roadmap.reports.worker import RenderWorker, WorkerError

# --- the policy and the load (pure) ---------------------------------------------------------------


def test_a_busy_spell_stops_the_render_and_a_quiet_moment_continues_it():
    policy = YieldPolicy(max_pause=30, slice_seconds=3, now=0.0)
    assert policy.step(0.1, busy=False) is None
    assert policy.step(0.2, busy=True) == "stop" and policy.paused
    assert policy.step(5.0, busy=True) is None
    assert policy.step(5.2, busy=False) == "continue" and not policy.paused
    assert policy.step(5.3, busy=False) is None
    assert policy.waited == pytest.approx(5.0)
    assert policy.running_seconds(6.0) == pytest.approx(1.0)


def test_a_render_waits_at_most_max_pause_then_gets_a_slice_whatever_the_load():
    policy = YieldPolicy(max_pause=30, slice_seconds=3, now=0.0)
    assert policy.step(1.0, busy=True) == "stop"
    assert policy.step(30.9, busy=True) is None
    assert policy.step(31.0, busy=True) == "continue"
    for now in (31.5, 32.0, 33.9):  # its slice: busy or not, it runs
        assert policy.step(now, busy=True) is None
    assert policy.step(34.0, busy=True) == "stop"
    assert policy.running_seconds(34.0) == pytest.approx(4.0)  # 0-1 and 31-34


def test_activity_is_about_the_ops_of_the_last_second():
    load = Activity(tau=1.0)
    assert load.rate(100.0) == 0
    for i in range(200):  # 20 ops a second for 10 s
        load.note(100.0 + i / 20)
    assert 15 < load.rate(110.0) < 25
    assert load.rate(113.0) < 2  # three quiet seconds later


# --- the governor on real processes ---------------------------------------------------------------


def state(pid: int) -> str:
    return psutil.Process(pid).status()


def stopped_within(pid: int, seconds: float = 30) -> bool:
    """Poll until the process is stopped (SIGSTOP), with a deadline: True if it was."""
    deadline = time.monotonic() + seconds
    while state(pid) != psutil.STATUS_STOPPED and time.monotonic() < deadline:
        time.sleep(0.02)
    return state(pid) == psutil.STATUS_STOPPED


@pytest.fixture
def busy_boards():
    """Notes ops into the live load at `rate` a second, in a thread, while `on` is set."""
    on = threading.Event()
    stop = threading.Event()

    def note() -> None:
        while not stop.is_set():
            if on.is_set():
                live_activity.note()
            time.sleep(0.02)  # 50 a second

    thread = threading.Thread(target=note, daemon=True)
    thread.start()
    yield on
    stop.set()
    thread.join()


@pytest.fixture
def gate_settings():
    saved = (gate.settings.yield_ops, gate.settings.max_pause, gate.settings.slice_seconds)
    yield gate.settings
    gate.settings.yield_ops, gate.settings.max_pause, gate.settings.slice_seconds = saved


def test_the_governor_stops_and_continues_a_process_and_never_leaves_it_stopped(
    busy_boards, gate_settings
):
    gate_settings.yield_ops, gate_settings.max_pause = 10, 60
    wait_until_quiet(gate_settings)  # no busy spell left over from an earlier test
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    waits: list[bool] = []
    try:
        with Governor(proc.pid, proc.kill, timeout=60, on_wait=waits.append):
            time.sleep(0.3)
            assert state(proc.pid) != psutil.STATUS_STOPPED
            busy_boards.set()
            assert stopped_within(proc.pid)
            busy_boards.clear()
            deadline = time.monotonic() + 5
            while state(proc.pid) == psutil.STATUS_STOPPED and time.monotonic() < deadline:
                time.sleep(0.02)
            assert state(proc.pid) != psutil.STATUS_STOPPED
            busy_boards.set()
            assert stopped_within(proc.pid)
        assert state(proc.pid) != psutil.STATUS_STOPPED  # continued on the way out
        assert waits == [True, False, True]
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("setting", ["yield_ops", "max_pause"])
def test_either_setting_at_zero_means_renders_never_wait(busy_boards, gate_settings, setting):
    gate_settings.yield_ops, gate_settings.max_pause = 10, 30
    setattr(gate_settings, setting, 0)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    busy_boards.set()
    waits: list[bool] = []
    try:
        with Governor(proc.pid, proc.kill, timeout=60, on_wait=waits.append):
            seen = set()
            for _ in range(20):
                seen.add(state(proc.pid))
                time.sleep(0.05)
        assert psutil.STATUS_STOPPED not in seen and waits == []
    finally:
        proc.kill()
        proc.wait()


def test_the_timeout_counts_running_time_not_waiting(busy_boards, gate_settings):
    gate_settings.yield_ops, gate_settings.max_pause = 10, 60
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    busy_boards.set()
    wait_until_busy(gate_settings)  # busy before the render starts: it waits from its first step
    try:
        with Governor(proc.pid, proc.kill, timeout=0.6) as governor:
            assert stopped_within(proc.pid)
            time.sleep(1.5)  # waiting: the clock of the timeout does not run
            assert proc.poll() is None and not governor.timed_out
            busy_boards.clear()
            proc.wait(timeout=5)  # running again: killed 0.6 s later
            assert governor.timed_out
    finally:
        proc.kill()
        proc.wait()


def wait_until_busy(settings, seconds: float = 30) -> None:
    """Until the ops noted by `busy_boards` count as busy boards for the gate."""
    deadline = time.monotonic() + seconds
    while live_activity.rate() < settings.yield_ops and time.monotonic() < deadline:
        time.sleep(0.02)
    assert live_activity.rate() >= settings.yield_ops


def wait_until_quiet(settings, seconds: float = 30) -> None:
    """Until the live load has fallen under the gate's threshold."""
    deadline = time.monotonic() + seconds
    while live_activity.rate() >= settings.yield_ops and time.monotonic() < deadline:
        time.sleep(0.02)
    assert live_activity.rate() < settings.yield_ops


def worker_resumes_within(worker, seconds: float) -> bool:
    """Watch the paused worker for `seconds`: True as soon as it runs again."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if state(worker.pid) != psutil.STATUS_STOPPED:
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def worker():
    w = RenderWorker()
    yield w
    w.stop()


def test_a_render_waits_for_a_quiet_moment_and_then_finishes(
    app, demo, worker, busy_boards, gate_settings
):
    from roadmap.extensions import db
    from roadmap.models import Board
    from roadmap.reports.context import board_context

    gate_settings.yield_ops, gate_settings.max_pause = 10, 60
    with app.app_context():
        context = board_context(db.session.get(Board, demo["groups"][0]["board_id"]))
    worker.render("board", context)  # started and warm
    result: dict = {}
    waits: list[bool] = []
    busy_boards.set()
    wait_until_busy(gate_settings)
    thread = threading.Thread(
        target=lambda: result.update(worker.render("board", context, on_wait=waits.append))
    )
    thread.start()
    assert stopped_within(worker.pid)  # the worker is paused (SIGSTOP) while the boards are busy
    assert thread.is_alive() and waits == [True] and not result  # and it stays paused:
    assert not worker_resumes_within(worker, seconds=1.0)  # max_pause is 60 s
    busy_boards.clear()
    thread.join(60)
    assert result["pdf"].startswith(b"%PDF-") and waits == [True, False]
    assert state(worker.pid) != psutil.STATUS_STOPPED


def test_a_render_finishes_through_a_long_busy_spell(app, demo, worker, busy_boards, gate_settings):
    from roadmap.extensions import db
    from roadmap.models import Board
    from roadmap.reports.context import board_context

    gate_settings.yield_ops, gate_settings.max_pause, gate_settings.slice_seconds = 10, 0.5, 0.5
    with app.app_context():
        context = board_context(db.session.get(Board, demo["groups"][0]["board_id"]))
    busy_boards.set()
    wait_until_busy(gate_settings)
    waits: list[bool] = []
    result = worker.render("board", context, on_wait=waits.append)  # busy all along
    assert result["pdf"].startswith(b"%PDF-")
    assert waits[:2] == [True, False] and len(waits) >= 2
    assert state(worker.pid) != psutil.STATUS_STOPPED


def test_a_worker_killed_while_stopped_is_an_error_not_a_hang(worker, gate_settings, busy_boards):
    gate_settings.yield_ops, gate_settings.max_pause = 10, 60
    worker.render("board", _tiny())
    busy_boards.set()
    wait_until_busy(gate_settings)
    errors: list[Exception] = []

    def render() -> None:
        try:
            worker.render("board", _tiny())
        except WorkerError as err:
            errors.append(err)

    thread = threading.Thread(target=render)
    thread.start()
    pid = worker.pid
    assert stopped_within(pid)
    psutil.Process(pid).kill()
    thread.join(10)
    assert not thread.is_alive() and errors


def test_a_background_report_says_it_waits_for_the_busy_boards(
    app, client, demo, socket_client, busy_boards, gate_settings
):
    """The organiser's progress goes rendering -> waiting -> rendering -> done."""
    from support.api import auth

    from roadmap.reports.worker import worker as shared

    gate_settings.yield_ops, gate_settings.max_pause = 10, 60
    app.config["PDF_WORKER"] = True
    organiser = socket_client(demo["organiser_token"])
    assert organiser.emit("organiser:join", {"event_id": demo["event_id"]}, callback=True)["ok"]
    busy_boards.set()
    wait_until_busy(gate_settings)
    states: list[str] = []

    def collect(until: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and until not in states:
            for message in organiser.get_received():
                if message["name"] == "report:progress":
                    states.append(message["args"][0]["state"])
            time.sleep(0.05)

    try:
        res = client.post(
            f"/api/events/{demo['event_id']}/report-jobs", headers=auth(demo["organiser_token"])
        )
        assert res.status_code == 202
        collect("waiting", 30)
        assert "waiting" in states, states
        time.sleep(1.0)
        assert "done" not in states
        busy_boards.clear()
        collect("done", 60)
    finally:
        shared.stop()
    assert states[-1] == "done", states
    waited = states.index("waiting")
    assert "rendering" in states[:waited] and "rendering" in states[waited:], states


def _tiny() -> dict:
    from roadmap.reports.worker import WARM_UP

    return {**WARM_UP, "board": {**WARM_UP["board"], "group": "Tiny"}}


# --- against the real server ----------------------------------------------------------------------


@pytest.mark.e2e
def test_a_large_event_renders_in_the_worker_with_progress(app, worker, gate_settings):
    """Contents pointing forward make WeasyPrint lay pages out twice ("Page 3 (up-to-date)"):
    the worker's progress relay must take that in its stride (it once failed the render)."""
    from roadmap.extensions import db
    from roadmap.models import Event
    from roadmap.reports.context import event_context
    from roadmap.reports.sample import build_event

    gate_settings.yield_ops = 0  # this test is about progress, not waiting
    with app.app_context():
        info = build_event(boards=2, notes_per_board=80, commitments=20, people=20)
        context = event_context(db.session.get(Event, info["event_id"]))
    progress: list[float] = []
    result = worker.render("event", context, pages_expected=20, on_progress=progress.append)
    assert result["pdf"].startswith(b"%PDF-") and result["pages"] >= 10
    assert progress and progress == sorted(progress) and progress[-1] == 0.85
