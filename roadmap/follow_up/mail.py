"""E-mail to commitment owners: their link, a reminder before the due date, one when overdue.

A queue in the database (`MailOut`, one row per message with a unique key) survives restarts.
Each row is claimed by setting `sent_at` before the message leaves (one UPDATE ... WHERE
sent_at IS NULL), so no message is ever sent twice, even by several server processes; a failed
send gives the row back for a later try. Nothing is queued unless MAIL_SERVER is configured and
the commitment has a contact address. The address is personal data of the owner: it is used
here and nowhere else (never in snapshots, reports, exports or backups).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import smtplib
import threading
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale, gettext

from ..extensions import db
from ..identity import hash_token
from ..models import FollowUpLink, MailOut, Note, utcnow
from ..reports.context import report_language
from ..reports.pdf import N_, format_date
from .services import follow_up_url, link_token

MAX_ATTEMPTS = 5
RETRY_AFTER = dt.timedelta(minutes=10)
# The words of each message, put into the event's language when it is composed (compose()).
SUBJECTS = {
    "link": N_("Your commitment: %(text)s"),
    "due_soon": N_("Reminder: due on %(due)s: %(text)s"),
    "overdue": N_("Overdue since %(due)s: %(text)s"),
}
OPENINGS = {
    "link": N_(
        "Here is your private link to report progress on the commitment you made at %(event)s."
    ),
    "due_soon": N_("Your commitment from %(event)s is due on %(due)s. How is it going?"),
    "overdue": N_(
        "Your commitment from %(event)s was due on %(due)s. Tell the organisers where it stands."
    ),
}


def configured(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("MAIL_SERVER"))


def _add(key: str, kind: str, note: Note, link: FollowUpLink, send_after: dt.datetime) -> bool:
    """Queue one message unless its key is already there (then nothing changes)."""
    exists = db.session.scalar(sa.select(MailOut.id).where(MailOut.key == key))
    if exists is not None:
        return False
    db.session.add(
        MailOut(
            key=key,
            kind=kind,
            note_id=note.id,
            link_id=link.id,
            to_address="",
            subject="",
            body="",
            send_after=send_after,
        )
    )
    return True


def queue_link(note: Note, link: FollowUpLink) -> None:
    """Queue the owner's link (the caller commits), when there is somewhere to send it."""
    if configured() and note.contact_email:
        _add(f"link:{link.id}", "link", note, link, utcnow())


def schedule_reminders(now: dt.datetime | None = None) -> int:
    """Queue the due-soon and overdue reminders of every live link; returns how many are new."""
    if not configured():
        return 0
    now = now or utcnow()
    days = int(current_app.config.get("MAIL_REMINDER_DAYS", 14))
    rows = db.session.execute(
        sa.select(FollowUpLink, Note)
        .join(Note, Note.id == FollowUpLink.note_id)
        .where(
            FollowUpLink.revoked_at.is_(None),
            Note.deleted_at.is_(None),
            Note.contact_email != "",
            Note.due_date.is_not(None),
            Note.status.not_in(("done", "dropped")),
        )
    ).all()
    made = 0
    for link, note in rows:
        if link.expires_at is not None and link.expires_at <= now:
            continue
        due = dt.datetime.combine(note.due_date, dt.time(8, 0))
        made += _add(
            f"due_soon:{link.id}:{note.due_date}",
            "due_soon",
            note,
            link,
            due - dt.timedelta(days=days),
        )
        made += _add(
            f"overdue:{link.id}:{note.due_date}", "overdue", note, link, due + dt.timedelta(days=1)
        )
    db.session.commit()
    return made


def _still_wanted(row: MailOut, link: FollowUpLink | None, note: Note | None) -> str:
    """'' when the message should go; else why not (the link changed, the work is done…)."""
    if link is None or note is None or note.deleted_at is not None:
        return "the commitment or its link is gone"
    if link.revoked_at is not None or (link.expires_at and link.expires_at <= utcnow()):
        return "the link was withdrawn"
    if not note.contact_email:
        return "no contact address"
    if row.kind != "link":
        if note.status in ("done", "dropped"):
            return f"the commitment is {note.status}"
        if note.due_date is None or not row.key.endswith(f":{note.due_date}"):
            return "the due date changed"
    if hash_token(link_token(link.nonce)) != link.token_hash:
        return "the link can no longer be rebuilt (SECRET_KEY changed)"
    return ""


