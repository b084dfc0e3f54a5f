"""Introducing possible partners: a "partners" entry on each of two notes, one op per board."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..boards.snapshot import note_dict, note_votes
from ..errors import AppError
from ..extensions import db
from ..models import Board, Group, Note
from .core import Context, Id, OpData, Outcome, op
from .notes import note_of
from .undo import note_before

PARTNERS_MAX = 2000


class Introduce(OpData):
    note_id: Id
    partner_note_id: Id
    partner: str  # how the partner is named on this note: organisation or group, and its text


def may_introduce(ctx: Context, partner: Note) -> bool:
    """Staff of this board, or the facilitator of the partner note's group."""
    if ctx.staff:
        return True
    board = db.session.get(Board, partner.board_id)
    return (
        ctx.actor_row.role == "facilitator"
        and board is not None
        and board.group_id == ctx.actor_row.group_id
    )


@op("synergy.introduce", Introduce, when_locked=True, undoable=True)
def introduce(ctx: Context, data: Introduce) -> Outcome:
    """Name a possible partner on a note (a signpost or a commitment), once."""
    note = note_of(ctx, data.note_id)
    partner = db.session.get(Note, data.partner_note_id)
    board = db.session.get(Board, partner.board_id) if partner is not None else None
    group = db.session.get(Group, board.group_id) if board is not None else None
    if (
        partner is None
        or partner.deleted_at is not None
        or partner.id == note.id
        or group is None
        or group.event_id != ctx.board_row.event_id
    ):
        raise AppError(
            "not_found", _l("There is no note %(id)s to introduce.", id=data.partner_note_id)
        )
    if not may_introduce(ctx, partner):
        raise AppError(
            "forbidden", _l("Only the facilitators of the two groups or an organiser can.")
        )
    label = " ".join(data.partner.split())[:300]
    if not label:
        raise AppError("invalid", _l("partner: say who the partner is."))
    marker = f"#{partner.id}"
    inverse = {"notes": {str(note.id): note_before(note, "partners")}}
    if marker not in (note.partners or ""):
        entry = f"{label} ({marker})"
        joined = f"{note.partners}; {entry}" if note.partners else entry
        if len(joined) > PARTNERS_MAX:
            raise AppError("too_large", _l("This note has too many partners listed already."))
        note.partners = joined
        note.version += 1
        note.updated_at = ctx.now
    return Outcome({"note": note_dict(note, note_votes(note.id))}, undo=inverse)
