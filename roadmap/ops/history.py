"""Commitment history: every status change is appended as a row, in the op's transaction."""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import AppError
from ..extensions import db
from ..models import COMMITMENT_STATUSES, STATUS_ALIASES, CommitmentUpdate, FollowUpLink, Note
from .core import Context

VALUE_MAX = 1e12


def check_status(status: str) -> str:
    """A commitment status ("planned", from older clients, is "not_started")."""
    status = STATUS_ALIASES.get(status, status)
    if status not in COMMITMENT_STATUSES:
        raise AppError(
            "invalid", _l("status: one of %(values)s.", values=", ".join(COMMITMENT_STATUSES))
        )
    return status


def check_value(value: float | None) -> float | None:
    """A figure against the indicator: a finite number of sensible size, or none."""
    if value is None:
        return None
    if not math.isfinite(value) or abs(value) > VALUE_MAX:
        raise AppError(
            "invalid", _l("value: a number between -%(max)s and %(max)s.", max=f"{VALUE_MAX:g}")
        )
    return float(value)


def via(ctx: Context) -> str:
    """How the actor reports: the owner's link, the staff, or the note's author."""
    if ctx.actor_row.role == "owner":
        return "owner_link"
    return "staff" if ctx.staff else "author"


def owner_link_opens(ctx: Context, note: Note) -> bool:
    """Is the actor the identity of a live follow-up link to this very commitment?"""
    if ctx.actor_row.role != "owner":
        return False
    found = db.session.scalar(
        sa.select(FollowUpLink.id).where(
            FollowUpLink.note_id == note.id,
            FollowUpLink.participant_id == ctx.actor_row.id,
            FollowUpLink.revoked_at.is_(None),
        )
    )
    return found is not None


def record(
    ctx: Context,
    note: Note,
    from_status: str | None,
    to_status: str,
    text: str = "",
    value: float | None = None,
) -> CommitmentUpdate:
    """Append one history row for `note`, made by this op (its seq is the board's next)."""
    row = CommitmentUpdate(
        note_id=note.id,
        board_id=note.board_id,
        seq=ctx.board_row.seq + 1,
        actor_id=ctx.actor_row.id,
        via=via(ctx),
        actor_name=ctx.actor_row.name[:200],
        at=ctx.now,
        from_status=from_status or None,
        to_status=to_status,
        note=text,
        value=value,
    )
    db.session.add(row)
    return row
