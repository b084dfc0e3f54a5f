"""The data model: events, groups, boards, lanes, notes, votes, participants and the op log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from .extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


NOTE_KINDS = ("signpost", "commitment", "challenge", "question", "resource", "cluster")
PHASES = ("brainstorm", "cluster", "vote", "commit", "takeaways")
ROLES = ("participant", "facilitator", "organiser", "owner")  # owner: a follow-up link
COMMITMENT_STATUSES = ("not_started", "in_progress", "done", "blocked", "dropped")
# Accepted from older clients and backups: "planned" is "not_started" (docs/follow-up.md).
STATUS_ALIASES = {"planned": "not_started"}
# How a commitment's status changed (CommitmentUpdate.via, ops/history.via): by the owner's
# follow-up link, by the staff, or by the note's author.
UPDATE_VIAS = ("owner_link", "staff", "author")


class Event(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    starts_on: so.Mapped[dt.date | None]
    ends_on: so.Mapped[dt.date | None]
    place: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    join_code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True, index=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    # Do No Harm (do_no_harm/retention.py): personal data is erased `retention_days` after the end.
    retention_days: so.Mapped[int] = so.mapped_column(default=90, server_default="90")
    purged_at: so.Mapped[dt.datetime | None]
    # After a purge: {"participants": n, "organisations": {name: n}, "countries": {name: n}}.
    purge_counts: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)

    groups: so.Mapped[list[Group]] = so.relationship(
        back_populates="event", order_by="Group.position", cascade="all, delete-orphan"
    )


class Group(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    position: so.Mapped[int] = so.mapped_column(default=0)

    event: so.Mapped[Event] = so.relationship(back_populates="groups")
    board: so.Mapped[Board] = so.relationship(  # add_group() makes both
        back_populates="group", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )


class Board(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("group.id", ondelete="CASCADE"), unique=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    template: so.Mapped[str] = so.mapped_column(sa.String(40))
    seq: so.Mapped[int] = so.mapped_column(default=0)
    phase: so.Mapped[str] = so.mapped_column(sa.String(20), default="brainstorm")
    locked: so.Mapped[bool] = so.mapped_column(default=False)
    # Facilitation state (see roadmap/ops/facilitation.py).
    private_writing: so.Mapped[bool] = so.mapped_column(default=False)
    voting_open: so.Mapped[bool] = so.mapped_column(default=True)
    vote_budget: so.Mapped[int] = so.mapped_column(default=5)
    spotlight_note_id: so.Mapped[int | None]
    timer_ends_at: so.Mapped[dt.datetime | None]
    timer_remaining: so.Mapped[int | None]  # seconds left while paused
    timer_duration: so.Mapped[int | None]
    message: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    # Running the room (migration 0008): vote results kept from participants until the vote
    # ends, dots one participant may put on one note, who said "done voting", and where the
    # facilitator last brought everyone (board.bring).
    vote_results_hidden: so.Mapped[bool] = so.mapped_column(
        default=False, server_default=sa.false()
    )
    vote_max_per_note: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    vote_ready: so.Mapped[list[int] | None] = so.mapped_column(sa.JSON)
    bring_lane_id: so.Mapped[int | None]
    bring_note_id: so.Mapped[int | None]
    bring_at: so.Mapped[dt.datetime | None]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    group: so.Mapped[Group] = so.relationship(back_populates="board")
    lanes: so.Mapped[list[Lane]] = so.relationship(
        back_populates="board", order_by="Lane.position", cascade="all, delete-orphan"
    )

    @property
    def room(self) -> str:
        return f"board:{self.id}"


class Lane(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    board_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("board.id", ondelete="CASCADE"))
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    position: so.Mapped[int] = so.mapped_column(default=0)
    default_kind: so.Mapped[str] = so.mapped_column(sa.String(20), default="signpost")

    board: so.Mapped[Board] = so.relationship(back_populates="lanes")


class Participant(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    group_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("group.id", ondelete="SET NULL")
    )  # for facilitators: the group they run
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    country: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="participant")
    anonymous: so.Mapped[bool] = so.mapped_column(default=False)
    language: so.Mapped[str] = so.mapped_column(sa.String(10), default="en")
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, index=True)
    removed: so.Mapped[bool] = so.mapped_column(default=False)
    # An organiser account's identity in this event (see roadmap/organise/access.py).
    organiser_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organiser.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    event: so.Mapped[Event] = so.relationship()

    @property
    def public_name(self) -> str:
        return "removed participant" if self.removed else self.name

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.public_name}


class Note(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    board_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("board.id", ondelete="CASCADE"), index=True
    )
    lane_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lane.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), default="signpost")
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    # Fractional keys compare by bytes on every database (migration 0010; boards/positions.py).
    position: so.Mapped[str] = so.mapped_column(
        sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
    )
    version: so.Mapped[int] = so.mapped_column(default=1)
    author_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="SET NULL")
    )
    anonymous: so.Mapped[bool] = so.mapped_column(default=False)
    tags: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    hidden: so.Mapped[bool] = so.mapped_column(default=False)  # private writing, until reveal
    cluster_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("note.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    deleted_at: so.Mapped[dt.datetime | None]  # soft delete: nothing typed is lost
    redacted_at: so.Mapped[dt.datetime | None]  # note.redact: text erased everywhere, for good
    # Commitments (kind == "commitment").
    owner_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    owner_org: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    due_date: so.Mapped[dt.date | None]
    indicator: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    partners: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    status_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status_updated_at: so.Mapped[dt.datetime | None]
    source_note_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("note.id"))
    # A signpost turned into a commitment points at it (it is not listed twice in reports).
    turned_into_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("note.id"))
    status_value: so.Mapped[float | None]  # the latest figure against the indicator
    # The owner's contact address: personal data, never in reports, exports or snapshots.
    contact_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="", server_default="")

    author: so.Mapped[Participant | None] = so.relationship(foreign_keys=[author_id])
    lane: so.Mapped[Lane] = so.relationship()

    __table_args__ = (sa.Index("ix_note_lane_position", "lane_id", "position"),)


class NoteTranslation(db.Model):
    """A note translated by the room (op note.translate): one current text per (note, lang).

    `note_version` is the note's version it was made from; `outdated` is set when the note's
    text changes afterwards (note.update) and cleared by a new translation. The translator is
    an author: `anonymous` hides them as privacy.py decides. Redaction and purge delete rows.
    """

    __tablename__ = "note_translation"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    note_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("note.id", ondelete="CASCADE"))
    board_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("board.id", ondelete="CASCADE"), index=True
    )
    lang: so.Mapped[str] = so.mapped_column(sa.String(16))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    translator_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="SET NULL")
    )
    anonymous: so.Mapped[bool] = so.mapped_column(default=False)
    note_version: so.Mapped[int] = so.mapped_column(default=1)
    outdated: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    translator: so.Mapped[Participant | None] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("note_id", "lang"),)


class Vote(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    note_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("note.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE")
    )
    board_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("board.id", ondelete="CASCADE"), index=True
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    # No (note, participant) unique constraint: Board.vote_max_per_note dots may go on one note.


class Takeaway(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    board_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("board.id", ondelete="CASCADE"))
    participant_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="SET NULL")
    )
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    anonymous: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    participant: so.Mapped[Participant | None] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("board_id", "participant_id"),)


class BoardOp(db.Model):
    """One applied change: the board's op log, gap-free `seq` per board."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    board_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("board.id", ondelete="CASCADE"))
    seq: so.Mapped[int]
    op_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="SET NULL")
    )
    type: so.Mapped[str] = so.mapped_column(sa.String(40))
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    result: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # None: everyone on the board sees it; else {"participants": [ids]} plus staff.
    audience: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    anonymous: so.Mapped[bool] = so.mapped_column(default=False)
    undo: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)  # inverse, for undo
    undone: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    actor: so.Mapped[Participant | None] = so.relationship()

    __table_args__ = (
        sa.UniqueConstraint("board_id", "seq"),
        sa.UniqueConstraint("board_id", "op_id"),
    )


