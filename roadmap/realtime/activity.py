"""How busy the live boards are: a decaying count of the ops broadcast (see reports/gate.py).

Kept apart from handlers.py and reports/ so both can import it: `handlers.publish` notes every op it
sends, and the PDF worker's governor pauses a render while the rate is high.
"""

from __future__ import annotations

import math
import time


class Activity:
    """A decaying count of events: `rate()` is about the events per second over the last `tau`
    seconds. Two floats and one `exp` per event: cheap enough for every op."""

    def __init__(self, tau: float = 1.0) -> None:
        self.tau = tau
        self._level = 0.0
        self._at = 0.0

    def note(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._level = self._level * math.exp(-(now - self._at) / self.tau) + 1.0
        self._at = now

    def rate(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        return self._level * math.exp(-max(0.0, now - self._at) / self.tau) / self.tau


live_activity = Activity()
