"""Socket.IO: organisers join their event's room to receive report progress."""

from __future__ import annotations

from typing import Any

from flask_socketio import join_room
from pydantic import BaseModel, ConfigDict

from ..extensions import socketio
from ..identity import require_organiser
from ..realtime.handlers import handler, me, parse


class OrganiserJoin(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    event_id: int


def organisers_room(event_id: int) -> str:
    return f"event:{event_id}:organisers"


@socketio.on("organiser:join")
@handler
def on_organiser_join(data: Any) -> dict[str, Any]:
    """Join f"event:{id}:organisers" (organisers of that event only): report:progress arrives."""
    who = me()
    args = parse(OrganiserJoin, data)
    require_organiser(who, args.event_id)
    join_room(organisers_room(args.event_id))
    return {"ok": True}
