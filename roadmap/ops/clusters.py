"""Clusters: duplicate notes merged under a titled cluster note, the originals kept inside.

One rule for where a cluster lives (docs/facilitation.md): its notes are in the cluster's lane,
so every count (lane tabs, lane headers, dashboard, PDFs) agrees. Merging moves the notes
into that lane (undo puts them back); moving the cluster takes them along (ops/notes.move).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pydantic import Field

from ..boards.positions import key_for
from ..boards.snapshot import note_dict, note_votes
from ..config import TITLE_MAX
from ..errors import AppError
from ..extensions import db
from ..models import Note
from .core import Context, OpData, Outcome, check_text, op
from .notes import lane_of, note_of
from .undo import note_before


class ClusterCreate(OpData):
    note_ids: list[int] = Field(min_length=1, max_length=100)
    title: str
    lane_id: int | None = None


@op("cluster.create", ClusterCreate, staff_only=True, when_locked=True, undoable=True)
def create(ctx: Context, data: ClusterCreate) -> Outcome:
    """Make a cluster note titled `title` and put the notes inside it (they stay on the board)."""
    members = [note_of(ctx, note_id) for note_id in dict.fromkeys(data.note_ids)]
    for note in members:
        if note.kind == "cluster":
            raise AppError("invalid", _l("A cluster cannot go inside another cluster."))
        if note.hidden:
            raise AppError("invalid", _l("Reveal the hidden notes before clustering them."))
    lane = lane_of(ctx, data.lane_id) if data.lane_id is not None else members[0].lane
    cluster = Note(
        board_id=ctx.board.id,
        lane_id=lane.id,
        kind="cluster",
        text=check_text(data.title, "title", TITLE_MAX),
        position=key_for(lane.id, before=members[0].id if members[0].lane_id == lane.id else None),
        author_id=ctx.actor.id,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    db.session.add(cluster)
    db.session.flush()
    inverse: dict[str, Any] = {
        "delete_notes": [cluster.id],
        "notes": {str(n.id): note_before(n, "cluster_id", "lane_id") for n in members},
    }
    for note in members:
        note.cluster_id = cluster.id
        note.lane_id = lane.id  # one rule: a cluster's notes live in the cluster's lane
        note.version += 1
        note.updated_at = ctx.now
    notes = [note_dict(cluster)] + [note_dict(n, note_votes(n.id)) for n in members]
    return Outcome({"notes": notes, "cluster_id": cluster.id}, undo=inverse)


class ClusterDissolve(OpData):
    cluster_id: int


@op("cluster.dissolve", ClusterDissolve, staff_only=True, when_locked=True, undoable=True)
def dissolve(ctx: Context, data: ClusterDissolve) -> Outcome:
    """Un-merge: the notes come out of the cluster, the cluster note goes."""
    cluster = note_of(ctx, data.cluster_id)
    if cluster.kind != "cluster":
        raise AppError("invalid", _l("Note %(id)s is not a cluster.", id=cluster.id))
    members = db.session.scalars(
        sa.select(Note).where(Note.cluster_id == cluster.id, Note.deleted_at.is_(None))
    ).all()
    inverse: dict[str, Any] = {"notes": {str(cluster.id): {"deleted_at": None}}}
    for note in members:
        inverse["notes"][str(note.id)] = {"cluster_id": cluster.id}
        note.cluster_id = None
        note.version += 1
        note.updated_at = ctx.now
    cluster.deleted_at = ctx.now
    if ctx.board.spotlight_note_id == cluster.id:
        ctx.board.spotlight_note_id = None
    notes = [note_dict(n, note_votes(n.id)) for n in members if not n.hidden]
    return Outcome({"notes": notes, "deleted_note_ids": [cluster.id]}, undo=inverse)


class ClusterAdd(OpData):
    cluster_id: int
    note_ids: list[int] = Field(min_length=1, max_length=100)


@op("cluster.add", ClusterAdd, staff_only=True, when_locked=True, undoable=True)
def add(ctx: Context, data: ClusterAdd) -> Outcome:
    """Put notes into an existing cluster (a note dragged onto a cluster, or onto a clustered
    note). They move into the cluster's lane (the one rule); a note in another cluster leaves it."""
    cluster = note_of(ctx, data.cluster_id)
    if cluster.kind != "cluster":
        raise AppError("invalid", _l("Note %(id)s is not a cluster.", id=cluster.id))
    members = [note_of(ctx, note_id) for note_id in dict.fromkeys(data.note_ids)]
    for note in members:
        if note.kind == "cluster":
            raise AppError("invalid", _l("A cluster cannot go inside another cluster."))
        if note.hidden:
            raise AppError("invalid", _l("Reveal the hidden notes before clustering them."))
    moving = [n for n in members if n.cluster_id != cluster.id or n.lane_id != cluster.lane_id]
    inverse: dict[str, Any] = {
        "notes": {str(n.id): note_before(n, "cluster_id", "lane_id") for n in moving}
    }
    for note in moving:
        note.cluster_id = cluster.id
        note.lane_id = cluster.lane_id
        note.version += 1
        note.updated_at = ctx.now
    notes = [note_dict(cluster)] + [note_dict(n, note_votes(n.id)) for n in members]
    return Outcome({"notes": notes, "cluster_id": cluster.id}, undo=inverse)
