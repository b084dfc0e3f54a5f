"""One error type for every channel, and the HTTP handlers that render it."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
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


# What an HTTP error says when no more precise message was given (Werkzeug's descriptions are
# English only), in the reader's language.
HTTP_MESSAGES = {
    400: _l("The request is not valid."),
    401: _l("Sign in first."),
    403: _l("You may not do this."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not take this kind of request."),
    409: _l("This conflicts with a change made meanwhile; reload and try again."),
    413: _l("The request is too large."),
    415: _l("The request body is not in a form this address reads."),
    423: _l("This is locked."),
    429: _l("Too many requests right now; retry in a minute."),
    500: _l("Something went wrong on the server."),
    503: _l("The server is busy; retry in a minute."),
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
        message = err.description or err.name
        if message == type(err).description or not message:  # Werkzeug's own English words
            message = str(HTTP_MESSAGES.get(status, HTTP_MESSAGES[500 if status >= 500 else 400]))
        return _respond(code, str(message), status)

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        app.logger.exception("unhandled error")
        return _respond("server_error", str(HTTP_MESSAGES[500]), 500)
