"""URL converters: ids in URLs are bounded to what the database can store."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # INTEGER ids: 32 bits on PostgreSQL (ops/core.py)


class IdConverter(IntegerConverter):
    """`<int:x>` that does not match numbers too big for a database id (404, not 500)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the converters; call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter
