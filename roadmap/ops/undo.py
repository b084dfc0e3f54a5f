"""Inverses of facilitator ops (kept in BoardOp.undo) and facilitator.undo, which applies them.

An inverse is a JSON object with any of:
- "board": {column: previous value} for the Board's facilitation columns;
- "notes": {note id: {column: previous value}} (dates as ISO strings);
- "delete_notes": [ids] notes the op created, soft-deleted on undo;
- "votes": [[note id, participant id], ...] votes the op removed, put back on undo.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..boards.snapshot import facilitation_dict
from ..boards.translations import mark_outdated
from ..errors import AppError
from ..extensions import db
from ..models import BoardOp, Note, Participant, Vote
from .core import REGISTRY, Context, OpData, Outcome, op
from .history import record

BOARD_FIELDS = (
    "phase",
    "locked",
    "private_writing",
    "voting_open",
    "vote_budget",
    "spotlight_note_id",
    "message",
    "vote_results_hidden",
    "vote_max_per_note",
    "vote_ready",
)
DATE_FIELDS = {"due_date"}
DATETIME_FIELDS = {"deleted_at", "status_updated_at"}


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def board_before(ctx: Context, *fields: str) -> dict[str, Any]:
    """The inverse that restores these Board columns."""
    return {"board": {name: getattr(ctx.board, name) for name in fields}}


def note_before(note: Note, *fields: str) -> dict[str, Any]:
    return {name: json_value(getattr(note, name)) for name in fields}


def _restore_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in DATE_FIELDS:
        return dt.date.fromisoformat(value)
    if name in DATETIME_FIELDS:
        return dt.datetime.fromisoformat(value)
    return value


def reverse(ctx: Context, inverse: dict[str, Any]) -> None:
    """Apply an inverse recorded by an earlier op."""
    for name, value in inverse.get("board", {}).items():
        if name in BOARD_FIELDS:
            setattr(ctx.board, name, value)
    for note_id, fields in inverse.get("notes", {}).items():
        note = db.session.get(Note, int(note_id))
        if note is None or note.board_id != ctx.board.id or note.redacted_at is not None:
            continue  # a redacted note never comes back (roadmap/do_no_harm/erasure.py)
        restored = _restore_value("status", fields.get("status", note.status))
        if note.kind == "commitment" and restored and restored != note.status:
            record(ctx, note, note.status, restored, "undo")  # history is never rewritten
        if isinstance(fields.get("text"), str) and fields["text"] != note.text:
            mark_outdated(note.id)  # clients resync after an undo
        for name, value in fields.items():
            setattr(note, name, _restore_value(name, value))
        note.version += 1
        note.updated_at = ctx.now
    for note_id in inverse.get("delete_notes", []):
        note = db.session.get(Note, note_id)
        if note is not None and note.board_id == ctx.board.id and note.deleted_at is None:
            note.deleted_at = ctx.now
            if ctx.board.spotlight_note_id == note.id:
                ctx.board.spotlight_note_id = None
    wanted = Counter((note_id, pid) for note_id, pid in inverse.get("votes", []))
    for (note_id, participant_id), count in wanted.items():  # several dots per note may come back
        have = db.session.scalar(
            sa.select(sa.func.count()).where(
                Vote.note_id == note_id, Vote.participant_id == participant_id
            )
        )
        if db.session.get(Note, note_id) is None:
            continue
        for _ in range(count - (have or 0)):
            db.session.add(
                Vote(note_id=note_id, participant_id=participant_id, board_id=ctx.board.id)
            )
    db.session.flush()


def keep_later_status(row: BoardOp) -> dict[str, Any]:
    """The op's inverse, without a commitment's status where it changed since the op (an
    owner's report through their link, or a later status change: history is not reverted)."""
    inverse = dict(row.undo or {})
    notes = inverse.get("notes")
    if row.type != "commitment.set" or not isinstance(notes, dict):
        return inverse
    kept = {}
    for nid, fields in notes.items():
        note = db.session.get(Note, int(nid))
        after = ((row.result or {}).get("note") or {}).get("commitment") or {}
        if note is not None and isinstance(fields, dict) and after.get("status") != note.status:
            fields = {k: v for k, v in fields.items() if k not in ("status", "status_updated_at")}
        kept[nid] = fields
    inverse["notes"] = kept
    return inverse


class NoData(OpData):
    pass


@op("facilitator.undo", NoData, staff_only=True, when_locked=True)
def undo(ctx: Context, _data: NoData) -> Outcome:
    """Reverse the board's last facilitator action that has not been undone yet."""
    undoable = [name for name, kind in REGISTRY.items() if kind.undoable]
    rows = db.session.scalars(
        sa.select(BoardOp)
        .where(
            BoardOp.board_id == ctx.board.id,
            BoardOp.type.in_(undoable),
            BoardOp.undone.is_(False),
            # Not an owner's progress report (a follow-up link): history is never reverted by
            # the room's undo (issue 14); staff correct it with a status change of their own.
            sa.or_(
                BoardOp.actor_id.is_(None),
                ~BoardOp.actor_id.in_(sa.select(Participant.id).where(Participant.role == "owner")),
            ),
        )
        .order_by(BoardOp.seq.desc())
        .limit(50)
    )
    # A JSON column stores None as JSON null, so the SQL cannot tell "no inverse" apart.
    row = next((r for r in rows if r.undo), None)
    if row is None:
        raise AppError("invalid", _l("There is nothing to undo."))
    reverse(ctx, keep_later_status(row))
    row.undone = True
    return Outcome(
        {
            "resync": True,
            "undone": {"seq": row.seq, "type": row.type},
            "board": {"phase": ctx.board.phase, "locked": ctx.board.locked},
            "facilitation": facilitation_dict(ctx.board),
        }
    )
