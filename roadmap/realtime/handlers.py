"""Socket.IO handlers: connect, board:join/leave, op, presence. Thin: the op core does the work."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from flask_socketio import ConnectionRefusedError, join_room, leave_room
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import ops, shared
from ..boards import catch_up as history
from ..boards.snapshot import board_snapshot, notes_page, visible_to
from ..errors import AppError
from ..extensions import db, socketio
from ..identity import board_for, is_staff, participant_for_token
from ..models import Board, BoardOp, Note, Participant
from ..ops.core import MAX_ID, Id, TokenBucket, validation_message
from .activity import live_activity
from .broadcast import Item, batcher


def current_sid() -> str:
    """The Socket.IO session id of the event being handled (Flask-SocketIO sets request.sid)."""
    return request.sid  # type: ignore[attr-defined]


@dataclass
class Client:
    participant_id: int
    event_id: int
    boards: set[int] = field(default_factory=set)


CLIENTS: dict[str, Client] = {}  # this process's connections
# board id -> sid -> {"id", "name", "editing"}: who is on each board. This process's dict;
# with REDIS_URL the entries live in Redis and are every process's (roadmap/shared.py).
PRESENCE: dict[int, dict[str, dict[str, Any]]] = shared.local().presence
_lock = threading.Lock()
socket_buckets = TokenBucket()  # every socket event, per connection


class JoinData(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    board_id: Id
    since: int | None = Field(default=None, ge=0, le=MAX_ID)


class PageData(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    board_id: Id
    after: int = Field(ge=0, le=MAX_ID)
    limit: int = Field(default=200, ge=1, le=1000)


class LeaveData(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    board_id: Id


class PresenceData(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    board_id: Id
    editing: Id | None = None


def without_websocket_compression(wsgi_app: Any) -> Any:
    """Decline permessage-deflate, which browsers offer and simple-websocket would accept.

    Ops are small (~0.5-1 KB) and every broadcast is one frame per client: compressing each
    frame for each client cost more CPU than the bytes were worth. HTTP polling responses
    are not compressed either (http_compression=False).
    """

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def parse(model: type[BaseModel], data: Any) -> Any:
    if not isinstance(data, dict):
        raise AppError("invalid", _l("The payload must be a JSON object."))
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise AppError("invalid", validation_message(err)) from None


def room_of(board_id: int) -> str:
    return f"board:{board_id}"


def connection() -> Client:
    """This connection's client, if it still has its message budget (every event spends one)."""
    client = CLIENTS.get(current_sid())
    if client is None:
        raise AppError("unauthorized", _l("Your session has ended; join the event again."))
    cfg = current_app.config
    if not socket_buckets.take(
        current_sid(), cfg["OP_RATE_PER_SECOND"] * 2, cfg["OP_RATE_BURST"] * 2
    ):
        raise AppError("rate_limited", _l("Too many messages at once; slow down."))
    return client


def me() -> Participant:
    """The participant behind this connection, checked again on every event."""
    client = connection()
    who = db.session.get(Participant, client.participant_id)
    if who is None or who.removed:
        raise AppError("unauthorized", _l("Your session has ended; join the event again."))
    return who


def handler(fn):
    """Wrap a socket event so refusals become {"ok": False, "error"} acks."""

    def wrapped(data: Any = None) -> dict[str, Any]:
        try:
            return fn(data)
        except AppError as err:
            db.session.rollback()
            return err.ack()

    wrapped.__name__ = fn.__name__
    return wrapped


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    token = auth.get("token") if isinstance(auth, dict) else None
    if token is not None and not isinstance(token, str):
        token = None
    who = participant_for_token(token) or participant_for_token(session.get("token"))
    if who is None:
        raise ConnectionRefusedError(
            {"code": "unauthorized", "message": str(_l("A valid token is needed."))}
        )
    sid = current_sid()
    CLIENTS[sid] = Client(who.id, who.event_id)
    shared.store().add_sid(who.id, sid)  # removal finds it from any process


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    sid = current_sid()
    client = CLIENTS.pop(sid, None)
    socket_buckets.forget(sid)
    if client is not None:
        shared.store().drop_sid(client.participant_id, sid)
    for board_id in list(client.boards if client else []):
        _drop_presence(board_id, sid)


def catch_up(board: Board, since: int, who: Participant) -> list[dict[str, Any]] | None:
    """The ops after `since` as `who` may see them, or None when a snapshot is better."""
    if since > board.seq:
        return None
    if board.seq - since > current_app.config["OPS_CATCHUP_LIMIT"]:
        return None
    rows = db.session.scalars(
        sa.select(BoardOp)
        .where(BoardOp.board_id == board.id, BoardOp.seq > since)
        .order_by(BoardOp.seq)
        .options(so.selectinload(BoardOp.actor))
    ).all()
    if len(rows) != board.seq - since:
        return None
    return history.messages(board, rows, who)


