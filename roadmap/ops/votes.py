"""Dot votes: a budget per participant, one dot per note, counts shown without names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import AppError
from . import sql
from .core import Context, Id, OpData, Outcome, op
from .notes import note_row


class VoteData(OpData):
    note_id: Id


def votes_used(ctx: Context) -> int:
    """The actor's dots on this board's live notes (a deleted note gives its dots back)."""
    used = ctx.run(sql.VOTES_USED, board_id=ctx.board_row.id, actor_id=ctx.actor_row.id)
    return used.scalar() or 0


def has_voted(ctx: Context, note_id: int) -> bool:
    return ctx.run(sql.MY_VOTE, note_id=note_id, actor_id=ctx.actor_row.id).first() is not None


def require_voting(ctx: Context) -> None:
    """Only voting_open counts: phase changes set it, and the facilitator may close it in Vote."""
    if not ctx.board_row.voting_open:
        raise AppError("forbidden", _l("Voting is closed on this board right now."))


@op("vote.add", VoteData)
def add(ctx: Context, data: VoteData) -> Outcome:
    require_voting(ctx)
    note = note_row(ctx, data.note_id)
    votes, changed = note.votes, False
    if not has_voted(ctx, note.id):
        budget = ctx.board_row.vote_budget
        if votes_used(ctx) >= budget:
            raise AppError(
                "forbidden", _l("You have used all %(budget)s of your votes.", budget=budget)
            )
        ctx.run(
            sql.ADD_VOTE,
            note_id=note.id,
            participant_id=ctx.actor_row.id,
            board_id=ctx.board_row.id,
            created_at=ctx.now,
        )
        votes, changed = votes + 1, True
    return Outcome({"note_id": note.id, "votes": votes, "changed": changed}, anonymous=True)


@op("vote.remove", VoteData)
def remove(ctx: Context, data: VoteData) -> Outcome:
    require_voting(ctx)
    note = note_row(ctx, data.note_id, deleted_ok=True)
    removed = ctx.run(sql.REMOVE_VOTE, note_id=note.id, actor_id=ctx.actor_row.id).rowcount
    return Outcome(
        {"note_id": note.id, "votes": note.votes - removed, "changed": removed > 0},
        anonymous=True,
    )
