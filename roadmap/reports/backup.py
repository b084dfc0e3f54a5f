"""Whole-event backup: export to JSON, import as a new event (on this or another instance).

The file holds the event, its groups, boards and lanes, every participant (no tokens), every
note (with its commitment fields, clusters and sources), vote, takeaway and commitment update
(the history) and the room's translations of notes. Owners' follow-up links and contact
addresses are not exported (personal data; links are tokens): after an import, staff make new
links. Ids in the file are
the exporting instance's; import maps them to new rows. Tokens are never exported: import issues
fresh ones for the event's organiser and facilitators and returns them once.

Do No Harm (docs/do-no-harm.md): no form carries text that was deleted or redacted, nor the
link between an anonymous note or takeaway and its author. The full form keeps participants'
names, organisations and countries (for a restore); `personal_data=False` replaces them with
"Participant <id>" and keeps only counts by organisation and country.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..boards.layouts import TEMPLATES
from ..boards.translations import CODE
from ..config import LANGUAGES, NAME_MAX, NOTE_TEXT_MAX, TITLE_MAX
from ..errors import AppError
from ..extensions import db
from ..i18n import ALIASES as LANGUAGE_ALIASES
from ..identity import hash_token, new_token
from ..joining.participants import new_join_code
from ..models import (
    COMMITMENT_STATUSES,
    NOTE_KINDS,
    PHASES,
    ROLES,
    STATUS_ALIASES,
    UPDATE_VIAS,
    Board,
    CommitmentUpdate,
    Event,
    Group,
    Lane,
    Note,
    NoteTranslation,
    Participant,
    Takeaway,
    Vote,
)
from ..ops.core import MAX_ID, validation_message
from ..security.payloads import check_year

FORMAT = "roadmap-event-backup"
VERSION = 1


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def export_event(event: Event, personal_data: bool = True) -> dict[str, Any]:
    """The event as a JSON-ready dict (every row; deleted notes without their text)."""
    groups = list(event.groups)
    boards = [g.board for g in groups if g.board is not None]
    board_ids = [b.id for b in boards]
    people = db.session.scalars(
        sa.select(Participant).where(Participant.event_id == event.id).order_by(Participant.id)
    ).all()
    notes = db.session.scalars(
        sa.select(Note).where(Note.board_id.in_(board_ids)).order_by(Note.id)
    ).all()
    votes = db.session.scalars(
        sa.select(Vote).where(Vote.board_id.in_(board_ids)).order_by(Vote.id)
    ).all()
    takeaways = db.session.scalars(
        sa.select(Takeaway).where(Takeaway.board_id.in_(board_ids)).order_by(Takeaway.id)
    ).all()
    updates = db.session.scalars(
        sa.select(CommitmentUpdate)
        .where(CommitmentUpdate.board_id.in_(board_ids))
        .order_by(CommitmentUpdate.id)
    ).all()
    gone = {n.id for n in notes if n.deleted_at is not None or n.redacted_at is not None}
    translated = db.session.scalars(
        sa.select(NoteTranslation)
        .where(NoteTranslation.board_id.in_(board_ids))
        .order_by(NoteTranslation.id)
    ).all()
    data = {
        "format": FORMAT,
        "version": VERSION,
        "personal_data": personal_data,
        "exported_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "event": {
            "id": event.id,
            "name": event.name,
            "starts_on": _iso(event.starts_on),
            "ends_on": _iso(event.ends_on),
            "place": event.place,
            "languages": list(event.languages or []),
        },
        "groups": [
            {"id": g.id, "name": g.name, "description": g.description, "position": g.position}
            for g in groups
        ],
        "boards": [
            {
                "id": b.id,
                "group_id": b.group_id,
                "title": b.title,
                "template": b.template,
                "phase": b.phase,
                "locked": b.locked,
                "private_writing": b.private_writing,
                "voting_open": b.voting_open,
                "vote_budget": b.vote_budget,
                "message": b.message,
                "lanes": [
                    {
                        "id": lane.id,
                        "key": lane.key,
                        "title": lane.title,
                        "position": lane.position,
                        "default_kind": lane.default_kind,
                    }
                    for lane in b.lanes
                ],
            }
            for b in boards
        ],
        "participants": [
            {
                "id": p.id,
                "group_id": p.group_id,
                # Who joined "post anonymously" is not named in any backup (privacy.py).
                "name": f"Anonymous participant {p.id}" if p.anonymous else p.name,
                "organisation": p.organisation,
                "country": p.country,
                "role": p.role,
                "anonymous": p.anonymous,
                "language": p.language,
                "removed": p.removed,
                "created_at": _iso(p.created_at),
            }
            for p in people
        ],
        "notes": [
            {
                "id": n.id,
                "board_id": n.board_id,
                "lane_id": n.lane_id,
                "kind": n.kind,
                "text": "" if n.deleted_at is not None or n.redacted_at is not None else n.text,
                "position": n.position,
                "version": n.version,
                "author_id": None if n.anonymous else n.author_id,
                "anonymous": n.anonymous,
                "tags": list(n.tags or []),
                "hidden": n.hidden,
                "cluster_id": n.cluster_id,
                "created_at": _iso(n.created_at),
                "updated_at": _iso(n.updated_at),
                "deleted_at": _iso(n.deleted_at),
                "owner_name": n.owner_name,
                "owner_org": n.owner_org,
                "due_date": _iso(n.due_date),
                "indicator": n.indicator,
                "partners": n.partners,
                "status": n.status,
                "status_note": n.status_note,
                "status_updated_at": _iso(n.status_updated_at),
                "status_value": n.status_value,
                "source_note_id": n.source_note_id,
                "turned_into_id": n.turned_into_id,
            }
            for n in notes
        ],
        "commitment_updates": [
            {
                "note_id": u.note_id,
                "actor_id": u.actor_id,
                "via": u.via,
                "actor_name": u.actor_name,
                "at": _iso(u.at),
                "from_status": u.from_status,
                "to_status": u.to_status,
                "note": u.note,
                "value": u.value,
            }
            for u in updates
        ],
        "votes": [
            {
                "note_id": v.note_id,
                "participant_id": v.participant_id,
                "created_at": _iso(v.created_at),
            }
            for v in votes
        ],
        # The room's translations (issue 15): none of deleted notes, no anonymous translator.
        "translations": [
            {
                "note_id": t.note_id,
                "lang": t.lang,
                "text": t.text,
                "translator_id": None if t.anonymous else t.translator_id,
                "anonymous": t.anonymous,
                "note_version": t.note_version,
                "outdated": t.outdated,
                "created_at": _iso(t.created_at),
                "updated_at": _iso(t.updated_at),
            }
            for t in translated
            if t.note_id not in gone
        ],
        "takeaways": [
            {
                "board_id": t.board_id,
                "participant_id": None if t.anonymous else t.participant_id,
                "text": t.text,
                "anonymous": t.anonymous,
                "created_at": _iso(t.created_at),
                "updated_at": _iso(t.updated_at),
            }
            for t in takeaways
        ],
    }
    return data if personal_data else without_personal_data(event, data)


def without_personal_data(event: Event, data: dict[str, Any]) -> dict[str, Any]:
    """The backup with no participant's name, organisation or country (counts only)."""
    from .context import participation

    people = {
        p.id: p
        for p in db.session.scalars(sa.select(Participant).where(Participant.event_id == event.id))
    }
    counts = participation(event, people)
    data["participation"] = {
        "people": counts["people"],
        "organisations": [list(kv) for kv in counts["organisations"]],
        "countries": [list(kv) for kv in counts["countries"]],
    }
    for p in data["participants"]:
        p.update(name=f"{p['role'].capitalize()} {p['id']}", organisation="", country="")
    for u in data["commitment_updates"]:
        if u["via"] == "author":  # a participant's own update: no name (owners and staff stay)
            u["actor_name"] = ""
    return data