@socketio.on("board:join")
@handler
def on_join(data: Any) -> dict[str, Any]:
    who = me()
    args = parse(JoinData, data)
    board = board_for(who, args.board_id)
    room = room_of(board.id)
    join_room(room)
    join_room(f"{room}:p:{who.id}")
    if is_staff(who, board):
        join_room(f"{room}:staff")
    CLIENTS[current_sid()].boards.add(board.id)
    _set_presence(board.id, current_sid(), who, None)
    # In the room first, then read: an op committed meanwhile is in the ack, or broadcast to
    # this client (seq <= the ack's seq: the client skips it), never in neither.
    db.session.rollback()
    # `me`: who this socket is. A page opened as someone else (another person signed in on this
    # device since) must not send its queued edits under this identity (static/js/boards/).
    ack: dict[str, Any] = {"ok": True, "seq": board.seq, "me": who.id}
    cfg = current_app.config
    missed = catch_up(board, args.since, who) if args.since is not None else None
    if missed is not None:
        page = cfg.get("OPS_PAGE", 500)
        if len(missed) > page:  # the rest: board:join again with since = the last seq here
            missed, ack["more"] = missed[:page], True
        ack["ops"] = missed
    else:
        ack["snapshot"] = board_snapshot(board, who, page=cfg.get("NOTES_PAGE", 200))
    return ack


@socketio.on("board:page")
@handler
def on_page(data: Any) -> dict[str, Any]:
    """The next page of a big board's notes after board:join (docs/protocol.md, paging)."""
    who = me()
    args = parse(PageData, data)
    board = board_for(who, args.board_id)
    db.session.rollback()  # read what is committed now (as board:join does)
    seq = board.seq
    notes, cursor = notes_page(board, who, args.after, args.limit)
    return {"ok": True, "seq": seq, "notes": notes, "next": cursor}


@socketio.on("board:leave")
@handler
def on_leave(data: Any) -> dict[str, Any]:
    me()
    args = parse(LeaveData, data)
    room = room_of(args.board_id)
    for name in (room, f"{room}:staff", f"{room}:p:{CLIENTS[current_sid()].participant_id}"):
        leave_room(name)
    CLIENTS[current_sid()].boards.discard(args.board_id)
    _drop_presence(args.board_id, current_sid())
    return {"ok": True}


@socketio.on("op")
@handler
def on_op(data: Any) -> dict[str, Any]:
    client = connection()  # the core loads and checks the participant inside its transaction
    if not isinstance(data, dict):
        raise AppError("invalid", _l("An op is a JSON object {board_id, op_id, type, data}."))
    applied = ops.apply(data.get("board_id"), data, client.participant_id)  # apply() checks it
    publish(applied, skip_sid=current_sid())
    return applied.ack


@socketio.on("presence")
@handler
def on_presence(data: Any) -> dict[str, Any]:
    who = me()
    args = parse(PresenceData, data)
    if args.board_id not in CLIENTS[current_sid()].boards:
        raise AppError("invalid", _l("Join the board before sending presence."))
    if args.editing is not None:
        # Only a note the sender can see: another's hidden note (private writing) is answered
        # exactly like a note that does not exist, after the same queries.
        board = db.session.get(Board, args.board_id)
        note = db.session.get(Note, args.editing)
        staff = board is not None and is_staff(who, board)
        if note is None or note.board_id != args.board_id or not visible_to(note, who, staff):
            raise AppError(
                "not_found", _l("There is no note %(id)s on this board.", id=args.editing)
            )
    _set_presence(args.board_id, current_sid(), who, args.editing)
    return {"ok": True}


@socketio.on_error_default
def on_error(err: Exception) -> dict[str, Any]:
    db.session.rollback()
    current_app.logger.exception("socket event failed", exc_info=err)
    return AppError("server_error", _l("Something went wrong on the server.")).ack()


def publish(applied: ops.Applied, skip_sid: str | None = None) -> None:
    """Send a newly applied op to its board's room, batched per tick (realtime/broadcast.py):
    redacted for those outside its audience, without vote counts for participants while the
    results are hidden, never to its sender's socket (`skip_sid`: the ack carries it)."""
    row = applied.row
    if row is None or applied.message is None:
        return
    live_activity.note()  # a PDF render waits while the boards are busy (reports/gate.py)
    shared.store().ensure_heartbeat()  # other processes' render gates see this rate too
    tick = tick_for(row.board_id)
    batcher.publish(row.board_id, Item(row, applied.message, skip_sid), tick)


def tick_for(board_id: int) -> float:
    """How long a busy board's ops wait to go out together: BROADCAST_TICK_SECONDS, longer in
    proportion past 100 sockets (a send costs per socket) up to BROADCAST_TICK_MAX_SECONDS."""
    if not has_request_context():
        return 0.0  # a command or a job: send at once (the process may end before a tick)
    cfg = current_app.config
    tick = cfg.get("BROADCAST_TICK_SECONDS", 0.025)
    if tick <= 0:
        return 0.0
    sockets = len(PRESENCE.get(board_id, ()))
    return min(
        max(tick, tick * sockets / 100), max(tick, cfg.get("BROADCAST_TICK_MAX_SECONDS", 0.025))
    )


