"""Sortable position keys within a lane (fractional indexing): moves never renumber."""

from __future__ import annotations

import sqlalchemy as sa
from fractional_indexing import generate_key_between

from .extensions import db
from .models import Note


def _live(lane_id: int, exclude: int | None) -> sa.Select:
    """The (position, note id) pairs of a lane's live notes, ordered by both."""
    query = sa.select(Note.position, Note.id).where(
        Note.lane_id == lane_id, Note.deleted_at.is_(None)
    )
    return query if exclude is None else query.where(Note.id != exclude)


def _first(query: sa.Select) -> sa.Row | None:
    return db.session.execute(query.limit(1)).first()


def key_for(
    lane_id: int, after: int | None = None, before: int | None = None, exclude: int | None = None
) -> str:
    """A key that sorts right after note `after`, right before `before`, or at the lane's end.

    Unknown neighbour ids (say, a note deleted meanwhile) fall back to the lane's end, so a
    move made against a slightly stale board still lands somewhere sensible. Reads at most
    two rows of the lane (its index on lane_id, position), however long the lane is.
    """
    live = _live(lane_id, exclude)
    here = sa.tuple_(Note.position, Note.id)
    up, down = (Note.position, Note.id), (Note.position.desc(), Note.id.desc())
    anchor = _first(live.where(Note.id == after)) if after is not None else None
    if anchor is not None:
        following = _first(live.where(here > sa.tuple_(*anchor)).order_by(*up))
        lo, hi = anchor[0], following[0] if following else None
    else:
        anchor = _first(live.where(Note.id == before)) if before is not None else None
        if anchor is not None:
            preceding = _first(live.where(here < sa.tuple_(*anchor)).order_by(*down))
            lo, hi = preceding[0] if preceding else None, anchor[0]
        else:
            last = _first(live.order_by(*down))
            lo, hi = last[0] if last else None, None
    if lo is not None and hi is not None and lo >= hi:
        hi = None  # equal keys from a concurrent insert: place after `lo`
    return generate_key_between(lo, hi)
