"""Dot votes: a budget per participant, one dot per note, counts shown without names."""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import AppError
from ..extensions import db
from ..models import Note, Vote
from ..serialize import note_votes
from .core import Context, Id, OpData, Outcome, op
from .notes import note_of


class VoteData(OpData):
    note_id: Id


def votes_used(ctx: Context) -> int:
    """The actor's dots on this board's live notes (a deleted note gives its dots back)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Vote)
            .join(Note, Note.id == Vote.note_id)
            .where(
                Vote.board_id == ctx.board.id,
                Vote.participant_id == ctx.actor.id,
                Note.deleted_at.is_(None),
            )
        )
        or 0
    )


def mine(ctx: Context, note_id: int) -> Vote | None:
    return db.session.scalar(
        sa.select(Vote).where(Vote.note_id == note_id, Vote.participant_id == ctx.actor.id)
    )


def require_voting(ctx: Context) -> None:
    if not ctx.board.voting_open and ctx.board.phase != "vote":
        raise AppError("forbidden", "Voting is closed on this board right now.")


@op("vote.add", VoteData)
def add(ctx: Context, data: VoteData) -> Outcome:
    require_voting(ctx)
    note = note_of(ctx, data.note_id)
    changed = False
    if mine(ctx, note.id) is None:
        used = votes_used(ctx)
        if used >= ctx.board.vote_budget:
            raise AppError("forbidden", f"You have used all {ctx.board.vote_budget} of your votes.")
        db.session.add(Vote(note_id=note.id, participant_id=ctx.actor.id, board_id=ctx.board.id))
        db.session.flush()
        changed = True
    return Outcome(
        {"note_id": note.id, "votes": note_votes(note.id), "changed": changed}, anonymous=True
    )


@op("vote.remove", VoteData)
def remove(ctx: Context, data: VoteData) -> Outcome:
    require_voting(ctx)
    note = note_of(ctx, data.note_id, deleted_ok=True)
    vote = mine(ctx, note.id)
    if vote is not None:
        db.session.delete(vote)
        db.session.flush()
    return Outcome(
        {"note_id": note.id, "votes": note_votes(note.id), "changed": vote is not None},
        anonymous=True,
    )
