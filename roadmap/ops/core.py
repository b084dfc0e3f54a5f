"""The domain core: every change to a board, from any transport, goes through apply()."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, TypeGuard

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from ..boards.snapshot import op_message, without_counts
from ..config import NOTE_TEXT_MAX
from ..database import has_pending_changes
from ..errors import AppError
from ..extensions import db
from ..identity import is_staff
from ..models import Board, BoardOp, Participant, utcnow
from . import sql
from .sql import Actor, BoardState

# The largest id (and seq, version) every database stores: id columns are INTEGER, 32 bits on
# PostgreSQL (SQLite's are 64): a bigger one would fail the query there (a 500, not a refusal).
MAX_ID = 2**31 - 1
MAX_JSON_INT = 2**63 - 1  # integers inside op data (JSON columns)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=0, le=MAX_ID)]


def valid_id(value: object) -> TypeGuard[int]:
    """An integer (not a bool) that can be a row id."""
    return type(value) is int and 1 <= value <= MAX_ID


def fits_database(value: Any, depth: int = 0) -> bool:
    """No integer in this JSON value is too big for a database column (every op type)."""
    if isinstance(value, int):
        return -MAX_JSON_INT <= value <= MAX_JSON_INT
    if depth > 20:
        return False
    if isinstance(value, dict):
        return all(fits_database(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(fits_database(v, depth + 1) for v in value)
    return True


class OpData(BaseModel):
    """Base of every op payload: unknown fields are refused, strings are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    op_id: str = Field(min_length=1, max_length=64)
    type: str = Field(min_length=1, max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)


@dataclass
class Context:
    """What a handler works with: the board (locked for this transaction) and who acts.

    `board_row` and `actor_row` are what the lock read; `board` and `actor` are the ORM
    objects, loaded in this transaction on first use (the hot op types never need them).
    """

    board_row: BoardState
    actor_row: Actor
    staff: bool
    now: dt.datetime
    conn: sa.Connection  # the session's, in this op's write transaction

    def run(self, statement: sa.Executable, **params: Any) -> sa.CursorResult[Any]:
        """Execute a Core statement (ops/sql.py) in this op's transaction, bypassing the ORM."""
        return self.conn.execute(statement, params)

    @cached_property
    def board(self) -> Board:
        return db.session.get_one(Board, self.board_row.id)

    @cached_property
    def actor(self) -> Participant:
        return db.session.get_one(Participant, self.actor_row.id)


@dataclass
class Outcome:
    """What a handler returns: the result for the ack and broadcast, and who may see it."""

    result: dict[str, Any]
    audience: list[int] | None = None  # participant ids besides staff; None: everyone
    anonymous: bool = False  # hide the actor in the broadcast
    undo: dict[str, Any] | None = None  # what facilitator.undo needs to reverse this op
    after_commit: Callable[[], None] | None = None  # e.g. erase freed bytes from disk (redaction)


@dataclass(frozen=True)
class OpType:
    name: str
    schema: type[OpData]
    handler: Callable[[Context, Any], Outcome]
    staff_only: bool = False
    when_locked: bool = False  # may participants still do it on a locked board?
    undoable: bool = False
    owner_may: bool = False  # may a commitment owner's follow-up link send it?


REGISTRY: dict[str, OpType] = {}


def op(
    name: str,
    schema: type[OpData],
    *,
    staff_only: bool = False,
    when_locked: bool = False,
    undoable: bool = False,
    owner_may: bool = False,
) -> Callable:
    """Register a handler for op type `name`, its payload validated by `schema`."""

    def register(handler: Callable[[Context, Any], Outcome]) -> Callable:
        REGISTRY[name] = OpType(name, schema, handler, staff_only, when_locked, undoable, owner_may)
        return handler

    return register


@dataclass
class Applied:
    """The result of apply(): the sender's ack and, if it was new, the op-log entry."""

    ack: dict[str, Any]
    row: BoardOp | None = None
    message: dict[str, Any] | None = field(default=None)


