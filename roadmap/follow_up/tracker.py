"""The action tracker page's rows: every commitment of an event, filtered and sorted.

One query feeds the page, `GET /api/events/<id>/commitments` and the CSV/XLSX/ICS exports,
so an export holds exactly the rows on screen. The owner's contact address is never a column.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..boards import translations
from ..boards.snapshot import iso
from ..extensions import db
from ..models import (
    COMMITMENT_STATUSES,
    Board,
    CommitmentUpdate,
    Event,
    Note,
    Participant,
    utcnow,
)

SORTS = ("due_date", "group", "organisation", "country", "owner", "status", "last_update")


class Filters(BaseModel):
    """Query-string filters (all optional; strings, as they come from a URL)."""

    model_config = ConfigDict(extra="ignore")
    status: str = Field(default="", max_length=200, description="one status or a comma list")
    group_id: str = Field(default="", max_length=20)
    organisation: str = Field(default="", max_length=200, description="part of the name")
    country: str = Field(default="", max_length=80)
    owner: str = Field(default="", max_length=200, description="part of the name")
    overdue: str = Field(default="", max_length=5, description="true or false")
    sort: str = Field(default="due_date", max_length=20)
    order: str = Field(default="asc", max_length=4)

    @field_validator("status")
    @classmethod
    def known_statuses(cls, value: str) -> str:
        wanted = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in COMMITMENT_STATUSES]
        if unknown:
            raise ValueError(_("one or more of %(values)s", values=", ".join(COMMITMENT_STATUSES)))
        return ",".join(wanted)

    @field_validator("group_id")
    @classmethod
    def numeric(cls, value: str) -> str:
        if value and not value.isdigit():
            raise ValueError(_("a group id"))
        return value

    @field_validator("overdue")
    @classmethod
    def yes_no(cls, value: str) -> str:
        if value not in ("", "true", "false", "1", "0"):
            raise ValueError(_("true or false"))
        return {"1": "true", "0": "false"}.get(value, value)

    @field_validator("sort")
    @classmethod
    def sortable(cls, value: str) -> str:
        if value not in SORTS:
            raise ValueError(_("one of %(values)s", values=", ".join(SORTS)))
        return value

    @field_validator("order")
    @classmethod
    def direction(cls, value: str) -> str:
        if value not in ("asc", "desc"):
            raise ValueError(_("asc or desc"))
        return value

    def query_string(self, **change: str) -> str:
        from urllib.parse import urlencode

        values = {**self.model_dump(), **change}
        return urlencode({k: v for k, v in values.items() if v})


def _overdue(note: Note, today: dt.date) -> bool:
    status = note.status or "not_started"
    return note.due_date is not None and note.due_date < today and status not in ("done", "dropped")


def all_rows(event: Event) -> list[dict[str, Any]]:
    groups = {g.id: g for g in event.groups}
    boards = {
        b.id: b
        for b in db.session.scalars(sa.select(Board).where(Board.group_id.in_(list(groups))))
    }
    notes = db.session.scalars(
        sa.select(Note).where(
            Note.board_id.in_(list(boards)),
            Note.deleted_at.is_(None),
            Note.hidden.is_(False),
            Note.kind == "commitment",
        )
    ).all()
    sources = {
        n.id: n
        for n in db.session.scalars(
            sa.select(Note).where(
                Note.id.in_([n.source_note_id for n in notes if n.source_note_id])
            )
        )
    }
    people = {
        p.id: p
        for p in db.session.scalars(sa.select(Participant).where(Participant.event_id == event.id))
    }
    counts = dict(
        db.session.execute(
            sa.select(CommitmentUpdate.note_id, sa.func.count())
            .where(CommitmentUpdate.note_id.in_([n.id for n in notes]))
            .group_by(CommitmentUpdate.note_id)
        ).all()
    )
    today = utcnow().date()
    shown = translations.for_notes([n.id for n in notes])
    rows = []
    for note in notes:
        group = groups[boards[note.board_id].group_id]
        source = sources.get(note.source_note_id or 0)
        rows.append(
            {
                "id": note.id,
                "board_id": note.board_id,
                "group": {"id": group.id, "name": group.name, "position": group.position},
                "text": note.text,
                "translations": translations.report_list(shown.get(note.id)),
                "from": source.text if source is not None else "",
                "owner": note.owner_name,
                "organisation": note.owner_org,
                "country": country_of(note, source, people),
                "due_date": iso(note.due_date),
                "indicator": note.indicator,
                "partners": note.partners,
                "status": note.status or "not_started",
                "status_note": note.status_note,
                "value": note.status_value,
                "last_update": iso(note.status_updated_at or note.updated_at),
                "overdue": _overdue(note, today),
                "updates": counts.get(note.id, 0),
            }
        )
    return rows


def country_of(note: Note, source: Note | None, people: dict[int, Participant]) -> str:
    """Where the commitment comes from: the country of whoever wrote its origin, else its own."""
    for candidate in (source, note):
        if candidate is None or candidate.author_id is None:
            continue
        who = people.get(candidate.author_id)
        if who is not None and who.role == "participant" and who.country:
            return who.country
    return ""


def rows_for(event: Event, filters: Filters) -> list[dict[str, Any]]:
    rows = all_rows(event)
    statuses = set(filters.status.split(",")) if filters.status else None
    org = filters.organisation.strip().casefold()
    owner = filters.owner.strip().casefold()
    country = filters.country.strip().casefold()

    def keep(row: dict[str, Any]) -> bool:
        if statuses and row["status"] not in statuses:
            return False
        if filters.group_id and row["group"]["id"] != int(filters.group_id):
            return False
        if org and org not in row["organisation"].casefold():
            return False
        if owner and owner not in row["owner"].casefold():
            return False
        if country and country != row["country"].casefold():
            return False
        return not filters.overdue or row["overdue"] == (filters.overdue == "true")

    kept = [r for r in rows if keep(r)]
    key = {
        "due_date": lambda r: (r["due_date"] is None, r["due_date"] or "", r["id"]),
        "group": lambda r: (r["group"]["position"], r["group"]["name"], r["id"]),
        "organisation": lambda r: (r["organisation"].casefold(), r["id"]),
        "country": lambda r: (r["country"].casefold(), r["id"]),
        "owner": lambda r: (r["owner"].casefold(), r["id"]),
        "status": lambda r: (COMMITMENT_STATUSES.index(r["status"]), r["id"]),
        "last_update": lambda r: (r["last_update"] or "", r["id"]),
    }[filters.sort]
    return sorted(kept, key=key, reverse=filters.order == "desc")


def status_counts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per group: how many commitments in each status (for the chart)."""
    by_group: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = by_group.setdefault(
            row["group"]["id"], {"group": row["group"], "counts": Counter(), "total": 0}
        )
        entry["counts"][row["status"]] += 1
        entry["total"] += 1
    ordered = sorted(by_group.values(), key=lambda e: (e["group"]["position"], e["group"]["id"]))
    return [
        {
            "group": {"id": e["group"]["id"], "name": e["group"]["name"]},
            "counts": {s: e["counts"].get(s, 0) for s in COMMITMENT_STATUSES},
            "total": e["total"],
        }
        for e in ordered
    ]


def export_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows in the shape reports/tracker.py writes (CSV, XLSX, ICS)."""
    out = []
    for r in rows:
        due = dt.date.fromisoformat(r["due_date"]) if r["due_date"] else None
        last = dt.datetime.fromisoformat(r["last_update"].rstrip("Z")) if r["last_update"] else None
        out.append(
            {
                "id": r["id"],
                "group": r["group"]["name"],
                "text": r["text"],
                "translations": r.get("translations", []),
                "signpost": r["from"],
                "owner": r["owner"],
                "organisation": r["organisation"],
                "country": r["country"],
                "due_date": due,
                "indicator": r["indicator"],
                "partners": r["partners"],
                "status": r["status"].replace("_", " "),
                "status_note": r["status_note"],
                "value": r["value"],
                "overdue": r["overdue"],
                "last_update": last,
            }
        )
    return out