# --- import ------------------------------------------------------------------------------------


class Row(BaseModel):
    model_config = ConfigDict(extra="ignore")


# What an op would accept, field by field (a backup is refused with `invalid` and a pointer to the
# field, e.g. "notes.3.kind: ..."): ids and counters in the database's range, dates in the sane
# range (config YEAR_MIN..YEAR_MAX), and enums for phases, templates, kinds, roles, statuses
# (notes' and the history's), the history's `via` and participants' UI languages.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Day = Annotated[dt.date, AfterValidator(check_year)]
Moment = Annotated[dt.datetime, AfterValidator(check_year)]
Template = Literal[tuple(TEMPLATES)]  # type: ignore[valid-type]
Phase = Literal[PHASES]  # type: ignore[valid-type]
NoteKind = Literal[NOTE_KINDS]  # type: ignore[valid-type]
LaneKind = Literal[tuple(k for k in NOTE_KINDS if k != "cluster")]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Status = Literal[("", *COMMITMENT_STATUSES, *STATUS_ALIASES)]  # type: ignore[valid-type]
HistoryStatus = Literal[(*COMMITMENT_STATUSES, *STATUS_ALIASES)]  # type: ignore[valid-type]
Via = Literal[UPDATE_VIAS]  # type: ignore[valid-type]
# A participant's UI language (config.LANGUAGES), older spellings ("zh") taken as the UI's.
UiLanguageCode = Literal[tuple(LANGUAGES)]  # type: ignore[valid-type]
UiLanguage = Annotated[
    UiLanguageCode,  # type: ignore[valid-type]
    BeforeValidator(lambda v: LANGUAGE_ALIASES.get(v, v) if isinstance(v, str) else v),
]
Tag = Annotated[str, Field(max_length=40)]
Language = Annotated[str, Field(min_length=1, max_length=20)]


