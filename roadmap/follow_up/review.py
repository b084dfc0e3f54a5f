"""The quarterly review: what each group committed, what moved since a date, what is overdue,
what is done, with the indicator figures; a one-page summary with a status chart up front."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ..errors import AppError
from ..extensions import db
from ..models import COMMITMENT_STATUSES, CommitmentUpdate, Event, utcnow
from ..reports.context import event_item
from .tracker import Filters, rows_for, status_counts

STATUS_NAMES = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "done": "Done",
    "blocked": "Blocked",
    "dropped": "Dropped",
}
STATUS_COLOURS = {
    "not_started": "#9ca3af",
    "in_progress": "#2563eb",
    "done": "#15803d",
    "blocked": "#b91c1c",
    "dropped": "#6b21a8",
}
DEFAULT_DAYS = 91  # a quarter


def parse_since(value: str | None) -> dt.date:
    if not value:
        return utcnow().date() - dt.timedelta(days=DEFAULT_DAYS)
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise AppError("invalid", f"since: {value!r} is not a date (YYYY-MM-DD).") from None


def review_context(event: Event, since: dt.date) -> dict[str, Any]:
    rows = rows_for(event, Filters(sort="due_date"))
    ids = [r["id"] for r in rows]
    start = dt.datetime.combine(since, dt.time())
    moved = db.session.scalars(
        sa.select(CommitmentUpdate)
        .where(CommitmentUpdate.note_id.in_(ids), CommitmentUpdate.at >= start)
        .where(CommitmentUpdate.from_status.is_not(None))  # not the act of committing
        .order_by(CommitmentUpdate.at, CommitmentUpdate.id)
    ).all()
    by_id = {r["id"]: r for r in rows}
    updates: dict[int, list[dict[str, Any]]] = {}
    for u in moved:
        row = by_id[u.note_id]
        updates.setdefault(row["group"]["id"], []).append(
            {
                "at": u.at,
                "text": row["text"],
                "owner": row["owner"],
                "from": STATUS_NAMES.get(u.from_status or "", u.from_status or ""),
                "to": STATUS_NAMES.get(u.to_status, u.to_status),
                "note": u.note,
                "value": u.value,
                "by": "owner" if u.via == "owner_link" else u.actor_name,
            }
        )
    groups = []
    for g in event.groups:
        mine = [r for r in rows if r["group"]["id"] == g.id]
        groups.append(
            {
                "id": g.id,
                "name": g.name,
                "committed": mine,
                "moved": updates.get(g.id, []),
                "overdue": [r for r in mine if r["overdue"]],
                "done": [r for r in mine if r["status"] == "done"],
            }
        )
    totals = {s: sum(1 for r in rows if r["status"] == s) for s in COMMITMENT_STATUSES}
    chart = []
    for entry in status_counts(rows):
        segments = [
            {
                "status": s,
                "name": STATUS_NAMES[s],
                "count": entry["counts"][s],
                "percent": round(100 * entry["counts"][s] / entry["total"], 2),
                "colour": STATUS_COLOURS[s],
            }
            for s in COMMITMENT_STATUSES
            if entry["counts"][s]
        ]
        chart.append(
            {"group": entry["group"]["name"], "total": entry["total"], "segments": segments}
        )
    return {
        "event": event_item(event),
        "since": since,
        "generated_at": utcnow(),
        "summary": {
            "total": len(rows),
            "moved": len({u.note_id for u in moved}),
            "updates": len(moved),
            "overdue": sum(1 for r in rows if r["overdue"]),
            "done": totals["done"],
            "by_status": [
                {"name": STATUS_NAMES[s], "count": totals[s], "colour": STATUS_COLOURS[s]}
                for s in COMMITMENT_STATUSES
            ],
        },
        "chart": chart,
        "groups": groups,
        "status_names": STATUS_NAMES,
        "boards": [],  # for the render worker's page estimate
        "actions": rows,
    }
