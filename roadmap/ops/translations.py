"""note.translate: a participant writes a note's text in another language (issue 15).

Any participant of the board may translate any note they can see, as long as the board is not
locked (the same gate as editing a note's text; translating is not changing the author's words,
so it is not limited to the author). One current translation per (note, language): a new one
replaces the old. The translator is an author (privacy.py): anonymous when they joined
"post anonymously", or when they translate their own anonymous note. The personal-data check
runs on the translation as on note text. Editing the note's text marks its translations
outdated (ops/notes.py update). note.untranslate takes one back (its translator or the staff).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pydantic import Field

from ..boards.translations import canonical, event_of_board, translation_dict
from ..do_no_harm import privacy
from ..errors import AppError
from ..extensions import db
from ..models import NoteTranslation
from .core import Context, Id, OpData, Outcome, check_text, op
from .notes import audience_of, note_row, with_warnings


class NoteTranslate(OpData):
    note_id: Id
    lang: str = Field(min_length=2, max_length=16)
    text: str


def language(ctx: Context, code: str) -> str:
    found = canonical(code, event_of_board(ctx.board_row.id))
    if found is None:
        raise AppError(
            "invalid",
            _l("%(lang)s is not one of this event's languages.", lang=code[:16]),
        )
    return found


def current(note_id: int, lang: str) -> NoteTranslation | None:
    return db.session.scalar(
        sa.select(NoteTranslation).where(
            NoteTranslation.note_id == note_id, NoteTranslation.lang == lang
        )
    )


@op("note.translate", NoteTranslate)
def translate(ctx: Context, data: NoteTranslate) -> Outcome:
    note = note_row(ctx, data.note_id)
    lang = language(ctx, data.lang)
    text = check_text(data.text)
    actor = ctx.actor_row
    anonymous = bool(actor.anonymous) or (bool(note.anonymous) and note.author_id == actor.id)
    row = current(note.id, lang)
    if row is None:
        row = NoteTranslation(
            note_id=note.id, board_id=ctx.board_row.id, lang=lang, created_at=ctx.now
        )
        db.session.add(row)
    row.text = text
    row.translator_id = actor.id
    row.anonymous = anonymous
    row.note_version = note.version
    row.outdated = False
    row.updated_at = ctx.now
    shown = translation_dict(row, None, None)
    shown["by"] = privacy.person(actor, anonymous=anonymous)
    return Outcome(
        with_warnings({"note_id": note.id, "lang": lang, "translation": shown}, text),
        audience=audience_of(ctx, note),
        anonymous=anonymous,
    )


class NoteUntranslate(OpData):
    note_id: Id
    lang: str = Field(min_length=2, max_length=16)


@op("note.untranslate", NoteUntranslate)
def untranslate(ctx: Context, data: NoteUntranslate) -> Outcome:
    """Take a translation back (its translator's undo, or the staff's)."""
    note = note_row(ctx, data.note_id)
    lang = language(ctx, data.lang)
    row = current(note.id, lang)
    if row is None:
        return Outcome(
            {"note_id": note.id, "lang": lang, "already_gone": True},
            audience=audience_of(ctx, note),
            anonymous=bool(ctx.actor_row.anonymous),
        )
    if not ctx.staff and row.translator_id != ctx.actor_row.id:
        raise AppError("forbidden", _l("You can only take back your own translations."))
    anonymous = bool(row.anonymous)
    db.session.delete(row)
    return Outcome(
        {"note_id": note.id, "lang": lang, "removed": True},
        audience=audience_of(ctx, note),
        anonymous=anonymous or bool(ctx.actor_row.anonymous),
    )
