"""Background renders of the whole-event PDF, with progress pushed to the event's organisers.

The job runs as a Socket.IO background task (a greenlet under gevent, a thread otherwise); the
layout itself runs in the worker process, so the hub keeps serving sockets meanwhile. Finished
files are kept in EXPORT_DIR as event-<id>-report-<UTC timestamp>.pdf.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .. import shared
from ..extensions import db, socketio
from ..models import Event
from .context import event_context
from .live import organisers_room
from .render import render_pdf

# job id -> state: this process's dict, or Redis with REDIS_URL (any process answers a poll).
JOBS: dict[str, dict[str, Any]] = shared.local().jobs
_lock = threading.Lock()
FILE_NAME = re.compile(r"^event-(\d+)-report-\d{8}-\d{6}(?:-\d+)?(?:-internal)?\.pdf$")


def export_dir() -> Path:
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def report_file_name(event_id: int, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"event-{event_id}-report-{now:%Y%m%d-%H%M%S}.pdf"


def exports_of(event_id: int) -> list[dict[str, Any]]:
    """The finished report files of an event, newest first."""
    files = []
    for path in export_dir().iterdir():
        match = FILE_NAME.match(path.name)
        if match and int(match.group(1)) == event_id:
            stat = path.stat()
            files.append(
                {
                    "name": path.name,
                    "size": stat.st_size,
                    "created_at": dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
                    .replace(microsecond=0, tzinfo=None)
                    .isoformat()
                    + "Z",
                    "url": f"/api/events/{event_id}/exports/{path.name}",
                }
            )
    return sorted(files, key=lambda f: f["name"], reverse=True)


def _publish(job: dict[str, Any]) -> None:
    payload = {k: job[k] for k in ("job_id", "event_id", "state", "progress")}
    if job.get("file"):
        payload["file"] = job["file"]
    if job.get("error"):
        payload["error"] = job["error"]
    socketio.emit("report:progress", payload, to=organisers_room(job["event_id"]))


def _update(job_id: str, **changes: Any) -> None:
    store = shared.store()  # only the process running a job writes it
    with _lock:
        job = store.get_job(job_id) or {}
        job.update(changes)
        store.put_job(job)
    _publish(job)


def start_event_report(
    event: Event, include_authors: bool = False, lang: str | None = None
) -> dict[str, Any]:
    """Queue a background render of the event's PDF; returns the job."""
    job_id = uuid.uuid4().hex
    job = {"job_id": job_id, "event_id": event.id, "state": "queued", "progress": 0.0}
    shared.store().put_job(job)
    app = current_app._get_current_object()
    socketio.start_background_task(_run, app, job_id, event.id, include_authors, lang)
    return dict(job)


def _run(
    app: Flask, job_id: str, event_id: int, include_authors: bool = False, lang: str | None = None
) -> None:
    with app.app_context():
        try:
            _update(job_id, state="gathering", progress=0.02)
            context = event_context(db.session.get(Event, event_id), include_authors, lang=lang)
            db.session.remove()  # no connection held while the worker lays out pages
            last = [0.0, time.monotonic()]

            def progress(fraction: float) -> None:
                # At most a few messages a second reach the organisers.
                now = time.monotonic()
                if fraction - last[0] >= 0.02 and now - last[1] >= 0.25:
                    last[:] = [fraction, now]
                    _update(job_id, state="rendering", progress=round(fraction, 2))

            def wait(paused: bool) -> None:
                # The live boards are busy: the render waits for a quieter moment (gate.py).
                _update(job_id, state="waiting" if paused else "rendering")

            _update(job_id, state="rendering", progress=0.05)
            result = render_pdf("event", context, on_progress=progress, on_wait=wait)
            name = report_file_name(event_id)
            if (export_dir() / name).exists():
                name = name.replace(".pdf", f"-{os.getpid()}.pdf")
            if include_authors:  # an internal copy names authors: say so in its name
                name = name.replace(".pdf", "-internal.pdf")
            target = export_dir() / name
            partial = target.with_suffix(".part")
            partial.write_bytes(result["pdf"])
            partial.replace(target)
            _update(
                job_id,
                state="done",
                progress=1.0,
                file=_file_entry(event_id, name),
                pages=result["pages"],
                seconds=result["seconds"],
            )
        except Exception as err:
            app.logger.exception("report job %s failed", job_id)
            message = getattr(err, "message", None) or "The report could not be rendered."
            _update(job_id, state="failed", error=message)
        finally:
            db.session.remove()


def _file_entry(event_id: int, name: str) -> dict[str, Any]:
    return next(f for f in exports_of(event_id) if f["name"] == name)


def job_of(event_id: int, job_id: str) -> dict[str, Any] | None:
    job = shared.store().get_job(job_id)
    return job if job and job["event_id"] == event_id else None
