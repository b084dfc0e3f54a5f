"""Security: the one JSON parser and its limits (payloads.py), cross-site writes, security
headers, rate limits and the client's address (web.py), tokens kept out of logs (redact.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .payloads import init_payloads
    from .web import init_security

    init_payloads(app)
    init_security(app)
