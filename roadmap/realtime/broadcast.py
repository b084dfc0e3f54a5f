"""Batched op broadcasts: one frame per client per tick, however many ops the room made.

Before, every op was one frame to every client of the room, so at a plenary the cost of an op
grew with the room until the server saturated (figures: docs/protocol.md). Now
`handlers.publish` hands each applied op to `batcher`, which sends a room's ops together:

- A quiet room is not delayed: the first op after `BROADCAST_TICK_SECONDS` (25 ms) of silence
  goes out at once (in its own greenlet, after the sender's ack). Ops arriving within a tick of
  the last send wait for the next tick and go out together. The tick stretches to twice what the
  last send of that room took, so a saturated server spends its time on ops, not on frames.
- Each client gets ONE frame per tick: `op` (one message, exactly as before) or `ops`
  (`{"ops": [message, ...]}`, several, in seq order). Every message is what that client would
  have got as an `op` event: the sender's own op is left out (its ack carries it), an op with a
  restricted audience is whole for its audience, without vote counts or `redacted` for the others
  (live.py's rules). Clients with the same view (nearly everyone) get the same bytes, framed once.
- Moves of the same public note within one tick are coalesced for receivers: the earlier move
  becomes `{"type": "coalesced", "seq", "op_id", ...}` (empty data and result) so seqs stay
  gap-free, and only the last carries the position. The op log is never touched: catch-up
  (`since`) and `GET .../ops` still serve every move.

Who is in the room, on the staff and in an audience is read at send time: a participant removed
or gone meanwhile gets nothing more. `BROADCAST_TICK_SECONDS = 0` sends every op at once, as
before (the in-process tests run so; `batcher.holding()` makes a batch on purpose).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engineio import packet as eio_packet
from socketio.manager import Manager

from ..boards.snapshot import redacted_message, without_counts
from ..extensions import socketio

FULL, STRIPPED, REDACTED, SKIP = "full", "stripped", "redacted", "skip"


@dataclass
class Item:
    """One applied op waiting to be sent: its op-log row, its message, its sender's socket."""

    row: Any
    message: dict[str, Any]
    skip_sid: str | None
    coalesced: bool = False  # a later move of the same note in the same batch supersedes it
    _stripped: dict[str, Any] | None = None
    _redacted: dict[str, Any] | None = None
    _encoded: dict[str, str] = field(default_factory=dict)

    def encoded(self, kind: str) -> str:
        """variant(kind) as Socket.IO's JSON, encoded once per batch."""
        key = "coalesced" if self.coalesced else kind
        text = self._encoded.get(key)
        if text is None:
            dumps = socketio.server.packet_class.json.dumps
            text = self._encoded[key] = dumps(self.variant(kind), separators=(",", ":"))
        return text

    def variant(self, kind: str) -> dict[str, Any]:
        if self.coalesced:
            return coalesced_message(self.message)
        if kind == FULL:
            return self.message
        if kind == STRIPPED:
            if self._stripped is None:
                self._stripped = {
                    **self.message,
                    "result": without_counts(self.message["result"]),
                }
            return self._stripped
        if self._redacted is None:
            self._redacted = redacted_message(self.row)
        return self._redacted


@dataclass
class Room:
    pending: list[Item] = field(default_factory=list)
    scheduled: bool = False
    sending: bool = False
    last_sent: float = 0.0  # monotonic time the last batch went out
    cost: float = 0.0  # seconds the last send took


def coalesced_message(message: dict[str, Any]) -> dict[str, Any]:
    """A move superseded by a later move of the same note in the same batch: its seq only."""
    return {
        "board_id": message["board_id"],
        "seq": message["seq"],
        "op_id": message.get("op_id"),
        "type": "coalesced",
        "data": {},
        "result": {},
        "actor": None,
        "at": message.get("at"),
    }


def coalesce(items: list[Item]) -> None:
    """Mark every public note.move superseded by a later public move of the same note."""
    last: dict[int, int] = {}
    for i, item in enumerate(items):
        if item.row.audience is None and item.message.get("type") == "note.move":
            note_id = (item.message.get("result") or {}).get("note_id")
            if isinstance(note_id, int):
                if note_id in last:
                    items[last[note_id]].coalesced = True
                last[note_id] = i


def room_of(board_id: int) -> str:
    return f"board:{board_id}"


def _sids(rooms: list[str]) -> set[str]:
    return {sid for sid, _eio in socketio.server.manager.get_participants("/", rooms)}


