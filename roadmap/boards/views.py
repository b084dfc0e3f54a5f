"""The board page and its list view (the live board itself is static/js/boards/)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, render_template

from ..extensions import db
from ..identity import board_for, is_staff
from ..models import Board, Group
from ..views import bp, require_signed_in

# The ES modules of the board page (static/js/boards/, docs/board.md "Board modules"), preloaded
# by boards/board.html; static/sw.js keeps the same list (tests/joining/test_views.py checks).
BOARD_MODULE_EXTRAS = (
    "js/common/dom.js",
    "js/boards/facilitation/facilitate.js",
    "js/boards/facilitation/room.js",
    "js/follow_up/card.js",
    "js/follow_up/synergies.js",
)


def board_modules() -> list[str]:
    static = Path(current_app.static_folder or "static")
    own = sorted(f"js/boards/{p.name}" for p in (static / "js" / "boards").glob("*.js"))
    return own + list(BOARD_MODULE_EXTRAS)


def board_page(board_id: int, view: str):
    who = require_signed_in()
    board: Board = board_for(who, board_id)
    group = db.session.get(Group, board.group_id)
    response = Response(
        render_template(
            "boards/board.html",
            board=board,
            group=group,
            who=who,
            staff=is_staff(who, board),
            view=view,
            board_modules=board_modules(),
        )
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/boards/<int:board_id>")
def board(board_id: int):
    return board_page(board_id, "board")


@bp.get("/boards/<int:board_id>/list")
def board_list(board_id: int):
    return board_page(board_id, "list")