class EventIn(Row):
    name: str = Field(min_length=1, max_length=TITLE_MAX)
    starts_on: Day | None = None
    ends_on: Day | None = None
    place: str = Field(default="", max_length=200)
    languages: list[Language] = Field(default_factory=list, max_length=50)


class GroupIn(Row):
    id: RowId
    name: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=5000)
    position: Count = 0


class LaneIn(Row):
    id: RowId
    key: str = Field(max_length=40)
    title: str = Field(max_length=TITLE_MAX)
    position: Count = 0
    default_kind: LaneKind = "signpost"


class BoardIn(Row):
    id: RowId
    group_id: RowId
    title: str = Field(max_length=TITLE_MAX)
    template: Template
    phase: Phase = "brainstorm"
    locked: bool = False
    private_writing: bool = False
    voting_open: bool = True
    vote_budget: int = Field(default=5, ge=0, le=1000)
    message: str = Field(default="", max_length=500)
    lanes: list[LaneIn] = Field(max_length=50)


class ParticipantIn(Row):
    id: RowId
    group_id: RowId | None = None
    name: str = Field(min_length=1, max_length=NAME_MAX)
    organisation: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=80)
    role: Role = "participant"
    anonymous: bool = False
    language: UiLanguage = "en"
    removed: bool = False
    created_at: Moment | None = None


class NoteIn(Row):
    id: RowId
    board_id: RowId
    lane_id: RowId
    kind: NoteKind
    text: str = Field(max_length=NOTE_TEXT_MAX)
    position: str = Field(min_length=1, max_length=64)
    version: Annotated[int, Field(ge=1, le=MAX_ID)] = 1
    author_id: RowId | None = None
    anonymous: bool = False
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    hidden: bool = False
    cluster_id: RowId | None = None
    created_at: Moment | None = None
    updated_at: Moment | None = None
    deleted_at: Moment | None = None
    owner_name: str = Field(default="", max_length=200)
    owner_org: str = Field(default="", max_length=200)
    due_date: Day | None = None
    indicator: str = Field(default="", max_length=NOTE_TEXT_MAX)
    partners: str = Field(default="", max_length=NOTE_TEXT_MAX)
    status: Status = ""
    status_note: str = Field(default="", max_length=NOTE_TEXT_MAX)
    status_updated_at: Moment | None = None
    status_value: float | None = Field(default=None, allow_inf_nan=False)
    source_note_id: RowId | None = None
    turned_into_id: RowId | None = None


class VoteIn(Row):
    note_id: RowId
    participant_id: RowId
    created_at: Moment | None = None


class TakeawayIn(Row):
    board_id: RowId
    participant_id: RowId | None = None
    text: str = Field(max_length=NOTE_TEXT_MAX)
    anonymous: bool = False
    created_at: Moment | None = None
    updated_at: Moment | None = None


class UpdateIn(Row):
    note_id: int
    actor_id: int | None = None
    via: Via
    actor_name: str = Field(default="", max_length=200)
    at: Moment
    from_status: Status | None = None  # "" (older files): none
    to_status: HistoryStatus
    note: str = Field(default="", max_length=NOTE_TEXT_MAX)
    value: float | None = Field(default=None, allow_inf_nan=False)


def _language_code(value: str) -> str:
    if not CODE.fullmatch(value):
        raise ValueError("not a language code")
    return value


class TranslationIn(Row):
    note_id: RowId
    lang: Annotated[str, Field(min_length=2, max_length=16), AfterValidator(_language_code)]
    text: str = Field(min_length=1, max_length=NOTE_TEXT_MAX)
    translator_id: RowId | None = None
    anonymous: bool = False
    note_version: Annotated[int, Field(ge=0, le=MAX_ID)] = 1
    outdated: bool = False
    created_at: Moment | None = None
    updated_at: Moment | None = None


