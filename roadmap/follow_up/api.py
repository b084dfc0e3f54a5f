"""Follow-up over HTTP: owner links (staff), the owner's own API (the token is the key)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field

from ..api import body
from ..api.openapi import documented
from ..api.schemas import ErrorBody, Strict
from ..identity import current_participant
from ..ops.core import MAX_ID
from . import services

bp = Blueprint("follow_up_api", __name__, url_prefix="/api")
TAGS = ("follow-up",)
ERRORS = {
    "HTTP_400": ErrorBody,
    "HTTP_401": ErrorBody,
    "HTTP_403": ErrorBody,
    "HTTP_404": ErrorBody,
}
COMMITMENT = f"/commitments/<int(min=1, max={MAX_ID}):note_id>"


class LinkIn(Strict):
    email: str | None = Field(
        default=None, max_length=254, description="The owner's address (personal data); '' clears"
    )
    expires_in_days: int | None = Field(default=None, ge=1, le=3660)


class LinkOut(BaseModel):
    url: str = Field(description="Shown once: only the token's hash is stored")
    expires_at: str | None
    qr_svg: str
    note_id: int


class UpdateIn(Strict):
    status: str = Field(description="not_started, in_progress, done, blocked, dropped")
    note: str = Field(default="", max_length=2000)
    value: float | None = Field(default=None, description="A figure against the indicator")
    op_id: str | None = Field(default=None, min_length=1, max_length=64)


class FollowUpOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    commitment: dict
    history: list[dict]


@bp.post(f"{COMMITMENT}/follow-up-link")
@documented(json=LinkIn, resp={"HTTP_201": LinkOut, **ERRORS}, tags=TAGS)
def create_link(note_id: int):
    """A private link (and QR code) for the commitment's owner; earlier links stop working."""
    who = current_participant()
    data = body(LinkIn)
    made = services.create_link(who, note_id, email=data.email, days=data.expires_in_days)
    return made, 201


@bp.get(f"{COMMITMENT}/follow-up-link")
@documented(resp=ERRORS, tags=TAGS)
def link_status(note_id: int):
    """Whether the commitment has a live owner link (the link itself is never shown again)."""
    return services.link_status(current_participant(), note_id)


@bp.delete(f"{COMMITMENT}/follow-up-link")
@documented(resp=ERRORS, tags=TAGS)
def revoke_link(note_id: int):
    """Withdraw the owner's link: it answers 404 from now on."""
    return {"revoked": services.revoke_link(current_participant(), note_id)}


@bp.get(f"{COMMITMENT}/history")
@documented(resp={"HTTP_200": FollowUpOut, **ERRORS}, tags=TAGS)
def staff_history(note_id: int):
    """The commitment and every status change, oldest first (staff)."""
    return services.staff_history(current_participant(), note_id)


@bp.get("/follow-up/<token>")
@documented(resp={"HTTP_200": FollowUpOut, "HTTP_404": ErrorBody}, tags=TAGS, auth=False)
def owner_get(token: str):
    """What the link's owner sees: the commitment and its history. No account: the token."""
    return services.owner_page(token)


@bp.post("/follow-up/<token>")
@documented(json=UpdateIn, resp={"HTTP_201": FollowUpOut, **ERRORS}, tags=TAGS, auth=False)
def owner_post(token: str):
    """The owner reports progress (status, note, figure): a commitment.status op on the board."""
    services.open_link(token)  # an unknown link is a 404 before the body is looked at
    data = body(UpdateIn)
    done = services.post_update(token, data.status, data.note, data.value, data.op_id)
    return done, 200 if done["duplicate"] else 201


# --- the tracker ---------------------------------------------------------------------------------


def _tracker(event_id: int):
    from ..api import query
    from ..reports.api import organiser_event
    from .tracker import Filters, rows_for

    event = organiser_event(event_id)
    filters = query(Filters)
    return event, filters, rows_for(event, filters)


class TrackerOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    items: list[dict]
    counts: list[dict]
    total: int


