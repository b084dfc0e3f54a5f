"""What pauses the one server process: cyclic GC collections and WAL checkpoints (GET /healthz).

`bench/live.py` reads these after a run, so a latency spike can be told apart: a full GC over
a big heap, a checkpoint (now in a thread of its own, database.start_checkpointer), or the
machine (the bench's "server waited for a CPU").
"""

from __future__ import annotations

import gc
import time
from typing import Any

from ..database import _checkpointer

_gc: dict[str, Any] = {"full": 0, "longest_ms": 0.0, "total_ms": 0.0, "_started": 0.0}


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if info.get("generation") != 2:
        return
    if phase == "start":
        _gc["_started"] = time.perf_counter()
        return
    took = (time.perf_counter() - _gc["_started"]) * 1000
    _gc["full"] += 1
    _gc["total_ms"] += took
    _gc["longest_ms"] = max(_gc["longest_ms"], took)


def watch_gc() -> None:
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def status() -> dict[str, Any]:
    return {
        "gc_full_collections": _gc["full"],
        "gc_full_longest_ms": round(_gc["longest_ms"], 1),
        "gc_full_total_ms": round(_gc["total_ms"], 1),
        "wal_checkpoint_thread": _checkpointer["on"],
        "wal_checkpoints": _checkpointer["runs"],
        "wal_checkpoint_longest_ms": round(_checkpointer["longest"] * 1000, 1),
    }


def unwatch_gc() -> None:
    if _on_gc in gc.callbacks:
        gc.callbacks.remove(_on_gc)
