"""HTML pages and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from .errors import AppError
from .extensions import db

bp = Blueprint("views", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness and database check for load balancers and `make run`."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        raise AppError("unavailable", "The database does not answer.") from None
    return {"status": "ok"}


@bp.get("/")
def index():
    return render_template("index.html")
