"""Dot votes: a budget per participant, up to vote_max_per_note dots on one note, counts
shown without names (and only to the staff while the results are hidden)."""

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


def my_dots(ctx: Context, note_id: int) -> int:
    return ctx.run(sql.MY_VOTES, note_id=note_id, actor_id=ctx.actor_row.id).scalar() or 0


def voters(ctx: Context) -> list[int] | None:
    """While the results are hidden, only the voter (and the staff) learn that a dot moved:
    counting other people's vote ops would give the results away."""
    return [ctx.actor_row.id] if ctx.board_row.vote_results_hidden else None


def require_voting(ctx: Context) -> None:
    """Only voting_open counts: phase changes set it, and the facilitator may close it in Vote."""
    if not ctx.board_row.voting_open:
        raise AppError("forbidden", _l("Voting is closed on this board right now."))


@op("vote.add", VoteData)
def add(ctx: Context, data: VoteData) -> Outcome:
    require_voting(ctx)
    note = note_row(ctx, data.note_id)
    votes, changed = note.votes, False
    mine = my_dots(ctx, note.id)
    if mine < ctx.board_row.vote_max_per_note:
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
        votes, changed, mine = votes + 1, True, mine + 1
    result = {"note_id": note.id, "votes": votes, "changed": changed, "my_dots": mine}
    return Outcome(result, audience=voters(ctx), anonymous=True)


@op("vote.remove", VoteData)
def remove(ctx: Context, data: VoteData) -> Outcome:
    require_voting(ctx)
    note = note_row(ctx, data.note_id, deleted_ok=True)
    removed = ctx.run(sql.REMOVE_VOTE, note_id=note.id, actor_id=ctx.actor_row.id).rowcount
    result = {
        "note_id": note.id,
        "votes": note.votes - removed,
        "changed": removed > 0,
        "my_dots": my_dots(ctx, note.id),
    }
    return Outcome(result, audience=voters(ctx), anonymous=True)