class TokenBucket:
    """An op rate limit, per key (participant, address, connection).

    `name` set: shared by every server process when REDIS_URL is set (roadmap/shared.py), else
    this process's. `name` None: always this process's (a connection lives on one process).
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self._state: dict[Hashable, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _shared(self) -> Any:
        if self.name is None:
            return None
        from ..shared import store

        found = store()
        return found if found.redis is not None else None

    def take(self, key: Hashable, rate: float, burst: float) -> bool:
        shared = self._shared()
        if shared is not None:
            return shared.take(self.name, key, rate, burst)
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(key, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens < 1:
                self._state[key] = (tokens, now)
                return False
            self._state[key] = (tokens - 1, now)
            return True

    def give_back(self, key: Hashable, burst: float) -> None:
        """Return the token of a take() that turned out to cost nothing (a replayed op)."""
        shared = self._shared()
        if shared is not None:
            shared.give_back(self.name, key, burst)
            return
        with self._lock:
            tokens, last = self._state.get(key, (burst, time.monotonic()))
            self._state[key] = (min(burst, tokens + 1), last)

    def forget(self, key: Hashable) -> None:
        shared = self._shared()
        if shared is not None:
            shared.forget(self.name, key)
        with self._lock:
            self._state.pop(key, None)

    def reset(self) -> None:
        shared = self._shared()
        if shared is not None:
            shared.reset_buckets(self.name)
        with self._lock:
            self._state.clear()


buckets = TokenBucket("participant")


# What pydantic found wrong, said in the reader's language: the field's path (the API's own
# key, kept as it is) and one message per kind of error; a kind not listed here is "not valid".
VALIDATION_MESSAGES = {
    "missing": _l("%(field)s is missing."),
    "extra_forbidden": _l("%(field)s is not a field of this request."),
    "string_too_long": _l("%(field)s: at most %(limit)s characters."),
    "string_too_short": _l("%(field)s is too short."),
    "too_long": _l("%(field)s: at most %(limit)s items."),
    "string_type": _l("%(field)s must be text."),
    "int_type": _l("%(field)s must be a whole number."),
    "int_parsing": _l("%(field)s must be a whole number."),
    "int_from_float": _l("%(field)s must be a whole number."),
    "float_type": _l("%(field)s must be a number."),
    "float_parsing": _l("%(field)s must be a number."),
    "bool_type": _l("%(field)s must be true or false."),
    "bool_parsing": _l("%(field)s must be true or false."),
    "list_type": _l("%(field)s must be a list."),
    "dict_type": _l("%(field)s must be an object."),
    "model_type": _l("%(field)s must be an object."),
    "literal_error": _l("%(field)s: one of %(expected)s."),
    "enum": _l("%(field)s: one of %(expected)s."),
    "greater_than": _l("%(field)s is too small."),
    "greater_than_equal": _l("%(field)s is too small."),
    "less_than": _l("%(field)s is too large."),
    "less_than_equal": _l("%(field)s is too large."),
    "date_from_datetime_parsing": _l("%(field)s is not a date (YYYY-MM-DD)."),
    "date_parsing": _l("%(field)s is not a date (YYYY-MM-DD)."),
    "date_type": _l("%(field)s is not a date (YYYY-MM-DD)."),
    "string_pattern_mismatch": _l("%(field)s has the wrong form."),
}


def validation_message(err: ValidationError) -> str:
    first = err.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "payload"
    ctx = first.get("ctx") or {}
    limit = ctx.get("max_length", "")
    expected = str(ctx.get("expected", ""))[:200]
    if first.get("type") == "value_error":  # our own validators' words (already translated)
        return f"{field}: {str(ctx.get('error', first.get('msg', '')))[:300]}"
    message = VALIDATION_MESSAGES.get(first.get("type", ""), _l("%(field)s is not valid."))
    return str(message) % {"field": field[:120], "limit": limit, "expected": expected}


# The words for each text a check_text caller names: a whole sentence per field, so each
# language can put the noun where its grammar wants it.
TOO_LONG = {
    "text": _l("The text is %(length)s characters; at most %(limit)s."),
    "title": _l("The title is %(length)s characters; at most %(limit)s."),
    "message": _l("The message is %(length)s characters; at most %(limit)s."),
    "takeaway": _l("The takeaway is %(length)s characters; at most %(limit)s."),
}
EMPTY = {
    "text": _l("The text is empty."),
    "title": _l("The title is empty."),
    "message": _l("The message is empty."),
    "takeaway": _l("The takeaway is empty."),
}


def check_text(text: str, what: str = "text", limit: int = NOTE_TEXT_MAX) -> str:
    """`text` as given, or an AppError: too long, or only blanks. `what` is a key of TOO_LONG."""
    if len(text) > limit:
        message = str(TOO_LONG[what]) % {"length": len(text), "limit": limit}
        raise AppError("too_large", message)
    if not text.strip():
        raise AppError("invalid", EMPTY[what])
    return text


def _stored_ack(row: BoardOp, actor_id: int) -> dict[str, Any]:
    """The original ack of an op already applied; only its own actor may see it again."""
    if row.actor_id != actor_id:
        raise AppError(
            "invalid", _l("This op_id was already used for another change; make a new one.")
        )
    result = row.result
    if row.audience and row.audience.get("hide_counts"):
        result = without_counts(result)  # staff get the counts again with their next snapshot
    return {"ok": True, "seq": row.seq, "result": result, "duplicate": True}


def _audience(outcome: Outcome, board: BoardState) -> dict[str, Any] | None:
    """Who sees the op: everyone (None), or its audience; vote counts only for the staff
    while the board's results are hidden (serialize.without_counts)."""
    audience: dict[str, Any] = {}
    if outcome.audience is not None:
        audience["participants"] = outcome.audience
    if board.vote_results_hidden:
        audience["hide_counts"] = True
    return audience or None


