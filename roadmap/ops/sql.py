"""The hot path's SQL: Core statements built once, run on the session's connection (ctx.run).

Every participant op (note and vote ops) and the shared part of apply() (lock, replay check,
seq, log entry) run these instead of ORM queries and flushes: building, compiling and flushing
ORM statements was most of an op's cost. The ORM models stay the schema, and the rest of the
app (facilitation ops, snapshots, reports) keeps using the ORM in the same transaction.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import bindparam

from ..boards.positions import LAST_POSITION
from ..models import Board, BoardOp, Group, Lane, Note, NoteTranslation, Participant, Vote

board, group, participant = Board.__table__, Group.__table__, Participant.__table__
note, lane, vote, board_op = Note.__table__, Lane.__table__, Vote.__table__, BoardOp.__table__
translation = NoteTranslation.__table__


class BoardState(NamedTuple):
    """The board as the op sees it, read under the write lock."""

    id: int
    group_id: int
    event_id: int
    seq: int
    phase: str
    locked: bool
    private_writing: bool
    voting_open: bool
    vote_budget: int
    spotlight_note_id: int | None
    vote_results_hidden: bool
    vote_max_per_note: int


class Actor(NamedTuple):
    """Who sends the op, as it is now."""

    id: int
    event_id: int
    name: str
    role: str
    group_id: int | None
    anonymous: bool
    removed: bool

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "name": "removed participant" if self.removed else self.name}


_BOARD_COLUMNS = [
    getattr(board.c, f) if f != "event_id" else group.c.event_id for f in BoardState._fields
]
_ACTOR_COLUMNS = [getattr(participant.c, f) for f in Actor._fields]

LOCK_BOARD = (
    sa.select(
        *_BOARD_COLUMNS,
        *_ACTOR_COLUMNS,
        sa.select(board_op.c.id)
        .where(board_op.c.board_id == board.c.id, board_op.c.op_id == bindparam("op_id"))
        .scalar_subquery(),
    )
    .join(group, group.c.id == board.c.group_id)
    .outerjoin(participant, participant.c.id == bindparam("actor_id"))
    .where(board.c.id == bindparam("board_id"))
    .with_for_update(of=board)  # PostgreSQL; SQLite holds BEGIN IMMEDIATE's lock instead
)
SET_SEQ = board.update().where(board.c.id == bindparam("board_id")).values(seq=bindparam("new_seq"))
LOG_OP = board_op.insert()
# PostgreSQL: both in one statement (a data-modifying CTE), one round trip fewer per op.
LOG_OP_AND_SET_SEQ = board_op.insert().add_cte(
    board.update()
    .where(board.c.id == bindparam("seq_board_id"))
    .values(seq=bindparam("seq_new"))
    .cte("set_seq")
)

# A note with its vote count and its author's name: everything note_dict needs, in one read.
NOTE = (
    sa.select(
        note,
        sa.select(sa.func.count())
        .where(vote.c.note_id == note.c.id)
        .scalar_subquery()
        .label("votes"),
        participant.c.name.label("author_name"),
        participant.c.removed.label("author_removed"),
    )
    .outerjoin(participant, participant.c.id == note.c.author_id)
    .where(note.c.id == bindparam("note_id"), note.c.board_id == bindparam("board_id"))
)
LANE_KIND = sa.select(lane.c.default_kind).where(
    lane.c.id == bindparam("lane_id"), lane.c.board_id == bindparam("board_id")
)
# The lane's kind and its last position in one round trip (a note created or moved at the end).
LANE_AND_LAST = sa.select(lane.c.default_kind, LAST_POSITION).where(
    lane.c.id == bindparam("lane_id"), lane.c.board_id == bindparam("board_id")
)
INSERT_NOTE = note.insert().returning(*note.c)
UPDATE_NOTE = (
    note.update()
    .where(note.c.id == bindparam("note_id"))
    .values(
        text=bindparam("new_text"),
        kind=bindparam("new_kind"),
        tags=bindparam("new_tags"),
        anonymous=bindparam("new_anonymous"),
        version=bindparam("new_version"),
        updated_at=bindparam("now"),
    )
)
MOVE_NOTE = (
    note.update()
    .where(note.c.id == bindparam("note_id"))
    .values(
        lane_id=bindparam("new_lane_id"),
        position=bindparam("new_position"),
        updated_at=bindparam("now"),
    )
)
DELETE_NOTE = (
    note.update().where(note.c.id == bindparam("note_id")).values(deleted_at=bindparam("now"))
)
RESTORE_NOTE = (
    note.update()
    .where(note.c.id == bindparam("note_id"))
    .values(deleted_at=None, version=note.c.version + 1, updated_at=bindparam("now"))
)
# The note's text changed: its translations no longer say what it says (issue 15).
CURRENT_TRANSLATIONS = sa.select(translation.c.lang).where(
    translation.c.note_id == bindparam("of_note"), translation.c.outdated.is_(False)
)
OUTDATE_TRANSLATIONS = (
    translation.update().where(translation.c.note_id == bindparam("of_note")).values(outdated=True)
)
# An author who makes their note anonymous is anonymous as its translator too (privacy.py): the
# stored flag is what snapshots, catch-up, backups and purges read.
ANONYMISE_OWN_TRANSLATIONS = (
    translation.update()
    .where(
        translation.c.note_id == bindparam("of_note"),
        translation.c.translator_id == bindparam("author_id"),
    )
    .values(anonymous=True)
)
CLEAR_SPOTLIGHT = (
    board.update().where(board.c.id == bindparam("board_id")).values(spotlight_note_id=None)
)

MY_VOTES = sa.select(sa.func.count()).where(
    vote.c.note_id == bindparam("note_id"), vote.c.participant_id == bindparam("actor_id")
)
VOTES_USED = (
    sa.select(sa.func.count())
    .select_from(vote.join(note, note.c.id == vote.c.note_id))
    .where(
        vote.c.board_id == bindparam("board_id"),
        vote.c.participant_id == bindparam("actor_id"),
        note.c.deleted_at.is_(None),
    )
)
ADD_VOTE = vote.insert()
# One dot back (the newest): a participant may have several on a note (vote_max_per_note).
REMOVE_VOTE = vote.delete().where(
    vote.c.id
    == sa.select(sa.func.max(vote.c.id))
    .where(vote.c.note_id == bindparam("note_id"), vote.c.participant_id == bindparam("actor_id"))
    .scalar_subquery()
)
# A cluster's notes live in the cluster's lane: they follow it when it moves.
MOVE_CLUSTER_MEMBERS = (
    note.update()
    .where(note.c.cluster_id == bindparam("cid"), note.c.deleted_at.is_(None))
    .values(lane_id=bindparam("new_lane_id"))
)


def lock_board(
    conn: sa.Connection, board_id: int, op_id: str, actor_id: int
) -> tuple[BoardState, Actor | None, int | None] | None:
    """The board (locked), the actor, and the id of a logged op with op_id; None: no board."""
    row = conn.execute(
        LOCK_BOARD, {"board_id": board_id, "op_id": op_id, "actor_id": actor_id}
    ).first()
    if row is None:
        return None
    n, m = len(_BOARD_COLUMNS), len(_ACTOR_COLUMNS)
    state = BoardState(*row[:n])
    actor = Actor(*row[n : n + m]) if row[n] is not None else None
    return state, actor, row[n + m]


def log_op(conn: sa.Connection, values: dict[str, Any]) -> None:
    """Advance the board's seq to values["seq"] and append the op-log entry."""
    if conn.dialect.name == "postgresql":
        seq = {"seq_board_id": values["board_id"], "seq_new": values["seq"]}
        conn.execute(LOG_OP_AND_SET_SEQ, {**values, **seq})
        return
    conn.execute(SET_SEQ, {"board_id": values["board_id"], "new_seq": values["seq"]})
    conn.execute(LOG_OP, values)
