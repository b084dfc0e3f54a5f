"""E-mail to owners through a real local SMTP server: the link, reminders, never twice."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api import auth, make_app
from support.server import free_port

from roadmap.extensions import db
from roadmap.follow_up import mail
from roadmap.models import Event, MailOut, utcnow
from roadmap.reports.pdf import format_date

LINK = re.compile(r"http://localhost/follow-up/\S+")


@pytest.fixture
def mailing(app, smtp):
    inbox, port = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="tracker@example.org")
    return inbox


def subject(message) -> str:
    return " ".join(str(message["Subject"]).split())  # unfolded


def run(app, now=None):
    with app.app_context():
        return mail.run_once(now)


def test_the_owner_gets_the_link_once(app, client, c, mailing, demo):
    soon = (utcnow().date() + dt.timedelta(days=60)).isoformat()
    note, _ = c.commitment("Train 20 shelters in trauma-informed care")
    c.send(c.fac, "commitment.set", note_id=note["id"], owner_name="Mai", due_date=soon)
    res = c.link(note["id"], email="mai@example.org")
    assert res.status_code == 201
    url = res.get_json()["url"]
    assert run(app) == {"queued": 2, "sent": 1, "skipped": 0, "failed": 0}
    [message] = mailing.all()
    assert message["To"] == "mai@example.org" and message["From"] == "tracker@example.org"
    assert subject(message).startswith("Your commitment: Train 20 shelters")
    body = message.get_content()
    assert LINK.search(body).group(0) == url  # the link in the mail is the one staff saw
    token = url.rsplit("/", 1)[1]
    assert client.get(f"/api/follow-up/{token}").status_code == 200
    # Never twice: running again sends nothing; the queue keeps no link.
    assert run(app) == {"queued": 0, "sent": 0, "skipped": 0, "failed": 0}
    assert len(mailing.all()) == 1
    with app.app_context():
        kept = db.session.scalar(sa.select(MailOut).where(MailOut.kind == "link"))
        assert kept.sent_at is not None and token not in kept.body and "[private link]" in kept.body
    # The address is the owner's alone: not on the board, not in the tracker or its exports.
    for path in (
        f"/api/boards/{c.board_id}",
        f"/api/events/{demo['event_id']}/commitments",
        f"/api/events/{demo['event_id']}/commitments.csv",
        f"/api/events/{demo['event_id']}/export.json",
        f"/api/commitments/{note['id']}/history",
    ):
        assert "mai@example.org" not in client.get(path, headers=auth(c.org)).get_data(as_text=True)


def test_reminders_before_the_due_date_and_when_overdue(app, c, mailing):
    due = utcnow().date() + dt.timedelta(days=30)
    note, _ = c.commitment("Publish a directory of freedom businesses")
    c.send(c.fac, "commitment.set", note_id=note["id"], owner_name="Mai", due_date=due.isoformat())
    c.link(note["id"], email="mai@example.org")
    assert run(app)["sent"] == 1  # the link; reminders wait for their day
    fortnight_before = dt.datetime.combine(due - dt.timedelta(days=13), dt.time(9))
    assert run(app, fortnight_before)["sent"] == 1
    assert subject(mailing.all()[-1]).startswith(f"Reminder: due on {format_date(due)}")
    assert LINK.search(mailing.all()[-1].get_content())
    assert run(app, fortnight_before)["sent"] == 0
    late = dt.datetime.combine(due + dt.timedelta(days=2), dt.time(9))
    assert run(app, late)["sent"] == 1
    assert subject(mailing.all()[-1]).startswith(f"Overdue since {format_date(due)}")
    assert run(app, late + dt.timedelta(days=5))["sent"] == 0
    assert len(mailing.all()) == 3


def test_the_mail_speaks_the_events_language(app, c, mailing, demo):
    """Owners read their mail in the event's language (its first UI language), dates included."""
    with app.app_context():
        db.session.get(Event, demo["event_id"]).languages = ["vi", "en"]
        db.session.commit()
    due = dt.date(2031, 3, 14)
    note, _ = c.commitment("Đào tạo 20 nhà tạm lánh")
    c.send(c.fac, "commitment.set", note_id=note["id"], owner_name="Lan", due_date=due.isoformat())
    c.link(note["id"], email="lan@example.org")
    assert run(app)["sent"] == 1
    [message] = mailing.all()
    body = message.get_content()
    with app.test_request_context("/?lang=vi"):
        from flask_babel import gettext

        assert subject(message).startswith(gettext("Your commitment: %(text)s", text="Đào"))
        for words in ("Commitment: %(value)s", "Group: %(value)s", "Due date: %(value)s"):
            assert gettext(words, value="").strip() in body
    assert format_date(due, lang="vi") in body
    for english in ("Dear", "Commitment:", "Group:", "Due date:", "private link", "forward"):
        assert english not in body, english


