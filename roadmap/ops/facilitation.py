"""Facilitator controls: phases, lock, voting, timer, private writing, spotlight, message.

Every op here is staff-only (the board's facilitator or an organiser of its event) and may be
done on a locked board. Results follow docs/architecture.md: "board" for phase and lock,
"facilitation" (the whole serialize.facilitation_dict) for everything else.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pydantic import Field

from ..errors import AppError
from ..extensions import db
from ..models import Note, Takeaway, Vote
from ..serialize import facilitation_dict, note_dict, note_votes
from .core import Context, OpData, Outcome, check_text, op
from .notes import note_of
from .undo import board_before

Phase = Literal["brainstorm", "cluster", "vote", "commit", "takeaways"]
TIMER_MAX = 4 * 60 * 60  # seconds

staff_op = {"staff_only": True, "when_locked": True}


def facilitation(ctx: Context, **extra: Any) -> dict[str, Any]:
    return {**extra, "facilitation": facilitation_dict(ctx.board)}


# --- phases, lock, voting ---------------------------------------------------------------------


class PhaseData(OpData):
    phase: Phase


@op("board.phase", PhaseData, undoable=True, **staff_op)
def set_phase(ctx: Context, data: PhaseData) -> Outcome:
    """Move the board to a phase; voting opens in Vote and closes elsewhere."""
    board = ctx.board
    inverse = board_before(ctx, "phase", "voting_open")
    entering_takeaways = data.phase == "takeaways" and board.phase != "takeaways"
    board.phase = data.phase
    board.voting_open = data.phase == "vote"
    result = facilitation(ctx, board={"phase": board.phase})
    if entering_takeaways and _has_takeaways(ctx):
        result["resync"] = True  # everyone now sees the takeaways given so far
    return Outcome(result, undo=inverse)


def _has_takeaways(ctx: Context) -> bool:
    found = db.session.scalar(sa.select(Takeaway.id).where(Takeaway.board_id == ctx.board.id))
    return found is not None


class LockData(OpData):
    locked: bool


@op("board.lock", LockData, undoable=True, **staff_op)
def lock(ctx: Context, data: LockData) -> Outcome:
    """Make the board read-only for participants (or writable again)."""
    inverse = board_before(ctx, "locked")
    ctx.board.locked = data.locked
    return Outcome({"board": {"locked": ctx.board.locked}}, undo=inverse)


class VotingData(OpData):
    budget: int | None = Field(default=None, ge=1, le=50)
    open: bool | None = None


@op("voting.configure", VotingData, undoable=True, **staff_op)
def configure_voting(ctx: Context, data: VotingData) -> Outcome:
    """Set the dots per participant, and open or close voting outside the Vote phase."""
    inverse = board_before(ctx, "vote_budget", "voting_open")
    if data.budget is not None:
        ctx.board.vote_budget = data.budget
    if data.open is not None:
        ctx.board.voting_open = data.open
    return Outcome(facilitation(ctx), undo=inverse)


class NoData(OpData):
    pass


@op("votes.reset", NoData, undoable=True, **staff_op)
def reset_votes(ctx: Context, _data: NoData) -> Outcome:
    """Remove every vote on the board (counts go back to zero, budgets are full again)."""
    votes = db.session.scalars(sa.select(Vote).where(Vote.board_id == ctx.board.id)).all()
    inverse = {"votes": [[v.note_id, v.participant_id] for v in votes]}
    for vote in votes:
        db.session.delete(vote)
    db.session.flush()
    return Outcome(facilitation(ctx, votes_reset=True, resync=True), undo=inverse)


# --- timer ------------------------------------------------------------------------------------


class TimerStart(OpData):
    seconds: int = Field(ge=1, le=TIMER_MAX)


def _remaining(ctx: Context) -> int:
    ends_at = ctx.board.timer_ends_at
    if ends_at is None:
        return 0
    return max(0, math.ceil((ends_at - ctx.now).total_seconds()))


def start_timer(ctx: Context, seconds: int) -> None:
    board = ctx.board
    board.timer_ends_at = ctx.now + dt.timedelta(seconds=seconds)
    board.timer_remaining = None
    board.timer_duration = seconds


@op("timer.start", TimerStart, **staff_op)
def timer_start(ctx: Context, data: TimerStart) -> Outcome:
    """Start (or restart) a countdown; the server keeps its end time."""
    start_timer(ctx, data.seconds)
    return Outcome(facilitation(ctx))


@op("timer.pause", NoData, **staff_op)
def timer_pause(ctx: Context, _data: NoData) -> Outcome:
    board = ctx.board
    if board.timer_ends_at is None or _remaining(ctx) == 0:
        raise AppError("invalid", _l("The timer is not running."))
    board.timer_remaining = _remaining(ctx)
    board.timer_ends_at = None
    return Outcome(facilitation(ctx))


@op("timer.resume", NoData, **staff_op)
def timer_resume(ctx: Context, _data: NoData) -> Outcome:
    board = ctx.board
    if board.timer_remaining is None or board.timer_ends_at is not None:
        raise AppError("invalid", _l("The timer is not paused."))
    board.timer_ends_at = ctx.now + dt.timedelta(seconds=board.timer_remaining)
    board.timer_remaining = None
    return Outcome(facilitation(ctx))


class TimerAdd(OpData):
    seconds: int = Field(default=60, ge=-TIMER_MAX, le=TIMER_MAX)


@op("timer.add", TimerAdd, **staff_op)
def timer_add(ctx: Context, data: TimerAdd) -> Outcome:
    """Add (or take away) time; an ended or stopped timer starts again with it."""
    board = ctx.board
    if board.timer_remaining is not None and board.timer_ends_at is None:
        board.timer_remaining = min(TIMER_MAX, max(0, board.timer_remaining + data.seconds))
        board.timer_duration = (board.timer_duration or 0) + data.seconds
    elif board.timer_ends_at is not None and _remaining(ctx) > 0:
        left = min(TIMER_MAX, max(0, _remaining(ctx) + data.seconds))
        board.timer_ends_at = ctx.now + dt.timedelta(seconds=left)
        board.timer_duration = max(left, (board.timer_duration or 0) + data.seconds)
    elif data.seconds > 0:
        start_timer(ctx, data.seconds)
    else:
        raise AppError("invalid", _l("The timer is not running."))
    return Outcome(facilitation(ctx))


@op("timer.stop", NoData, **staff_op)
def timer_stop(ctx: Context, _data: NoData) -> Outcome:
    board = ctx.board
    board.timer_ends_at = None
    board.timer_remaining = None
    board.timer_duration = None
    return Outcome(facilitation(ctx))


# --- private writing, spotlight, message ------------------------------------------------------


class PrivateData(OpData):
    on: bool


@op("writing.private", PrivateData, undoable=True, **staff_op)
def private_writing(ctx: Context, data: PrivateData) -> Outcome:
    """While on, new participant notes are seen only by their author and the staff."""
    inverse = board_before(ctx, "private_writing")
    ctx.board.private_writing = data.on
    return Outcome(facilitation(ctx), undo=inverse)


@op("notes.reveal", NoData, undoable=True, **staff_op)
def reveal(ctx: Context, _data: NoData) -> Outcome:
    """Show every hidden note to everyone at once, and end the private-writing round."""
    hidden = db.session.scalars(
        sa.select(Note)
        .where(Note.board_id == ctx.board.id, Note.hidden.is_(True), Note.deleted_at.is_(None))
        .order_by(Note.id)
    ).all()
    inverse: dict[str, Any] = board_before(ctx, "private_writing")
    inverse["notes"] = {str(n.id): {"hidden": True} for n in hidden}
    for note in hidden:
        note.hidden = False
        note.version += 1
        note.updated_at = ctx.now
    ctx.board.private_writing = False
    notes = [note_dict(n, note_votes(n.id)) for n in hidden]
    result = facilitation(ctx, notes=notes, revealed=len(notes), board={"hidden_count": 0})
    return Outcome(result, undo=inverse)


class SpotlightData(OpData):
    note_id: int | None


@op("board.spotlight", SpotlightData, undoable=True, **staff_op)
def spotlight(ctx: Context, data: SpotlightData) -> Outcome:
    """Highlight one note on every screen (None: no spotlight)."""
    inverse = board_before(ctx, "spotlight_note_id")
    if data.note_id is not None:
        note = note_of(ctx, data.note_id)
        if note.hidden:
            raise AppError("invalid", _l("Reveal this note before putting it in the spotlight."))
    ctx.board.spotlight_note_id = data.note_id
    return Outcome(facilitation(ctx), undo=inverse)


class MessageData(OpData):
    text: str


def set_message(ctx: Context, text: str) -> None:
    ctx.board.message = check_text(text, "message", 500) if text.strip() else ""


@op("board.message", MessageData, undoable=True, **staff_op)
def message(ctx: Context, data: MessageData) -> Outcome:
    """Show a short message on every screen of the board ("" clears it)."""
    inverse = board_before(ctx, "message")
    set_message(ctx, data.text)
    return Outcome(facilitation(ctx), undo=inverse)
