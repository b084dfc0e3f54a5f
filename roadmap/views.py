"""Site-wide pages and page plumbing: the `views` blueprint every feature's pages join, CSRF for
forms, template helpers, the signed-in participant, /healthz, /favicon.ico, /sw.js, /lang."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .errors import AppError
from .extensions import db
from .i18n import LANGUAGE_NAMES, html_lang, normalise, ui_language
from .identity import current_participant
from .joining.participants import save_language
from .models import Event, Participant
from .realtime import stalls, transport

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
    # The Origin / Sec-Fetch-Site check of every write is roadmap/security/web.py's; forms also
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
        raise AppError("unavailable", _l("The database does not answer.")) from None
    return {"status": "ok", **transport.status(), "stalls": stalls.status()}


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


def init_app(app: Flask) -> None:
    """Register the pages' blueprint, once every feature has added its pages."""
    app.register_blueprint(bp)