def compose(row: MailOut, link: FollowUpLink, note: Note) -> tuple[EmailMessage, str]:
    """The message, and its body as kept in the queue (the private link left out)."""
    from ..models import Board, Event, Group

    board = db.session.get(Board, note.board_id)
    group = db.session.get(Group, board.group_id)
    event = db.session.get(Event, group.event_id)
    base = current_app.config.get("MAIL_BASE_URL") or link.base_url
    url = follow_up_url(link_token(link.nonce), base.rstrip("/"))
    lang = report_language(event)
    with force_locale(lang):
        due = format_date(note.due_date, lang=lang) if note.due_date else ""
        words = {"text": note.text[:80], "due": due, "event": event.name}
        lines = [
            gettext("Dear %(name)s,", name=note.owner_name or gettext("colleague")),
            "",
            gettext(OPENINGS[row.kind], **words),
            "",
            gettext("Commitment: %(value)s", value=note.text),
            gettext("Group: %(value)s", value=group.name),
        ]
        if due:
            lines.append(gettext("Due date: %(value)s", value=due))
        if note.indicator:
            lines.append(gettext("Indicator: %(value)s", value=note.indicator))
        lines += ["", gettext("Open your private link (no account needed):"), "{link}", ""]
        lines.append(gettext("This link opens this one commitment only. Please do not forward it."))
        subject = gettext(SUBJECTS[row.kind], **words)
    body = "\n".join(lines)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config.get("MAIL_FROM", "roadmap@localhost")
    message["To"] = note.contact_email
    message["Message-ID"] = make_msgid(domain="roadmap")
    message["X-Roadmap-Key"] = row.key
    message.set_content(body.replace("{link}", url))
    return message, body.replace("{link}", "[private link]")


def _smtp() -> smtplib.SMTP:
    cfg = current_app.config
    host, port = cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT", 25))
    timeout = float(cfg.get("MAIL_TIMEOUT", 20))
    if cfg.get("MAIL_USE_SSL"):
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
        if cfg.get("MAIL_USE_TLS"):
            server.starttls()
    if cfg.get("MAIL_USERNAME"):
        server.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
    return server


def _claim(row_id: int, now: dt.datetime) -> bool:
    """Take a row for sending: only one caller, in any process, ever wins it."""
    table = MailOut.__table__
    done = db.session.execute(
        table.update()
        .where(table.c.id == row_id, table.c.sent_at.is_(None))
        .values(sent_at=now, attempts=table.c.attempts + 1)
    )
    db.session.commit()
    return done.rowcount == 1


def send_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send every queued message whose time has come; returns counts."""
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    if not configured():
        return counts
    now = now or utcnow()
    ids = db.session.scalars(
        sa.select(MailOut.id)
        .where(
            MailOut.sent_at.is_(None),
            MailOut.send_after <= now,
            MailOut.attempts < MAX_ATTEMPTS,
        )
        .order_by(MailOut.send_after, MailOut.id)
        .limit(200)
    ).all()
    server: smtplib.SMTP | None = None
    try:
        for row_id in ids:
            if not _claim(row_id, now):
                continue  # another process has it
            row = db.session.get(MailOut, row_id)
            link = db.session.get(FollowUpLink, row.link_id) if row.link_id else None
            note = db.session.get(Note, row.note_id) if row.note_id else None
            why_not = _still_wanted(row, link, note)
            if why_not:
                row.last_error = f"skipped: {why_not}"
                db.session.commit()
                counts["skipped"] += 1
                continue
            message, kept = compose(row, link, note)
            try:
                server = server or _smtp()
                server.send_message(message)
            except (smtplib.SMTPException, OSError) as err:
                row.sent_at = None  # given back: tried again later
                row.send_after = now + RETRY_AFTER
                row.last_error = f"{type(err).__name__}: {err}"[:1000]
                db.session.commit()
                counts["failed"] += 1
                server = None
                continue
            row.to_address, row.subject, row.body = message["To"], message["Subject"], kept
            row.last_error = ""
            db.session.commit()
            counts["sent"] += 1
    finally:
        if server is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                server.quit()
    return counts


def run_once(now: dt.datetime | None = None) -> dict[str, int]:
    """Queue what is due, then send it (the CLI and the background loop)."""
    queued = schedule_reminders(now)
    return {"queued": queued, **send_due(now)}


_started = threading.Lock()
_running: dict[str, Any] = {}


def start_background(app: Flask) -> None:
    """Run the queue in this server process: every MAIL_INTERVAL_SECONDS (default 60)."""
    from ..extensions import socketio

    with _started:
        if _running.get(app.name):
            return
        _running[app.name] = True

    def loop() -> None:
        interval = float(app.config.get("MAIL_INTERVAL_SECONDS", 60))
        while True:
            with app.app_context():
                try:
                    run_once()
                except Exception:  # keep the loop alive; the row records what failed
                    app.logger.exception("reminder queue")
                finally:
                    db.session.remove()
            socketio.sleep(interval)

    socketio.start_background_task(loop)
