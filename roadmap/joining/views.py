"""Joining: the landing page, the join form (code or QR), table cards, the group picker, and
signing in with a facilitator's or organiser's link."""

from __future__ import annotations

import io

import segno
import sqlalchemy as sa
from flask import Response, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..config import NAME_MAX
from ..errors import AppError
from ..extensions import db
from ..i18n import normalise
from ..identity import participant_for_token, sign_in
from ..models import Event, Group, Participant
from ..public_url import join_url
from ..security.web import join_limits
from ..views import bp, remember_language, require_signed_in, signed_in
from .participants import event_by_code, join_event


@bp.get("/")
def index():
    return render_template("joining/index.html", who=signed_in())


@bp.get("/join")
def join_code_form():
    code = request.args.get("code", "")
    if not code.strip():
        return redirect(url_for("views.index"))
    return redirect(url_for("views.join", code=event_by_code(code).join_code))


@bp.get("/join/<code>")
def join(code: str):
    event = event_by_code(code)
    return render_template("joining/join.html", event=event, who=signed_in(), form={}, error=None)


@bp.post("/join/<code>")
@join_limits
def join_post(code: str):
    event = event_by_code(code)
    form = {key: request.form.get(key, "").strip() for key in ("name", "organisation", "country")}
    anonymous = request.form.get("anonymous") == "on"
    language = normalise(request.form.get("language", "")) or str(
        current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    error = None
    if not form["name"]:
        error = _("Please give a display name.")
    elif len(form["name"]) > NAME_MAX:
        error = _("A display name has at most %(max)d characters.", max=NAME_MAX)
    elif len(form["organisation"]) > 200 or len(form["country"]) > 80:
        error = _("The organisation or country is too long.")
    if error:
        return render_template(
            "joining/join.html", event=event, who=None, form=form, error=error, anonymous=anonymous
        ), 400
    _who, token = join_event(
        event,
        form["name"],
        organisation=form["organisation"],
        country=form["country"],
        anonymous=anonymous,
        language=language,
    )
    sign_in(token)
    return remember_language(redirect(url_for("views.groups", event_id=event.id)), language)


@bp.get("/join/<code>/qr.svg")
def join_qr(code: str):
    event = event_by_code(code)
    buffer = io.BytesIO()
    url = join_url(event.join_code)
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, title=url)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/join/<code>/card")
def join_card(code: str):
    event = event_by_code(code)
    url = join_url(event.join_code)
    return render_template("joining/card.html", event=event, join_url=url)


@bp.get("/e/<int:event_id>")
def groups(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None:
        raise AppError("not_found", _("There is no such event."))
    who = require_signed_in(event)
    groups = db.session.scalars(
        sa.select(Group).where(Group.event_id == event.id).order_by(Group.position)
    ).all()
    return render_template("joining/groups.html", event=event, groups=groups, who=who)


@bp.get("/facilitate/<token>")
def facilitate(token: str):
    who = participant_for_token(token)
    if who is None or who.role != "facilitator" or who.group_id is None:
        raise AppError("unauthorized", _("This facilitator link is not valid (any more)."))
    return offer_sign_in(token)


# --- signing in with a link: never silently, never with the token left in the URL ---------------


PENDING = "pending_token"


def offer_sign_in(token: str) -> Response:
    """A secret link was opened: keep its token in the session and go to the token-free /signin.

    Nothing is signed in yet. A page on another site can navigate a browser to a link, but it
    cannot make our page's POST (roadmap/security/web.py refuses cross-site writes), so it cannot
    swap the victim's identity for the attacker's (login CSRF).
    """
    session[PENDING] = token
    response = redirect(url_for("views.signin"))
    response.headers["Cache-Control"] = "no-store"
    return response


def link_destination(who: Participant) -> str:
    if who.role == "organiser":
        return url_for("organise.dashboard", event_id=who.event_id)
    group = db.session.get(Group, who.group_id)
    return url_for("views.board", board_id=group.board.id)


def pending_identity() -> tuple[str, Participant]:
    token = session.get(PENDING)
    who = participant_for_token(token) if isinstance(token, str) else None
    if who is None or who.role not in ("facilitator", "organiser"):
        raise AppError("unauthorized", _("This link is not valid (any more)."))
    if who.role == "facilitator" and who.group_id is None:
        raise AppError("unauthorized", _("This link is not valid (any more)."))
    return token, who


@bp.get("/signin")
def signin():
    """Confirm signing in with the link just opened (a switch when someone else is signed in)."""
    _token, who = pending_identity()
    current = signed_in()
    if current is not None and current.id == who.id:
        session.pop(PENDING, None)
        return redirect(link_destination(who))
    account = session.get("organiser_id")
    group = db.session.get(Group, who.group_id) if who.group_id else None
    page = render_template(
        "joining/signin.html",
        who=who,
        group=group,
        current=current,
        switching=current is not None or account is not None,
    )
    response = Response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/signin")
def signin_post():
    token, who = pending_identity()
    if request.form.get("action") == "keep":
        session.pop(PENDING, None)
        return redirect(url_for("views.index"))
    sign_in(token)
    return redirect(link_destination(who))


@bp.post("/leave")
def leave():
    """ "Leave this board": sign this browser out (the page clears its cached board and queue)."""
    who = signed_in()
    code = who.event.join_code if who is not None else None
    session.clear()
    response = redirect(url_for("views.join", code=code) if code else url_for("views.index"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'  # the offline copy too
    return response
