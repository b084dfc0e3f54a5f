"""Boards: lane layouts (layouts.py), the board page (views.py) and its API (api.py), what a
viewer may read of a board (snapshot.py) and of its history (catch_up.py), fractional positions
(positions.py), the inclusion lenses (inclusion.py). Changes to a board are ops: roadmap/ops/."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import api, views  # noqa: F401  (routes on the api and views blueprints)
