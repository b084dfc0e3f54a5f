"""Action tracker exports (CSV, XLSX, ICS), the event backup round trip, background report jobs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

import openpyxl
import pytest
import sqlalchemy as sa
from icalendar import Calendar
from support.api import account_bearer, auth

from roadmap import create_app
from roadmap.extensions import db
from roadmap.models import Event, Group, Note, NoteTranslation, Participant, Takeaway, Vote
from roadmap.reports.backup import export_event

COMMITMENTS = {
    "Pilot a worker voice channel with two suppliers": ("Somchai", "Chab Dai Coalition"),
    "Map freedom businesses in the region and share the directory": ("Ana", "Visayan Forum"),
}


def get(client, demo, path: str, token: str | None = None):
    token = token or demo["organiser_token"]
    return client.get(f"/api/events/{demo['event_id']}/{path}", headers=auth(token))


@pytest.fixture
def thai_commitment(app, demo):
    """A commitment written in Thai, with a partner, from a signpost of the same board."""
    with app.app_context():
        board = db.session.get(Group, demo["groups"][1]["id"]).board
        signpost = db.session.scalar(
            sa.select(Note).where(Note.board_id == board.id, Note.kind == "signpost")
        )
        note = Note(
            board_id=board.id,
            lane_id=board.lanes[-1].id,
            kind="commitment",
            text="จัดอบรมเจ้าหน้าที่ด่านหน้า",
            position="zz",
            owner_name="สมชาย",
            owner_org='=HYPERLINK("x")',
            due_date=dt.date(2026, 6, 30),
            indicator="ผู้เข้าอบรม 100 คน",
            partners="IOM",
            status="in_progress",
            source_note_id=signpost.id,
        )
        db.session.add(note)
        db.session.commit()
        return {"text": note.text, "signpost": signpost.text}


def test_csv_has_a_bom_and_one_row_per_commitment(client, demo, thai_commitment):
    res = get(client, demo, "actions.csv")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert res.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(res.data.decode("utf-8-sig"))))
    assert len(rows) == 5  # four in the demo, one here
    by_text = {r["Commitment"]: r for r in rows}
    for text, (owner, org) in COMMITMENTS.items():
        assert by_text[text]["Owner"] == owner and by_text[text]["Organisation"] == org
    thai = by_text[thai_commitment["text"]]
    assert thai["Owner"] == "สมชาย" and thai["Signpost"] == thai_commitment["signpost"]
    assert thai["Due date"] == "2026-06-30" and thai["Status"] == "in progress"
    assert thai["Organisation"].startswith("'=")  # never a formula in a spreadsheet
    assert list(rows[0]) == [
        "Group", "Commitment", "Signpost", "Owner", "Organisation", "Due date", "Indicator",
        "Partners", "Status", "Status note", "Last update", "Translations",
    ]  # fmt: skip


def test_xlsx_is_a_real_workbook(client, demo, thai_commitment):
    res = get(client, demo, "actions.xlsx")
    assert res.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(res.data)).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Group", "Commitment", "Signpost", "Owner"]
    assert sheet.auto_filter.ref == f"A1:L{sheet.max_row}" and sheet.max_row == 6
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["B"].width == 48
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(2)]
    thai = next(r for r in rows if r["Commitment"] == thai_commitment["text"])
    assert isinstance(thai["Due date"], dt.datetime) and thai["Due date"].date() == dt.date(
        2026, 6, 30
    )
    assert isinstance(thai["Last update"], dt.datetime) and thai["Partners"] == "IOM"


def test_csv_and_xlsx_carry_the_rooms_translations_of_a_commitment(
    app, client, demo, thai_commitment
):
    with app.app_context():
        note = db.session.scalar(sa.select(Note).where(Note.text == thai_commitment["text"]))
        for lang, text, outdated in (
            ("en", "Train front-line officers", True),
            ("km", "ហ្វឹកហ្វឺន", False),
        ):
            db.session.add(
                NoteTranslation(
                    note_id=note.id, board_id=note.board_id, lang=lang, text=text, outdated=outdated
                )
            )
        db.session.commit()
    rows = list(
        csv.DictReader(io.StringIO(get(client, demo, "actions.csv").data.decode("utf-8-sig")))
    )
    thai = next(r for r in rows if r["Commitment"] == thai_commitment["text"])
    assert thai["Translations"] == "English: Train front-line officers (outdated)\nភាសាខ្មែរ: ហ្វឹកហ្វឺន"
    sheet = openpyxl.load_workbook(io.BytesIO(get(client, demo, "actions.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(2) if r[1].value == thai_commitment["text"])
    assert "ភាសាខ្មែរ: ហ្វឹកហ្វឺន" in row[header.index("Translations")].value


def test_ics_has_one_event_per_due_date(client, demo, thai_commitment):
    res = get(client, demo, "actions.ics")
    assert res.status_code == 200 and res.mimetype == "text/calendar"
    cal = Calendar.from_ical(res.data)
    events = cal.walk("VEVENT")
    assert len(events) == 4  # the demo commitment without a due date has none
    thai = next(e for e in events if thai_commitment["text"] in str(e["summary"]))
    assert thai.decoded("dtstart") == dt.date(2026, 6, 30)
    assert "สมชาย" in str(thai["description"]) and len({str(e["uid"]) for e in events}) == 4
    alarms = thai.walk("VALARM")  # reminders a week and a day before
    assert sorted(a.decoded("trigger") for a in alarms) == [
        -dt.timedelta(days=7),
        -dt.timedelta(days=1),
    ]
    assert all(str(a["action"]) == "DISPLAY" for a in alarms)


def test_exports_need_the_organiser(client, demo, join):
    participant = join("Eve")["token"]
    facilitator = demo["groups"][0]["facilitator_token"]
    for path in ("actions.csv", "actions.xlsx", "actions.ics", "export.json", "exports"):
        for token, status in ((participant, 403), (facilitator, 403), ("nope", 401)):
            res = get(client, demo, path, token)
            assert res.status_code == status, (path, res.get_json())
            assert res.get_json()["error"]["code"] in ("forbidden", "unauthorized")
    res = client.post("/api/events/import", json={}, headers=auth(participant))
    assert res.status_code == 403


def rows_of(app, event_id: int) -> dict:
    """The backup of an event with its ids taken out, for comparison."""
    with app.app_context():
        data = export_event(db.session.get(Event, event_id))
    ids = {}
    for kind in ("groups", "participants", "notes"):
        ids[kind] = {row["id"]: i for i, row in enumerate(data[kind])}
    board_ids = {b["id"]: i for i, b in enumerate(data["boards"])}
    lane_ids = {lane["id"]: i for b in data["boards"] for i, lane in enumerate(b["lanes"])}

    def ref(table, value):
        return None if value is None else ids[table][value]

    for row in data["groups"]:
        row["id"] = ids["groups"][row["id"]]
    for row in data["boards"]:
        row["id"], row["group_id"] = board_ids[row["id"]], ids["groups"][row["group_id"]]
        for lane in row["lanes"]:
            lane["id"] = lane_ids[lane["id"]]
    for row in data["participants"]:
        row["id"], row["group_id"] = ids["participants"][row["id"]], ref("groups", row["group_id"])
    for row in data["notes"]:
        row["id"] = ids["notes"][row["id"]]
        row["board_id"], row["lane_id"] = board_ids[row["board_id"]], lane_ids[row["lane_id"]]
        row["author_id"] = ref("participants", row["author_id"])
        row["cluster_id"], row["source_note_id"] = (
            ref("notes", row["cluster_id"]),
            ref("notes", row["source_note_id"]),
        )
    for row in data["votes"]:
        row["note_id"] = ids["notes"][row["note_id"]]
        row["participant_id"] = ids["participants"][row["participant_id"]]
    for row in data["takeaways"]:
        row["board_id"] = board_ids[row["board_id"]]
        row["participant_id"] = ref("participants", row["participant_id"])
    for row in data["translations"]:
        row["note_id"] = ids["notes"][row["note_id"]]
        row["translator_id"] = ref("participants", row["translator_id"])
    for row in data["commitment_updates"]:
        row["note_id"] = ids["notes"][row["note_id"]]
        row["actor_id"] = ref("participants", row["actor_id"])
    del data["exported_at"], data["event"]["id"]
    return data


@pytest.fixture
def rich_demo(app, demo, thai_commitment):
    """The demo plus a cluster, a hidden and a deleted note, and an anonymous takeaway."""
    with app.app_context():
        board = db.session.get(Group, demo["groups"][0]["id"]).board
        notes = db.session.scalars(sa.select(Note).where(Note.board_id == board.id)).all()
        cluster = Note(
            board_id=board.id,
            lane_id=board.lanes[0].id,
            kind="cluster",
            text="Justice",
            position="a",
        )
        db.session.add(cluster)
        db.session.flush()
        notes[0].cluster_id = notes[1].cluster_id = cluster.id
        notes[2].hidden = True
        notes[3].deleted_at = dt.datetime(2025, 1, 2, 3, 4, 5)
        notes[0].tags = ["women", "ឈ្មោះ"]
        translator = db.session.scalar(
            sa.select(Participant).where(Participant.event_id == demo["event_id"]).limit(1)
        )
        for note, lang, text, anonymous, outdated in (
            (notes[0], "km", "ការបណ្តុះបណ្តាល", False, False),
            (notes[0], "vi", "Đào tạo", True, True),  # an anonymous translator, outdated
            (notes[3], "fr", "Supprimée avec sa note", False, False),  # a deleted note's
        ):
            db.session.add(
                NoteTranslation(
                    note_id=note.id,
                    board_id=board.id,
                    lang=lang,
                    text=text,
                    translator_id=translator.id,
                    anonymous=anonymous,
                    outdated=outdated,
                    note_version=note.version,
                )
            )
        db.session.commit()
    return demo


def test_the_backup_round_trip_restores_everything_on_this_and_another_instance(
    app, client, rich_demo, tmp_path
):
    demo = rich_demo
    res = get(client, demo, "export.json")
    assert res.status_code == 200 and "attachment" in res.headers["Content-Disposition"]
    backup = res.get_json()
    assert backup["format"] == "roadmap-event-backup" and "token_hash" not in res.text
    original = rows_of(app, demo["event_id"])
    assert len(original["notes"]) >= 26 and original["votes"] and original["takeaways"]
    translated = {t["lang"]: t for t in original["translations"]}
    assert set(translated) == {"km", "vi"}  # not the deleted note's
    assert translated["vi"]["translator_id"] is None and translated["vi"]["outdated"] is True
    assert translated["km"]["translator_id"] is not None

    # The same instance: a new event (an organiser account imports; an event's token cannot).
    res = client.post("/api/events/import", json=backup, headers=auth(demo["organiser_token"]))
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"
    importer = account_bearer(app, demo["event_id"])
    res = client.post("/api/events/import", json=backup, headers=auth(importer))
    assert res.status_code == 201, res.get_json()
    same = res.get_json()
    assert same["event_id"] != demo["event_id"] and same["counts"]["notes"] == len(
        original["notes"]
    )
    assert rows_of(app, same["event_id"]) == original
    res = client.get(
        f"/api/events/{same['event_id']}/exports", headers=auth(same["organiser_token"])
    )
    assert res.status_code == 200  # the new organiser token works

    # Another instance (its own database), where an organiser of another event imports it.
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "other",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.sqlite'}",
            "EXPORT_DIR": str(tmp_path / "other-exports"),
            "SOCKETIO_ASYNC_MODE": "threading",
            "PDF_WORKER": False,
        },
        instance_path=str(tmp_path / "other-instance"),
    )
    with other.app_context():
        db.create_all()
        from roadmap.joining.participants import add_participant

        event = Event(name="Local", join_code="LOCAL1")
        db.session.add(event)
        add_participant(event, "Local organiser", role="organiser")
        db.session.commit()
        event_id = event.id
    token = account_bearer(other, event_id)
    res = other.test_client().post("/api/events/import", json=backup, headers=auth(token))
    assert res.status_code == 201, res.get_json()
    assert rows_of(other, res.get_json()["event_id"]) == original
    with other.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == len(
            original["votes"]
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Takeaway)) == len(
            original["takeaways"]
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)) == (
            len(original["participants"]) + 2  # the local organiser and the account's
        )
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda b: b.update(format="other"), "format"),
        (lambda b: b["notes"][0].update(kind="poem"), "notes.0.kind"),
        (lambda b: b["notes"][0].update(lane_id=10**9), "does not contain"),
        (lambda b: b["notes"][0].update(text="x" * 5000), "notes.0.text"),
        (lambda b: b.pop("boards"), "boards"),
        (  # a history row's moment out of range answered 500 (OverflowError)
            lambda b: b["commitment_updates"][0].update(at="0001-01-01T00:00:00+14:00"),
            "commitment_updates.0.at",
        ),
    ],
)
def test_a_bad_backup_is_refused_and_nothing_is_created(app, client, demo, change, message):
    backup = get(client, demo, "export.json").get_json()
    change(backup)
    res = client.post(
        "/api/events/import", json=backup, headers=auth(account_bearer(app, demo["event_id"]))
    )
    assert res.status_code == 400 and message in res.get_json()["error"]["message"]
    with app.app_context():
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 1


def test_a_background_report_pushes_progress_and_is_listed(app, client, demo, socket_client):
    sc = socket_client(demo["organiser_token"])
    assert sc.emit("organiser:join", {"event_id": demo["event_id"]}, callback=True) == {"ok": True}
    outsider = socket_client(demo["groups"][0]["facilitator_token"])
    ack = outsider.emit("organiser:join", {"event_id": demo["event_id"]}, callback=True)
    assert ack["error"]["code"] == "forbidden"

    res = client.post(
        f"/api/events/{demo['event_id']}/report-jobs", headers=auth(demo["organiser_token"])
    )
    assert res.status_code == 202
    job_id = res.get_json()["job_id"]
    deadline, done = time.monotonic() + 60, None
    seen = []
    while time.monotonic() < deadline and done is None:
        for message in sc.get_received():
            if message["name"] == "report:progress":
                payload = message["args"][0]
                seen.append(payload["state"])
                assert payload["job_id"] == job_id and payload["event_id"] == demo["event_id"]
                if payload["state"] in ("done", "failed"):
                    done = payload
        time.sleep(0.1)
    assert done and done["state"] == "done" and done["progress"] == 1.0, seen
    assert "rendering" in seen and outsider.get_received() == []
    name = done["file"]["name"]
    assert name.startswith(f"event-{demo['event_id']}-report-") and name.endswith(".pdf")

    listed = get(client, demo, "exports").get_json()["files"]
    assert [f["name"] for f in listed] == [name]
    pdf = client.get(done["file"]["url"], headers=auth(demo["organiser_token"]))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert get(client, demo, f"report-jobs/{job_id}").get_json()["state"] == "done"
    for bad in ("../../etc/passwd", "event-999-report-20250101-000000.pdf", "x.pdf"):
        assert get(client, demo, f"exports/{bad}").status_code == 404


def test_progress_only_goes_forward_and_never_breaks_a_render():
    """A second layout pass logs "Page 3 (up-to-date)": that is progress too, never an error."""
    import logging

    from roadmap.reports.worker import _ProgressRelay, receive

    out = io.BytesIO()
    relay = _ProgressRelay(out)
    relay.start(10)
    for message in (
        "Step 1 - Fetching and parsing HTML - HTML string",
        "Step 5 - Creating layout - Page 1",
        "Step 5 - Creating layout - Page 5",
        "Step 5 - Creating layout - Page 1 (up-to-date)",  # the second pass starts again
        "Step 5 - Creating layout - Page 10 (up-to-date)",
        "Step 5 - Creating layout - Page ?",
        "Step 6 - Creating PDF",
        "Something else entirely",
    ):
        relay.emit(logging.LogRecord("weasyprint.progress", logging.INFO, "", 0, message, (), None))
    out.seek(0)
    sent = []
    while out.tell() < len(out.getvalue()):
        sent.append(receive(out))
    assert [f for _, f in sent] == [0.05, 0.215, 0.475, 0.8, 0.85]


def test_a_commitment_not_started_is_named_in_the_exports_language(client, demo, thai_commitment):
    """context.py names the status "not started": it was missing from STATUS_NAME (English
    in every language's ICS and PDFs)."""
    res = get(client, demo, "actions.ics?lang=vi")
    descriptions = [str(e["description"]) for e in Calendar.from_ical(res.data).walk("VEVENT")]
    assert any("Chưa bắt đầu" in d for d in descriptions), descriptions
    assert not any("not started" in d for d in descriptions)