def _find(board_id: int, op_id: str) -> BoardOp | None:
    return db.session.scalar(
        sa.select(BoardOp).where(BoardOp.board_id == board_id, BoardOp.op_id == op_id)
    )


class PendingChanges(RuntimeError):
    """apply() was called while the caller's session held changes it had not committed."""


def _begin_write() -> sa.Connection:
    """Start a write transaction that holds the write lock (BEGIN IMMEDIATE on SQLite).

    Whatever was read before belongs to an older snapshot: that transaction is ended first,
    so every check below sees the board as it is while this op holds the lock. Changes the
    caller made and did not commit would be lost with it: that is a programming error (the
    service must commit first), so it raises instead of discarding them.
    """
    session = db.session()
    if has_pending_changes(session):
        raise PendingChanges(
            "ops.apply() was called with uncommitted changes in the session; "
            "the service must commit them first."
        )
    if session.in_transaction():
        session.rollback()
    return session.connection(execution_options={"roadmap_immediate": True})


def apply(
    board_id: object, raw: Any, actor: Participant | int, *, rate_limited: bool = True
) -> Applied:
    """Validate and apply one op; log it with the board's next seq; return the ack.

    `actor` is the participant or its id (then it is loaded inside the write transaction).
    An op_id already applied on this board answers with the original ack and changes nothing.
    `rate_limited=False`: the server's own fan-out (an organiser's broadcast to every board)
    does not spend the actor's token bucket.
    Raises nothing the client caused: refusals come back as {"ok": False, "error": ...}.
    """
    try:
        return _apply(board_id, raw, actor, rate_limited)
    except AppError as err:
        db.session.rollback()
        return Applied(ack=err.ack())


