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


# A redacted text is also looked for inside longer strings (a partner's label quotes it, a
# message may repeat it) once it is at least this long; shorter ones only as whole strings.
QUOTED_MIN = 12


def family(board: Board, note: Note, texts: set[str], rows: list[BoardOp]) -> list[Note]:
    """The note and the notes its text travelled to or came from on this board.

    A commitment made from a signpost keeps `source_note_id`: redacting either one erases the
    other while it still holds (or once held) one of the same texts.
    """
    found = {note.id: note}
    queue = [note]
    while queue:
        item = queue.pop()
        linked = list(
            db.session.scalars(
                sa.select(Note).where(Note.board_id == board.id, Note.source_note_id == item.id)
            )
        )
        if item.source_note_id is not None:
            source = db.session.get(Note, item.source_note_id)
            if source is not None and source.board_id == board.id:
                linked.append(source)
        for other in linked:
            if other.id not in found and texts_of(other, rows) & texts:
                found[other.id] = other
                queue.append(other)
    return list(found.values())


def _event_boards(board: Board) -> list[Board]:
    from ..models import Group

    group = db.session.get_one(Group, board.group_id)
    return list(
        db.session.scalars(
            sa.select(Board)
            .join(Group, Group.id == Board.group_id)
            .where(Group.event_id == group.event_id)
        )
    )


def redact(board: Board, note: Note, now: dt.datetime) -> list[int]:
    """Erase `note`'s text and every earlier version, wherever the event keeps a copy.

    The note, the commitment made from it (or the signpost it was made from), their
    translations, every op-log entry of the event's boards holding one of those texts (payload,
    result, undo data: an undo cannot bring it back), and partner labels quoting it.
    """
    rows = list(db.session.scalars(sa.select(BoardOp).where(BoardOp.board_id == board.id)))
    texts = texts_of(note, rows)
    notes = family(board, note, texts, rows)
    for item in notes:
        texts |= texts_of(item, rows)
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
    quoted = quoted_forms(texts)
    boards = _event_boards(board)
    board_ids = [b.id for b in boards]
    for other in db.session.scalars(sa.select(Note).where(Note.board_id.in_(board_ids))):
        if other.partners:
            other.partners = without_partners(other.partners, ids, texts, quoted)
        for field in ("indicator", "status_note"):
            value = getattr(other, field) or ""
            if value and _holds(value, texts, quoted):
                setattr(other, field, "")
    for row in db.session.scalars(sa.select(BoardOp).where(BoardOp.board_id.in_(board_ids))):
        # Whole strings equal to a text only in entries about these notes (a short text such
        # as "done" must not blank another op's status or kind); quotes anywhere.
        named = privacy.touched_note_ids(row.data or {}, row.result or {})
        named |= {int(i) for i in ((row.undo or {}).get("notes") or {})}
        whole = texts if named & ids else set()
        for field in ("data", "result", "undo"):
            value = getattr(row, field)
            if value:
                scrubbed = privacy.scrub_quoted(value, whole, quoted)
                if scrubbed != value:
                    setattr(row, field, scrubbed)
    return sorted(ids)


def quoted_forms(texts: set[str]) -> set[str]:
    """The forms a redacted text takes inside another string: whole, and as a label shortens it."""
    from ..follow_up.synergies import SHORT_CHARS

    forms = {t for t in texts if len(t) >= QUOTED_MIN}
    forms |= {t[:SHORT_CHARS] for t in texts if len(t) > SHORT_CHARS}
    return forms


def without_partners(value: str, ids: set[int], texts: set[str], quoted: set[str]) -> str:
    """A partners field without the entries that name a redacted note (its "(#id)" marker,
    ops/synergies.py) or quote its text; the other entries stay as they were."""
    markers = tuple(f"(#{i})" for i in ids)
    kept = [
        entry
        for entry in value.split("; ")
        if not entry.endswith(markers) and not _holds(entry, texts, quoted)
    ]
    return "; ".join(kept)


def _holds(value: str, texts: set[str], quoted: set[str]) -> bool:
    return value in texts or any(q in value for q in quoted)


def forget_reports(event_id: int) -> int:
    """Delete the event's stored report PDFs: they may quote what was just erased.

    Reports are rendered again from what is left; the exports panel lists none until then.
    """
    from ..reports.jobs import FILE_NAME, export_dir

    removed = 0
    for path in export_dir().glob(f"event-{event_id}-report-*.pdf"):
        if FILE_NAME.match(path.name):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


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