class BackupIn(Row):
    format: Literal["roadmap-event-backup"]
    version: Literal[1]
    event: EventIn
    groups: list[GroupIn] = Field(max_length=200)
    boards: list[BoardIn] = Field(max_length=200)
    participants: list[ParticipantIn] = Field(max_length=20000)
    notes: list[NoteIn] = Field(max_length=100000)
    votes: list[VoteIn] = Field(max_length=500000)
    takeaways: list[TakeawayIn] = Field(max_length=20000)
    commitment_updates: list[UpdateIn] = Field(default_factory=list, max_length=500000)
    translations: list[TranslationIn] = Field(default_factory=list, max_length=200000)


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _need(mapping: dict[int, Any], key: int | None, what: str) -> Any:
    if key is None:
        return None
    if key not in mapping:
        raise AppError(
            "invalid",
            _l(
                "The backup refers to a %(what)s (%(key)s) it does not contain.", what=what, key=key
            ),
        )
    return mapping[key]


def _check(data: BackupIn) -> None:
    if data.format != FORMAT or data.version != VERSION:
        raise AppError(
            "invalid",
            _l(
                "This is not a %(format)s version %(version)s file.", format=FORMAT, version=VERSION
            ),
        )
    for p in data.participants:
        if p.role not in ROLES:
            raise AppError("invalid", _l("Unknown participant role %(role)s.", role=repr(p.role)))
    for n in data.notes:
        if n.kind not in NOTE_KINDS:
            raise AppError("invalid", _l("Unknown note kind %(kind)s.", kind=repr(n.kind)))
        n.status = STATUS_ALIASES.get(n.status, n.status)
        if n.status and n.status not in COMMITMENT_STATUSES:
            raise AppError(
                "invalid", _l("Unknown commitment status %(status)s.", status=repr(n.status))
            )
    for u in data.commitment_updates:
        u.to_status = STATUS_ALIASES.get(u.to_status, u.to_status)
        u.from_status = STATUS_ALIASES.get(u.from_status or "", u.from_status) or None
        if u.to_status not in COMMITMENT_STATUSES:
            raise AppError(
                "invalid", _l("Unknown commitment status %(status)s.", status=repr(u.to_status))
            )