def kind_for(item: Item, sid: str | None, staff: set[str], inside: set[str]) -> str:
    """What one client gets of one op (`sid` None: someone in no special set)."""
    if sid is not None and sid == item.skip_sid:
        return SKIP
    audience = item.row.audience
    if audience is None:
        return FULL
    hide = bool(audience.get("hide_counts"))
    everyone = "participants" not in audience
    if sid in staff:
        return FULL
    if everyone:
        return STRIPPED if hide else FULL
    if sid in inside:
        return STRIPPED if hide else FULL
    return REDACTED


def send(board_id: int, items: list[Item]) -> None:
    """Send `items` (one board's ops) to its room: one frame per client (see the docstring)."""
    if not items:
        return
    items.sort(key=lambda it: it.row.seq)
    if type(socketio.server.manager) is not Manager:
        send_queued(board_id, items)  # several processes: through the message queue
        return
    if len(items) > 1:
        coalesce(items)
    room = room_of(board_id)
    senders = {it.skip_sid for it in items if it.skip_sid is not None}
    staff: set[str] = set()
    insiders: dict[int, set[str]] = {}  # item index -> the sids of its audience's participants
    restricted = [i for i, it in enumerate(items) if it.row.audience is not None]
    if restricted:
        staff = _sids([f"{room}:staff"])
        for i in restricted:
            pids = items[i].row.audience.get("participants")
            if pids:
                insiders[i] = _sids([f"{room}:p:{pid}" for pid in pids])
    special = senders | staff
    for sids in insiders.values():
        special |= sids
    members = _sids([room]) if special else set()
    special &= members  # a sender that left the room meanwhile gets nothing
    empty: set[str] = set()

    def view(sid: str | None) -> tuple[str, ...]:
        return tuple(kind_for(it, sid, staff, insiders.get(i, empty)) for i, it in enumerate(items))

    groups: dict[tuple[str, ...], list[str]] = {}
    for sid in special:
        groups.setdefault(view(sid), []).append(sid)
    _emit(items, view(None), room, skip=list(special))
    for kinds, alike in groups.items():
        _emit(items, kinds, alike, skip=None)


def _emit(items: list[Item], kinds: tuple[str, ...], to: Any, skip: list[str] | None) -> None:
    """Send one view: `to` a room (name) or a list of sids, skipping `skip`."""
    chosen = [(it, k) for it, k in zip(items, kinds, strict=True) if k != SKIP]
    if not chosen:
        return
    manager = socketio.server.manager
    # One process: each message is encoded once per batch and the frame once per view (what
    # python-socketio's emit would do per emit, scanning the whole batch for binary data too).
    parts = [it.encoded(k) for it, k in chosen]
    if len(parts) == 1:
        text = '2["op",' + parts[0] + "]"
    else:
        text = '2["ops",{"ops":[' + ",".join(parts) + "]}]"
    pkt = eio_packet.Packet(eio_packet.MESSAGE, text)
    namespace = manager.rooms.get("/", {})
    server = socketio.server
    if isinstance(to, str):
        members = namespace.get(to)
        if members is None:
            return
        skipped = set(skip or ())
        for sid, eio_sid in list(members._fwdm.items()):
            if sid not in skipped:
                server._send_eio_packet(eio_sid, pkt)
        return
    for sid in to:
        eio_sid = manager.eio_sid_from_sid(sid, "/")
        if eio_sid is not None:
            server._send_eio_packet(eio_sid, pkt)


def send_queued(board_id: int, items: list[Item]) -> None:
    """A tick's ops through the message queue (Redis), in seq order.

    Public ops go as runs: one `op`/`ops` frame for the whole room (every process's clients),
    skipping the run's senders, then to each sender the run without their own ops (their acks
    carry them), so nobody gets an op twice. Moves of one note within a run are coalesced as in
    one process. An op with a restricted audience goes on its own (send_through_queue), between
    the runs, so every client still sees seqs in order. Before, every op was its own message
    through Redis and its own frame per client: at 1,000 clients the queue fell behind by
    seconds while the ops themselves were applied in time (docs/deploy.md, figures).
    """
    run: list[Item] = []
    for item in items:
        if item.row.audience is None:
            run.append(item)
            continue
        _send_run(board_id, run)
        run = []
        send_through_queue(board_id, item)
    _send_run(board_id, run)


