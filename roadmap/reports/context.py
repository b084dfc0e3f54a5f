"""The data of a board or event report, gathered from the models into plain, picklable dicts.

Reports leave out what the board hides: soft-deleted notes and notes still hidden by private
writing. They name no participant (Do No Harm) unless the organiser asks for an internal copy
with `include_authors`; even then anonymous authors are never named (roadmap/do_no_harm/privacy.py).
Commitment owners and organisations are always shown: a commitment is public by nature.
The same dicts feed the PDF templates (rendered in the worker process) and the tracker exports.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..boards import translations
from ..boards.inclusion import coverage
from ..do_no_harm import privacy
from ..extensions import db
from ..i18n import normalise
from ..models import Board, Event, Group, Lane, Note, Participant, Takeaway, Vote, utcnow

TOP_SIGNPOSTS = 10


def inclusion(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each most-affected group (seed 002): the notes that consider it, by keyword or tag.

    The same rule as the board's inclusion panel (roadmap.inclusion); indicative only.
    """
    texts = {n["id"]: n["text"] for n in notes}
    return [
        {
            "key": row["key"],
            "label": row["label"],
            "count": row["count"],
            "examples": [texts[i] for i in row["note_ids"]],
        }
        for row in coverage(notes)
    ]


def display_name(who: Participant | None, anonymous: bool, include_authors: bool) -> str:
    return privacy.display_name(who, anonymous=anonymous, include_authors=include_authors)


@dataclass
class Loaded:
    """Every row a report needs, loaded in a handful of queries (no lazy loads per note)."""

    boards: list[Board]
    groups: dict[int, Group]
    lanes: dict[int, list[Lane]]
    notes: dict[int, list[Note]]  # board id -> visible notes
    votes: dict[int, int]  # note id -> votes
    people: dict[int, Participant]
    takeaways: dict[int, list[Takeaway]]
    include_authors: bool = False
    # note id -> [{lang, name, text, outdated}]: the room's translations (issue 15)
    translated: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def load(event: Event, board_ids: list[int] | None = None, include_authors: bool = False) -> Loaded:
    groups = {g.id: g for g in event.groups}
    query = sa.select(Board).where(Board.group_id.in_(list(groups)))
    if board_ids is not None:
        query = query.where(Board.id.in_(board_ids))
    boards = sorted(
        db.session.scalars(query).all(), key=lambda b: (groups[b.group_id].position, b.id)
    )
    ids = [b.id for b in boards]
    lanes: dict[int, list[Lane]] = {i: [] for i in ids}
    for lane in db.session.scalars(sa.select(Lane).where(Lane.board_id.in_(ids))):
        lanes[lane.board_id].append(lane)
    notes: dict[int, list[Note]] = {i: [] for i in ids}
    for note in db.session.scalars(
        sa.select(Note).where(
            Note.board_id.in_(ids), Note.deleted_at.is_(None), Note.hidden.is_(False)
        )
    ):
        notes[note.board_id].append(note)
    votes = dict(
        db.session.execute(
            sa.select(Vote.note_id, sa.func.count())
            .where(Vote.board_id.in_(ids))
            .group_by(Vote.note_id)
        ).all()
    )
    people = {
        p.id: p
        for p in db.session.scalars(sa.select(Participant).where(Participant.event_id == event.id))
    }
    takeaways: dict[int, list[Takeaway]] = {i: [] for i in ids}
    for t in db.session.scalars(
        sa.select(Takeaway).where(Takeaway.board_id.in_(ids)).order_by(Takeaway.id)
    ):
        takeaways[t.board_id].append(t)
    shown = translations.for_notes([n.id for board_notes in notes.values() for n in board_notes])
    translated = {i: translations.report_list(t) for i, t in shown.items()}
    return Loaded(
        boards, groups, lanes, notes, votes, people, takeaways, include_authors, translated
    )


def note_item(note: Note, data: Loaded, lane_title: str) -> dict[str, Any]:
    return {
        "id": note.id,
        "kind": note.kind,
        "text": note.text,
        "lane": lane_title,
        "votes": data.votes.get(note.id, 0),
        "author": display_name(
            data.people.get(note.author_id or 0), note.anonymous, data.include_authors
        ),
        "tags": list(note.tags or []),
        "cluster_id": note.cluster_id,
        "cluster": "",
        "members": 0,
        "translations": data.translated.get(note.id, []),
    }


def commitment_item(
    note: Note, by_id: dict[int, Note], group: Group, translated: dict[int, list[dict[str, Any]]]
) -> dict[str, Any]:
    source = by_id.get(note.source_note_id or 0)
    return {
        "id": note.id,
        "group": group.name,
        "text": note.text,
        "translations": translated.get(note.id, []),
        "signpost": source.text if source is not None else "",
        "owner": note.owner_name,
        "organisation": note.owner_org,
        "due_date": note.due_date,
        "indicator": note.indicator,
        "partners": note.partners,
        "status": (note.status or "not_started").replace("_", " "),
        "status_note": note.status_note,
        "last_update": note.status_updated_at or note.updated_at,
    }


