"""Erasing for good: a redacted note's text everywhere, and the freed bytes on disk.

Redaction (op `note.redact`, roadmap/ops/redaction.py) blanks the note and every earlier
version of its text: the note row, derived commitments that copied it, and every op-log entry
that names it (payload, result, undo data). SQLite then runs with `secure_delete` (freed
space is zeroed, roadmap/database.py) and the WAL is checkpointed and truncated, so the bytes
leave both `roadmap.sqlite` and `roadmap.sqlite-wal`. See docs/do-no-harm.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Board, BoardOp, Note, NoteTranslation
from . import privacy


def texts_of(note: Note, rows: list[BoardOp]) -> set[str]:
    """Every text note `note` has had: now, and as each op-log entry recorded it."""
    texts = {note.text}
    for row in rows:
        data, result = row.data or {}, row.result or {}
        if privacy.text_note_id(row.type, data, result) == note.id:
            texts.update(str(data[k]) for k in ("text", "title") if isinstance(data.get(k), str))
        for item in [result.get("note"), *(result.get("notes") or [])]:
            if isinstance(item, dict) and item.get("id") == note.id:
                texts.add(str(item.get("text") or ""))
        for nid, fields in ((row.undo or {}).get("notes") or {}).items():
            if str(nid) == str(note.id) and isinstance(fields.get("text"), str):
                texts.add(fields["text"])
    return {t for t in texts if t}


def translation_texts(note_ids: set[int], rows: list[BoardOp]) -> set[str]:
    """Every translation these notes have had: now, and in each note.translate entry."""
    found = set(
        db.session.scalars(
            sa.select(NoteTranslation.text).where(NoteTranslation.note_id.in_(note_ids))
        )
    )
    for row in rows:
        data, result = row.data or {}, row.result or {}
        if row.type != "note.translate" or data.get("note_id") not in note_ids:
            continue
        found.add(str(data.get("text") or ""))
        translation = result.get("translation")
        if isinstance(translation, dict):
            found.add(str(translation.get("text") or ""))
    return {t for t in found if t}


def redact(board: Board, note: Note, now: dt.datetime) -> list[int]:
    """Erase `note`'s text and every earlier version (and commitments copied from it)."""
    rows = list(db.session.scalars(sa.select(BoardOp).where(BoardOp.board_id == board.id)))
    texts = texts_of(note, rows)
    derived = db.session.scalars(
        sa.select(Note).where(Note.source_note_id == note.id, Note.board_id == board.id)
    ).all()
    notes = [note] + [d for d in derived if d.text in texts]
    for item in notes:
        item.text = ""
        item.redacted_at = now
        item.deleted_at = item.deleted_at or now
        item.version += 1
        item.updated_at = now
        if board.spotlight_note_id == item.id:
            board.spotlight_note_id = None
    ids = {n.id for n in notes}
    # The room's translations (issue 15) go with the note: every version, as rows and as the
    # op log recorded them (note.translate payloads and results).
    texts |= translation_texts(ids, rows)
    db.session.execute(sa.delete(NoteTranslation).where(NoteTranslation.note_id.in_(ids)))
    for row in rows:
        named = privacy.touched_note_ids(row.data or {}, row.result or {})
        undo_ids = {int(i) for i in ((row.undo or {}).get("notes") or {})}
        if named & ids or undo_ids & ids:
            row.data = privacy.scrub_texts(row.data or {}, texts)
            row.result = privacy.scrub_texts(row.result or {}, texts)
            if row.undo:
                row.undo = privacy.scrub_texts(row.undo, texts)
    return sorted(ids)


def flush_to_disk() -> None:
    """After a commit that erased data: no copy of the freed bytes stays in the database files.

    SQLite: every connection runs with secure_delete (zeroed free space); a TRUNCATE
    checkpoint writes the WAL into the database file and empties the WAL. PostgreSQL:
    updated rows leave dead tuples until VACUUM, which autovacuum does (docs/do-no-harm.md).
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    for _attempt in range(20):
        busy = _driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        if busy is None or not busy[0]:
            return
        sleep(0.05)
    current_app.logger.warning("WAL checkpoint stayed busy; the WAL is truncated on the next one")


def sleep(seconds: float) -> None:
    """Yield to the other greenlets under gevent; a plain sleep elsewhere."""
    from ..extensions import socketio

    socketio.sleep(seconds)


def vacuum() -> None:
    """Rewrite the whole SQLite file (after a purge): no freed page keeps old bytes."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    try:
        _driver_sql("VACUUM")
    except Exception:  # busy: secure_delete has zeroed the freed space anyway
        current_app.logger.exception("VACUUM after a purge failed")
    flush_to_disk()


def _driver_sql(statement: str) -> Any:
    """Run one statement outside any transaction (VACUUM and checkpoints refuse to be in one)."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(statement)
        row = cur.fetchone()
        cur.close()
        return row
    finally:
        raw.close()
