"""Sortable position keys within a lane (fractional indexing): moves never renumber."""

from __future__ import annotations

import sqlalchemy as sa
from fractional_indexing import generate_key_between

from .extensions import db
from .models import Note


def lane_keys(lane_id: int, exclude: int | None = None) -> list[tuple[str, int]]:
    """The (position, note id) pairs of a lane's live notes, in order."""
    rows = db.session.execute(
        sa.select(Note.position, Note.id).where(Note.lane_id == lane_id, Note.deleted_at.is_(None))
    ).all()
    return sorted((p, i) for p, i in rows if i != exclude)


def key_for(
    lane_id: int, after: int | None = None, before: int | None = None, exclude: int | None = None
) -> str:
    """A key that sorts right after note `after`, right before `before`, or at the lane's end.

    Unknown neighbour ids (say, a note deleted meanwhile) fall back to the lane's end, so a
    move made against a slightly stale board still lands somewhere sensible.
    """
    keys = lane_keys(lane_id, exclude)
    ids = [i for _, i in keys]
    if after is not None and after in ids:
        idx = ids.index(after)
        lo = keys[idx][0]
        hi = keys[idx + 1][0] if idx + 1 < len(keys) else None
    elif before is not None and before in ids:
        idx = ids.index(before)
        lo = keys[idx - 1][0] if idx > 0 else None
        hi = keys[idx][0]
    else:
        lo = keys[-1][0] if keys else None
        hi = None
    if lo is not None and hi is not None and lo >= hi:
        hi = None  # equal keys from a concurrent insert: place after `lo`
    return generate_key_between(lo, hi)
