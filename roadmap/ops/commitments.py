"""Commitments: a signpost turned into who will do what, by when, measured how (seed 004)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pydantic import WithJsonSchema

from ..boards.positions import key_for
from ..boards.snapshot import note_dict, note_votes
from ..boards.translations import mark_outdated
from ..errors import AppError
from ..extensions import db
from ..models import COMMITMENT_STATUSES, STATUS_ALIASES, Lane, Note
from ..security.payloads import check_year
from .core import Context, OpData, Outcome, check_text, op
from .history import check_status, check_value, owner_link_opens, record
from .notes import note_of
from .undo import note_before

COMMITMENT_FIELDS = ("owner_name", "owner_org", "due_date", "indicator", "partners", "status")


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: str | None) -> dt.date | None:
    """A due date as YYYY-MM-DD exactly (what the API documents); empty or None: no date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        # Exactly: not a date-time's prefix, nor Python's other ISO forms (20260630).
        day = dt.date.fromisoformat(text) if ISO_DATE.fullmatch(text) else None
    except ValueError:  # 2026-02-30, year 0
        day = None
    if day is None:
        raise AppError(
            "invalid",
            _l(
                "%(what)s: %(value)s is not a date (YYYY-MM-DD).",
                what="due_date",
                value=repr(value[:40]),
            ),
        )
    try:
        return check_year(day, "due_date")
    except ValueError as err:  # its message is translated (security/payloads.py)
        raise AppError("invalid", str(err)) from None


def short(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise AppError(
            "too_large",
            _l(
                "%(field)s is %(length)s characters; at most %(limit)s.",
                field=what,
                length=len(value),
                limit=limit,
            ),
        )
    return value


# What the OpenAPI document says of these fields (the op checks them the same way): a status
# of COMMITMENT_STATUSES (or the older spelling "planned"), a due date as YYYY-MM-DD (years
# YEAR_MIN..YEAR_MAX; null clears it, as "" from older clients does).
Status = Literal[(*COMMITMENT_STATUSES, *STATUS_ALIASES)]  # type: ignore[valid-type]
DueDate = Annotated[
    str, WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"})
]


class CommitmentSet(OpData):
    note_id: int
    owner_name: str
    owner_org: str = ""
    due_date: DueDate | None = None
    indicator: str = ""
    partners: str = ""
    status: Status = "not_started"
    text: str | None = None


def commitment_lane(ctx: Context, source: Note) -> Lane:
    """The board's first lane of commitments, else the source note's lane."""
    lane = db.session.scalar(
        sa.select(Lane)
        .where(Lane.board_id == ctx.board.id, Lane.default_kind == "commitment")
        .order_by(Lane.position)
        .limit(1)
    )
    return lane or source.lane


def fill(note: Note, data: CommitmentSet, ctx: Context) -> list[str]:
    """Set the commitment's fields; returns the languages whose translations became outdated."""
    outdated: list[str] = []
    owner = short(data.owner_name, "owner", 200)
    if not owner:
        raise AppError("invalid", _l("A commitment needs an owner: who will do it?"))
    note.owner_name = owner
    note.owner_org = short(data.owner_org, "organisation", 200)
    note.due_date = parse_date(data.due_date)
    note.indicator = short(data.indicator, "indicator", 2000)
    note.partners = short(data.partners, "partners", 2000)
    status = check_status(data.status)
    if note.status != status:
        record(ctx, note, note.status, status)
        note.status_updated_at = ctx.now
    note.status = status
    if data.text is not None:
        text = check_text(data.text)
        if note.id is not None and text != note.text:
            outdated = mark_outdated(note.id)
        note.text = text
    note.version += 1
    note.updated_at = ctx.now
    return outdated


@op("commitment.set", CommitmentSet, staff_only=True, when_locked=True, undoable=True)
def set_commitment(ctx: Context, data: CommitmentSet) -> Outcome:
    """Turn a note into a new commitment linked to it, or update a commitment's details."""
    note = note_of(ctx, data.note_id)
    if note.hidden:
        raise AppError("invalid", _l("Reveal this note before turning it into a commitment."))
    if note.kind == "cluster":
        raise AppError("invalid", _l("Turn one of the cluster's notes into a commitment instead."))
    if note.kind != "commitment" and note.turned_into_id is not None:
        made = db.session.get(Note, note.turned_into_id)
        if made is not None and made.deleted_at is None:
            raise AppError(
                "conflict",
                _l("This note is already a commitment: edit that one."),
                note_id=made.id,
            )
    inverse: dict[str, Any]
    if note.kind == "commitment":
        inverse = {
            "notes": {
                str(note.id): note_before(note, "text", "status_updated_at", *COMMITMENT_FIELDS)
            }
        }
        outdated = fill(note, data, ctx)
        result: dict[str, Any] = {"note": note_dict(note, note_votes(note.id))}
        if outdated:
            result["translations_outdated"] = outdated
        return Outcome(result, undo=inverse)
    lane = commitment_lane(ctx, note)
    commitment = Note(
        board_id=ctx.board.id,
        lane_id=lane.id,
        kind="commitment",
        text=note.text,
        position=key_for(lane.id),
        author_id=ctx.actor.id,
        source_note_id=note.id,
        created_at=ctx.now,
        updated_at=ctx.now,
        version=0,
    )
    db.session.add(commitment)
    db.session.flush()  # its id, for the history row
    fill(commitment, data, ctx)
    inverse = {
        "delete_notes": [commitment.id],
        "notes": {str(note.id): note_before(note, "turned_into_id")},
    }
    note.turned_into_id = commitment.id  # converted, not copied: reports list it once
    note.version += 1
    note.updated_at = ctx.now
    db.session.flush()
    result = {
        "note": note_dict(commitment),
        "notes": [note_dict(note, note_votes(note.id))],
        "source_note_id": note.id,
    }
    return Outcome(result, undo=inverse)


class CommitmentStatus(OpData):
    note_id: int
    status: Status
    status_note: str = ""
    value: float | None = None  # a figure against the indicator


@op("commitment.status", CommitmentStatus, when_locked=True, undoable=True, owner_may=True)
def set_status(ctx: Context, data: CommitmentStatus) -> Outcome:
    """Report progress on a commitment: staff, its author, or its owner's follow-up link."""
    note = note_of(ctx, data.note_id)
    if note.kind != "commitment":
        raise AppError("invalid", _l("Note %(id)s is not a commitment.", id=note.id))
    allowed = ctx.staff or owner_link_opens(ctx, note)
    if not allowed and (ctx.actor_row.role == "owner" or note.author_id != ctx.actor_row.id):
        raise AppError(
            "forbidden", _l("Only the facilitator or the commitment's owner can do that.")
        )
    inverse = {
        "notes": {
            str(note.id): note_before(
                note, "status", "status_note", "status_updated_at", "status_value"
            )
        }
    }
    status = check_status(data.status)
    text = short(data.status_note, "status note", 2000)
    value = check_value(data.value)
    record(ctx, note, note.status, status, text, value)
    note.status = status
    note.status_note = text
    if value is not None:
        note.status_value = value
    note.status_updated_at = ctx.now
    note.version += 1
    note.updated_at = ctx.now
    return Outcome({"note": note_dict(note, note_votes(note.id))}, undo=inverse)
