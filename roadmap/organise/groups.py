"""Groups: a group with its board and its facilitator identity, and the facilitator's link."""

from __future__ import annotations

import sqlalchemy as sa

from ..boards.layouts import DEFAULT_TEMPLATE, create_board
from ..extensions import db
from ..identity import hash_token, new_token
from ..joining.participants import add_participant
from ..models import Event, Group, Participant


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
