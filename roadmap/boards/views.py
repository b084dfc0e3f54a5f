"""The board page and its list view (the live board itself is static/js/board/)."""

from __future__ import annotations

from flask import Response, render_template

from ..extensions import db
from ..identity import board_for, is_staff
from ..models import Board, Group
from ..views import bp, require_signed_in


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
