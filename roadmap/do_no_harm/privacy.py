"""Do No Harm: the one place that decides who may see an author, and what removed text looks like.

An anonymous note (or a participant who joined "post anonymously") is linked to its author by
the server and by the author's own client only: not other participants, not facilitators, not
organisers. Every place that serialises an actor or an author (op broadcasts, catch-up,
snapshots, presence, reports, exports, backups) asks `shown()`; see docs/do-no-harm.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ANONYMOUS: dict[str, Any] = {"id": None, "name": "Anonymous"}
REMOVED_NAME = "removed participant"
TRANSLATION_OPS = ("note.translate", "note.untranslate")


def may_show(*, anonymous: bool, subject_id: int | None, viewer_id: int | None = None) -> bool:
    """May a viewer learn who `subject_id` is, given the note/op/person is `anonymous`?

    The one rule: an anonymous subject is shown only to itself. Staff are no exception.
    """
    if not anonymous:
        return True
    return viewer_id is not None and subject_id is not None and viewer_id == subject_id


def identity(
    subject_id: int | None,
    name: str | None,
    *,
    anonymous: bool,
    removed: bool = False,
    viewer_id: int | None = None,
) -> dict[str, Any] | None:
    """{"id", "name"} as the viewer may see it: the real one, ANONYMOUS, or None (no one)."""
    if not may_show(anonymous=anonymous, subject_id=subject_id, viewer_id=viewer_id):
        return dict(ANONYMOUS)
    if subject_id is None:
        return None
    return {"id": subject_id, "name": REMOVED_NAME if removed else name}


def person(who: Any, *, anonymous: bool = False, viewer_id: int | None = None) -> dict[str, Any]:
    """identity() of a Participant or ops.sql.Actor (or None); anonymous participants always are."""
    if who is None:
        return dict(ANONYMOUS)
    hidden = anonymous or bool(getattr(who, "anonymous", False))
    return identity(
        who.id, who.name, anonymous=hidden, removed=bool(who.removed), viewer_id=viewer_id
    ) or dict(ANONYMOUS)


def display_name(who: Any, *, anonymous: bool = False, include_authors: bool = True) -> str:
    """A participant's name for a report or export: "" unless the organiser asked for authors."""
    if not include_authors:
        return ""
    if who is None and not anonymous:
        return ""
    return person(who, anonymous=anonymous)["name"]


# --- which notes an op touches, and what its text looks like now -------------------------------


def touched_note_ids(data: Mapping[str, Any], result: Mapping[str, Any]) -> set[int]:
    """The ids of the notes an op-log entry names (its payload and its result)."""
    ids: set[int] = set()
    for source in (data, result):
        for key in ("note_id", "cluster_id", "source_note_id"):
            if isinstance(source.get(key), int):
                ids.add(source[key])
    if isinstance(result.get("note"), dict) and isinstance(result["note"].get("id"), int):
        ids.add(result["note"]["id"])
    for item in result.get("notes") or []:
        if isinstance(item, dict) and isinstance(item.get("id"), int):
            ids.add(item["id"])
    ids.update(i for i in result.get("deleted_note_ids") or [] if isinstance(i, int))
    return ids


def text_note_id(op_type: str, data: Mapping[str, Any], result: Mapping[str, Any]) -> int | None:
    """The note whose text the op's payload carries (data.text or data.title), if any."""
    if op_type == "cluster.create":
        return result.get("cluster_id")
    if op_type == "note.create":
        note = result.get("note") or {}
        return note.get("id")
    if op_type in TRANSLATION_OPS:  # a translation's text, not the note's (history.py)
        return None
    if "text" in data:
        return data.get("note_id")
    return None


def rewrite_texts(
    op_type: str,
    data: dict[str, Any],
    result: dict[str, Any],
    current: Mapping[int, str | None],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Copies of an op's payload and result whose note texts are what is visible now.

    `current` maps note id -> the note's text now, or None when it is deleted or redacted
    (its text is then served as ""). Notes not in `current` keep their text.
    """
    data, result = dict(data), dict(result)
    target = text_note_id(op_type, data, result)
    if target is not None and target in current:
        key = "title" if op_type == "cluster.create" else "text"
        if key in data:
            data[key] = current[target] or ""
    if isinstance(result.get("note"), dict):
        result["note"] = _note_now(result["note"], current)
    if isinstance(result.get("notes"), list):
        result["notes"] = [_note_now(n, current) for n in result["notes"]]
    if isinstance(result.get("current"), dict):
        result["current"] = _note_now(result["current"], current)
    if "warnings" in result and target is not None and target in current and not current[target]:
        result.pop("warnings")
    return data, result


def _note_now(note: Any, current: Mapping[int, str | None]) -> Any:
    if not isinstance(note, dict) or note.get("id") not in current:
        return note
    text = current[note["id"]]
    return {**note, "text": text or "", **({} if text else {"removed": True})}


def scrub_texts(value: Any, texts: Iterable[str]) -> Any:
    """`value` (JSON) with every string equal to one of `texts` replaced by "" (redaction of
    the op-log entries that touch a note: payload, result and undo data)."""
    texts = {t for t in texts if t}
    return _scrub(value, texts)


def scrub_quoted(value: Any, texts: Iterable[str], quoted: Iterable[str]) -> Any:
    """`value` (JSON or a string) with every string that equals one of `texts`, or quotes one
    of `quoted` (a partner's label, a message), replaced by "" (redaction, erasure.redact)."""
    texts = {t for t in texts if t}
    forms = [q for q in quoted if q]

    def scrub(item: Any) -> Any:
        if isinstance(item, str):
            return "" if item in texts or any(q in item for q in forms) else item
        if isinstance(item, dict):
            return {k: scrub(v) for k, v in item.items()}
        if isinstance(item, list):
            return [scrub(v) for v in item]
        return item

    return scrub(value)


def _scrub(value: Any, texts: set[str]) -> Any:
    if isinstance(value, str):
        return "" if value in texts else value
    if isinstance(value, dict):
        return {k: _scrub(v, texts) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, texts) for v in value]
    return value
