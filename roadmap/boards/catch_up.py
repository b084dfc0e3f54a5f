"""What the op log serves now: catch-up ops whose text is what is visible today, authors hidden.

An op keeps its seq for ever, but text edited away, deleted or redacted since is not served
again, and an op by the author of a note that is anonymous now does not say who acted
(privacy.py decides). Used by board:join with `since` and GET /api/boards/<id>/ops.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..do_no_harm import privacy
from ..extensions import db
from ..models import Board, BoardOp, Note, Participant
from .snapshot import in_audience, op_message, redacted_message


def notes_now(board_id: int, ids: set[int]) -> dict[int, Any]:
    """The notes named, as they are now: id -> (text, deleted_at, anonymous, author_id)."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Note.id, Note.text, Note.deleted_at, Note.anonymous, Note.author_id).where(
            Note.board_id == board_id, Note.id.in_(ids)
        )
    )
    return {row.id: row for row in rows}


def messages(board: Board, rows: list[BoardOp], viewer: Participant) -> list[dict[str, Any]]:
    """The op-log entries `rows` as `viewer` may read them today."""
    touched = {row.seq: privacy.touched_note_ids(row.data or {}, row.result or {}) for row in rows}
    notes = notes_now(board.id, set().union(*touched.values()) if touched else set())
    current = {i: (n.text if n.deleted_at is None else None) for i, n in notes.items()}
    out = []
    for row in rows:
        if not in_audience(row, viewer, board):
            out.append(redacted_message(row))
            continue
        mine = [notes[i] for i in touched[row.seq] if i in notes]
        anonymous = row.anonymous or any(n.anonymous and n.author_id == row.actor_id for n in mine)
        data, result = privacy.rewrite_texts(row.type, row.data or {}, row.result or {}, current)
        out.append(
            op_message(row, viewer_id=viewer.id, anonymous=anonymous, data=data, result=result)
        )
    return out
