"""Organiser pages: sign-in, events, groups, the live dashboard, participants, the projector."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from .. import public_url
from ..boards.layouts import TEMPLATES
from ..errors import AppError
from ..extensions import db
from ..identity import board_for, participant_for_token
from ..models import Board, Event, Group, Organiser, Participant
from ..security.web import login_email, login_limits, remember_device
from . import services
from .access import SESSION_KEY, Principal, current_principal, identity_for, manage
from .api import EventIn, EventPatch, GroupIn, GroupPatch, validated

bp = Blueprint("organise", __name__)


# --- forms: a per-session token (the same one the other pages use) ---------------------------


def form_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


@bp.app_context_processor  # organise/base.html is extended by follow_up's pages too
def helpers() -> dict[str, Any]:
    return {
        "form_token": form_token,
        "templates": TEMPLATES,
        "public_url_warning": public_url.warning,
    }


@bp.before_request
def check_form_token() -> None:
    if request.method != "POST":
        return
    sent = request.form.get("csrf_token", "")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        raise AppError("invalid", _("The form has expired. Please go back and try again."))


def no_store(response: Response | str) -> Response:
    response = response if isinstance(response, Response) else Response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def principal_or_login() -> Principal | Response:
    found = current_principal(required=False)
    if found is None:
        return redirect(url_for("organise.login", next=request.path))
    return found


def act_in(event: Event, principal: Principal) -> tuple[Participant, str]:
    """The organiser identity for this event's live pages, remembered in the session."""
    who, token = principal.acting_in(event)
    if token is None:
        token = session.get("token")
    else:
        session["token"] = token
    return who, token


# --- signing in -------------------------------------------------------------------------------


@bp.get("/organise/login")
def login():
    return no_store(render_template("organise/login.html", error=None, email=""))


_dummy_hash: list[str] = []


def dummy_hash() -> str:
    """A password hash to check an unknown e-mail's password against (constant time)."""
    if not _dummy_hash:
        _dummy_hash.append(generate_password_hash(secrets.token_urlsafe(16)))
    return _dummy_hash[0]


@bp.post("/organise/login")
@login_limits  # per (e-mail, address) and address; per device cookie for a known browser
def login_post():
    email = login_email()
    password = request.form.get("password", "")
    account = db.session.scalar(sa.select(Organiser).where(Organiser.email == email))
    # The same work whether or not the account exists: no account enumeration by timing.
    matches = check_password_hash(account.password_hash if account else dummy_hash(), password)
    if account is None or not matches:
        page = render_template(
            "organise/login.html", error=_("This e-mail and password do not match."), email=email
        )
        return no_store(Response(page, status=401))
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = account.id
    target = request.args.get("next", "")
    if not target.startswith("/organise") or target.startswith("//"):
        target = url_for("organise.home")
    return remember_device(redirect(target), email)


@bp.post("/organise/logout")
def logout():
    session.clear()
    return redirect(url_for("organise.login"))


@bp.get("/organise/<token>")
def token_link(token: str):
    """The organiser link the demo prints: sign in with the token, go to the dashboard."""
    who = participant_for_token(token)
    if who is None or who.role != "organiser":
        raise AppError("unauthorized", _("This organiser link is not valid (any more)."))
    from ..joining.views import offer_sign_in

    return offer_sign_in(token)


# --- events and groups ------------------------------------------------------------------------


@bp.get("/organise/")
def home():
    found = principal_or_login()
    if isinstance(found, Response):
        return found
    events = services.events_for(found)
    if found.account is None and len(events) == 1:
        return redirect(url_for("organise.dashboard", event_id=events[0].id))
    return no_store(render_template("organise/events.html", principal=found, events=events))


def event_form(model: type[EventIn] | type[EventPatch]) -> dict[str, Any]:
    """The event form's fields, checked by the API's own model (EventIn to create, EventPatch to
    change): the same lengths, formats and ranges as POST/PATCH /api/events, then the same
    services. Only the fields the form sent; an empty retention period keeps the default."""
    form = request.form
    fields: dict[str, Any] = {
        k: form[k].strip() for k in ("name", "starts_on", "ends_on", "place") if k in form
    }
    if "languages" in form:
        fields["languages"] = form["languages"].replace(",", " ").split()
    days = form.get("retention_days", "").strip()
    if days:
        try:
            fields["retention_days"] = int(days)
        except ValueError:
            fields["retention_days"] = days  # the model says it must be a whole number
    return validated(model, fields).model_dump(exclude_unset=model is EventPatch)


