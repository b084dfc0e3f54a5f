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

from ..boards.snapshot import facilitation_dict, note_dict, note_votes
from ..errors import AppError
from ..extensions import db
from ..models import Note, Takeaway, Vote
from .core import Context, Id, OpData, Outcome, check_text, op
from .notes import lane_of, note_of
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
    inverse["board"]["vote_results_hidden"] = board.vote_results_hidden
    inverse["board"]["vote_ready"] = board.vote_ready
    entering_takeaways = data.phase == "takeaways" and board.phase != "takeaways"
    leaving_vote = board.phase == "vote" and data.phase != "vote"
    if data.phase == "vote" and board.phase != "vote":
        board.vote_ready = []  # a new vote: nobody is done yet
    reveal_votes = leaving_vote and board.vote_results_hidden
    if reveal_votes:
        board.vote_results_hidden = False  # leaving the Vote phase ends the vote
    board.phase = data.phase
    board.voting_open = data.phase == "vote"
    result = facilitation(ctx, board={"phase": board.phase})
    if (entering_takeaways and _has_takeaways(ctx)) or reveal_votes:
        result["resync"] = True  # everyone now sees the takeaways (or the vote counts)
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
    hide_results: bool | None = None
    max_per_note: int | None = Field(default=None, ge=1, le=50)


@op("voting.configure", VotingData, undoable=True, **staff_op)
def configure_voting(ctx: Context, data: VotingData) -> Outcome:
    """Set the dots per participant (and per note), open or close voting outside the Vote
    phase, and hide the results from participants until the vote ends."""
    board = ctx.board
    inverse = board_before(
        ctx, "vote_budget", "voting_open", "vote_results_hidden", "vote_max_per_note"
    )
    if data.budget is not None:
        board.vote_budget = data.budget
    if data.open is not None:
        board.voting_open = data.open
    if data.max_per_note is not None:
        board.vote_max_per_note = data.max_per_note
    showing = data.hide_results is False and board.vote_results_hidden
    if data.hide_results is not None:
        board.vote_results_hidden = data.hide_results
    result = facilitation(ctx)
    if data.hide_results:
        result["resync"] = True  # participants' copies drop the counts they had
    if showing:
        result["resync"] = True  # the counts come back
    return Outcome(result, undo=inverse)


class VotingEnd(OpData):
    pass


@op("voting.end", VotingEnd, undoable=True, **staff_op)
def end_vote(ctx: Context, _data: VotingEnd) -> Outcome:
    """End the vote: voting closes and hidden results are shown to everyone."""
    board = ctx.board
    inverse = board_before(ctx, "voting_open", "vote_results_hidden")
    revealing = bool(board.vote_results_hidden)
    board.voting_open = False
    board.vote_results_hidden = False
    result = facilitation(ctx, vote_ended=True)
    if revealing:
        result["resync"] = True  # participants fetch a snapshot with the counts
    return Outcome(result, undo=inverse)


class ReadyData(OpData):
    done: bool


@op("voting.ready", ReadyData, when_locked=True)
def ready(ctx: Context, data: ReadyData) -> Outcome:
    """A participant says they are done voting (or not); the facilitator sees how many."""
    board = ctx.board
    who = set(board.vote_ready or [])
    if data.done:
        who.add(ctx.actor.id)
    else:
        who.discard(ctx.actor.id)
    board.vote_ready = sorted(who)
    return Outcome(facilitation(ctx))


class NoData(OpData):
    pass


@op("votes.reset", NoData, undoable=True, **staff_op)
def reset_votes(ctx: Context, _data: NoData) -> Outcome:
    """Remove every vote on the board (counts go back to zero, budgets are full again)."""
    votes = db.session.scalars(sa.select(Vote).where(Vote.board_id == ctx.board.id)).all()
    inverse = {"votes": [[v.note_id, v.participant_id] for v in votes]}
    inverse.update(board_before(ctx, "vote_ready"))
    ctx.board.vote_ready = []
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


class BringData(OpData):
    lane_id: Id | None = None
    note_id: Id | None = None


@op("board.bring", BringData, **staff_op)
def bring(ctx: Context, data: BringData) -> Outcome:
    """Bring everyone to a lane or a note: participants' boards (and a following projector)
    scroll there; each participant may step away and come back with one tap."""
    lane_id = data.lane_id
    if data.note_id is not None:
        note = note_of(ctx, data.note_id)
        if note.hidden:
            raise AppError("invalid", _l("Reveal this note before bringing everyone to it."))
        lane_id = note.lane_id
    elif lane_id is not None:
        lane_of(ctx, lane_id)
    else:
        raise AppError("invalid", _l("Name a lane_id or a note_id to bring everyone to."))
    board = ctx.board
    board.bring_lane_id, board.bring_note_id, board.bring_at = lane_id, data.note_id, ctx.now
    return Outcome(facilitation(ctx))


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
