"""Socket.IO peers for the end-to-end tests: python-socketio clients over real websockets.

The `peers` fixture (tests/conftest.py) makes connected `Peer`s.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import psutil
import requests
import socketio

FIELDS = ("id", "lane_id", "position", "text", "version", "votes", "kind")


class Replica:
    """A client's copy of a board: a snapshot, then every op applied in seq order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seq: int | None = None
        self.notes: dict[int, dict[str, Any]] = {}
        self.waiting: dict[int, tuple[str, dict[str, Any]]] = {}
        self.seen: list[int] = []

    def load(self, snapshot: dict[str, Any]) -> None:
        with self.lock:
            self.seq = snapshot["seq"]
            self.notes = {n["id"]: {k: n[k] for k in FIELDS} for n in snapshot["notes"]}
            self._drain()

    def offer(self, seq: int, op_type: str, result: dict[str, Any]) -> None:
        with self.lock:
            self.seen.append(seq)
            self.waiting.setdefault(seq, (op_type, result))
            self._drain()

    def _drain(self) -> None:
        if self.seq is None:
            return
        for seq in [s for s in self.waiting if s <= self.seq]:
            del self.waiting[seq]
        while self.seq + 1 in self.waiting:
            self.seq += 1
            self._apply(*self.waiting.pop(self.seq))

    def _apply(self, op_type: str, result: dict[str, Any]) -> None:
        if "note" in result:
            self.notes[result["note"]["id"]] = {k: result["note"][k] for k in FIELDS}
        elif op_type == "note.move":
            note = self.notes[result["note_id"]]
            note["lane_id"], note["position"] = result["lane_id"], result["position"]
        elif op_type == "note.delete":
            self.notes.pop(result["note_id"], None)
        elif op_type.startswith("vote."):
            self.notes[result["note_id"]]["votes"] = result["votes"]


class Peer:
    """A participant with a python-socketio client over a real websocket."""

    def __init__(self, server, name: str = "Peer", token: str | None = None) -> None:
        self.server = server
        self.token = token or server.join(name)["token"]
        self.sio = socketio.Client(reconnection=False)
        self.replica = Replica()
        self.received: list[dict[str, Any]] = []
        self.presence: list[dict[str, Any]] = []
        self.sio.on("op", self._on_op)
        self.sio.on("ops", self._on_ops)  # a batch: several ops in one frame, in seq order
        self.batches: list[list[int]] = []  # the seqs of each batch received
        self.sio.on("presence", self.presence.append)

    def _on_op(self, message: dict[str, Any]) -> None:
        self.received.append(message)
        self.replica.offer(message["seq"], message["type"], message["result"])

    def _on_ops(self, payload: dict[str, Any]) -> None:
        self.batches.append([m["seq"] for m in payload["ops"]])
        for message in payload["ops"]:
            self._on_op(message)

    def connect(self) -> Peer:
        self.sio.connect(
            self.server.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10
        )
        return self

    def join(self, board: int, since: int | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"board_id": board}
        if since is not None:
            payload["since"] = since
        answer = self.sio.call("board:join", payload, timeout=10)
        assert answer["ok"], answer
        if "snapshot" in answer:
            self.replica.load(answer["snapshot"])
        return answer

    def send(self, board: int, op_type: str, op_id: str | None = None, **data: Any):
        op = {"board_id": board, "op_id": op_id or str(uuid.uuid4()), "type": op_type, "data": data}
        ack = self.sio.call("op", op, timeout=15)
        if ack["ok"]:
            self.replica.offer(ack["seq"], op_type, ack["result"])
        return ack

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


def lanes_of(server, board: int) -> list[int]:
    token = server.demo["organiser_token"]
    res = requests.get(
        f"{server.url}/api/boards/{board}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return [lane["id"] for lane in res.json()["lanes"]]


def server_board(server, board: int) -> dict[str, Any]:
    token = server.demo["organiser_token"]
    res = requests.get(
        f"{server.url}/api/boards/{board}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return res.json()


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def create_note(client: socketio.Client, board: int, lane: int, text: str) -> dict[str, Any]:
    """A note.create op over a python-socketio client; returns its ack."""
    op = {
        "board_id": board,
        "op_id": str(uuid.uuid4()),
        "type": "note.create",
        "data": {"lane_id": lane, "kind": "signpost", "text": text},
    }
    return client.call("op", op, timeout=10)


def render_workers(server) -> list[psutil.Process]:
    """The live server's PDF render worker processes (reports/worker.py)."""
    return [
        p
        for p in psutil.Process(server.proc.pid).children(recursive=True)
        if any(part.endswith("reports/worker.py") for part in p.cmdline())
    ]