@bp.get("/events/<int:event_id>/commitments")
@documented(resp={"HTTP_200": TrackerOut, **ERRORS}, tags=TAGS)
def tracker_rows(event_id: int):
    """Every commitment of the event, filtered (status, group_id, organisation, country, owner,
    overdue) and sorted (sort, order); with the counts per status per group."""
    from .tracker import status_counts

    _event, _filters, rows = _tracker(event_id)
    return {"items": rows, "counts": status_counts(rows), "total": len(rows)}


@bp.get("/events/<int:event_id>/commitments.<any(csv, xlsx, ics):kind>")
@documented(resp={"HTTP_200": None, **ERRORS}, tags=TAGS)
def tracker_export(event_id: int, kind: str):
    """Exactly the filtered rows as CSV, XLSX or ICS (due dates with reminders)."""
    from ..reports.api import download, slug
    from ..reports.tracker import to_csv, to_ics, to_xlsx
    from .tracker import export_rows

    event, _filters, rows = _tracker(event_id)
    actions = export_rows(rows)
    name = f"{slug(event.name)}-commitments.{kind}"
    if kind == "csv":
        return download(to_csv(actions), "text/csv", name)
    if kind == "xlsx":
        data = to_xlsx(actions, f"{event.name}: action tracker")
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return download(data, mimetype, name)
    return download(to_ics(actions, event.name), "text/calendar", name)


@bp.get("/events/<int:event_id>/review.pdf")
@documented(resp={"HTTP_200": None, "HTTP_503": ErrorBody, **ERRORS}, tags=TAGS)
def review_pdf(event_id: int):
    """The quarterly review PDF: per group what moved since `since` (YYYY-MM-DD, default 91 days
    ago), what is overdue and done, the indicator figures; a summary page with a status chart.
    `?lang=`: the report's language (default the event's)."""
    from flask import request
    from flask_babel import force_locale

    from ..extensions import db
    from ..reports.api import download, organiser_event, slug
    from ..reports.context import report_language
    from ..reports.render import render_pdf
    from .review import parse_since, review_context

    event = organiser_event(event_id)
    since = parse_since(request.args.get("since"))
    lang = report_language(event, request.args.get("lang"))
    with force_locale(lang):
        context = review_context(event, since, lang)
    db.session.remove()
    result = render_pdf("review", context)
    name = f"{slug(context['event']['name'])}-review-{since.isoformat()}.pdf"
    return download(result["pdf"], "application/pdf", name)


# --- synergies ---------------------------------------------------------------------------------


class SynergiesOut(BaseModel):
    items: list[dict]


class IntroduceIn(Strict):
    items: list[int] = Field(min_length=2, max_length=2, description="the two note ids")


@bp.get("/events/<int:event_id>/synergies")
@documented(resp={"HTTP_200": SynergiesOut, **ERRORS}, tags=TAGS)
def synergies(event_id: int):
    """Possible partners: pairs of commitments and signposts of different groups or
    organisations aiming at the same thing, in any language (`score`, `why`: shared terms)."""
    from ..errors import AppError
    from ..extensions import db
    from ..models import Event
    from . import synergies as found

    who = current_participant()
    scope = found.viewer_scope(who, event_id)
    event = db.session.get(Event, event_id)
    if event is None:
        raise AppError("not_found", _l("There is no event %(event_id)s.", event_id=event_id))
    return {"items": found.synergies(event, scope)}


@bp.post("/events/<int:event_id>/synergies/introduce")
@documented(json=IntroduceIn, resp=ERRORS, tags=TAGS)
def introduce(event_id: int):
    """Introduce two possible partners: each note gets a partners entry naming the other."""
    from ..errors import AppError
    from ..extensions import db
    from ..models import Event
    from . import synergies as found

    who = current_participant()
    data = body(IntroduceIn)
    event = db.session.get(Event, event_id)
    if event is None:
        raise AppError("not_found", _l("There is no event %(event_id)s.", event_id=event_id))
    if data.items[0] == data.items[1]:
        raise AppError("invalid", _l("items: two different notes."))
    return {"applied": found.introduce(who, event, data.items)}, 201
