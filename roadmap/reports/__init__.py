"""Reports: PDF summaries (WeasyPrint, in a worker process), action trackers, event backups."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..i18n import html_lang
    from . import api  # noqa: F401  (routes; the socket handlers: realtime.SOCKET_HANDLERS)
    from .context import report_language
    from .gate import configure

    configure(app.config)

    @app.context_processor
    def report_helpers() -> dict:
        # The exports panel's language select: the event's report language, each option's lang.
        return {"report_language": report_language, "lang_of": html_lang}
