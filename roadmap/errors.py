"""One error type for every channel, and the HTTP handlers that render it."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

STATUS = {
    "invalid": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "too_large": 413,
    "locked": 423,
    "rate_limited": 429,
    "server_error": 500,
    "unavailable": 503,
}


class AppError(Exception):
    """A refusal the client should see: a code from STATUS, a message, maybe details."""

    def __init__(self, code: str, message: Any, **extra: Any) -> None:
        # `message` may be a lazy gettext string: it is put into words (in the reader's
        # language) when the error is sent, not when it is raised.
        super().__init__(message)
        self.code = code
        self._message = message
        self.extra = extra

    @property
    def message(self) -> str:
        return str(self._message)

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 400)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}, **self.extra}

    def ack(self) -> dict[str, Any]:
        return {"ok": False, **self.body()}


HTTP_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "invalid",
    423: "locked",
    429: "rate_limited",
}


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _respond(code: str, message: str, status: int, extra: dict | None = None):
    if wants_json():
        return jsonify({"error": {"code": code, "message": message}, **(extra or {})}), status
    return render_template("error.html", code=code, message=message, status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(AppError)
    def app_error(err: AppError):
        return _respond(err.code, err.message, err.status, err.extra)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        code = HTTP_CODES.get(status, "server_error" if status >= 500 else "invalid")
        return _respond(code, err.description or err.name, status)

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        app.logger.exception("unhandled error")
        return _respond("server_error", "Something went wrong on the server.", 500)
