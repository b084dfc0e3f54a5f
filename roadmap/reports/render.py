"""Render a report to PDF bytes: in the worker process (default) or in this one (tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..errors import AppError
from . import pdf
from .worker import WorkerError, worker


def pages_expected(context: dict[str, Any]) -> int:
    """A rough page count, for progress: about nine notes a page, twice (board and appendix)."""
    notes = context.get("note_count") or len(context.get("board", {}).get("notes", []))
    return (
        4 + notes // 9 + 3 * len(context.get("boards", [])) + len(context.get("actions", [])) // 25
    )


def render_pdf(
    kind: str,
    context: dict[str, Any],
    on_progress: Callable[[float], None] | None = None,
    on_wait: Callable[[bool], None] | None = None,
) -> dict[str, Any]:
    """{"pdf", "pages", "parts", "seconds", "peak_mb"}; with PDF_WORKER the layout runs in the
    worker, which waits while the live boards are busy (gate.py; `on_wait(True/False)` is told).
    An event of more than REPORT_PART_NOTES notes is laid out in parts (pdf.render)."""
    part_notes = int(current_app.config.get("REPORT_PART_NOTES") or 0)
    if not current_app.config.get("PDF_WORKER", True):
        return pdf.render(kind, context, part_notes=part_notes)
    try:
        return worker.render(
            kind,
            context,
            part_notes=part_notes,
            pages_expected=pages_expected(context),
            on_progress=on_progress,
            on_wait=on_wait,
        )
    except WorkerError as err:
        current_app.logger.error("PDF render failed: %s", err)
        raise AppError("unavailable", _l("The PDF could not be rendered; try again.")) from None
