"""Helpers for the security tests: raw socket frames, backups to import, organiser accounts."""

from __future__ import annotations

from typing import Any

from roadmap.extensions import socketio
from support.api import PASSWORD, account_bearer, auth


def first_board(demo) -> int:
    return demo["groups"][1]["board_id"]


def socket_acks(sc, frame: str) -> list[Any]:
    """Feed one raw Socket.IO frame to the server; the acks it sent back for ack id 1."""
    sent: list[Any] = []
    original = socketio.server._send_packet
    socketio.server._send_packet = lambda sid, pkt: sent.append(pkt) or original(sid, pkt)
    try:
        socketio.server._handle_eio_message(sc.eio_sid, frame)
    finally:
        socketio.server._send_packet = original
    return [p.data[0] for p in sent if p.id == 1]


def make_account(runner, email: str = "owner@example.org") -> dict[str, str]:
    """An organiser account made the way the first one is (the CLI)."""
    result = runner.invoke(
        args=["create-organiser", "--email", email, "--name", email.split("@")[0]],
        env={"ORGANISER_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    return {"email": email, "password": PASSWORD}


def import_bearer(app, demo) -> str:
    """The bearer token of an organiser account's identity (imports need one)."""
    return account_bearer(app, demo["event_id"])


def backup_with_history(client, demo) -> dict[str, Any]:
    """The demo's backup with one commitment history row (the demo has none)."""
    org = auth(demo["organiser_token"])
    backup = client.get(f"/api/events/{demo['event_id']}/export.json", headers=org).get_json()
    note = next(n for n in backup["notes"] if n["kind"] == "commitment")
    backup["commitment_updates"] = [
        {
            "note_id": note["id"],
            "actor_id": None,
            "via": "staff",
            "actor_name": "Fac",
            "at": "2025-03-01T10:00:00+00:00",
            "from_status": "not_started",
            "to_status": "in_progress",
            "note": "",
            "value": None,
        }
    ]
    return backup