def import_event(raw: Any) -> dict[str, Any]:
    """Create a new event from a backup; returns its id, join code and fresh staff tokens."""
    try:
        data = BackupIn.model_validate(raw)
    except ValidationError as err:
        raise AppError("invalid", validation_message(err)) from None
    _check(data)
    ev = data.event
    event = Event(
        name=ev.name,
        starts_on=ev.starts_on,
        ends_on=ev.ends_on,
        place=ev.place,
        languages=ev.languages,
        join_code=new_join_code(),
    )
    db.session.add(event)
    groups: dict[int, Group] = {}
    for g in data.groups:
        groups[g.id] = Group(
            event=event, name=g.name, description=g.description, position=g.position
        )
        db.session.add(groups[g.id])
    boards: dict[int, Board] = {}
    lanes: dict[int, Lane] = {}
    for b in data.boards:
        board = Board(
            group=_need(groups, b.group_id, "group"),
            title=b.title,
            template=b.template,
            phase=b.phase,
            locked=b.locked,
            private_writing=b.private_writing,
            voting_open=b.voting_open,
            vote_budget=b.vote_budget,
            message=b.message,
        )
        boards[b.id] = board
        for lane in b.lanes:
            lanes[lane.id] = Lane(
                board=board,
                key=lane.key,
                title=lane.title,
                position=lane.position,
                default_kind=lane.default_kind,
            )
        db.session.add(board)
    db.session.flush()
    people: dict[int, Participant] = {}
    tokens: dict[str, Any] = {"organiser_token": None, "facilitator_tokens": {}}
    for p in data.participants:
        token = new_token()
        group = _need(groups, p.group_id, "group")
        who = Participant(
            event=event,
            group_id=group.id if group is not None else None,
            name=p.name,
            organisation=p.organisation,
            country=p.country,
            role=p.role,
            anonymous=p.anonymous,
            language=p.language,
            removed=p.removed,
            token_hash=hash_token(token),
        )
        if p.created_at:
            who.created_at = _naive(p.created_at)
        if p.role == "organiser" and not p.removed and tokens["organiser_token"] is None:
            tokens["organiser_token"] = token
        if p.role == "facilitator" and group is not None and not p.removed:
            tokens["facilitator_tokens"].setdefault(str(group.id), token)
        people[p.id] = who
        db.session.add(who)
    db.session.flush()
    notes: dict[int, Note] = {}
    for n in data.notes:
        board = _need(boards, n.board_id, "board")
        lane = _need(lanes, n.lane_id, "lane")
        if lane.board_id != board.id:
            raise AppError("invalid", _l("Note %(id)s is on a lane of another board.", id=n.id))
        author = _need(people, n.author_id, "participant")
        note = Note(
            board_id=board.id,
            lane_id=lane.id,
            kind=n.kind,
            text=n.text,
            position=n.position,
            version=n.version,
            author_id=author.id if author else None,
            anonymous=n.anonymous,
            tags=n.tags,
            hidden=n.hidden,
            deleted_at=_naive(n.deleted_at),
            owner_name=n.owner_name,
            owner_org=n.owner_org,
            due_date=n.due_date,
            indicator=n.indicator,
            partners=n.partners,
            status=n.status,
            status_note=n.status_note,
            status_updated_at=_naive(n.status_updated_at),
            status_value=n.status_value,
        )
        for field in ("created_at", "updated_at"):
            if getattr(n, field):
                setattr(note, field, _naive(getattr(n, field)))
        notes[n.id] = note
        db.session.add(note)
    db.session.flush()
    for n in data.notes:
        notes[n.id].cluster_id = getattr(_need(notes, n.cluster_id, "note"), "id", None)
        notes[n.id].source_note_id = getattr(_need(notes, n.source_note_id, "note"), "id", None)
        notes[n.id].turned_into_id = getattr(_need(notes, n.turned_into_id, "note"), "id", None)
    for u in data.commitment_updates:
        note = _need(notes, u.note_id, "note")
        who = _need(people, u.actor_id, "participant")
        db.session.add(
            CommitmentUpdate(
                note_id=note.id,
                board_id=note.board_id,
                actor_id=who.id if who else None,
                via=u.via,
                actor_name=u.actor_name,
                at=_naive(u.at),
                from_status=u.from_status,
                to_status=u.to_status,
                note=u.note,
                value=u.value,
            )
        )
    seen_votes: set[tuple[int, int]] = set()
    for v in data.votes:
        note = _need(notes, v.note_id, "note")
        who = _need(people, v.participant_id, "participant")
        if (note.id, who.id) in seen_votes:
            continue
        seen_votes.add((note.id, who.id))
        vote = Vote(note_id=note.id, participant_id=who.id, board_id=note.board_id)
        if v.created_at:
            vote.created_at = _naive(v.created_at)
        db.session.add(vote)
    for t in data.takeaways:
        board = _need(boards, t.board_id, "board")
        who = _need(people, t.participant_id, "participant")
        takeaway = Takeaway(
            board_id=board.id,
            participant_id=who.id if who else None,
            text=t.text,
            anonymous=t.anonymous,
        )
        for field in ("created_at", "updated_at"):
            if getattr(t, field):
                setattr(takeaway, field, _naive(getattr(t, field)))
        db.session.add(takeaway)
    seen_translations: set[tuple[int, str]] = set()
    for tr in data.translations:
        note = _need(notes, tr.note_id, "note")
        who = _need(people, tr.translator_id, "participant")
        if (note.id, tr.lang) in seen_translations:
            continue  # one current translation per (note, language)
        seen_translations.add((note.id, tr.lang))
        row = NoteTranslation(
            note_id=note.id,
            board_id=note.board_id,
            lang=tr.lang,
            text=tr.text,
            translator_id=who.id if who else None,
            anonymous=tr.anonymous,
            note_version=tr.note_version,
            outdated=tr.outdated,
        )
        for field in ("created_at", "updated_at"):
            if getattr(tr, field):
                setattr(row, field, _naive(getattr(tr, field)))
        db.session.add(row)
    if tokens["organiser_token"] is None:
        token = new_token()
        db.session.add(
            Participant(
                event=event, name="Organiser", role="organiser", token_hash=hash_token(token)
            )
        )
        tokens["organiser_token"] = token
    db.session.commit()
    return {
        "event_id": event.id,
        "join_code": event.join_code,
        **tokens,
        "counts": {
            "groups": len(groups),
            "boards": len(boards),
            "participants": len(people),
            "notes": len(notes),
            "votes": len(seen_votes),
            "takeaways": len(data.takeaways),
            "commitment_updates": len(data.commitment_updates),
            "translations": len(seen_translations),
        },
    }
