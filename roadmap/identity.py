"""Identity: opaque tokens (only their hash is stored), bearer and cookie look-up, permissions."""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal, overload

import sqlalchemy as sa
from flask import request, session
from flask_babel import lazy_gettext as _l

from .errors import AppError
from .extensions import db
from .models import Board, Group, Participant


def new_token() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def participant_for_token(token: str | None) -> Participant | None:
    if not token or len(token) > 200:
        return None
    found = db.session.scalar(
        sa.select(Participant).where(Participant.token_hash == hash_token(token))
    )
    if found is None or found.removed:
        return None
    return found


def request_token() -> str | None:
    """The bearer token of this request, else the one in the signed session cookie."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return session.get("token")


@overload
def current_participant(required: Literal[True] = True) -> Participant: ...
@overload
def current_participant(required: bool) -> Participant | None: ...


def current_participant(required: bool = True) -> Participant | None:
    token = request_token()
    who = participant_for_token(token)
    if who is None and required:
        if token:
            raise AppError("unauthorized", _l("This token is not valid (or was revoked)."))
        raise AppError(
            "unauthorized", _l("Join the event first: send 'Authorization: Bearer <token>'.")
        )
    return who


def sign_in(token: str) -> None:
    """Remember a token in the browser's signed session cookie."""
    session.clear()
    session.permanent = True
    session["token"] = token


def is_staff(who: Participant, board: Board) -> bool:
    """Facilitator of this board's group, or an organiser of its event."""
    if who.role == "organiser":
        return True
    return who.role == "facilitator" and who.group_id == board.group_id


def board_for(who: Participant, board_id: int) -> Board:
    """The board, if `who` may open it: 404 when missing, 403 for another event's board."""
    board = db.session.get(Board, board_id)
    if board is None:
        raise AppError("not_found", _l("There is no board %(board_id)s.", board_id=board_id))
    group = db.session.get(Group, board.group_id)
    if group is None or group.event_id != who.event_id:
        raise AppError("forbidden", _l("This board belongs to another event."))
    return board


def require_organiser(who: Participant, event_id: int) -> None:
    if who.role != "organiser" or who.event_id != event_id:
        raise AppError("forbidden", _l("Only the event's organisers may do this."))