def board_item(board: Board, data: Loaded) -> dict[str, Any]:
    """One group's chapter: its lanes and notes, top signposts, commitments, clusters, takeaways."""
    group = data.groups[board.group_id]
    notes = data.notes[board.id]
    by_id = {n.id: n for n in notes}
    lane_titles = {lane.id: lane.title for lane in data.lanes[board.id]}
    # A note turned into a commitment is listed once: as the commitment ("from: …").
    converted = {n.id for n in notes if n.turned_into_id in by_id}
    items = {
        n.id: note_item(n, data, lane_titles.get(n.lane_id, ""))
        for n in sorted(notes, key=lambda n: (n.position, n.id))
        if n.id not in converted
    }
    members = Counter(n.cluster_id for n in notes if n.cluster_id in by_id)
    for item in items.values():
        cluster = by_id.get(item["cluster_id"] or 0)
        item["cluster"] = cluster.text if cluster is not None else ""
        item["members"] = members.get(item["id"], 0)
    lanes = [
        {
            "id": lane.id,
            "title": lane.title,
            "notes": [i for i in items.values() if by_id[i["id"]].lane_id == lane.id],
        }
        for lane in sorted(data.lanes[board.id], key=lambda lane: (lane.position, lane.id))
    ]
    signposts = [i for i in items.values() if i["kind"] == "signpost" and i["votes"] > 0]
    commitments = [
        commitment_item(n, by_id, group, data.translated)
        for n in sorted(notes, key=lambda n: (n.due_date or dt.date.max, n.id))
        if n.kind == "commitment"
    ]
    clusters = [
        {
            "text": i["text"],
            "votes": i["votes"],
            "members": [m["text"] for m in items.values() if m["cluster_id"] == i["id"]],
        }
        for i in items.values()
        if i["kind"] == "cluster"
    ]
    takeaways = [
        {
            "text": t.text,
            "who": display_name(
                data.people.get(t.participant_id or 0), t.anonymous, data.include_authors
            ),
        }
        for t in data.takeaways[board.id]
    ]
    return {
        "id": board.id,
        "anchor": f"group-{group.id}",
        "title": board.title,
        "group": group.name,
        "description": group.description,
        "lanes": lanes,
        "notes": list(items.values()),
        "top_signposts": sorted(signposts, key=lambda i: -i["votes"])[:TOP_SIGNPOSTS],
        "commitments": commitments,
        "clusters": clusters,
        "takeaways": takeaways,
        "inclusion": inclusion(list(items.values())),
        "vote_total": sum(i["votes"] for i in items.values()),
    }


def event_item(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "name": event.name,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "place": event.place,
    }


def participation(event: Event, people: dict[int, Participant]) -> dict[str, Any]:
    """Counts only (Do No Harm): people, and people per organisation and per country.

    After a purge (do_no_harm/retention.py) the counts kept then stand in for the erased details.
    """
    if event.purge_counts:
        kept = event.purge_counts
        return {
            "people": kept.get("participants", 0),
            "organisations": [tuple(kv) for kv in kept.get("organisations", [])],
            "countries": [tuple(kv) for kv in kept.get("countries", [])],
        }
    present = [p for p in people.values() if p.role == "participant"]
    orgs = Counter(p.organisation.strip() for p in present if p.organisation.strip())
    countries = Counter(p.country.strip() for p in present if p.country.strip())
    return {
        "people": len(present),
        "organisations": sorted(orgs.items(), key=lambda kv: (-kv[1], kv[0].casefold())),
        "countries": sorted(countries.items(), key=lambda kv: (-kv[1], kv[0].casefold())),
    }


def report_language(event: Event, asked: str | None = None) -> str:
    """The language a report is written in: the one asked for (`?lang=`), else the event's
    first UI language, else English."""
    for code in (asked, *(event.languages or [])):
        found = normalise(code)
        if found:
            return found
    return "en"


def board_context(
    board: Board, include_authors: bool = False, lang: str | None = None
) -> dict[str, Any]:
    """Everything the one-group PDF needs."""
    group = db.session.get_one(Group, board.group_id)
    data = load(group.event, [board.id], include_authors)
    return {
        "include_authors": include_authors,
        "lang": report_language(group.event, lang),
        "event": event_item(group.event),
        "board": board_item(board, data),
        "generated_at": utcnow(),
    }


def event_context(
    event: Event, include_authors: bool = False, lang: str | None = None
) -> dict[str, Any]:
    """Everything the whole-event PDF and the action trackers need."""
    data = load(event, None, include_authors)
    boards = [board_item(b, data) for b in data.boards]
    all_notes = [n for b in boards for n in b["notes"]]
    return {
        "lang": report_language(event, lang),
        "event": event_item(event),
        "boards": boards,
        "include_authors": include_authors,
        "participation": participation(event, data.people),
        "inclusion": inclusion(all_notes),
        "actions": [c for b in boards for c in b["commitments"]],
        "note_count": len(all_notes),
        "generated_at": utcnow(),
    }
