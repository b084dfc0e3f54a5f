"""Joining: event codes and QR codes, participants (participants.py), the join and sign-in pages
(views.py) and POST /api/join (api.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import api, views  # noqa: F401  (routes on the api and views blueprints)
