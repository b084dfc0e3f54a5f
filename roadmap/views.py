"""HTML pages: joining, the group picker, the board (and its list view), QR codes, language."""

from __future__ import annotations

import io
import secrets
from typing import Any

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _

from . import stalls, transport
from .auth import board_for, current_participant, is_staff, participant_for_token, sign_in
from .config import NAME_MAX
from .errors import AppError
from .events import event_by_code, join_event, save_language
from .extensions import db
from .i18n import LANGUAGE_NAMES, html_lang, normalise, ui_language
from .models import Board, Event, Group, Participant
from .public_url import join_url
from .security import join_limits

bp = Blueprint("views", __name__)

LANG_COOKIE_AGE = 60 * 60 * 24 * 365


# --- CSRF: a per-session token in every form, and the Origin header must be ours ---------------


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


@bp.app_context_processor
def template_helpers() -> dict[str, Any]:
    return {
        "csrf_token": csrf_token,
        "languages": current_app.config["LANGUAGES"],
        "get_locale": ui_language,
        "html_lang": lambda: html_lang(ui_language()),
        "language_names": LANGUAGE_NAMES,
    }


@bp.before_request
def check_csrf() -> None:
    # The Origin / Sec-Fetch-Site check of every write is roadmap/security.py's; forms also
    # carry the session's token.
    if request.method != "POST":
        return
    sent = request.form.get("csrf_token", "")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        raise AppError("invalid", _("The form has expired. Please go back and try again."))


def signed_in() -> Participant | None:
    return current_participant(required=False)


def require_signed_in(event: Event | None = None) -> Participant:
    who = signed_in()
    if who is None or (event is not None and who.event_id != event.id):
        raise AppError("unauthorized", _("Join the event first, with its code."))
    return who


# --- pages --------------------------------------------------------------------------------------


@bp.get("/favicon.ico")
def favicon():
    """Browsers and tools that ask for /favicon.ico get the page's SVG icon (no 404)."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/healthz")
def healthz():
    """Liveness and database check for load balancers and `make run`."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        raise AppError("unavailable", "The database does not answer.") from None
    return {"status": "ok", **transport.status(), "stalls": stalls.status()}


@bp.get("/")
def index():
    return render_template("index.html", who=signed_in())


@bp.get("/join")
def join_code_form():
    code = request.args.get("code", "")
    if not code.strip():
        return redirect(url_for("views.index"))
    return redirect(url_for("views.join", code=event_by_code(code).join_code))


@bp.get("/join/<code>")
def join(code: str):
    event = event_by_code(code)
    return render_template("join.html", event=event, who=signed_in(), form={}, error=None)


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
            "join.html", event=event, who=None, form=form, error=error, anonymous=anonymous
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
    return render_template("card.html", event=event, join_url=url)


@bp.get("/e/<int:event_id>")
def groups(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None:
        raise AppError("not_found", _("There is no such event."))
    who = require_signed_in(event)
    groups = db.session.scalars(
        sa.select(Group).where(Group.event_id == event.id).order_by(Group.position)
    ).all()
    return render_template("groups.html", event=event, groups=groups, who=who)


def board_page(board_id: int, view: str):
    who = require_signed_in()
    board: Board = board_for(who, board_id)
    group = db.session.get(Group, board.group_id)
    response = Response(
        render_template(
            "board.html",
            board=board,
            group=group,
            who=who,
            staff=is_staff(who, board),
            view=view,
        )
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/boards/<int:board_id>")
def board(board_id: int):
    return board_page(board_id, "board")


@bp.get("/boards/<int:board_id>/list")
def board_list(board_id: int):
    return board_page(board_id, "list")


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
    cannot make our page's POST (roadmap/security.py refuses cross-site writes), so it cannot
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
        "signin.html",
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


@bp.post("/lang")
def set_language():
    language = normalise(request.form.get("language", "")) or ""
    if not language:
        raise AppError("invalid", _("This language is not available."))
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("views.index")
    who = signed_in()
    if who is not None:
        save_language(who, language)
    return remember_language(redirect(back), language)


def remember_language(response: Response, language: str) -> Response:
    session["lang"] = language
    response.set_cookie(
        "lang", language, max_age=LANG_COOKIE_AGE, samesite="Lax", httponly=False, path="/"
    )
    return response


@bp.get("/sw.js")
def service_worker():
    """The offline service worker, served from the root so its scope is the whole site."""
    response = send_from_directory(current_app.static_folder, "sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response
