"""Do No Harm in process: redaction, backups without personal data, retention and purge."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api import auth

from roadmap import ops
from roadmap.do_no_harm import privacy
from roadmap.do_no_harm.retention import due_events, purge_event
from roadmap.extensions import db
from roadmap.models import BoardOp, Event, Lane, Note, Participant


@pytest.fixture
def app(demo_app):
    return demo_app


@pytest.fixture
def demo(demo_database):
    ops.buckets.reset()
    return demo_database[1]


def staff(demo, index: int = 0) -> Participant:
    return db.session.scalar(
        sa.select(Participant).where(
            Participant.group_id == demo["groups"][index]["id"], Participant.role == "facilitator"
        )
    )


def run(board: int, who, op_type: str, **data):
    return ops.apply(board, {"op_id": str(uuid.uuid4()), "type": op_type, "data": data}, who).ack


def lane_of(board: int) -> int:
    return db.session.scalar(sa.select(Lane.id).where(Lane.board_id == board).limit(1))


def db_file(app) -> Path:
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def file_bytes(app) -> bytes:
    base = db_file(app)
    wal = base.with_name(base.name + "-wal")
    return base.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_the_one_rule_shows_an_anonymous_subject_to_itself_only():
    assert privacy.may_show(anonymous=False, subject_id=1, viewer_id=2)
    assert not privacy.may_show(anonymous=True, subject_id=1, viewer_id=2)
    assert not privacy.may_show(anonymous=True, subject_id=1, viewer_id=None)
    assert privacy.may_show(anonymous=True, subject_id=1, viewer_id=1)
    assert privacy.identity(1, "Mai", anonymous=True) == privacy.ANONYMOUS
    assert privacy.identity(1, "Mai", anonymous=True, viewer_id=1) == {"id": 1, "name": "Mai"}


def test_redaction_is_staff_only_and_erases_every_version_everywhere(app, demo):
    board = demo["groups"][0]["board_id"]
    with app.app_context():
        event = db.session.get(Event, demo["event_id"])
        author = Participant(event_id=event.id, name="Writer", token_hash=uuid.uuid4().hex)
        db.session.add(author)
        db.session.commit()
        first, second = f"Lan {uuid.uuid4().hex}", f"Lan2 {uuid.uuid4().hex}"
        note = run(board, author, "note.create", lane_id=lane_of(board), text=first)
        note = note["result"]["note"]
        assert run(board, author, "note.update", note_id=note["id"], base_version=1, text=second)[
            "ok"
        ]
        facilitator = staff(demo)
        other = run(board, author, "note.create", lane_id=lane_of(board), text="Other note")
        clustered = run(
            board,
            facilitator,
            "cluster.create",
            note_ids=[note["id"], other["result"]["note"]["id"]],
            title="A cluster",
        )
        assert clustered["ok"], clustered
        assert run(board, author, "note.redact", note_id=note["id"])["error"]["code"] == (
            "forbidden"
        )
        done = run(board, facilitator, "note.redact", note_id=note["id"])
        assert done["ok"] and done["result"]["deleted_note_ids"] == [note["id"]]
        db.session.expire_all()
        row = db.session.get(Note, note["id"])
        assert row.text == "" and row.redacted_at is not None and row.deleted_at is not None
        logged = json.dumps(
            [[r.data, r.result, r.undo] for r in db.session.scalars(sa.select(BoardOp))]
        )
        assert first not in logged and second not in logged
        assert "Other note" in logged  # the other notes' history stays
        assert run(board, facilitator, "facilitator.undo")["ok"]  # staff undo still works
    data = file_bytes(app)
    assert first.encode() not in data and second.encode() not in data


def test_the_backup_without_personal_data_names_nobody(app, client, demo):
    board = demo["groups"][0]["board_id"]
    with app.app_context():
        names = set(
            db.session.scalars(sa.select(Participant.name).where(Participant.role == "participant"))
        )
        names -= set(db.session.scalars(sa.select(Note.owner_name)))  # owners stay named
        db.session.add(
            Participant(
                event_id=demo["event_id"],
                name="Hidden-Joiner-Kq",
                anonymous=True,
                token_hash=uuid.uuid4().hex,
            )
        )
        db.session.commit()
        anon = db.session.scalar(sa.select(Participant).where(Participant.role == "participant"))
        note = run(board, anon, "note.create", lane_id=lane_of(board), text="Quiet", anonymous=True)
        gone = run(board, anon, "note.create", lane_id=lane_of(board), text="Gone-Phone 0812")
        run(board, anon, "note.delete", note_id=gone["result"]["note"]["id"])
    headers = auth(demo["organiser_token"])
    full = client.get(f"/api/events/{demo['event_id']}/export.json", headers=headers).get_json()
    lean = client.get(
        f"/api/events/{demo['event_id']}/export.json?personal_data=0", headers=headers
    ).get_json()
    for backup in (full, lean):
        text = json.dumps(backup, ensure_ascii=False)
        assert "Gone-Phone" not in text
        quiet = next(n for n in backup["notes"] if n["id"] == note["result"]["note"]["id"])
        assert quiet["author_id"] is None
    assert full["personal_data"] is True and lean["personal_data"] is False
    lean_text = json.dumps(lean, ensure_ascii=False)
    assert not [n for n in names if f'"{n}"' in lean_text]
    assert lean["participation"]["people"] >= len(names) - 1
    assert any(n in json.dumps(full, ensure_ascii=False) for n in names)
    assert '"Hidden-Joiner-Kq"' not in json.dumps(full)  # joined "post anonymously"
    assert any(p["name"].startswith("Anonymous participant") for p in full["participants"])


def test_the_event_form_shows_the_retention_period_and_the_page_purges_with_confirmation(
    app, client, runner, demo
):
    from support.api import PASSWORD, form_token
    from support.api import organiser_sign_in as sign_in

    result = runner.invoke(
        args=["create-organiser", "--email", "dpo@example.org", "--name", "Dee"],
        env={"ORGANISER_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    sign_in(client, {"email": "dpo@example.org", "password": PASSWORD})
    page = client.get("/organise/events/new").get_data(as_text=True)
    assert 'name="retention_days"' in page and 'value="90"' in page
    token = form_token(client, "/organise/events/new")
    res = client.post(
        "/organise/events/new",
        data={"csrf_token": token, "name": "Quarterly", "ends_on": "2026-01-31"},
    )
    assert res.status_code == 302
    edit = res.location
    page = client.get(edit).get_data(as_text=True)
    assert "2026-05-01" in page and "purge.js" in page  # 90 days after the end
    refused = client.post(edit, data={"csrf_token": token, "action": "purge"})
    assert "Tick the box" in refused.get_data(as_text=True)
    done = client.post(edit, data={"csrf_token": token, "action": "purge", "confirm": "purge"})
    assert "Personal data erased on" in done.get_data(as_text=True)


def test_purge_is_for_organisers_and_erases_names_from_the_database_files(app, client, demo, join):
    event_id = demo["event_id"]
    participant = join("Purgeable-Person-Xq")
    res = client.post(f"/api/events/{event_id}/purge", headers=auth(participant["token"]))
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"
    facilitator = demo["groups"][0]["facilitator_token"]
    res = client.post(f"/api/events/{event_id}/purge", headers=auth(facilitator))
    assert res.status_code == 403
    with app.app_context():
        names = set(
            db.session.scalars(
                sa.select(Participant.name).where(
                    Participant.event_id == event_id, Participant.role == "participant"
                )
            )
        )
        owners = set(db.session.scalars(sa.select(Note.owner_name)))  # commitments stay named
        orgs = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Participant.organisation))).where(
                Participant.role == "participant", Participant.organisation != ""
            )
        )
    res = client.post(f"/api/events/{event_id}/purge", headers=auth(demo["organiser_token"]))
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["participants_erased"] == len(names)
    data = file_bytes(app)
    assert [n for n in names - owners if n.encode() in data] == []
    assert b"Purgeable-Person-Xq" not in data
    pdf = client.get(f"/api/events/{event_id}/report.pdf", headers=auth(demo["organiser_token"]))
    assert pdf.status_code == 200
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    assert "Participation" in text and f"from {orgs} organisations" in " ".join(text.split())
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BoardOp)) == 0
        event = db.session.get(Event, event_id)
        assert event.purged_at is not None and event.purge_counts["participants"] == len(names)


def test_due_purges_follow_the_retention_period_and_the_cli_purges_by_hand(app, runner, demo):
    with app.app_context():
        event = db.session.get(Event, demo["event_id"])
        assert event.retention_days == 0 and due_events() == []  # the demo: by hand only
        event.retention_days = 90
        event.ends_on = dt.date.today() - dt.timedelta(days=89)
        db.session.commit()
        assert due_events() == []
        event.ends_on = dt.date.today() - dt.timedelta(days=91)
        db.session.commit()
        assert [e.id for e in due_events()] == [event.id]
    result = runner.invoke(args=["purge", "--event", str(demo["event_id"])])
    assert result.exit_code == 0 and "purged" in result.output, result.output
    with app.app_context():
        assert due_events() == []
        assert db.session.get(Event, demo["event_id"]).purged_at is not None
    assert "Nothing to purge" in runner.invoke(args=["purge", "--due"]).output


def test_people_who_join_after_a_purge_are_purged_a_retention_period_later(app, demo):
    with app.app_context():
        event = db.session.get(Event, demo["event_id"])
        event.retention_days = 30
        db.session.commit()
        purge_event(event)
        assert due_events() == []  # nothing new since the purge
        late = Participant(event_id=event.id, name="Late Joiner", token_hash=uuid.uuid4().hex)
        db.session.add(late)
        db.session.commit()
        today = dt.date.today()
        assert due_events(today + dt.timedelta(days=29)) == []
        assert [e.id for e in due_events(today + dt.timedelta(days=31))] == [event.id]
        purge_event(event)
        assert db.session.get(Participant, late.id).name != "Late Joiner"
        assert due_events(today + dt.timedelta(days=400)) == []


def test_purge_event_keeps_the_roadmap(app, demo):
    with app.app_context():
        event = db.session.get(Event, demo["event_id"])
        before = db.session.scalar(
            sa.select(sa.func.count()).select_from(Note).where(Note.deleted_at.is_(None))
        )
        owners = set(db.session.scalars(sa.select(Note.owner_name).where(Note.owner_name != "")))
        purge_event(event)
        after = db.session.scalar(
            sa.select(sa.func.count()).select_from(Note).where(Note.deleted_at.is_(None))
        )
        assert after == before
        assert owners == set(
            db.session.scalars(sa.select(Note.owner_name).where(Note.owner_name != ""))
        )


@pytest.mark.parametrize(
    "lang, what_not, anonymous",
    [
        ("en", "Never write on a board the name", "Your notes can be anonymous"),
        ("fr", "N’écrivez jamais sur un tableau", "Vos notes peuvent être anonymes"),
        ("th", "ห้ามเขียนชื่อ", "โน้ตของคุณไม่ระบุชื่อได้"),
    ],
)
def test_the_join_page_says_what_not_to_write_in_the_participants_language(
    client, demo, lang, what_not, anonymous
):
    client.set_cookie("lang", lang)
    page = client.get(f"/join/{demo['join_code']}").get_data(as_text=True)
    assert what_not in page and anonymous in page


def _secret() -> str:
    return f"victim: Nguyen Thi Lan 0812345678 {uuid.uuid4().hex}"


def _logged() -> str:
    rows = db.session.scalars(sa.select(BoardOp))
    return json.dumps([[r.data, r.result, r.undo] for r in rows], ensure_ascii=False)


def test_redacting_a_commitment_erases_the_signpost_it_was_made_from(app, demo):
    board = demo["groups"][0]["board_id"]
    with app.app_context():
        facilitator, secret = staff(demo), _secret()
        note = run(board, facilitator, "note.create", lane_id=lane_of(board), text=secret)
        made = run(
            board,
            facilitator,
            "commitment.set",
            note_id=note["result"]["note"]["id"],
            owner_name="Ministry",
        )
        assert made["ok"], made
        commitment = made["result"]["note"]["id"]
        done = run(board, facilitator, "note.redact", note_id=commitment)
        assert done["ok"] and note["result"]["note"]["id"] in done["result"]["deleted_note_ids"]
        db.session.expire_all()
        assert db.session.get(Note, note["result"]["note"]["id"]).text == ""
        assert secret not in _logged()
    assert secret.encode() not in file_bytes(app)


def test_redacting_a_signpost_leaves_no_copy_for_an_undo_of_its_reworded_commitment(app, demo):
    board = demo["groups"][0]["board_id"]
    with app.app_context():
        facilitator, secret = staff(demo), _secret()
        note = run(board, facilitator, "note.create", lane_id=lane_of(board), text=secret)
        source = note["result"]["note"]["id"]
        made = run(board, facilitator, "commitment.set", note_id=source, owner_name="Ministry")
        commitment = made["result"]["note"]["id"]
        reworded = run(
            board,
            facilitator,
            "commitment.set",
            note_id=commitment,
            owner_name="Ministry",
            text="Shelter referrals in every province",
        )
        assert reworded["ok"], reworded
        assert run(board, facilitator, "note.redact", note_id=source)["ok"]
        db.session.expire_all()
        assert secret not in _logged()
        run(board, facilitator, "facilitator.undo")  # undo the rewording: offered or not,
        db.session.expire_all()
        assert secret not in (db.session.get(Note, commitment).text or "")  # never the text
        assert secret not in _logged()
    assert secret.encode() not in file_bytes(app)


def test_redaction_takes_the_note_out_of_partner_labels_on_other_boards(app, demo):
    from roadmap.follow_up.synergies import introduce

    board, other_board = demo["groups"][0]["board_id"], demo["groups"][1]["board_id"]
    with app.app_context():
        facilitator, secret = staff(demo), _secret()
        note = run(board, facilitator, "note.create", lane_id=lane_of(board), text=secret)
        note_id = note["result"]["note"]["id"]
        partner = run(board, facilitator, "note.create", lane_id=lane_of(board), text="x")
        kept = run(
            other_board,
            staff(demo, 1),
            "note.create",
            lane_id=lane_of(other_board),
            text="Joint training of labour inspectors",
        )
        kept_id = kept["result"]["note"]["id"]
        organiser = db.session.scalar(
            sa.select(Participant).where(
                Participant.event_id == demo["event_id"], Participant.role == "organiser"
            )
        )
        introduce(
            organiser,
            db.session.get(Event, demo["event_id"]),
            [partner["result"]["note"]["id"], kept_id],
        )
        introduce(organiser, db.session.get(Event, demo["event_id"]), [note_id, kept_id])
        db.session.expire_all()
        assert f"(#{note_id})" in db.session.get(Note, kept_id).partners
        assert run(board, facilitator, "note.redact", note_id=note_id)["ok"]
        db.session.expire_all()
        partners = db.session.get(Note, kept_id).partners
        assert f"(#{note_id})" not in partners and secret[:40] not in partners
        assert f"(#{partner['result']['note']['id']})" in partners  # the other partner stays
        assert secret[:40] not in _logged()
    assert secret[:40].encode() not in file_bytes(app)


def test_redaction_and_purge_delete_stored_reports_that_may_quote_the_text(app, demo):
    from roadmap.reports.jobs import export_dir, report_file_name

    board = demo["groups"][0]["board_id"]
    with app.app_context():
        facilitator = staff(demo)
        stored = export_dir() / report_file_name(demo["event_id"])
        stored.write_bytes(b"%PDF- a report that quotes the note")
        other = export_dir() / report_file_name(demo["event_id"] + 1000)
        other.write_bytes(b"%PDF- another event")
        note = run(board, facilitator, "note.create", lane_id=lane_of(board), text=_secret())
        assert run(board, facilitator, "note.redact", note_id=note["result"]["note"]["id"])["ok"]
        assert not stored.exists() and other.exists()
        stored.write_bytes(b"%PDF- rendered again")
        assert purge_event(db.session.get(Event, demo["event_id"]))["files_removed"] == 1
        assert not stored.exists() and other.exists()
        other.unlink()


def test_redacting_a_short_text_leaves_other_notes_ops_whole(app, demo):
    """A note whose text is "signpost" is redacted: another note's op keeps its kind."""
    board = demo["groups"][0]["board_id"]
    with app.app_context():
        facilitator = staff(demo)
        other = run(board, facilitator, "note.create", lane_id=lane_of(board), text="Other idea")
        short = run(board, facilitator, "note.create", lane_id=lane_of(board), text="signpost")
        assert run(board, facilitator, "note.redact", note_id=short["result"]["note"]["id"])["ok"]
        db.session.expire_all()
        row = db.session.scalar(
            sa.select(BoardOp).where(BoardOp.seq == other["seq"], BoardOp.board_id == board)
        )
        assert row.result["note"]["kind"] == "signpost"
