"""One place for what a client may send: JSON parsing limits and string validation.

Every JSON body the app reads goes through `loads()`: the HTTP API (Flask's JSON provider,
installed by `init_payloads`) and Socket.IO frames (the `json` module handed to Flask-SocketIO).
It refuses, as `ValueError` (a 400, or an error ack), what would otherwise break deeper down:

- nesting deeper than `MAX_DEPTH` (the C parser recurses: 50,000 brackets were a RecursionError,
  a 500 over HTTP and silence over the socket);
- integers outside the 64-bit range the database stores (and numbers longer than 40 digits are
  not even converted: a 5,000-digit integer cost CPU before it failed);
- NaN / Infinity, which are not JSON;
- lone UTF-16 surrogates (`"\\ud800"`): Python keeps them in a str, SQLite and every encoder
  later fail on them. Every string in a payload, at any depth, must be valid Unicode;
- NUL characters (`"\\u0000"`): PostgreSQL cannot store them in text.

`check_request_text()` applies the same string rule to what arrives outside JSON (the URL's
parts, the query, form fields) before every request; `clean_text()` to a single value.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l

MAX_DEPTH = 32  # the deepest real payload (an import's note tags) is 4
MAX_INT = 2**63 - 1
MAX_NUMBER_CHARS = 40
_SURROGATE = re.compile("[\ud800-\udfff]")


class PayloadError(ValueError):
    """A JSON document the app refuses (message says why, and where)."""


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise PayloadError(_l("A number is too long."))
    return int(text)  # the range is checked in check_value, which knows the field


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise PayloadError(_l("A number is too long."))
    return float(text)


def _parse_constant(name: str) -> Any:
    raise PayloadError(_l("%(name)s is not a JSON number.", name=name))


def check_string(value: str, where: str = "payload") -> str:
    """Refuse a string that is not valid Unicode (a lone surrogate) or holds a NUL character
    (PostgreSQL cannot store one in text: an insert failed with a 500)."""
    if _SURROGATE.search(value):
        raise PayloadError(
            _l("%(where)s: the text is not valid Unicode (a lone surrogate).", where=where)
        )
    if "\x00" in value:
        raise PayloadError(
            str(_l("%(where)s: the text holds a NUL character (U+0000).", where=where))
        )
    return value


def check_value(value: Any) -> Any:
    """Walk a parsed value (without recursion): depth and strings. Returns it unchanged."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, str):
            check_string(item, where or "payload")
        elif isinstance(item, int) and not -MAX_INT <= item <= MAX_INT:
            raise PayloadError(
                _l("%(where)s: the number is out of range (2**63 - 1).", where=where or "payload")
            )
        elif isinstance(item, dict):
            if depth >= MAX_DEPTH:
                raise PayloadError(
                    _l("The JSON is nested too deep (at most %(max)s levels).", max=MAX_DEPTH)
                )
            for key, child in item.items():
                check_string(key, where or "payload")
                stack.append((child, depth + 1, f"{where}.{key}" if where else str(key)))
        elif isinstance(item, list):
            if depth >= MAX_DEPTH:
                raise PayloadError(
                    _l("The JSON is nested too deep (at most %(max)s levels).", max=MAX_DEPTH)
                )
            stack.extend(
                (child, depth + 1, f"{where}.{i}" if where else str(i))
                for i, child in enumerate(item)
            )
    return value


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """json.loads with the limits above; every refusal is a `PayloadError` (a ValueError)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError(_l("The body is not UTF-8.")) from None
    kwargs.setdefault("parse_int", _parse_int)
    kwargs.setdefault("parse_float", _parse_float)
    kwargs.setdefault("parse_constant", _parse_constant)
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise PayloadError(
            _l("The JSON is nested too deep (at most %(max)s levels).", max=MAX_DEPTH)
        ) from None
    except PayloadError:
        raise
    except ValueError as err:
        raise PayloadError(
            _l("The body is not valid JSON (%(why)s).", why=str(err)[:200])
        ) from None
    return check_value(value)


def dumps(value: Any, **kwargs: Any) -> str:
    return json.dumps(value, **kwargs)


class SocketJSON:
    """What Flask-SocketIO takes as `json=`: a module with dumps and loads."""

    dumps = staticmethod(dumps)
    loads = staticmethod(loads)


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with `loads()` above (request.get_json and friends)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, **kwargs)


def check_request_text() -> None:
    """The string rule for what arrives outside JSON: the address's parts, its query and form
    fields (HTML forms, the join page, the owner's page). A browser cannot send a lone
    surrogate in them (they are UTF-8), but `%00` is a NUL."""
    from flask import request

    from ..errors import AppError

    fields = [("url", k, v) for k, v in (request.view_args or {}).items() if isinstance(v, str)]
    fields += [("query", k, v) for k, v in request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        fields += [("form", k, v) for k, v in request.form.items(multi=True)]
    try:
        for part, key, value in fields:
            check_string(key, part)
            check_string(value, f"{part}.{key[:40]}")
    except PayloadError as err:
        raise AppError("invalid", str(err)) from None


def init_payloads(app: Flask) -> None:
    app.json_provider_class = SafeJSONProvider
    app.json = SafeJSONProvider(app)
    app.before_request(check_request_text)


def clean_text(value: str, where: str) -> str:
    """A form field or other single string: valid Unicode, else AppError invalid."""
    from ..errors import AppError

    try:
        return check_string(value, where)
    except PayloadError as err:
        raise AppError("invalid", str(err)) from None


# --- dates: one sane range everywhere (due dates, event dates, imported timestamps) -----------


def check_year(value: Any, where: str = "date") -> Any:
    """A date or datetime whose year is within config YEAR_MIN..YEAR_MAX (ValueError else)."""
    from ..config import YEAR_MAX, YEAR_MIN

    if value is not None and not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValueError(
            str(
                _l(
                    "%(where)s: the year must be between %(min)s and %(max)s.",
                    where=where,
                    min=YEAR_MIN,
                    max=YEAR_MAX,
                )
            )
        )
    return value
