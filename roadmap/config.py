"""Configuration: defaults, then instance/config.py, then ROADMAP_* / plain environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

# Limits that are part of the documented contract (docs/protocol.md).
NOTE_TEXT_MAX = 2000
TITLE_MAX = 200
NAME_MAX = 80
# The UI languages (roadmap/i18n.py names them; translations/ and static/i18n/ hold their words).
LANGUAGES = ["en", "fr", "th", "vi", "id", "km", "my", "lo", "zh_Hans", "tl"]


def defaults(instance_path: str) -> dict[str, Any]:
    """The configuration a fresh install runs with."""
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(instance_path) / "roadmap.sqlite"),
        "EXPORT_DIR": str(Path(instance_path).parent / "exports"),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # JSON import of a whole event
        "SOCKET_MAX_MESSAGE": 64 * 1024,
        "CORS_ORIGINS": None,  # None: only the app's own origin
        "REDIS_URL": None,
        "SOCKETIO_ASYNC_MODE": None,  # gevent when it is importable, else threading
        "OP_RATE_PER_SECOND": 20.0,
        "OP_RATE_BURST": 60,
        "OPS_CATCHUP_LIMIT": 1000,  # beyond this many missed ops a client gets a snapshot
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 30,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": list(LANGUAGES),
        "PDF_WORKER": True,  # render PDFs in a separate process
        "FAST_WEBSOCKET": True,  # gevent: write websocket frames directly (roadmap/transport.py)
        # A PDF render pauses while the boards broadcast more ops a second than this (0: never),
        # for at most REPORT_MAX_PAUSE_SECONDS in a row (roadmap/reports/gate.py).
        "REPORT_YIELD_OPS": 10.0,
        "REPORT_MAX_PAUSE_SECONDS": 30.0,
    }


def from_environment(app) -> None:
    """Read the plain deployment variables (DATABASE_URL, SECRET_KEY, ...) and ROADMAP_*."""
    plain = {
        "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
        "SECRET_KEY": "SECRET_KEY",
        "EXPORT_DIR": "EXPORT_DIR",
        "REDIS_URL": "REDIS_URL",
        "CORS_ORIGINS": "CORS_ORIGINS",
    }
    for env_name, key in plain.items():
        value = os.environ.get(env_name)
        if value:
            app.config[key] = value
    app.config.from_prefixed_env("ROADMAP")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgres://") :]
    elif uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "postgresql+psycopg://" + uri[len("postgresql://") :]
        )


def origins(value: str | list[str] | None) -> list[str] | None:
    """CORS_ORIGINS as a list ("https://a, https://b" from the environment); None: same origin."""
    if not value:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    return [part for part in value if part] or None


def ensure_secret_key(app) -> None:
    """Use SECRET_KEY from config, or one generated once into instance/secret_key."""
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()