def _send_run(board_id: int, run: list[Item]) -> None:
    if not run:
        return
    if len(run) > 1:
        coalesce(run)
    room = room_of(board_id)
    senders = sorted({it.skip_sid for it in run if it.skip_sid is not None})
    _emit_queued(run, room, skip=senders)
    for sender in senders:
        _emit_queued([it for it in run if it.skip_sid != sender], sender, skip=[])


def _emit_queued(run: list[Item], to: str, skip: list[str]) -> None:
    if not run:
        return
    messages = [it.variant(FULL) for it in run]
    if len(messages) == 1:
        socketio.emit("op", messages[0], to=to, skip_sid=skip or None)
    else:
        socketio.emit("ops", {"ops": messages}, to=to, skip_sid=skip or None)


def send_through_queue(board_id: int, item: Item) -> None:
    """One op through the message queue (Redis) to every process's clients.

    A process knows the sids of its own sockets only, so the audience cannot be told apart
    from the rest by sid. Its rooms can: the full op goes first to the staff's and the
    audience's rooms on every process, then the stripped or `redacted` copy to the room, skipping
    this process's insiders. An insider on another process gets both and keeps the first: the
    second has the same seq, and clients skip a seq they have (docs/protocol.md).
    """
    room = room_of(board_id)
    row, message, sender = item.row, item.message, item.skip_sid
    if row.audience is None:
        socketio.emit("op", message, to=room, skip_sid=sender)
        return
    staff_room = f"{room}:staff"
    hide = bool(row.audience.get("hide_counts"))
    everyone = "participants" not in row.audience
    insiders = [] if everyone else [f"{room}:p:{pid}" for pid in row.audience["participants"]]
    if not hide:
        socketio.emit("op", message, to=[staff_room, *insiders], skip_sid=sender)
    else:
        socketio.emit("op", message, to=staff_room, skip_sid=sender)
        staff = _sids([staff_room])
        stripped = item.variant(STRIPPED)
        to = room if everyone else insiders
        if to:
            socketio.emit("op", stripped, to=to, skip_sid=[*staff, *([sender] if sender else [])])
    if everyone:
        return
    seen = _sids([staff_room, *insiders])
    skip = [*seen, *([sender] if sender else [])]
    socketio.emit("op", item.variant(REDACTED), to=room, skip_sid=skip)


class Batcher:
    """Collects each room's applied ops and sends them once per tick (see the docstring)."""

    def __init__(self) -> None:
        self._rooms: dict[int, Room] = {}
        self._lock = threading.Lock()
        self._held = 0
        self.tick = 0.0  # the last tick asked for (the next batch after a send waits this long)

    def publish(self, board_id: int, item: Item, tick: float) -> None:
        self.tick = tick
        if tick <= 0 and not self._held:
            send(board_id, [item])
            return
        with self._lock:
            room = self._rooms.setdefault(board_id, Room())
            room.pending.append(item)
            if room.scheduled or room.sending or self._held:
                return
            wait = self._schedule(room)
        socketio.start_background_task(self._send_later, board_id, wait)

    def _schedule(self, room: Room) -> float:
        """Mark the room scheduled (under the lock); how long its next send should wait."""
        room.scheduled = True
        return max(0.0, room.last_sent + max(self.tick, 2 * room.cost) - time.monotonic())

    def _send_later(self, board_id: int, wait: float) -> None:
        socketio.sleep(wait)  # 0: still after the sender's ack (this greenlet runs next)
        self.flush(board_id)

    def flush(self, board_id: int) -> None:
        """Send the board's waiting ops now (before a board-wide event that must follow them)."""
        with self._lock:
            room = self._rooms.get(board_id)
            if room is None or room.sending:
                return  # the send under way reschedules what arrived meanwhile
            room.scheduled = False
            items, room.pending = room.pending, []
            if not items:
                return
            room.sending = True
        started = time.monotonic()
        try:
            send(board_id, items)
        finally:
            done = time.monotonic()
            again = None
            with self._lock:
                room.sending = False
                room.last_sent, room.cost = done, done - started
                if room.pending and not room.scheduled and not self._held:
                    again = self._schedule(room)
            if again is not None:
                socketio.start_background_task(self._send_later, board_id, again)

    def flush_all(self) -> None:
        for board_id in list(self._rooms):
            self.flush(board_id)

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Keep every op published inside as one batch per room, sent on the way out (tests)."""
        with self._lock:
            self._held += 1
        try:
            yield
        finally:
            with self._lock:
                self._held -= 1
            if not self._held:
                self.flush_all()


batcher = Batcher()
