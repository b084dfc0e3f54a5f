"""Takeaways: "What will you take away, and what will you do next?" (seed 003), one per person."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..boards.snapshot import takeaway_dict
from ..errors import AppError
from ..extensions import db
from ..models import Takeaway
from .core import Context, OpData, Outcome, check_text, op


class TakeawaySet(OpData):
    text: str
    anonymous: bool = False


@op("takeaway.set", TakeawaySet, when_locked=True)
def set_takeaway(ctx: Context, data: TakeawaySet) -> Outcome:
    """Give or change my takeaway; participants can do it in the Takeaways phase."""
    if ctx.board.phase != "takeaways" and not ctx.staff:
        raise AppError("forbidden", _l("Takeaways open in the Takeaways phase."))
    takeaway = db.session.scalar(
        sa.select(Takeaway).where(
            Takeaway.board_id == ctx.board.id, Takeaway.participant_id == ctx.actor.id
        )
    )
    if takeaway is None:
        takeaway = Takeaway(
            board_id=ctx.board.id, participant_id=ctx.actor.id, created_at=ctx.now, text=""
        )
        db.session.add(takeaway)
    takeaway.text = check_text(data.text, "takeaway")
    takeaway.anonymous = data.anonymous
    takeaway.updated_at = ctx.now
    takeaway.participant = ctx.actor
    db.session.flush()
    audience = None if ctx.board.phase == "takeaways" else [ctx.actor.id]
    return Outcome(
        {"takeaway": takeaway_dict(takeaway)}, audience=audience, anonymous=data.anonymous
    )
