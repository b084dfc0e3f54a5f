"""The JSON API under /api: the blueprint every feature's `api.py` adds its routes to, and the
body/query parsers they share. Writes go through ops.apply, like the sockets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ValidationError

from ..errors import AppError
from ..ops.core import validation_message
from ..security.payloads import PayloadError, loads

bp = Blueprint("api", __name__, url_prefix="/api")


def body(model: type[BaseModel]) -> Any:
    """The request's JSON body validated by `model` (400 invalid otherwise)."""
    data = json_body()
    if not isinstance(data, dict):
        raise AppError("invalid", _l("The request body must be a JSON object."))
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise AppError("invalid", validation_message(err)) from None


def json_body() -> Any:
    """The request's JSON (security/payloads.py limits); 400 invalid saying why otherwise."""
    if not request.is_json:
        raise AppError(
            "invalid", _l("The request body must be JSON (Content-Type: application/json).")
        )
    try:
        return loads(request.get_data(cache=True))
    except PayloadError as err:
        raise AppError("invalid", str(err)) from None


def query(model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as err:
        raise AppError("invalid", validation_message(err)) from None


def init_app(app: Flask) -> None:
    """Register the API blueprint, once every feature has added its routes, and its document."""
    from .openapi import init_openapi

    app.register_blueprint(bp)
    init_openapi(app)
