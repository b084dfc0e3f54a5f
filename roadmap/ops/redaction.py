"""note.redact: staff erase a note's text and every earlier version of it, for good."""

from __future__ import annotations

from ..do_no_harm import erasure
from .core import Context, Id, OpData, Outcome, op
from .notes import note_of


class NoteRedact(OpData):
    note_id: Id


@op("note.redact", NoteRedact, staff_only=True, when_locked=True)
def redact(ctx: Context, data: NoteRedact) -> Outcome:
    """Blank the note everywhere (row, op log, undo data, copies) and drop it from the board.

    Not undoable: what is erased cannot come back. Clients drop the note and its queued edits.
    """
    note = note_of(ctx, data.note_id, deleted_ok=True)
    ids = erasure.redact(ctx.board, note, ctx.now)
    event_id = ctx.board_row.event_id

    def after_commit() -> None:
        erasure.forget_reports(event_id)  # stored PDFs may quote the text
        erasure.flush_to_disk()

    return Outcome(
        {"note_id": note.id, "redacted": True, "deleted_note_ids": ids},
        after_commit=after_commit,
    )
