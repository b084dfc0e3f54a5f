"""Report and export routes: PDFs, action trackers, backups, background renders (organisers)."""

from __future__ import annotations

import re
import unicodedata

from flask import Response, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field

from ..api import bp, json_body
from ..api.openapi import documented
from ..api.schemas import ErrorBody
from ..errors import AppError
from ..extensions import db
from ..identity import board_for, current_participant, is_staff, require_organiser
from ..models import Event
from ..organise.access import current_principal, require_account
from . import live as _live  # noqa: F401  (organiser:join socket handler)
from .backup import BackupIn, export_event, import_event
from .context import board_context, event_context
from .jobs import FILE_NAME, export_dir, exports_of, job_of, start_event_report
from .render import render_pdf
from .tracker import to_csv, to_ics, to_xlsx

ERRORS = {"HTTP_401": ErrorBody, "HTTP_403": ErrorBody, "HTTP_404": ErrorBody}
TAGS = ("reports",)


class ExportFile(BaseModel):
    name: str
    size: int
    created_at: str
    url: str


class ExportsOut(BaseModel):
    files: list[ExportFile]


class JobOut(BaseModel):
    job_id: str
    event_id: int
    state: str = Field(
        description="queued, gathering, rendering, waiting (the boards are busy), done or failed"
    )
    progress: float = Field(ge=0, le=1)
    file: ExportFile | None = None
    error: str | None = None


class ImportOut(BaseModel):
    event_id: int
    join_code: str
    organiser_token: str = Field(description="Shown once: the new event's organiser token")
    facilitator_tokens: dict[str, str] = Field(description="group id -> facilitator token")
    counts: dict[str, int]


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "report"


def organiser_event(event_id: int) -> Event:
    """The event, if the caller is one of its organisers (401 / 403 / 404 otherwise)."""
    who = current_participant()
    require_organiser(who, event_id)
    event = db.session.get(Event, event_id)
    if event is None:
        raise AppError("not_found", _l("There is no event %(event_id)s.", event_id=event_id))
    return event


def include_authors() -> bool:
    """`?authors=1`: the organiser's internal copy, naming authors who chose to be named."""
    return request.args.get("authors", "").lower() in ("1", "true", "yes", "on")


def download(data: bytes, mimetype: str, name: str) -> Response:
    # A plain response (not send_file's passthrough): spectree reads the body after the view.
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(data, mimetype=mimetype, headers=headers)


@bp.get("/boards/<int:board_id>/report.pdf")
@documented(resp={"HTTP_200": None, "HTTP_503": ErrorBody, **ERRORS}, tags=TAGS)
def board_report(board_id: int):
    """One group's PDF: the board drawn as lanes, top signposts, commitments, takeaways."""
    who = current_participant()
    board = board_for(who, board_id)
    if not is_staff(who, board):
        raise AppError(
            "forbidden", _l("Only the board's facilitator and the organisers may do this.")
        )
    # An internal copy that names authors is the organisers' choice, not a facilitator's.
    authors = include_authors() and who.role == "organiser"
    context = board_context(board, authors, lang=request.args.get("lang"))
    db.session.remove()
    result = render_pdf("board", context)
    group = context["board"]["group"]
    return download(result["pdf"], "application/pdf", f"{slug(group)}-report.pdf")


@bp.get("/events/<int:event_id>/report.pdf")
@documented(resp={"HTTP_200": None, "HTTP_503": ErrorBody, **ERRORS}, tags=TAGS)
def event_report(event_id: int):
    """The whole event's PDF (synchronous; large events: POST report-jobs instead)."""
    context = event_context(
        organiser_event(event_id), include_authors(), lang=request.args.get("lang")
    )
    db.session.remove()
    result = render_pdf("event", context)
    return download(result["pdf"], "application/pdf", f"{slug(context['event']['name'])}.pdf")


@bp.get("/events/<int:event_id>/actions.csv")
@documented(resp={"HTTP_200": None, **ERRORS}, tags=TAGS)
def actions_csv(event_id: int):
    """The action tracker as CSV: one row per commitment, UTF-8 with a BOM (for Excel)."""
    event = organiser_event(event_id)
    context = event_context(event, lang=request.args.get("lang"))
    with force_locale(context["lang"]):
        data = to_csv(context["actions"])
    return download(data, "text/csv; charset=utf-8", f"{slug(event.name)}-actions.csv")


