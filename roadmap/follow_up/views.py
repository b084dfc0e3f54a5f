"""The owner's page: no account, a phone, a weak connection. Works without JavaScript."""

from __future__ import annotations

import datetime as dt
import math
import uuid

from babel.numbers import NumberFormatError, parse_decimal
from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ..errors import AppError
from ..i18n import ui_language
from ..models import COMMITMENT_STATUSES, utcnow
from ..reports.pdf import babel_locale
from . import services

bp = Blueprint("follow_up", __name__)


def private(response: Response) -> Response:
    """The token is in the address: never cached, never sent on as a referrer, never indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def page(token: str, *, error: str = "", form: dict | None = None, status: int = 200) -> Response:
    data = services.owner_page(token)
    html = render_template(
        "follow_up/owner.html",
        token=token,
        data=data,
        statuses=COMMITMENT_STATUSES,
        error=error,
        form=form or {},
        saved=request.args.get("saved") == "1",
        op_id=form.get("op_id") if form else str(uuid.uuid4()),  # a resent form applies once
    )
    return private(Response(html, status=status))


@bp.get("/follow-up/<token>")
def owner_page(token: str):
    return page(token)


@bp.post("/follow-up/<token>")
def owner_post(token: str):
    """The form's update. No cookie authenticates it (the token does): nothing to forge."""
    services.open_link(token)
    form = {k: request.form.get(k, "") for k in ("status", "note", "value", "op_id")}
    op_id = form["op_id"].strip()[:64] or None
    try:
        value = parse_value(form["value"], ui_language())
        services.post_update(token, form["status"], form["note"][:2001], value, op_id)
    except AppError as err:
        if err.code == "not_found":
            raise
        return page(token, error=err.message, form=form, status=err.status)
    return private(redirect(url_for("follow_up.owner_page", token=token, saved=1), code=303))


def parse_value(text: str, lang: str = "en") -> float | None:
    """A figure as the owner typed it, read in the page's language: "1,200" is 1200 in English,
    "1.200" is 1200 in Vietnamese or Indonesian, "1,5" is 1.5 in French (Babel's number
    formats); a lone decimal comma or point that fits no grouping is read as a decimal mark."""
    text = "".join(text.split()) if text else ""  # spaces, also (narrow) no-break ones
    if not text:
        return None
    try:
        value = float(parse_decimal(text, locale=babel_locale(lang), strict=True))
    except (NumberFormatError, ValueError):
        try:
            loose = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
            value = float(loose)
        except ValueError:
            raise AppError("invalid", _l("The figure must be a number.")) from None
    if not math.isfinite(value):
        raise AppError("invalid", _l("The figure must be a number."))
    return value


# --- the organiser's tracker page ---------------------------------------------------------------


@bp.context_processor
def organise_helpers() -> dict:
    from ..organise.views import form_token

    return {"form_token": form_token}


@bp.get("/organise/events/<int:event_id>/commitments")
def tracker_page(event_id: int):
    """Every commitment of the event: filters, sort, a chart per group, exports of the rows."""
    from pydantic import ValidationError

    from ..ops.core import validation_message
    from ..organise.access import manage
    from ..organise.views import act_in, no_store, principal_or_login
    from .tracker import Filters, all_rows, rows_for, status_counts

    found = principal_or_login()
    if isinstance(found, Response):
        return found
    event, principal = manage(event_id, found)
    act_in(event, principal)  # the export links authenticate with this identity
    try:
        filters = Filters.model_validate(request.args.to_dict())
    except ValidationError as err:
        raise AppError("invalid", validation_message(err)) from None
    rows = rows_for(event, filters)
    everything = all_rows(event)
    html = render_template(
        "follow_up/tracker.html",
        event=event,
        filters=filters,
        rows=rows,
        counts=status_counts(rows),
        statuses=COMMITMENT_STATUSES,
        countries=sorted({r["country"] for r in everything if r["country"]}),
        total=len(everything),
        review_since=(utcnow().date() - dt.timedelta(days=91)).isoformat(),
    )
    return no_store(html)