def _apply(board_id: object, raw: Any, actor: Participant | int, rate_limited: bool) -> Applied:
    if not isinstance(raw, dict):
        raise AppError("invalid", _l("An op is a JSON object {op_id, type, data}."))
    if not valid_id(board_id):
        raise AppError("invalid", _l("board_id must be a positive integer."))
    try:
        env = Envelope.model_validate(raw)
    except ValidationError as err:
        raise AppError("invalid", validation_message(err)) from None
    kind = REGISTRY.get(env.type)
    if kind is None:
        raise AppError("invalid", _l("Unknown op type %(type)s.", type=repr(env.type[:40])))
    if not fits_database(env.data):
        raise AppError(
            "invalid", _l("A number in data is out of range (or data is nested too deep).")
        )
    try:
        data = kind.schema.model_validate(env.data)
    except ValidationError as err:
        raise AppError("invalid", validation_message(err)) from None
    actor_id = actor if isinstance(actor, int) else actor.id
    cfg = current_app.config
    if rate_limited and not buckets.take(actor_id, cfg["OP_RATE_PER_SECOND"], cfg["OP_RATE_BURST"]):
        previous = _find(board_id, env.op_id)  # a retry after a lost ack is always answered
        if previous is not None and previous.actor_id == actor_id:
            return Applied(ack=_stored_ack(previous, actor_id))
        raise AppError(
            "rate_limited",
            _l(
                "Too many changes at once: at most %(rate)s a second.",
                rate=f"{cfg['OP_RATE_PER_SECOND']:g}",
            ),
        )
    if rate_limited and not _address_may_apply():
        raise AppError(
            "rate_limited", _l("Too many changes from your network at once; retry soon.")
        )
    for attempt in range(3):
        try:
            applied = _write(board_id, env, kind, data, actor_id)
        except (IntegrityError, OperationalError):
            db.session.rollback()
            if attempt == 2:
                raise AppError("unavailable", _l("The board is busy; please retry.")) from None
            continue
        if applied.row is None and rate_limited:
            buckets.give_back(actor_id, cfg["OP_RATE_BURST"])
        return applied
    raise AssertionError("unreachable")


def _address_may_apply() -> bool:
    from ..security.web import address_may_apply  # (security imports this module)

    return address_may_apply()


def _lock_board(
    conn: sa.Connection, board_id: int, op_id: str, actor_id: int
) -> tuple[BoardState, Actor, int | None]:
    """In one statement: the board (locked), the actor as it is now, a logged op with op_id."""
    found = sql.lock_board(conn, board_id, op_id, actor_id)
    if found is None:
        raise AppError("not_found", _l("There is no board %(board_id)s.", board_id=board_id))
    board, actor, previous = found
    if actor is None or actor.removed:
        raise AppError("unauthorized", _l("Your session has ended; join the event again."))
    if board.event_id != actor.event_id:
        raise AppError("forbidden", _l("This board belongs to another event."))
    return board, actor, previous


def _write(board_id: int, env: Envelope, kind: OpType, data: Any, actor_id: int) -> Applied:
    conn = _begin_write()
    board, actor, previous = _lock_board(conn, board_id, env.op_id, actor_id)
    if previous is not None:
        ack = _stored_ack(db.session.get_one(BoardOp, previous), actor.id)
        db.session.rollback()
        return Applied(ack=ack)
    staff = is_staff(actor, board)  # type: ignore[arg-type]  # the rows have the same fields
    if actor.role == "owner" and not kind.owner_may:  # a follow-up link reports progress only
        raise AppError("forbidden", _l("A follow-up link can only report progress."))
    if kind.staff_only and not staff:
        raise AppError("forbidden", _l("Only the board's facilitator can do that."))
    if board.locked and not staff and not kind.when_locked:
        raise AppError("locked", _l("The facilitator has locked this board."))
    now = utcnow()
    outcome = kind.handler(Context(board, actor, staff, now, conn), data)
    values = {
        "board_id": board.id,
        "seq": board.seq + 1,
        "op_id": env.op_id,
        "actor_id": actor.id,
        "type": env.type,
        "data": env.data,
        "result": outcome.result,
        "audience": _audience(outcome, board),
        "anonymous": outcome.anonymous,
        "undo": outcome.undo,
        "undone": False,
        "at": now,
    }
    db.session.flush()  # the handler's ORM changes, if any (facilitation ops)
    sql.log_op(conn, values)
    db.session.commit()
    if outcome.after_commit is not None:
        outcome.after_commit()
    row = BoardOp(**values)  # not in the session: for publish() and the caller
    result = outcome.result
    audience: dict[str, Any] | None = values["audience"]  # type: ignore[assignment]
    if audience and audience.get("hide_counts") and not staff:
        result = without_counts(result)
    return Applied(
        ack={"ok": True, "seq": row.seq, "result": result},
        row=row,
        message=op_message(row, actor),
    )
