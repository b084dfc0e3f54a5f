"""Note ops: create, update (versioned), move, delete."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..errors import AppError
from ..extensions import db
from ..models import Lane, Note
from ..positions import key_for
from ..safety import warnings as personal_data_warnings
from ..serialize import note_dict, note_votes, visible_to
from .core import Context, Id, OpData, Outcome, Version, check_text, op

Kind = Literal["signpost", "commitment", "challenge", "question", "resource"]
Tags = list[str]


def lane_of(ctx: Context, lane_id: int) -> Lane:
    lane = db.session.get(Lane, lane_id)
    if lane is None or lane.board_id != ctx.board.id:
        raise AppError("not_found", f"There is no lane {lane_id} on this board.")
    return lane


def note_of(ctx: Context, note_id: int, *, deleted_ok: bool = False) -> Note:
    """A note of this board that the actor can see (404 otherwise; deleted ones if asked)."""
    note = db.session.get(Note, note_id)
    if (
        note is None
        or note.board_id != ctx.board.id
        or (note.deleted_at is not None and not deleted_ok)
        or not visible_to(note, ctx.actor, ctx.staff, deleted_ok=deleted_ok)
    ):
        raise AppError("not_found", f"There is no note {note_id} on this board.")
    return note


def require_owner(ctx: Context, note: Note) -> None:
    if not ctx.staff and note.author_id != ctx.actor.id:
        raise AppError("forbidden", "You can only change your own notes.")


def audience_of(ctx: Context, note: Note) -> list[int] | None:
    """Hidden notes (private writing) are seen only by their author and the staff."""
    return [note.author_id] if note.hidden and note.author_id is not None else None


def clean_tags(tags: list[str]) -> list[str]:
    if len(tags) > 10 or any(len(t) > 40 for t in tags):
        raise AppError("too_large", "At most 10 tags of 40 characters.")
    return [t.strip() for t in tags if t.strip()]


def with_warnings(result: dict, text: str | None) -> dict:
    """Do No Harm (roadmap/safety.py): flag, never refuse, text that looks like personal data."""
    found = personal_data_warnings(text) if text else []
    return {**result, "warnings": found} if found else result


class NoteCreate(OpData):
    lane_id: Id
    text: str
    kind: Kind | None = None
    after: Id | None = None
    anonymous: bool | None = None
    tags: Tags = Field(default_factory=list)


@op("note.create", NoteCreate)
def create(ctx: Context, data: NoteCreate) -> Outcome:
    lane = lane_of(ctx, data.lane_id)
    note = Note(
        board_id=ctx.board.id,
        lane_id=lane.id,
        kind=data.kind or lane.default_kind,
        text=check_text(data.text),
        position=key_for(lane.id, after=data.after),
        author_id=ctx.actor.id,
        anonymous=ctx.actor.anonymous if data.anonymous is None else data.anonymous,
        tags=clean_tags(data.tags),
        hidden=ctx.board.private_writing and not ctx.staff,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    db.session.add(note)
    db.session.flush()
    return Outcome(
        with_warnings({"note": note_dict(note)}, note.text),
        audience=audience_of(ctx, note),
        anonymous=note.anonymous,
    )


class NoteUpdate(OpData):
    note_id: Id
    base_version: Version
    text: str | None = None
    kind: Kind | None = None
    tags: Tags | None = None
    anonymous: bool | None = None


@op("note.update", NoteUpdate)
def update(ctx: Context, data: NoteUpdate) -> Outcome:
    note = note_of(ctx, data.note_id)
    require_owner(ctx, note)
    if data.base_version != note.version:
        raise AppError(
            "conflict",
            "Someone else changed this note meanwhile: compare both texts and keep one.",
            current=note_dict(note, note_votes(note.id)),
        )
    if data.text is not None:
        note.text = check_text(data.text)
    if data.kind is not None:
        note.kind = data.kind
    if data.tags is not None:
        note.tags = clean_tags(data.tags)
    if data.anonymous is not None and note.author_id == ctx.actor.id:
        note.anonymous = data.anonymous
    note.version += 1
    note.updated_at = ctx.now
    return Outcome(
        with_warnings({"note": note_dict(note, note_votes(note.id))}, data.text),
        audience=audience_of(ctx, note),
        anonymous=note.anonymous,
    )


class NoteMove(OpData):
    note_id: Id
    lane_id: Id
    after: Id | None = None
    before: Id | None = None


@op("note.move", NoteMove)
def move(ctx: Context, data: NoteMove) -> Outcome:
    note = note_of(ctx, data.note_id)
    lane = lane_of(ctx, data.lane_id)
    if note.hidden:
        require_owner(ctx, note)
    note.lane_id = lane.id
    note.position = key_for(lane.id, after=data.after, before=data.before, exclude=note.id)
    note.updated_at = ctx.now
    return Outcome(
        {"note_id": note.id, "lane_id": lane.id, "position": note.position},
        audience=audience_of(ctx, note),
    )


class NoteDelete(OpData):
    note_id: Id


@op("note.delete", NoteDelete)
def delete(ctx: Context, data: NoteDelete) -> Outcome:
    note = note_of(ctx, data.note_id, deleted_ok=True)
    require_owner(ctx, note)
    if note.deleted_at is not None:
        return Outcome(
            {"note_id": note.id, "already_deleted": True}, audience=audience_of(ctx, note)
        )
    note.deleted_at = ctx.now
    if ctx.board.spotlight_note_id == note.id:
        ctx.board.spotlight_note_id = None
    return Outcome({"note_id": note.id}, audience=audience_of(ctx, note))
