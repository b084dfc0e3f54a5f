"""Retention and purge: an event's personal data is erased once its retention period is over.

A purge erases participants' names, organisations and countries (their counts by organisation
and country are kept, as counts, in Event.purge_counts), the text of deleted and redacted
notes, the link between anonymous notes/takeaways and their authors, the whole op log
(payloads, results, undo data) and internal report copies that name authors; then the SQLite
file is vacuumed and its WAL truncated. The roadmap stays: notes, clusters, votes,
commitments with their owners and organisations, takeaways without authors; reports render.

`retention_days` 0 means "no automatic purge" (the demo, events made before retention
existed); otherwise the purge is due that many days after the event's end (or start, or
creation). The server checks for due purges when it starts and every PURGE_CHECK_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any, cast

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from ..errors import AppError
from ..extensions import db, socketio
from ..models import (
    Board,
    BoardOp,
    Event,
    Group,
    MailOut,
    Note,
    NoteTranslation,
    Participant,
    Takeaway,
    utcnow,
)
from ..reports.context import participation
from . import erasure

DEFAULT_RETENTION_DAYS = 90
MAX_RETENTION_DAYS = 3650


def check_retention(value: Any) -> int:
    """A retention period in days: 0 (no automatic purge) to MAX_RETENTION_DAYS."""
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        raise AppError("invalid", _l("retention_days: a whole number of days.")) from None
    if not 0 <= days <= MAX_RETENTION_DAYS:
        raise AppError("invalid", _l("retention_days: 0 to %(max)s days.", max=MAX_RETENTION_DAYS))
    return days


def due_on(event: Event) -> dt.date | None:
    """The day the event's purge falls due (None: never automatically, or nothing to purge).

    After a purge, people who join later are personal data too: the next purge falls due the
    retention period after the first of them joined.
    """
    if not event.retention_days:
        return None
    if event.purged_at is not None:
        first = db.session.scalar(
            sa.select(sa.func.min(Participant.created_at)).where(
                Participant.event_id == event.id,
                Participant.role == "participant",
                Participant.created_at > event.purged_at,
            )
        )
        return None if first is None else first.date() + dt.timedelta(days=event.retention_days)
    end = event.ends_on or event.starts_on or event.created_at.date()
    return end + dt.timedelta(days=event.retention_days)


def due_events(today: dt.date | None = None) -> list[Event]:
    today = today or utcnow().date()
    events = db.session.scalars(sa.select(Event).where(Event.retention_days > 0)).all()
    return [e for e in events if (due := due_on(e)) is not None and due <= today]


def purge_event(event: Event) -> dict[str, Any]:
    """Erase the event's personal data for good (see the module docstring); commits."""
    now = utcnow()
    people = {
        p.id: p
        for p in db.session.scalars(sa.select(Participant).where(Participant.event_id == event.id))
    }
    counts = participation(event, people)
    board_ids = list(
        db.session.scalars(
            sa.select(Board.id)
            .join(Group, Group.id == Board.group_id)
            .where(Group.event_id == event.id)
        )
    )
    erased = 0
    for p in people.values():
        if p.role != "participant":
            continue
        p.name, p.organisation, p.country = f"Participant {p.id}", "", ""
        p.removed = True  # their sessions end; votes and notes stay, nameless
        erased += 1
    gone = sa.or_(Note.deleted_at.is_not(None), Note.redacted_at.is_not(None))
    texts = _rowcount(
        sa.update(Note)
        .where(Note.board_id.in_(board_ids), gone)
        .values(
            text="",
            indicator="",
            status_note="",
            redacted_at=sa.func.coalesce(Note.redacted_at, now),
        )
    )
    # Translations (issue 15) of notes whose text is gone go too; anonymous translators are
    # unlinked like anonymous authors.
    db.session.execute(
        sa.delete(NoteTranslation).where(
            NoteTranslation.note_id.in_(
                sa.select(Note.id).where(Note.board_id.in_(board_ids), gone)
            )
        )
    )
    db.session.execute(
        sa.update(NoteTranslation)
        .where(NoteTranslation.board_id.in_(board_ids), NoteTranslation.anonymous.is_(True))
        .values(translator_id=None)
    )
    db.session.execute(
        sa.update(Note)
        .where(Note.board_id.in_(board_ids), Note.anonymous.is_(True))
        .values(author_id=None)
    )
    db.session.execute(
        sa.update(Takeaway)
        .where(Takeaway.board_id.in_(board_ids), Takeaway.anonymous.is_(True))
        .values(participant_id=None)
    )
    # Owners' contact addresses (issue 14) are personal data too: the addresses and every
    # queued or sent e-mail go; the owner's link keeps working, reminders by e-mail stop.
    db.session.execute(
        sa.delete(MailOut).where(
            MailOut.note_id.in_(sa.select(Note.id).where(Note.board_id.in_(board_ids)))
        )
    )
    db.session.execute(
        sa.update(Note)
        .where(Note.board_id.in_(board_ids), Note.contact_email != "")
        .values(contact_email="")
    )
    ops = _rowcount(sa.delete(BoardOp).where(BoardOp.board_id.in_(board_ids)))
    if not event.purge_counts:
        event.purge_counts = {
            "participants": counts["people"],
            "organisations": [list(kv) for kv in counts["organisations"]],
            "countries": [list(kv) for kv in counts["countries"]],
        }
    event.purged_at = now
    db.session.commit()
    from ..organise.services import disconnect

    for p in people.values():
        if p.role == "participant":
            disconnect(p.id)
    files = erasure.forget_reports(event.id)
    erasure.vacuum()
    return {
        "event_id": event.id,
        "purged_at": now.replace(microsecond=0).isoformat() + "Z",
        "participants_erased": erased,
        "texts_erased": texts,
        "ops_erased": ops,
        "files_removed": files,
    }