def test_done_or_moved_commitments_are_not_chased(app, c, mailing):
    due = utcnow().date() + dt.timedelta(days=5)
    note, _ = c.commitment("Hotline for migrant workers")
    c.send(c.fac, "commitment.set", note_id=note["id"], owner_name="Mai", due_date=due.isoformat())
    c.link(note["id"], email="mai@example.org")
    with app.app_context():
        mail.schedule_reminders()
    # The due date moves: the old reminders are skipped, new ones follow the new date.
    later = due + dt.timedelta(days=60)
    c.send(
        c.fac, "commitment.set", note_id=note["id"], owner_name="Mai", due_date=later.isoformat()
    )
    counts = run(app)
    assert counts["sent"] == 1 and counts["skipped"] == 1  # the link; the old due-soon
    assert run(app, dt.datetime.combine(later - dt.timedelta(days=1), dt.time(9)))["sent"] == 1
    ack = c.send(c.fac, "commitment.status", note_id=note["id"], status="done")
    assert ack["ok"]
    assert run(app, dt.datetime.combine(later + dt.timedelta(days=3), dt.time(9)))["sent"] == 0
    assert len(mailing.all()) == 2


def test_a_failed_send_is_tried_again_and_the_queue_survives_a_restart(
    app,
    c,
    smtp,
    tmp_path,
):
    inbox, port = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens there
    note, _ = c.commitment("Shelter training")
    c.link(note["id"], email="mai@example.org")
    assert run(app)["failed"] == 1
    with app.app_context():
        row = db.session.scalar(sa.select(MailOut))
        assert row.sent_at is None and row.attempts == 1 and "Error" in row.last_error
        database = db.engine.url.database
    # A new server process on the same database, now with a working SMTP server.
    again = make_app(tmp_path / "restart", Path(database))
    again.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    assert run(again, utcnow() + dt.timedelta(minutes=11))["sent"] == 1
    assert [m["To"] for m in inbox.all()] == ["mai@example.org"]


def test_the_send_reminders_command(app, runner, c, mailing):
    note, _ = c.commitment("Shelter training")
    c.link(note["id"], email="mai@example.org")
    out = runner.invoke(args=["send-reminders"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["sent"] == 1 and len(mailing.all()) == 1
    app.config["MAIL_SERVER"] = None
    out = runner.invoke(args=["send-reminders"])
    assert out.exit_code != 0 and "MAIL_SERVER" in out.output


def test_a_bad_address_is_refused(c):
    note, _ = c.commitment("Shelter training")
    res = c.link(note["id"], email="not an address")
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "invalid"
    assert c.link(note["id"], email="a@b.example\r\nBcc: x@y.z").status_code == 400


def test_a_purge_erases_owners_addresses_and_their_mail(app, client, c, mailing, demo):
    from roadmap.do_no_harm.retention import purge_event
    from roadmap.models import Event, Note

    note, _ = c.commitment("Train 20 shelters in trauma-informed care")
    assert c.link(note["id"], email="lan@example.org").status_code == 201
    run(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOut)) >= 1
        purge_event(db.session.get(Event, demo["event_id"]))
        db.session.expire_all()
        assert db.session.get(Note, note["id"]).contact_email == ""
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOut)) == 0
