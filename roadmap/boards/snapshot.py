"""What clients see: notes, boards (per viewer) and op-log entries (per viewer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..do_no_harm import personal_data as safety
from ..do_no_harm import privacy
from ..extensions import db
from ..identity import is_staff
from ..models import Board, BoardOp, Group, Note, Participant, Takeaway, Vote, utcnow
from . import inclusion, translations

ANONYMOUS = privacy.ANONYMOUS


def iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


def author_of(note: Note) -> dict[str, Any] | None:
    author = note.author
    return privacy.identity(
        note.author_id,
        author.name if author else None,
        anonymous=note.anonymous,
        removed=bool(author and author.removed),
    )


def note_dict(note: Note, votes: int = 0) -> dict[str, Any]:
    return note_fields(note, votes, author_of(note))


def author_fields(note: Any) -> dict[str, Any] | None:
    """author_of() for a row of ops.sql.NOTE (author_name and author_removed joined in)."""
    return privacy.identity(
        note.author_id,
        note.author_name,
        anonymous=note.anonymous,
        removed=bool(note.author_removed),
    )


def note_fields(note: Any, votes: int, author: dict[str, Any] | None) -> dict[str, Any]:
    """A note as clients see it, from a Note or a row with the same fields."""
    data: dict[str, Any] = {
        "id": note.id,
        "lane_id": note.lane_id,
        "kind": note.kind,
        "text": note.text,
        "position": note.position,
        "version": note.version,
        "votes": votes,
        "author": author,
        "anonymous": note.anonymous,
        "tags": list(note.tags or []),
        "hidden": note.hidden,
        "cluster_id": note.cluster_id,
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
    }
    if note.kind == "commitment":
        data["commitment"] = {
            "owner_name": note.owner_name,
            "owner_org": note.owner_org,
            "due_date": iso(note.due_date),
            "indicator": note.indicator,
            "partners": note.partners,
            "status": note.status or "not_started",
            "status_note": note.status_note,
            "status_updated_at": iso(note.status_updated_at),
            "status_value": note.status_value,
            "source_note_id": note.source_note_id,
        }
    elif note.partners:
        data["partners"] = note.partners  # possible partners introduced (ops/synergies.py)
    if note.turned_into_id is not None:
        data["turned_into_id"] = note.turned_into_id  # this note became that commitment
    return data


def vote_counts(board_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Vote.note_id, sa.func.count())
        .where(Vote.board_id == board_id)
        .group_by(Vote.note_id)
    )
    return {note_id: count for note_id, count in rows}


def note_votes(note_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Vote.note_id == note_id)) or 0


def visible_to(
    note: Note, viewer: Participant | None, staff: bool, *, deleted_ok: bool = False
) -> bool:
    """May `viewer` see `note`? Deleted notes are seen by nobody unless `deleted_ok`."""
    if note.deleted_at is not None and not deleted_ok:
        return False
    if not note.hidden or staff:
        return True
    return viewer is not None and note.author_id == viewer.id


def ordered_notes(board_id: int) -> list[Note]:
    notes = db.session.scalars(
        sa.select(Note)
        .where(Note.board_id == board_id, Note.deleted_at.is_(None))
        .options(so.selectinload(Note.author))  # one query for the authors, not one per note
    ).all()
    return sorted(notes, key=lambda n: (n.lane_id, n.position, n.id))


def timer_dict(board: Board, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    # Milliseconds, so clients can correct their clock skew finely (ends_at - server_time).
    server_time = now.isoformat(timespec="milliseconds") + "Z"
    return {**_timer_state(board, now), "server_time": server_time}


def _timer_state(board: Board, now: dt.datetime) -> dict[str, Any]:
    if board.timer_ends_at is not None:
        remaining = max(0, int((board.timer_ends_at - now).total_seconds() + 0.999))
        state = "running" if remaining > 0 else "ended"
        return {
            "state": state,
            "ends_at": iso(board.timer_ends_at),
            "remaining": remaining,
            "duration": board.timer_duration,
        }
    if board.timer_remaining is not None:
        return {
            "state": "paused",
            "ends_at": None,
            "remaining": board.timer_remaining,
            "duration": board.timer_duration,
        }
    return {"state": "stopped", "ends_at": None, "remaining": None, "duration": None}


def facilitation_dict(board: Board) -> dict[str, Any]:
    bring = None
    if board.bring_at is not None:
        bring = {
            "lane_id": board.bring_lane_id,
            "note_id": board.bring_note_id,
            "at": iso(board.bring_at),
        }
    return {
        "private_writing": board.private_writing,
        "voting_open": board.voting_open,
        "vote_budget": board.vote_budget,
        "vote_max_per_note": board.vote_max_per_note or 1,
        "results_hidden": bool(board.vote_results_hidden),
        "ready": list(board.vote_ready or []),  # who said "done voting"
        "spotlight_note_id": board.spotlight_note_id,
        "bring": bring,
        "timer": timer_dict(board),
        "message": board.message,
    }


# --- who may see vote counts: one rule -------------------------------------------------------
# While a board's results are hidden (voting.configure {hide_results: true}, until voting.end),
# only its staff get vote counts: snapshots, broadcasts, catch-up and acks give participants
# `votes: null` (ops.core marks such op-log entries `audience.hide_counts`).


def counts_hidden(board: Any, staff: bool) -> bool:
    return bool(board.vote_results_hidden) and not staff


def without_counts(result: dict[str, Any]) -> dict[str, Any]:
    """An op result with every vote count (its own, its notes') replaced by None."""

    def strip(note: Any) -> Any:
        return {**note, "votes": None} if isinstance(note, dict) and "votes" in note else note

    out = dict(result)
    if "votes" in out:
        out["votes"] = None
    if "note" in out:
        out["note"] = strip(out["note"])
    if isinstance(out.get("notes"), list):
        out["notes"] = [strip(n) for n in out["notes"]]
    return out


def notes_page(
    board: Board, viewer: Participant | None, after: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """The notes `viewer` may see with an id above `after`, at most `limit`, by id, and the
    cursor for the next page (the last id; None when this is the last page)."""
    staff = viewer is not None and is_staff(viewer, board)
    query = (
        sa.select(Note)
        .where(Note.board_id == board.id, Note.deleted_at.is_(None), Note.id > after)
        .order_by(Note.id)
        .limit(limit + 1)
        .options(so.selectinload(Note.author))
    )
    if not staff:
        query = query.where(
            sa.or_(Note.hidden.is_(False), Note.author_id == (viewer.id if viewer else None))
        )
    rows = db.session.scalars(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    counts = vote_counts(board.id)
    hide = counts_hidden(board, staff)
    items = [_note_item(n, counts, hide, viewer) for n in rows]
    _add_translations(items, viewer)
    return items, (rows[-1].id if more and rows else None)


def _add_translations(items: list[dict[str, Any]], viewer: Participant | None) -> None:
    """Notes translated by the room (issue 15), translators as privacy.py lets this viewer see."""
    translated = translations.for_notes([n["id"] for n in items], viewer.id if viewer else None)
    for item in items:
        item["translations"] = translated.get(item["id"], {})


def _note_item(
    note: Note, counts: dict[int, int], hide: bool, viewer: Participant | None
) -> dict[str, Any]:
    item = note_dict(note, counts.get(note.id, 0))
    if hide:
        item["votes"] = None
    item["mine"] = viewer is not None and note.author_id == viewer.id
    return item


def board_snapshot(
    board: Board, viewer: Participant | None, page: int | None = None
) -> dict[str, Any]:
    """The board as `viewer` may see it: the shape of GET /api/boards/<id>.

    With `page` (board:join on a big board) `notes` holds at most that many notes, the first by
    id, and `notes_next` the cursor for the rest (`board:page`, GET /api/boards/<id>/notes)."""
    staff = viewer is not None and is_staff(viewer, board)
    group = db.session.get_one(Group, board.group_id)
    counts = vote_counts(board.id)
    hide = counts_hidden(board, staff)
    notes: list[dict[str, Any]] = []
    hidden_count = 0
    next_cursor = None
    if page is not None:
        notes, next_cursor = notes_page(board, viewer, 0, page)
        notes.sort(key=lambda n: (n["lane_id"], n["position"], n["id"]))  # as ordered_notes
        if not staff:
            hidden_count = (
                db.session.scalar(
                    sa.select(sa.func.count())
                    .select_from(Note)
                    .where(
                        Note.board_id == board.id,
                        Note.deleted_at.is_(None),
                        Note.hidden.is_(True),
                        Note.author_id.is_distinct_from(viewer.id if viewer else None),
                    )
                )
                or 0
            )
    else:
        for note in ordered_notes(board.id):
            if visible_to(note, viewer, staff):
                notes.append(_note_item(note, counts, hide, viewer))
            else:
                hidden_count += 1
        _add_translations(notes, viewer)
    my_votes: list[int] = []
    takeaways: list[dict[str, Any]] = []
    if viewer is not None:
        my_votes = list(
            db.session.scalars(
                sa.select(Vote.note_id)
                .join(Note, Note.id == Vote.note_id)
                .where(
                    Vote.board_id == board.id,
                    Vote.participant_id == viewer.id,
                    Note.deleted_at.is_(None),
                )
            )
        )
        takeaways = [
            takeaway_dict(t)
            for t in db.session.scalars(
                sa.select(Takeaway).where(Takeaway.board_id == board.id).order_by(Takeaway.id)
            )
            if staff or t.participant_id == viewer.id or board.phase == "takeaways"
        ]
    return {
        "id": board.id,
        "title": board.title,
        "group": {"id": group.id, "name": group.name, "event_id": group.event_id},
        "template": board.template,
        "phase": board.phase,
        "locked": board.locked,
        "lanes": [
            {
                "id": lane.id,
                "key": lane.key,
                "title": lane.title,
                "position": lane.position,
                "default_kind": lane.default_kind,
            }
            for lane in board.lanes
        ],
        "notes": notes,
        "hidden_count": hidden_count,
        "my_votes": my_votes,
        "takeaways": takeaways,
        "facilitation": facilitation_dict(board),
        "viewer": None
        if viewer is None
        else {"id": viewer.id, "name": viewer.name, "role": viewer.role, "staff": staff},
        "seq": board.seq,
        # Seed 002: who the notes consider (the table too, so clients recount live), and the
        # Do No Harm personal-data patterns the note composer checks before sending.
        "inclusion": inclusion.snapshot_part(notes),
        # The languages a note may be translated into, each named in itself (issue 15).
        "languages": [
            {"code": code, "name": translations.language_name(code)}
            for code in translations.languages_of(translations.event_of_board(board.id))
        ],
        "safety": safety.client_rules(),
        **({"notes_next": next_cursor} if next_cursor is not None else {}),
    }


def takeaway_dict(t: Takeaway) -> dict[str, Any]:
    who = privacy.person(t.participant, anonymous=t.anonymous)
    return {
        "id": t.id,
        "participant": who,
        "text": t.text,
        "anonymous": t.anonymous,
        "updated_at": iso(t.updated_at),
    }


def op_message(
    row: BoardOp,
    actor: Any = None,
    *,
    viewer_id: int | None = None,
    anonymous: bool | None = None,
    data: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The broadcast form of an op-log entry; `actor` (a Participant or sql.Actor) if the
    caller has it. Who acted is shown as privacy.person() decides (`viewer_id`: the reader)."""
    actor = actor or row.actor
    hidden = row.anonymous if anonymous is None else anonymous
    return {
        "board_id": row.board_id,
        "seq": row.seq,
        "op_id": row.op_id,
        "type": row.type,
        "data": row.data if data is None else data,
        "result": row.result if result is None else result,
        "actor": privacy.person(actor, anonymous=hidden, viewer_id=viewer_id),
        "at": iso(row.at),
    }


def redacted_message(row: BoardOp) -> dict[str, Any]:
    """What someone outside an op's audience gets: the seq (no gaps), nothing else."""
    return {
        "board_id": row.board_id,
        "seq": row.seq,
        "op_id": None,
        "type": "redacted",
        "data": {},
        "result": {},
        "actor": None,
        "at": iso(row.at),
    }


def in_audience(row: BoardOp, viewer: Participant, board: Board) -> bool:
    if row.audience is None or is_staff(viewer, board):
        return True
    if "participants" not in row.audience:
        return True
    return viewer.id in row.audience["participants"]


def message_for(row: BoardOp, viewer: Participant, board: Board) -> dict[str, Any]:
    if not in_audience(row, viewer, board):
        return redacted_message(row)
    message = op_message(row)
    if row.audience and row.audience.get("hide_counts") and not is_staff(viewer, board):
        message["result"] = without_counts(message["result"])
    return message
