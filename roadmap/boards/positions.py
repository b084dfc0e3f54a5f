"""Sortable position keys within a lane (fractional indexing): moves never renumber."""

from __future__ import annotations

import sqlalchemy as sa
from fractional_indexing import generate_key_between
from sqlalchemy import bindparam

from ..extensions import db
from ..models import Note

note = Note.__table__
# A lane's live notes as (position, id) pairs, leaving out note `exclude` (0: none). Built
# once: key_for runs on every note.create and note.move.
_live = sa.select(note.c.position, note.c.id).where(
    note.c.lane_id == bindparam("lane_id"),
    note.c.deleted_at.is_(None),
    note.c.id != bindparam("exclude"),
)
_here = sa.tuple_(note.c.position, note.c.id)
_anchor = sa.tuple_(bindparam("anchor_position"), bindparam("anchor"))
_up, _down = (note.c.position, note.c.id), (note.c.position.desc(), note.c.id.desc())
ANCHOR = _live.where(note.c.id == bindparam("anchor"))
FOLLOWING = _live.where(_here > _anchor).order_by(*_up).limit(1)
PRECEDING = _live.where(_here < _anchor).order_by(*_down).limit(1)
LAST = _live.order_by(*_down).limit(1)
# The lane's last live position as a subquery: ops/sql.LANE_AND_LAST reads it with the lane.
LAST_POSITION = _live.with_only_columns(note.c.position).order_by(*_down).limit(1).scalar_subquery()


def key_at_end(last: str | None) -> str:
    """A key after `last`, the lane's last position (None: an empty lane): key_for's default."""
    return generate_key_between(last, None)


def key_for(
    lane_id: int,
    after: int | None = None,
    before: int | None = None,
    exclude: int | None = None,
    *,
    conn: sa.Connection | None = None,
) -> str:
    """A key that sorts right after note `after`, right before `before`, or at the lane's end.

    Unknown neighbour ids (say, a note deleted meanwhile) fall back to the lane's end, so a
    move made against a slightly stale board still lands somewhere sensible. Reads at most
    two rows of the lane (its index on lane_id, position), however long the lane is. `conn`:
    the op's connection (ctx.conn) when the caller writes through Core, not the ORM.
    """
    if conn is None:  # an ORM caller: its pending notes count
        db.session.flush()
        conn = db.session.connection()

    def _first(statement: sa.Select, **params: object) -> sa.Row | None:
        return conn.execute(statement, params).first()

    live = {"lane_id": lane_id, "exclude": exclude or 0}
    anchor = _first(ANCHOR, **live, anchor=after) if after is not None else None
    if anchor is not None:
        following = _first(FOLLOWING, **live, anchor_position=anchor[0], anchor=anchor[1])
        lo, hi = anchor[0], following[0] if following else None
    else:
        anchor = _first(ANCHOR, **live, anchor=before) if before is not None else None
        if anchor is not None:
            preceding = _first(PRECEDING, **live, anchor_position=anchor[0], anchor=anchor[1])
            lo, hi = preceding[0] if preceding else None, anchor[0]
        else:
            last = _first(LAST, **live)
            return key_at_end(last[0] if last else None)
    if lo is not None and hi is not None and lo >= hi:
        hi = None  # equal keys from a concurrent insert: place after `lo`
    return generate_key_between(lo, hi)
