"""What the op log serves now: catch-up ops whose text is what is visible today, authors hidden.

An op keeps its seq for ever, but text edited away, deleted or redacted since is not served
again, and an op by the author of a note that is anonymous now does not say who acted
(privacy.py decides). Used by board:join with `since` and GET /api/boards/<id>/ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ..do_no_harm import privacy
from ..extensions import db
from ..models import Board, BoardOp, Note, NoteTranslation, Participant
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


def messages(board: Board, rows: Sequence[BoardOp], viewer: Participant) -> list[dict[str, Any]]:
    """The op-log entries `rows` as `viewer` may read them today."""
    touched = {row.seq: privacy.touched_note_ids(row.data or {}, row.result or {}) for row in rows}
    notes = notes_now(board.id, set().union(*touched.values()) if touched else set())
    current = {i: (n.text if n.deleted_at is None else None) for i, n in notes.items()}
    translated = translations_now(board.id, rows)
    out = []
    for row in rows:
        if not in_audience(row, viewer, board):
            out.append(redacted_message(row))
            continue
        mine = [notes[i] for i in touched[row.seq] if i in notes]
        anonymous = row.anonymous or any(n.anonymous and n.author_id == row.actor_id for n in mine)
        data, result = privacy.rewrite_texts(row.type, row.data or {}, row.result or {}, current)
        result = authors_now(result, notes, viewer.id)
        if row.type == "note.translate":
            data, result = translation_now(data, result, current, translated, row.actor_id)
            if anonymous and viewer.id != row.actor_id and "translation" in result:
                result["translation"] = {**result["translation"], "by": dict(privacy.ANONYMOUS)}
        out.append(
            op_message(row, viewer_id=viewer.id, anonymous=anonymous, data=data, result=result)
        )
    return out


def translations_now(
    board_id: int, rows: Sequence[BoardOp]
) -> dict[tuple[int, str], tuple[str, int | None]]:
    """(note id, lang) -> (the translation's text now, its translator), for the note.translate
    entries in `rows`."""
    ids = {
        (row.data or {}).get("note_id")
        for row in rows
        if row.type == "note.translate" and isinstance((row.data or {}).get("note_id"), int)
    }
    if not ids:
        return {}
    found = db.session.execute(
        sa.select(
            NoteTranslation.note_id,
            NoteTranslation.lang,
            NoteTranslation.text,
            NoteTranslation.translator_id,
        ).where(NoteTranslation.board_id == board_id, NoteTranslation.note_id.in_(ids))
    )
    return {(r.note_id, r.lang): (r.text, r.translator_id) for r in found}


def translation_now(
    data: dict[str, Any],
    result: dict[str, Any],
    current: dict[int, str | None],
    translated: dict[tuple[int, str], tuple[str, int | None]],
    actor_id: int | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A note.translate entry as visible now: the translation's current text, or "" when the
    note is deleted or redacted, the translation was taken back, or someone else's translation
    replaced it (an entry names its own translator, never words another one wrote; issue 15)."""
    note_id, lang = result.get("note_id", data.get("note_id")), result.get("lang")
    visible = current.get(note_id) if isinstance(note_id, int) else None
    now_text, translator = translated.get((note_id, lang), ("", None))  # type: ignore[arg-type]
    text = now_text if visible and translator == actor_id else ""
    data = {**data, "text": text}
    if isinstance(result.get("translation"), dict):
        result = {**result, "translation": {**result["translation"], "text": text}}
        if not text:
            result["translation"]["removed"] = True
    if not text:
        result.pop("warnings", None)
    return data, result


def authors_now(result: dict[str, Any], notes: dict[int, Any], viewer_id: int) -> dict[str, Any]:
    """Notes in a result whose note is anonymous now name no author (privacy.py): a note made
    anonymous after it was created does not keep its author's name in catch-up."""

    def hide(item: Any) -> Any:
        key = item.get("id") if isinstance(item, dict) else None
        now = notes.get(key) if isinstance(key, int) else None
        if now is None or not now.anonymous or not isinstance(item.get("author"), dict):
            return item
        if privacy.may_show(anonymous=True, subject_id=now.author_id, viewer_id=viewer_id):
            return item
        return {**item, "author": dict(privacy.ANONYMOUS), "anonymous": True}

    if isinstance(result.get("note"), dict):
        result = {**result, "note": hide(result["note"])}
    if isinstance(result.get("notes"), list):
        result = {**result, "notes": [hide(n) for n in result["notes"]]}
    return result
