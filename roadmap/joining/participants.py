"""Participants joining an event: join codes, adding a participant, their UI language."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import AppError
from ..extensions import db
from ..identity import hash_token, new_token
from ..models import Event, Group, Participant

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a hall


def new_join_code(length: int = 6) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if db.session.scalar(sa.select(Event.id).where(Event.join_code == code)) is None:
            return code


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def event_by_code(code: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.join_code == normalise_code(code)))
    if event is None:
        raise AppError(
            "not_found", _l("No event has this code. Check it on the screen or your card.")
        )
    return event


def add_participant(
    event: Event,
    name: str,
    *,
    role: str = "participant",
    organisation: str = "",
    country: str = "",
    anonymous: bool = False,
    language: str = "en",
    group: Group | None = None,
) -> tuple[Participant, str]:
    """Create a participant and return it with its token (only the hash is stored)."""
    name = name.strip()
    if not name:
        raise AppError("invalid", _l("Please give a display name."))
    token = new_token()
    who = Participant(
        event=event,
        name=name,
        organisation=organisation.strip(),
        country=country.strip(),
        role=role,
        anonymous=anonymous,
        language=language,
        group_id=group.id if group else None,
        token_hash=hash_token(token),
    )
    db.session.add(who)
    return who, token


def join_event(event: Event, name: str, **fields: Any) -> tuple[Participant, str]:
    """A participant joins `event` (committed); returns them with their token."""
    who, token = add_participant(event, name, **fields)
    db.session.commit()
    return who, token


def save_language(who: Participant, language: str) -> None:
    """Remember a participant's UI language."""
    who.language = language
    db.session.commit()


def event_summary(event: Event) -> dict:
    return {
        "id": event.id,
        "name": event.name,
        "groups": [
            {"id": g.id, "name": g.name, "board_id": g.board.id if g.board else None}
            for g in event.groups
        ],
    }
