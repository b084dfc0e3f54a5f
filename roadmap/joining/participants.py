"""Events, groups and joining: the services views and the API share."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..boards.layouts import DEFAULT_TEMPLATE, create_board
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
        raise AppError("invalid", "Please give a display name.")
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


def add_group(
    event: Event, name: str, description: str = "", template: str = DEFAULT_TEMPLATE
) -> tuple[Group, str]:
    """Create a group with its board and its facilitator; return the facilitator's token."""
    position = len(event.groups)
    group = Group(event=event, name=name, description=description, position=position)
    db.session.add(group)
    create_board(group, template)
    db.session.flush()
    _, token = add_participant(event, f"Facilitator · {name}"[:80], role="facilitator", group=group)
    return group, token


def rotate_facilitator_link(group: Group) -> str:
    """A new secret facilitator token for the group (the old one stops working); not committed."""
    facilitator = db.session.scalar(
        sa.select(Participant)
        .where(Participant.group_id == group.id, Participant.role == "facilitator")
        .order_by(Participant.id)
    )
    token = new_token()
    if facilitator is None:
        facilitator, _ = add_participant(
            group.event, f"Facilitator · {group.name}"[:80], role="facilitator", group=group
        )
    facilitator.token_hash = hash_token(token)
    facilitator.removed = False
    return token


def event_summary(event: Event) -> dict:
    return {
        "id": event.id,
        "name": event.name,
        "groups": [
            {"id": g.id, "name": g.name, "board_id": g.board.id if g.board else None}
            for g in event.groups
        ],
    }
