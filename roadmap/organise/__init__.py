"""Organisers: accounts, events, groups, the live dashboard, projector and participants."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import api  # noqa: F401  (routes on the api blueprint)
    from .views import bp

    app.register_blueprint(bp)
