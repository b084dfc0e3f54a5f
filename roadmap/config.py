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
# Due dates, event dates and imported dates must fall in these years (ICS, PDFs, spreadsheets).
YEAR_MIN, YEAR_MAX = 2000, 2100
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
        # PostgreSQL connections per server process (gevent: hundreds of sockets share them;
        # an op holds one while it waits for the board's row lock). Keep processes x (size +
        # overflow) under the server's max_connections (Debian: 100).
        "DB_POOL_SIZE": 20,
        "DB_MAX_OVERFLOW": 20,
        "PUBLIC_URL": None,  # None: the address the request came to (a warning when loopback)
        "SOCKETIO_ASYNC_MODE": None,  # gevent when it is importable, else threading
        "OP_RATE_PER_SECOND": 20.0,
        "OP_RATE_BURST": 60,
        "OPS_CATCHUP_LIMIT": 1000,  # beyond this many missed ops a client gets a snapshot
        # A room's ops go out together once per tick, a quiet room's at once (realtime/broadcast.py)
        "BROADCAST_TICK_SECONDS": 0.025,  # up to 100 sockets; longer in proportion past that,
        # up to this (a saturated server stretches it anyway: twice its last send's time; a longer
        # maximum only delayed a plenary's ops, docs/protocol.md "Plenary")
        "BROADCAST_TICK_MAX_SECONDS": 0.025,
        # Presence past this many people on a board is counts (+ staff and editors by name),
        # sent at most every PRESENCE_CROWD_SECONDS (docs/protocol.md, "presence").
        "PRESENCE_LIST_MAX": 50,
        # board:join sends at most NOTES_PAGE notes (the rest: board:page) and OPS_PAGE missed ops.
        "NOTES_PAGE": 200,
        "OPS_PAGE": 500,
        "PRESENCE_CROWD_SECONDS": 2.0,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 30,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": list(LANGUAGES),
        "PDF_WORKER": True,  # render PDFs in a separate process
        "SQLITE_CHECKPOINT_THREAD": True,  # gevent: WAL checkpoints off the request path
        "FAST_WEBSOCKET": True,  # gevent: write websocket frames directly (realtime/transport.py)
        # SIGTERM: move this process's clients on and retire its presence (realtime/shutdown.py).
        "DRAIN_ON_STOP": True,
        # A PDF render pauses while the boards broadcast more ops a second than this (0: never),
        # for at most REPORT_MAX_PAUSE_SECONDS in a row (roadmap/reports/gate.py).
        "REPORT_YIELD_OPS": 10.0,
        "REPORT_MAX_PAUSE_SECONDS": 30.0,
        # An event PDF of more notes is laid out in parts of about this many notes (its groups'
        # chapters; the tracker and the appendix a part each), then joined: the render worker's
        # memory is then a part's, not the whole document's (docs/reports.md). 0: never in parts.
        "REPORT_PART_NOTES": 1000,
        # Abuse limits (docs/security.md). Flask-Limiter strings: "N per M minutes; ...".
        # A venue's NAT puts hundreds of phones behind one address: 1,000 joins from one
        # address within a few minutes pass; one event takes at most 3,000 joins in 10 minutes.
        "JOIN_LIMIT_PER_ADDRESS": "1500 per 10 minutes",
        "JOIN_LIMIT_PER_EVENT": "3000 per 10 minutes",
        # Wrong passwords: per (e-mail, address) and, looser, per address. A correct password
        # does not count, so the owner signing in from elsewhere is never locked out. Attempts
        # with a valid device cookie for the e-mail (a browser that signed in as it before)
        # count per device instead: guessing behind the venue's NAT locks out only the guessers.
        "LOGIN_LIMIT_PER_ACCOUNT": "10 per 5 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "100 per 5 minutes",
        "LOGIN_LIMIT_PER_DEVICE": "10 per 5 minutes",
        "LOGIN_DEVICE_DAYS": 180,  # how long a device cookie is good for
        # Ops from one address, whatever tokens it holds (on top of OP_RATE_* per participant).
        "ADDRESS_OP_RATE_PER_SECOND": 150.0,  # a plenary of 1,000 behind one NAT: ~100 ops/s
        "ADDRESS_OP_RATE_BURST": 600,
        # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
        "TRUSTED_PROXIES": 0,
        "RATELIMIT_STORAGE_URI": "memory://",  # redis://… with several server processes
        # E-mail to commitment owners (roadmap/follow_up/mail.py): off while MAIL_SERVER is unset.
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_FROM": "roadmap@localhost",
        "MAIL_BASE_URL": None,  # the links' address in e-mails; default: where staff made them
        "MAIL_REMINDER_DAYS": 14,
        "MAIL_INTERVAL_SECONDS": 60,
        "MAIL_BACKGROUND": True,  # a server process sends the queue itself
    }


def from_environment(app) -> None:
    """Read the plain deployment variables (DATABASE_URL, SECRET_KEY, ...) and ROADMAP_*."""
    plain = {
        "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
        "SECRET_KEY": "SECRET_KEY",
        "EXPORT_DIR": "EXPORT_DIR",
        "REDIS_URL": "REDIS_URL",
        "CORS_ORIGINS": "CORS_ORIGINS",
        "TRUSTED_PROXIES": "TRUSTED_PROXIES",
        **{name: name for name in MAIL_SETTINGS},
        "PUBLIC_URL": "PUBLIC_URL",  # roadmap/public_url.py: QR codes, cards, facilitator links
    }
    for env_name, key in plain.items():
        value = os.environ.get(env_name)
        if value:
            app.config[key] = coerce(key, value)
    app.config.from_prefixed_env("ROADMAP")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgres://") :]
    elif uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "postgresql+psycopg://" + uri[len("postgresql://") :]
        )
    database_pool(app)


def database_pool(app) -> None:
    """PostgreSQL: a pool sized for a gevent process (SQLAlchemy's default of 5 + 10 ran out
    at 1,000 clients: "QueuePool limit reached"), connections checked before use."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("pool_size", int(app.config["DB_POOL_SIZE"]))
    options.setdefault("max_overflow", int(app.config["DB_MAX_OVERFLOW"]))
    options.setdefault("pool_pre_ping", True)


MAIL_SETTINGS = (
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "MAIL_BASE_URL",
    "MAIL_REMINDER_DAYS",
)


def coerce(key: str, value: str) -> Any:
    """Numbers and switches of the plain variables (MAIL_PORT=587, MAIL_USE_TLS=1)."""
    if key in ("MAIL_PORT", "MAIL_REMINDER_DAYS"):
        return int(value)
    if key in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


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
