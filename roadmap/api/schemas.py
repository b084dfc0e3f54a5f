"""Request and response models of the JSON API (validation and the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..config import NAME_MAX


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorDetail(BaseModel):
    code: str = Field(description="invalid, unauthorized, forbidden, not_found, conflict, ...")
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: str


class JoinIn(Strict):
    code: str = Field(min_length=1, max_length=16, description="The event's join code")
    name: str = Field(min_length=1, max_length=NAME_MAX)
    organisation: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=80)
    anonymous: bool = Field(default=False, description="Post notes without my name")
    language: str | None = Field(default=None, max_length=10)


class GroupRef(BaseModel):
    id: int
    name: str
    board_id: int | None


class EventRef(BaseModel):
    id: int
    name: str
    groups: list[GroupRef]


class ParticipantRef(BaseModel):
    id: int
    name: str


class JoinOut(BaseModel):
    participant: ParticipantRef
    token: str = Field(description="Send as 'Authorization: Bearer <token>'")
    event: EventRef


class LaneOut(BaseModel):
    id: int
    title: str
    position: int


class NoteOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    lane_id: int
    kind: str
    text: str
    position: str
    version: int
    votes: int
    author: ParticipantRef | dict[str, Any] | None


class BoardOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    title: str
    group: dict[str, Any]
    template: str
    phase: str
    locked: bool
    lanes: list[LaneOut]
    notes: list[NoteOut]
    seq: int


def _op_schemas(schema: dict[str, Any]) -> None:
    """The document lists every op type and, for `data`, each type's own payload schema."""
    from ..ops.core import REGISTRY

    props = schema.get("properties", {})
    props.get("type", {})["enum"] = sorted(REGISTRY)
    props["data"] = {
        "description": "The payload of `type` (one of these, by type; docs/protocol.md)",
        "anyOf": [
            {**kind.schema.model_json_schema(), "title": name}
            for name, kind in sorted(REGISTRY.items())
        ],
    }


class OpIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_op_schemas)
    op_id: str = Field(min_length=1, max_length=64, description="Client-made unique id (uuid)")
    type: str = Field(description="note.create, note.update, note.move, note.delete, vote.add, ...")
    data: dict[str, Any] = Field(default_factory=dict)


class OpAck(BaseModel):
    ok: bool
    seq: int
    result: dict[str, Any]


class OpMessage(BaseModel):
    board_id: int
    seq: int
    op_id: str | None
    type: str
    data: dict[str, Any]
    result: dict[str, Any]
    actor: dict[str, Any] | None
    at: str


class OpsAfter(BaseModel):
    after: int = Field(default=0, ge=0)


class NotesAfter(BaseModel):
    after: int = Field(default=0, ge=0, le=2**63 - 1)
    limit: int = Field(default=200, ge=1, le=1000)


class NotesPage(BaseModel):
    seq: int
    notes: list[NoteOut]
    next: int | None = None


class OpsOut(BaseModel):
    seq: int
    ops: list[OpMessage] | None = None
    snapshot: BoardOut | None = None