def emit_board_event(board_id: int, event: str, payload: dict[str, Any]) -> None:
    batcher.flush(board_id)  # the ops before it first
    socketio.emit(event, payload, to=room_of(board_id))


def presence_list(board_id: int) -> list[dict[str, Any]]:
    """Who is on the board (every process's sockets), one entry per participant."""
    return _presence_of(shared.store().presence_entries(board_id))


def _presence_of(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for entry in entries:
        current = seen.setdefault(entry["id"], {k: v for k, v in entry.items() if k != "secret"})
        if entry.get("editing") is not None:
            current["editing"] = entry["editing"]
    return list(seen.values())


def anonymous_editing(board_id: int) -> list[int]:
    """Notes someone edits whose editor may not be named (privacy.py): "someone is editing"."""
    entries = shared.store().presence_entries(board_id)
    return sorted({e["secret"] for e in entries if e.get("secret") is not None})


_presence_due: set[int] = set()  # boards whose presence broadcast is scheduled


def _broadcast_presence(board_id: int) -> None:
    """Send the board's presence to its room, at most once per PRESENCE_COALESCE_SECONDS
    (PRESENCE_CROWD_SECONDS on a board past PRESENCE_LIST_MAX people).

    Every join, leave and edit would otherwise send the whole list to the whole room: with a
    room of 200 that is 40,000 messages for the room joining, enough to starve everything else.
    """
    cfg = current_app.config if current_app else {}
    delay = cfg.get("PRESENCE_COALESCE_SECONDS", 0.5)
    if delay > 0 and len(PRESENCE.get(board_id, ())) > cfg.get("PRESENCE_LIST_MAX", 50):
        delay = max(delay, cfg.get("PRESENCE_CROWD_SECONDS", 2.0))
    limit = cfg.get("PRESENCE_LIST_MAX", 50)
    store = shared.store()  # the background task has no app context
    if delay <= 0:
        _send_presence(board_id, limit, store)
        return
    with _lock:
        if board_id in _presence_due:
            return
        _presence_due.add(board_id)
    socketio.start_background_task(_send_presence_later, board_id, delay, limit, store)


def _send_presence_later(
    board_id: int, delay: float, limit: int, store: shared.Local | None = None
) -> None:
    socketio.sleep(delay)
    with _lock:
        _presence_due.discard(board_id)
    _send_presence(board_id, limit, store)


def presence_payload(
    board_id: int, limit: int, store: shared.Local | None = None
) -> dict[str, Any]:
    """What the room is told about who is here. Past `limit` people (a plenary) it is counts:
    `count` and `roles` (people per role), `crowd: true`, and by name only the staff and whoever
    is editing a note (at most `limit`), so each broadcast stays small however big the room."""
    # Every process's sockets (Redis with REDIS_URL: roadmap/shared.py).
    entries = (store or shared.store()).presence_entries(board_id)
    participants = _presence_of(entries)
    hidden = sorted({e["secret"] for e in entries if e.get("secret") is not None})
    roles: dict[str, int] = {}
    for entry in participants:
        roles[entry["role"]] = roles.get(entry["role"], 0) + 1
    payload: dict[str, Any] = {
        "board_id": board_id,
        "participants": participants,
        "editing_anonymous": hidden,
        "count": len(participants),
        "roles": roles,
    }
    if len(participants) > limit:
        named = [p for p in participants if p["role"] != "participant" or p.get("editing")]
        payload["participants"] = named[:limit]
        payload["crowd"] = True
    return payload


def _send_presence(board_id: int, limit: int = 50, store: shared.Local | None = None) -> None:
    socketio.emit("presence", presence_payload(board_id, limit, store), to=room_of(board_id))


def _set_presence(board_id: int, sid: str, who: Participant, editing: int | None) -> None:
    name = "Anonymous participant" if who.anonymous else who.public_name
    secret = None
    if editing is not None:
        note = db.session.get(Note, editing)
        anonymous = who.anonymous or (note is not None and note.anonymous)
        if note is not None and note.hidden:
            editing = None  # private writing: the room learns nothing of a hidden note
        elif note is not None and note.author_id == who.id and anonymous:
            editing, secret = None, editing  # "someone is editing", never who
    entry = {"id": who.id, "name": name, "role": who.role, "editing": editing, "secret": secret}
    shared.store().set_presence(board_id, sid, entry)
    _broadcast_presence(board_id)


def _drop_presence(board_id: int, sid: str) -> None:
    shared.store().drop_presence(board_id, sid)
    _broadcast_presence(board_id)
