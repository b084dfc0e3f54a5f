"""The live boards come first: the PDF worker is paused while the boards are busy.

On a 2-core venue machine any busy process on the other core, even a bare busy loop at the
lowest CPU priority (SCHED_IDLE), makes the broadcasts slower and the server wait for a CPU
(figures: docs/reports.md), and a render is seconds of such work. So while ops are flowing
faster than `yield_ops` a second, the worker is stopped (SIGSTOP) and it continues (SIGCONT) as
soon as the boards are quiet again. A report never waits longer than `max_pause` seconds in a
row: then it runs for `slice_seconds` whatever the load, so it still finishes during a long busy
spell.

The load is `activity.live_activity`, noted by `handlers.publish` for every op it broadcasts,
plus, with several processes (REDIS_URL), the rates the others publish in their heartbeats
(roadmap/shared.py): an op storm on another process pauses this one's render too. A
`Governor` thread (a greenlet under gevent) watches one render at a time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..realtime.activity import Activity, live_activity

TICK = 0.05  # seconds between the governor's looks at the load


@dataclass
class Settings:
    yield_ops: float = 10.0  # ops per second above which a render waits; 0: never wait
    max_pause: float = 30.0  # seconds a render may wait in a row
    slice_seconds: float = 3.0  # then it runs this long, busy or not


settings = Settings()


def configure(config: dict) -> None:
    """Take REPORT_YIELD_OPS and REPORT_MAX_PAUSE_SECONDS from the app's configuration."""
    settings.yield_ops = max(0.0, float(config["REPORT_YIELD_OPS"]))
    settings.max_pause = max(0.0, float(config["REPORT_MAX_PAUSE_SECONDS"]))


class YieldPolicy:
    """When to stop and continue a render, given whether the boards are busy (pure: tested)."""

    def __init__(self, max_pause: float, slice_seconds: float, now: float) -> None:
        self.max_pause = max_pause
        self.slice_seconds = slice_seconds
        self.paused_since: float | None = None
        self.forced_until = 0.0
        self.waited = 0.0  # seconds spent stopped, in all
        self.started = now

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def step(self, now: float, busy: bool) -> str | None:
        """ "stop", "continue" or None (leave it as it is)."""
        if self.paused_since is None:
            if busy and now >= self.forced_until:
                self.paused_since = now
                return "stop"
            return None
        if not busy or now - self.paused_since >= self.max_pause:
            if busy:  # waited long enough: a slice of CPU, whatever the load
                self.forced_until = now + self.slice_seconds
            self.waited += now - self.paused_since
            self.paused_since = None
            return "continue"
        return None

    def running_seconds(self, now: float) -> float:
        stopped = self.waited + (now - self.paused_since if self.paused_since is not None else 0)
        return now - self.started - stopped


class Governor:
    """Watches one render: pauses the worker while the boards are busy; kills it past `timeout`
    seconds of running (time spent paused does not count)."""

    def __init__(
        self,
        pid: int,
        kill: Callable[[], None],
        *,
        timeout: float,
        activity: Activity = live_activity,
        on_wait: Callable[[bool], None] | None = None,
    ) -> None:
        self.pid = pid
        self.kill = kill
        self.timeout = timeout
        self.activity = activity
        self.on_wait = on_wait
        from .. import shared

        self.shared = shared.store()  # the other processes' ops count too (REDIS_URL)
        self.policy = YieldPolicy(settings.max_pause, settings.slice_seconds, time.monotonic())
        self.timed_out = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="render-governor", daemon=True)

    def __enter__(self) -> Governor:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()
        if self.policy.paused:  # never leave the worker stopped for the next render
            self._signal(signal.SIGCONT)

    def _busy(self, now: float) -> bool:
        if settings.yield_ops <= 0 or settings.max_pause <= 0:  # either at 0: renders never wait
            return False
        rate = self.activity.rate(now)
        if self.activity is live_activity:
            rate += self._others()
        return rate >= settings.yield_ops

    def _others(self) -> float:
        try:
            return self.shared.other_processes_rate()
        except Exception:  # Redis away: this process's load alone
            return 0.0

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def _run(self) -> None:
        while not self._done.wait(TICK):
            now = time.monotonic()
            action = self.policy.step(now, self._busy(now))
            if action == "stop":
                self._signal(signal.SIGSTOP)
            elif action == "continue":
                self._signal(signal.SIGCONT)
            if action and self.on_wait is not None:
                self.on_wait(action == "stop")
            if self.policy.running_seconds(now) > self.timeout:
                self.timed_out = True
                self.kill()  # SIGKILL ends a stopped process too
                return