@bp.route("/organise/events/new", methods=["GET", "POST"])
def new_event():
    found = principal_or_login()
    if isinstance(found, Response):
        return found
    form, error, status = {}, None, 200
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("name", "starts_on", "ends_on", "place")}
        form["languages"] = request.form.get("languages", "").split()
        form["retention_days"] = request.form.get("retention_days", "")
        try:
            event, _token = services.create_event(found, event_form(EventIn))
            return redirect(url_for("organise.edit_event", event_id=event.id))
        except AppError as err:
            db.session.rollback()
            if err.code != "invalid":
                raise
            error, status = err.message, err.status
    page = render_template("organise/event_form.html", event=None, form=form, error=error)
    return no_store(Response(page, status=status))


@bp.route("/organise/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    found = principal_or_login()
    if isinstance(found, Response):
        return found
    event, principal = manage(event_id, found)
    error, links, status = None, [], 200
    if request.method == "POST":
        action = request.form.get("action", "save")
        try:
            links = event_action(event, principal, action)
        except AppError as err:
            db.session.rollback()
            if err.code not in ("invalid", "too_large", "conflict", "not_found"):
                raise
            error, status = err.message, err.status
    act_in(event, principal)
    page = render_template(
        "organise/event_form.html",
        event=event,
        form=services.event_dict(event),
        error=error,
        links=links,
    )
    return no_store(Response(page, status=status))


def event_action(event: Event, principal: Principal, action: str) -> list[dict[str, Any]]:
    """Do one of the edit page's forms; answers the facilitator links made (shown once)."""
    if action == "save":
        services.update_event(event, event_form(EventPatch))
        return []
    if action == "add_group":
        fields = {
            "name": request.form.get("group_name", ""),
            "description": request.form.get("group_description", ""),
        }
        if request.form.get("template"):  # else the API's default
            fields["template"] = request.form["template"]
        data = validated(GroupIn, fields)  # the API's checks (lengths)
        group, token = services.create_group(event, data.name, data.description, data.template)
        return [{"group": group, "url": services.facilitator_url(token)}]
    if action == "seed_groups":
        made = services.seed_groups(event)
        return [{"group": g, "url": services.facilitator_url(t)} for g, t in made]
    if action == "purge":
        if request.form.get("confirm") != "purge":
            raise AppError("invalid", _("Tick the box to confirm: a purge cannot be undone."))
        from ..do_no_harm.retention import purge_event

        purge_event(event)
        return []
    if action in ("rotate_link", "set_template"):
        group = services.group_of(event, request.form.get("group_id", type=int) or 0)
        if action == "set_template":
            actor, _token = principal.acting_in(event)
            data = validated(GroupPatch, {"template": request.form.get("template", "")})
            services.update_group(group, data.model_dump(exclude_unset=True), actor)
            return []
        token = services.rotate_facilitator_link(group)
        return [{"group": group, "url": services.facilitator_url(token)}]
    raise AppError("invalid", _("Unknown action."))


@bp.get("/organise/events/<int:event_id>")
def dashboard(event_id: int):
    found = principal_or_login()
    if isinstance(found, Response):
        return found
    event, principal = manage(event_id, found)
    act_in(event, principal)
    return no_store(render_template("organise/dashboard.html", event=event))


@bp.get("/organise/events/<int:event_id>/participants")
def participants(event_id: int):
    found = principal_or_login()
    if isinstance(found, Response):
        return found
    event, _principal = manage(event_id, found)
    data = services.participants(event)
    groups = {g.id: g.name for g in event.groups}
    page = render_template("organise/participants.html", event=event, data=data, groups=groups)
    return no_store(page)


@bp.post("/organise/events/<int:event_id>/participants/<int:participant_id>/remove")
def remove_participant(event_id: int, participant_id: int):
    found = principal_or_login()
    if isinstance(found, Response):
        return found
    event, _principal = manage(event_id, found)
    services.remove_participant(event, participant_id)
    return redirect(url_for("organise.participants", event_id=event.id))


# --- the projector ----------------------------------------------------------------------------


@bp.get("/boards/<int:board_id>/projector")
def projector(board_id: int):
    """A full-screen, read-only board for the plenary, following the live board."""
    token = session.get("token")
    who = participant_for_token(token)
    account_id = session.get(SESSION_KEY)
    account = db.session.get(Organiser, account_id) if isinstance(account_id, int) else None
    if account is not None:
        board = db.session.get(Board, board_id)
        if board is None:
            raise AppError("not_found", _("There is no such board."))
        event = db.session.get(Group, board.group_id).event
        who, token = identity_for(account, event)
        session["token"] = token
    if who is None:
        raise AppError("unauthorized", _("Join the event first, with its code."))
    board = board_for(who, board_id)
    group = db.session.get(Group, board.group_id)
    page = render_template("organise/projector.html", board=board, group=group)
    return no_store(page)
