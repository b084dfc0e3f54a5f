"""Boards and their op log over HTTP (the same core and broadcast as the sockets)."""

from __future__ import annotations

from .. import ops
from ..api import body, bp, query
from ..api.openapi import documented
from ..api.schemas import (
    BoardOut,
    ErrorBody,
    NotesAfter,
    NotesPage,
    OpAck,
    OpIn,
    OpsAfter,
    OpsOut,
)
from ..errors import STATUS
from ..identity import board_for, current_participant
from ..ops.core import MAX_ID
from ..realtime.handlers import catch_up, publish
from .snapshot import board_snapshot, notes_page

ERRORS = {"HTTP_401": ErrorBody, "HTTP_403": ErrorBody, "HTTP_404": ErrorBody}
# An id the database cannot hold is a 404 here, not an overflow deeper down.
BOARD = f"/boards/<int(min=1, max={MAX_ID}):board_id>"


@bp.get(BOARD)
@documented(resp={"HTTP_200": BoardOut, **ERRORS}, tags=("boards",))
def get_board(board_id: int):
    """A board as the caller may see it: lanes, notes, votes and the current seq."""
    who = current_participant()
    return board_snapshot(board_for(who, board_id), who)


@bp.get(f"{BOARD}/notes")
@documented(
    query=NotesAfter,
    resp={"HTTP_200": NotesPage, "HTTP_400": ErrorBody, **ERRORS},
    tags=("boards",),
)
def get_notes(board_id: int):
    """A page of the notes the caller may see, by id: those above `after`, at most `limit`;
    `next` is the `after` of the next page (null: the last page). See docs/protocol.md."""
    who = current_participant()
    assert who is not None  # required: a 401 otherwise
    board = board_for(who, board_id)
    args = query(NotesAfter)
    seq = board.seq
    notes, cursor = notes_page(board, who, args.after, args.limit)
    return {"seq": seq, "notes": notes, "next": cursor}


@bp.get(f"{BOARD}/ops")
@documented(
    query=OpsAfter, resp={"HTTP_200": OpsOut, "HTTP_400": ErrorBody, **ERRORS}, tags=("boards",)
)
def get_ops(board_id: int):
    """The ops after seq `after`, in order; a snapshot when the log no longer reaches back."""
    who = current_participant()
    board = board_for(who, board_id)
    after = query(OpsAfter).after
    missed = catch_up(board, after, who)
    if missed is None:
        return {"seq": board.seq, "snapshot": board_snapshot(board, who)}
    return {"seq": board.seq, "ops": missed}


@bp.post(f"{BOARD}/ops")
@documented(
    json=OpIn,
    resp={
        "HTTP_201": OpAck,
        "HTTP_200": OpAck,
        "HTTP_400": ErrorBody,
        "HTTP_409": ErrorBody,
        "HTTP_413": ErrorBody,
        "HTTP_423": ErrorBody,
        "HTTP_429": ErrorBody,
        **ERRORS,
    },
    tags=("boards",),
)
def post_op(board_id: int):
    """Apply one op (as the Socket.IO `op` event does) and broadcast it to the board's room."""
    who = current_participant()
    board_for(who, board_id)
    raw = body(OpIn).model_dump()
    applied = ops.apply(board_id, raw, who)
    publish(applied)
    ack = applied.ack
    if not ack["ok"]:
        return ack, STATUS.get(ack["error"]["code"], 400)
    return ack, 200 if ack.get("duplicate") else 201
