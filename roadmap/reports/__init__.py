"""Reports: PDF summaries (WeasyPrint, in a worker process), action trackers, event backups."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import api  # noqa: F401  (routes; the socket handlers: realtime.SOCKET_HANDLERS)
    from .gate import configure

    configure(app.config)
