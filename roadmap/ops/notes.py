"""Note ops: create, update (versioned), move, delete."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pydantic import Field

from ..boards.positions import key_at_end, key_for
from ..boards.snapshot import author_fields, note_dict, note_fields, note_votes, visible_to
from ..do_no_harm import privacy
from ..do_no_harm.personal_data import warnings as personal_data_warnings
from ..errors import AppError
from ..extensions import db
from ..models import Lane, Note
from . import sql
from .core import Context, Id, OpData, Outcome, Version, check_text, op

Kind = Literal["signpost", "commitment", "challenge", "question", "resource"]
Tags = list[str]


def no_lane(lane_id: int) -> AppError:
    return AppError("not_found", _l("There is no lane %(lane_id)s on this board.", lane_id=lane_id))


def lane_of(ctx: Context, lane_id: int) -> Lane:
    lane = db.session.get(Lane, lane_id)
    if lane is None or lane.board_id != ctx.board_row.id:
        raise no_lane(lane_id)
    return lane


def lane_kind(ctx: Context, lane_id: int) -> str:
    """The default kind of a lane of this board (404 otherwise): lane_of without the ORM."""
    kind = ctx.run(sql.LANE_KIND, lane_id=lane_id, board_id=ctx.board_row.id).scalar()
    if kind is None:
        raise no_lane(lane_id)
    return kind


def lane_kind_and_key(
    ctx: Context,
    lane_id: int,
    after: int | None = None,
    before: int | None = None,
    exclude: int | None = None,
) -> tuple[str, str]:
    """lane_kind and key_for's position; at the lane's end (no neighbour asked, as most creates
    and many moves), both in one statement."""
    if after is None and before is None:
        row = ctx.run(
            sql.LANE_AND_LAST, lane_id=lane_id, board_id=ctx.board_row.id, exclude=exclude or 0
        ).first()
        if row is None:
            raise no_lane(lane_id)
        kind, last = tuple[Any, ...](row)  # (default_kind, the last position or None)
        return kind, key_at_end(last)
    kind = lane_kind(ctx, lane_id)
    return kind, key_for(lane_id, after=after, before=before, exclude=exclude, conn=ctx.conn)


def visible(ctx: Context, note: Any, deleted_ok: bool) -> bool:
    return (
        note is not None
        and note.board_id == ctx.board_row.id
        and (note.deleted_at is None or deleted_ok)
        and visible_to(note, ctx.actor_row, ctx.staff, deleted_ok=deleted_ok)  # type: ignore[arg-type]
    )


def note_of(ctx: Context, note_id: int, *, deleted_ok: bool = False) -> Note:
    """A note of this board that the actor can see (404 otherwise; deleted ones if asked)."""
    note = db.session.get(Note, note_id)
    if note is None or not visible(ctx, note, deleted_ok):
        raise AppError(
            "not_found", _l("There is no note %(note_id)s on this board.", note_id=note_id)
        )
    return note


def note_row(ctx: Context, note_id: int, *, deleted_ok: bool = False) -> sa.Row[Any]:
    """note_of as a row of sql.NOTE: the note, its `votes`, its author's name."""
    note = ctx.run(sql.NOTE, note_id=note_id, board_id=ctx.board_row.id).first()
    if note is None or not visible(ctx, note, deleted_ok):
        raise AppError(
            "not_found", _l("There is no note %(note_id)s on this board.", note_id=note_id)
        )
    return note


def require_owner(ctx: Context, note: Any) -> None:
    if not ctx.staff and note.author_id != ctx.actor_row.id:
        raise AppError("forbidden", _l("You can only change your own notes."))


def audience_of(ctx: Context, note: Any) -> list[int] | None:
    """Hidden notes (private writing) are seen only by their author and the staff."""
    return [note.author_id] if note.hidden and note.author_id is not None else None


def hides_actor(ctx: Context, note: Any) -> bool:
    """An op by the author of an anonymous note does not say who did it (privacy.py)."""
    return bool(note.anonymous) and note.author_id == ctx.actor_row.id


def clean_tags(tags: list[str]) -> list[str]:
    if len(tags) > 10 or any(len(t) > 40 for t in tags):
        raise AppError("too_large", _l("At most 10 tags of 40 characters."))
    return [t.strip() for t in tags if t.strip()]


def with_warnings(result: dict, text: str | None) -> dict:
    """Do No Harm (do_no_harm/personal_data.py): flag, never refuse, text like personal data."""
    found = personal_data_warnings(text) if text else []
    return {**result, "warnings": found} if found else result


class NoteCreate(OpData):
    lane_id: Id
    text: str
    kind: Kind | None = None
    after: Id | None = None
    anonymous: bool | None = None
    tags: Tags = Field(default_factory=list)


def kind_for(ctx: Context, asked: str | None, lane_default: str | None) -> str | None:
    """Only staff make commitments (they are the organisers' action tracker).

    A participant who asks for one is refused; in a lane whose default is "commitment" a
    participant's note is a signpost, which the facilitator may turn into a commitment.
    """
    if ctx.staff:
        return asked or lane_default
    if asked == "commitment":
        raise AppError("forbidden", _l("Only the facilitator can make a note a commitment."))
    if asked is None and lane_default == "commitment":
        return "signpost"
    return asked or lane_default