class Organiser(db.Model):
    """An organiser account that signs in with a password (created from the CLI)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class FollowUpLink(db.Model):
    """An owner's private link to one commitment: only the token's SHA-256 is stored.

    The token is an HMAC of `nonce` under SECRET_KEY (as organiser tokens are), so reminders
    can carry the link again without the database ever holding it.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    note_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("note.id", ondelete="CASCADE"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, index=True)
    nonce: so.Mapped[str] = so.mapped_column(sa.String(64))
    base_url: so.Mapped[str] = so.mapped_column(sa.String(300), default="")  # for e-mails
    # The identity the link acts as in the op core (role "owner", no usable token of its own).
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE")
    )
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime | None]
    revoked_at: so.Mapped[dt.datetime | None]


class CommitmentUpdate(db.Model):
    """One status change of a commitment: history is appended, never overwritten."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    note_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("note.id", ondelete="CASCADE"), index=True
    )
    board_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("board.id", ondelete="CASCADE"), index=True
    )
    seq: so.Mapped[int | None]  # the board op that made it
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="SET NULL")
    )
    via: so.Mapped[str] = so.mapped_column(sa.String(20))  # one of UPDATE_VIAS
    actor_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    from_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    to_status: so.Mapped[str] = so.mapped_column(sa.String(20))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    value: so.Mapped[float | None]


class MailOut(db.Model):
    """An e-mail to send once: the queue survives restarts; `key` makes each one unique."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))  # link | due_soon | overdue
    note_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("note.id", ondelete="CASCADE"), index=True
    )
    link_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("follow_up_link.id", ondelete="CASCADE")
    )
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    send_after: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    sent_at: so.Mapped[dt.datetime | None]
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str] = so.mapped_column(sa.Text, default="")