def run_due_purges() -> list[dict[str, Any]]:
    done = []
    for event in due_events():
        current_app.logger.info("Retention period over: purging event %s", event.id)
        done.append(purge_event(event))
    return done


_started = threading.Event()


def _loop(app: Flask, every: float) -> None:
    while True:
        with app.app_context():
            try:
                run_due_purges()
            except Exception:  # never let the loop die: try again next time
                db.session.rollback()
                app.logger.exception("purge check failed")
            finally:
                db.session.remove()
        socketio.sleep(every)


def start_purge_checks(app: Flask) -> None:
    """Start the periodic purge check once per process (on the first request served)."""
    every = float(app.config.get("PURGE_CHECK_SECONDS", 3600))
    if every <= 0 or app.testing or _started.is_set():
        return
    _started.set()
    socketio.start_background_task(_loop, app, every)


def init_app(app: Flask) -> None:
    @app.before_request
    def _purge_checks() -> None:
        if not _started.is_set():
            start_purge_checks(app)

    @app.cli.command("purge")
    @click.option("--event", "event_id", type=int, help="Purge this event now.")
    @click.option("--due", is_flag=True, help="Purge every event whose retention period is over.")
    def purge_command(event_id: int | None, due: bool) -> None:
        """Erase an event's personal data for good (names, removed texts, op log)."""
        if event_id is None and not due:
            raise click.UsageError("Give --event ID or --due.")
        results = run_due_purges() if due else []
        if event_id is not None:
            event = db.session.get(Event, event_id)
            if event is None:
                raise click.ClickException(f"There is no event {event_id}.")
            results.append(purge_event(event))
        for r in results:
            click.echo(
                f"Event {r['event_id']} purged: {r['participants_erased']} participants, "
                f"{r['texts_erased']} removed texts, {r['ops_erased']} op-log entries erased."
            )
        if not results:
            click.echo("Nothing to purge.")


def _rowcount(statement: sa.Executable) -> int:
    """Run an UPDATE or DELETE in the session's transaction; how many rows it changed."""
    result = cast(sa.CursorResult[Any], db.session.execute(statement))
    return result.rowcount
