"""Notes translated by the room (issue 15): which languages, and how a translation is shown.

The op is `note.translate` (roadmap/ops/translations.py). One current translation per
(note, language) lives in NoteTranslation; this module serialises them for every reader
(snapshots, catch-up, reports, exports, backups) with privacy.py deciding who may see the
translator: an anonymous translator is shown to themselves only. See docs/languages.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from babel import Locale, UnknownLocaleError
from flask import current_app

from ..do_no_harm import privacy
from ..extensions import db
from ..i18n import LANGUAGE_NAMES, normalise
from ..models import Board, Event, Group, NoteTranslation, Participant

CODE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$")


def languages_of(event: Event | None) -> list[str]:
    """The languages a note of this event may be translated into: the UI languages, then the
    event's own languages (canonical codes: "zh" is "zh_Hans"), each once."""
    codes = list(current_app.config["LANGUAGES"])
    for code in (event.languages or []) if event is not None else []:
        found = normalise(code) or (code if CODE.fullmatch(code or "") else None)
        if found and found not in codes:
            codes.append(found)
    return codes


def canonical(code: str, event: Event | None) -> str | None:
    """`code` as one of languages_of(event), or None when it is not one of them."""
    if not CODE.fullmatch(code or ""):
        return None
    found = normalise(code) or code
    return found if found in languages_of(event) else None


def event_of_board(board_id: int) -> Event | None:
    return db.session.scalar(
        sa.select(Event)
        .join(Group, Group.event_id == Event.id)
        .join(Board, Board.group_id == Group.id)
        .where(Board.id == board_id)
    )


def language_name(code: str) -> str:
    """The language named in itself (ភាសាខ្មែរ, Tiếng Việt …), for labels under a note."""
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        locale = Locale.parse(code.replace("-", "_"))
        return (locale.get_display_name(locale) or code).capitalize()
    except (ValueError, UnknownLocaleError):
        return code


def by(
    row: NoteTranslation,
    translator: Participant | None,
    viewer_id: int | None,
    anonymous: bool | None = None,
) -> Any:
    """Who translated, as `viewer_id` may see it (None: nobody left to name, after a purge)."""
    return privacy.identity(
        row.translator_id,
        translator.name if translator is not None else None,
        anonymous=row.anonymous if anonymous is None else anonymous,
        removed=bool(translator is not None and translator.removed),
        viewer_id=viewer_id,
    )


def translation_dict(
    row: NoteTranslation,
    translator: Participant | None = None,
    viewer_id: int | None = None,
    *,
    anonymous: bool | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": row.text,
        "outdated": bool(row.outdated),
        "note_version": row.note_version,
    }
    who = by(row, translator, viewer_id, anonymous)
    if who is not None:
        out["by"] = who
    return out


def rows_for(
    note_ids: Iterable[int],
) -> dict[int, list[tuple[NoteTranslation, Participant | None, bool]]]:
    """note id -> [(translation, translator, anonymous)] in language order (three queries)."""
    ids = list(note_ids)
    out: dict[int, list[tuple[NoteTranslation, Participant | None, bool]]] = {}
    if not ids:
        return out
    rows = db.session.scalars(
        sa.select(NoteTranslation)
        .where(NoteTranslation.note_id.in_(ids))
        .order_by(NoteTranslation.note_id, NoteTranslation.lang)
    ).all()
    wanted = {r.translator_id for r in rows if r.translator_id}
    translators = (
        {
            p.id: p
            for p in db.session.scalars(sa.select(Participant).where(Participant.id.in_(wanted)))
        }
        if wanted
        else {}
    )
    for row in rows:
        out.setdefault(row.note_id, []).append(
            (row, translators.get(row.translator_id or 0), row.anonymous)
        )
    return out


def for_notes(note_ids: Iterable[int], viewer_id: int | None = None) -> dict[int, dict[str, Any]]:
    """note id -> `{lang: {"text", "outdated", "note_version", "by"?}}` as `viewer_id` sees it."""
    return {
        note_id: {
            row.lang: translation_dict(row, who, viewer_id, anonymous=hide)
            for row, who, hide in rows
        }
        for note_id, rows in rows_for(note_ids).items()
    }


def texts(translations: dict[str, Any] | None) -> list[str]:
    """The texts of a note dict's `translations` (the inclusion lenses read them too)."""
    return [t.get("text") or "" for t in (translations or {}).values() if isinstance(t, dict)]


def report_list(translations: dict[str, Any] | None) -> list[dict[str, Any]]:
    """For PDFs and exports: [{lang, name, text, outdated}] in language order (no translator:
    reports name nobody, and a translator is an author)."""
    return [
        {
            "lang": lang,
            "name": language_name(lang),
            "text": t["text"],
            "outdated": bool(t.get("outdated")),
        }
        for lang, t in sorted((translations or {}).items())
        if isinstance(t, dict) and t.get("text")
    ]


def mark_outdated(note_id: int) -> list[str]:
    """The note's text changed (ORM ops: commitment.set, undo): its current translations are
    outdated now. Returns the languages that just became outdated."""
    langs = sorted(
        db.session.scalars(
            sa.select(NoteTranslation.lang).where(
                NoteTranslation.note_id == note_id, NoteTranslation.outdated.is_(False)
            )
        )
    )
    if langs:
        db.session.execute(
            sa.update(NoteTranslation)
            .where(NoteTranslation.note_id == note_id)
            .values(outdated=True)
            .execution_options(synchronize_session=False)
        )
    return langs
