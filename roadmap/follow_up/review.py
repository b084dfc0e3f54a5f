"""The quarterly review: what each group committed, what moved since a date, what is overdue,
what is done, with the indicator figures; a one-page summary with a status chart up front."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..errors import AppError
from ..extensions import db
from ..models import COMMITMENT_STATUSES, CommitmentUpdate, Event, utcnow
from ..reports.context import event_item
from ..reports.pdf import N_
from .tracker import Filters, rows_for, status_counts

STATUS_NAMES = {
    "not_started": N_("Not started"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "blocked": N_("Blocked"),
    "dropped": N_("Dropped"),
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
        raise AppError(
            "invalid",
            _l(
                "%(what)s: %(value)s is not a date (YYYY-MM-DD).",
                what="since",
                value=repr(value[:40]),
            ),
        ) from None


def status_name(status: str) -> str:
    """A status in the words of the report's language (the caller's force_locale)."""
    return gettext(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def review_context(event: Event, since: dt.date, lang: str = "en") -> dict[str, Any]:
    """Everything the review PDF says; call it inside flask_babel.force_locale(lang)."""
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
                "from": status_name(u.from_status or ""),
                "to": status_name(u.to_status),
                "note": u.note,
                "value": u.value,
                "by": gettext("owner") if u.via == "owner_link" else u.actor_name,
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
                "name": status_name(s),
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
                {"name": status_name(s), "count": totals[s], "colour": STATUS_COLOURS[s]}
                for s in COMMITMENT_STATUSES
            ],
        },
        "chart": chart,
        "groups": groups,
        "status_names": {s: status_name(s) for s in COMMITMENT_STATUSES},
        "lang": lang,
        "boards": [],  # for the render worker's page estimate
        "actions": rows,
    }