@op("note.create", NoteCreate)
def create(ctx: Context, data: NoteCreate) -> Outcome:
    lane_default, position = lane_kind_and_key(ctx, data.lane_id, after=data.after)
    kind = kind_for(ctx, data.kind, lane_default)
    actor = ctx.actor_row
    note = ctx.run(
        sql.INSERT_NOTE,
        board_id=ctx.board_row.id,
        lane_id=data.lane_id,
        kind=kind,
        text=check_text(data.text),
        position=position,
        author_id=actor.id,
        anonymous=actor.anonymous if data.anonymous is None else data.anonymous,
        tags=clean_tags(data.tags),
        hidden=ctx.board_row.private_writing and not ctx.staff,
        created_at=ctx.now,
        updated_at=ctx.now,
    ).one()
    author = privacy.person(actor, anonymous=note.anonymous)
    return Outcome(
        with_warnings({"note": note_fields(note, 0, author)}, note.text),
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
    row = note_row(ctx, data.note_id)
    require_owner(ctx, row)
    if data.base_version != row.version:
        raise AppError(
            "conflict",
            _l("Someone else changed this note meanwhile: compare both texts and keep one."),
            current=note_fields(row, row.votes, author_fields(row)),
        )
    note = SimpleNamespace(**row._mapping)
    outdated: list[str] = []
    if data.text is not None:
        note.text = check_text(data.text)
        if note.text != row.text:  # its translations no longer say what it says
            outdated = sorted(ctx.run(sql.CURRENT_TRANSLATIONS, of_note=note.id).scalars())
            if outdated:
                ctx.run(sql.OUTDATE_TRANSLATIONS, of_note=note.id)
    if data.kind is not None and data.kind != note.kind:
        note.kind = kind_for(ctx, data.kind, None)
    if data.tags is not None:
        note.tags = clean_tags(data.tags)
    if data.anonymous is not None and note.author_id == ctx.actor_row.id:
        if data.anonymous and not note.anonymous:
            ctx.run(sql.ANONYMISE_OWN_TRANSLATIONS, of_note=note.id, author_id=note.author_id)
        note.anonymous = data.anonymous
    note.version += 1
    note.updated_at = ctx.now
    ctx.run(
        sql.UPDATE_NOTE,
        note_id=note.id,
        new_text=note.text,
        new_kind=note.kind,
        new_tags=note.tags,
        new_anonymous=note.anonymous,
        new_version=note.version,
        now=ctx.now,
    )
    result: dict[str, Any] = {"note": note_fields(note, note.votes, author_fields(note))}
    if outdated:
        result["translations_outdated"] = outdated
    return Outcome(
        with_warnings(result, data.text),
        audience=audience_of(ctx, note),
        anonymous=note.anonymous or hides_actor(ctx, row),
    )


class NoteMove(OpData):
    note_id: Id
    lane_id: Id
    after: Id | None = None
    before: Id | None = None


@op("note.move", NoteMove)
def move(ctx: Context, data: NoteMove) -> Outcome:
    note = note_row(ctx, data.note_id)
    _kind, position = lane_kind_and_key(
        ctx, data.lane_id, after=data.after, before=data.before, exclude=note.id
    )
    if note.hidden:
        require_owner(ctx, note)
    ctx.run(
        sql.MOVE_NOTE, note_id=note.id, new_lane_id=data.lane_id, new_position=position, now=ctx.now
    )
    result: dict[str, Any] = {"note_id": note.id, "lane_id": data.lane_id, "position": position}
    if note.kind == "cluster" and note.lane_id != data.lane_id:
        result["notes"] = cluster_members_to(ctx, note.id, data.lane_id)
    return Outcome(result, audience=audience_of(ctx, note), anonymous=hides_actor(ctx, note))


def cluster_members_to(ctx: Context, cluster_id: int, lane_id: int) -> list[dict[str, Any]]:
    """A cluster's notes follow it to its new lane (the one rule in ops/clusters.py)."""
    ctx.run(sql.MOVE_CLUSTER_MEMBERS, cid=cluster_id, new_lane_id=lane_id)
    members = db.session.scalars(
        sa.select(Note).where(Note.cluster_id == cluster_id, Note.deleted_at.is_(None))
    ).all()
    for member in members:
        db.session.refresh(member)
    return [note_dict(n, note_votes(n.id)) for n in members if not n.hidden]


class NoteDelete(OpData):
    note_id: Id


@op("note.delete", NoteDelete)
def delete(ctx: Context, data: NoteDelete) -> Outcome:
    note = note_row(ctx, data.note_id, deleted_ok=True)
    require_owner(ctx, note)
    if note.deleted_at is not None:
        return Outcome(
            {"note_id": note.id, "already_deleted": True},
            audience=audience_of(ctx, note),
            anonymous=hides_actor(ctx, note),
        )
    ctx.run(sql.DELETE_NOTE, note_id=note.id, now=ctx.now)
    if ctx.board_row.spotlight_note_id == note.id:
        ctx.run(sql.CLEAR_SPOTLIGHT, board_id=ctx.board_row.id)
    return Outcome(
        {"note_id": note.id}, audience=audience_of(ctx, note), anonymous=hides_actor(ctx, note)
    )


class NoteRestore(OpData):
    note_id: Id


@op("note.restore", NoteRestore)
def restore(ctx: Context, data: NoteRestore) -> Outcome:
    """Bring back a deleted note (its author's undo, or the staff's): deletes are soft."""
    note = note_row(ctx, data.note_id, deleted_ok=True)
    require_owner(ctx, note)
    if note.deleted_at is None:
        row = note_fields(note, note.votes, author_fields(note))
        return Outcome(
            {"note": row, "already_there": True},
            audience=audience_of(ctx, note),
            anonymous=hides_actor(ctx, note),
        )
    ctx.run(sql.RESTORE_NOTE, note_id=note.id, now=ctx.now)
    restored = SimpleNamespace(**{**note._mapping, "deleted_at": None, "updated_at": ctx.now})
    restored.version = note.version + 1
    row = note_fields(restored, note.votes, author_fields(restored))
    return Outcome(
        {"note": row}, audience=audience_of(ctx, restored), anonymous=hides_actor(ctx, note)
    )