@bp.get("/events/<int:event_id>/actions.xlsx")
@documented(resp={"HTTP_200": None, **ERRORS}, tags=TAGS)
def actions_xlsx(event_id: int):
    """The action tracker as an Excel workbook (filters, widths, real dates)."""
    event = organiser_event(event_id)
    context = event_context(event, lang=request.args.get("lang"))
    with force_locale(context["lang"]):
        title = _("%(event)s: action tracker", event=event.name)
        data = to_xlsx(context["actions"], title)
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return download(data, mimetype, f"{slug(event.name)}-actions.xlsx")


@bp.get("/events/<int:event_id>/actions.ics")
@documented(resp={"HTTP_200": None, **ERRORS}, tags=TAGS)
def actions_ics(event_id: int):
    """The commitments' due dates as an iCalendar file (one all-day event per commitment)."""
    event = organiser_event(event_id)
    context = event_context(event, lang=request.args.get("lang"))
    with force_locale(context["lang"]):
        data = to_ics(context["actions"], event.name, request.host.split(":")[0])
    return download(data, "text/calendar; charset=utf-8", f"{slug(event.name)}-actions.ics")


@bp.get("/events/<int:event_id>/export.json")
@documented(resp={"HTTP_200": None, **ERRORS}, tags=TAGS)
def export_json(event_id: int):
    """A backup of the whole event (no tokens); `?personal_data=0`: without personal data."""
    event = organiser_event(event_id)
    personal = request.args.get("personal_data", "1").lower() not in ("0", "false", "no", "off")
    response = current_app.json.response(export_event(event, personal_data=personal))
    response.headers["Content-Disposition"] = f'attachment; filename="{slug(event.name)}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/events/import")
@documented(
    json=BackupIn,
    resp={
        "HTTP_201": ImportOut,
        "HTTP_400": ErrorBody,
        "HTTP_401": ErrorBody,
        "HTTP_403": ErrorBody,
    },
    tags=TAGS,
)
def import_json():
    """Restore a backup as a new event on this instance (any organiser of this instance)."""
    # Importing creates an event: an organiser account only, as POST /api/events (an event's
    # organiser token manages that one event and cannot create others).
    require_account(current_principal())
    data = json_body()
    if not isinstance(data, dict):
        raise AppError("invalid", _l("The request body must be a backup JSON object."))
    return import_event(data), 201


@bp.post("/events/<int:event_id>/report-jobs")
@documented(resp={"HTTP_202": JobOut, **ERRORS}, tags=TAGS)
def start_report_job(event_id: int):
    """Render the event's PDF in the background; progress comes as Socket.IO report:progress."""
    job = start_event_report(
        organiser_event(event_id), include_authors(), lang=request.args.get("lang")
    )
    return job, 202


@bp.get("/events/<int:event_id>/report-jobs/<job_id>")
@documented(resp={"HTTP_200": JobOut, **ERRORS}, tags=TAGS)
def get_report_job(event_id: int, job_id: str):
    """A background render's state (for clients without a socket)."""
    organiser_event(event_id)
    job = job_of(event_id, job_id)
    if job is None:
        raise AppError("not_found", _l("There is no such report job."))
    return job


@bp.get("/events/<int:event_id>/exports")
@documented(resp={"HTTP_200": ExportsOut, **ERRORS}, tags=TAGS)
def list_exports(event_id: int):
    """The event's finished report files, newest first."""
    organiser_event(event_id)
    return {"files": exports_of(event_id)}


@bp.get("/events/<int:event_id>/exports/<name>")
@documented(resp={"HTTP_200": None, **ERRORS}, tags=TAGS)
def get_export(event_id: int, name: str):
    """Download one finished report file."""
    organiser_event(event_id)
    match = FILE_NAME.match(name)
    if match is None or int(match.group(1)) != event_id or not (export_dir() / name).is_file():
        raise AppError("not_found", _l("There is no such export."))
    return download((export_dir() / name).read_bytes(), "application/pdf", name)
