"""Commitments after the event: owners' links, history, the tracker, reviews, reminders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the follow-up pages and API routes."""
    from .api import bp as api_bp
    from .views import bp as views_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(views_bp)
