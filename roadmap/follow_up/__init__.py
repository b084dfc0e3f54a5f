"""Commitments after the event: owners' links, history, the tracker, reviews, reminders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the follow-up pages, API routes, the send-reminders command and the mail loop."""
    from .api import bp as api_bp
    from .cli import send_reminders
    from .views import bp as views_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(views_bp)
    app.cli.add_command(send_reminders)
    if _served_by_gevent():
        # scikit-learn's first import costs ~2 s of CPU: paid at boot, not by the first
        # "possible partners" request while every broadcast of the process waits.
        from .synergies import preload

        preload()
    if app.config.get("MAIL_SERVER") and app.config.get("MAIL_BACKGROUND", True):
        # Started by the first request: a server process runs the queue, CLI commands do not.
        @app.before_request
        def start_mail_loop() -> None:
            from .mail import start_background

            start_background(app)


def _served_by_gevent() -> bool:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover
        return False
    return monkey.is_module_patched("socket")
