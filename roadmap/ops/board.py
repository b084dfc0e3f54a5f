"""The board itself: its title (the group's name) and its lane layout (the template)."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..boards.layouts import TEMPLATES
from ..errors import AppError
from ..extensions import db
from ..models import Lane, Note
from .core import Context, OpData, Outcome, check_text, op

TITLE_MAX = 200


class RetitleData(OpData):
    title: str


@op("board.retitle", RetitleData, staff_only=True, when_locked=True)
def retitle(ctx: Context, data: RetitleData) -> Outcome:
    """Give the board a new title (its group was renamed); every open board shows it."""
    ctx.board.title = check_text(data.title, "title", TITLE_MAX).strip()
    return Outcome({"board": {"title": ctx.board.title}})


class LayoutData(OpData):
    template: Literal[tuple(TEMPLATES)]  # type: ignore[valid-type]


@op("board.layout", LayoutData, staff_only=True, when_locked=True)
def layout(ctx: Context, data: LayoutData) -> Outcome:
    """Lay the board out in another template's lanes, as long as nobody has written on it."""
    spec = TEMPLATES.get(data.template)
    if spec is None:
        raise AppError("invalid", _l("template: one of %(values)s.", values=", ".join(TEMPLATES)))
    board = ctx.board
    used = db.session.scalar(sa.select(Note.id).where(Note.board_id == board.id).limit(1))
    if used is not None:
        raise AppError("conflict", _l("This board already has notes: its template is kept."))
    for old in list(board.lanes):
        board.lanes.remove(old)
    db.session.flush()
    for i, lane_spec in enumerate(spec.lanes):
        board.lanes.append(
            Lane(
                key=lane_spec.key,
                title=lane_spec.title,
                position=i,
                default_kind=lane_spec.default_kind,
            )
        )
    board.template = data.template
    return Outcome({"board": {"template": board.template}, "resync": True})
