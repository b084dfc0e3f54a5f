"""Notes translated by the room (issue 15): note.translate through the op core."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from roadmap import ops
from roadmap.boards import catch_up as history
from roadmap.boards import inclusion
from roadmap.boards.snapshot import board_snapshot
from roadmap.config import NOTE_TEXT_MAX
from roadmap.do_no_harm import privacy
from roadmap.do_no_harm.retention import purge_event
from roadmap.extensions import db
from roadmap.joining.participants import add_participant
from roadmap.models import Board, BoardOp, Event, Lane, Note, NoteTranslation, Participant


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def app(demo_app):
    return demo_app


@pytest.fixture
def ctx(app, demo_database):
    ops.buckets.reset()
    with app.app_context():
        yield demo_database[1]


def person(demo: dict[str, Any], name: str = "Ana", **extra: Any) -> Participant:
    event = db.session.get(Event, demo["event_id"])
    who, _token = add_participant(event, name, **extra)
    db.session.commit()
    return who


def facilitator(demo: dict[str, Any]) -> Participant:
    return db.session.scalar(
        sa.select(Participant).where(
            Participant.group_id == demo["groups"][0]["id"], Participant.role == "facilitator"
        )
    )


def bid(demo: dict[str, Any]) -> int:
    return demo["groups"][0]["board_id"]


def lane(board_id: int) -> int:
    return db.session.scalar(
        sa.select(Lane.id).where(Lane.board_id == board_id).order_by(Lane.position).limit(1)
    )


def run(board_id: int, who: Participant, op_type: str, **data: Any) -> ops.Applied:
    return ops.apply(board_id, {"op_id": str(uuid.uuid4()), "type": op_type, "data": data}, who)


def ack(board_id: int, who: Participant, op_type: str, **data: Any) -> dict[str, Any]:
    return run(board_id, who, op_type, **data).ack


def error(answer: dict[str, Any]) -> str | None:
    return None if answer["ok"] else answer["error"]["code"]


def note(board_id: int, who: Participant, text: str = "Train border officials", **extra: Any):
    answer = ack(board_id, who, "note.create", lane_id=lane(board_id), text=text, **extra)
    assert answer["ok"], answer
    return answer["result"]["note"]


def snapshot_note(board_id: int, viewer: Participant | None, note_id: int) -> dict[str, Any]:
    db.session.rollback()
    snap = board_snapshot(db.session.get(Board, board_id), viewer)
    return next(n for n in snap["notes"] if n["id"] == note_id)


def test_a_participant_translates_a_note_and_everyone_sees_it(ctx):
    board, ana, bao = bid(ctx), person(ctx, "Ana"), person(ctx, "Bao")
    made = note(board, ana, "Train border officials")
    applied = run(board, bao, "note.translate", note_id=made["id"], lang="km", text="បណ្តុះបណ្តាល")
    assert applied.ack["ok"], applied.ack
    result = applied.ack["result"]
    assert result["lang"] == "km" and result["note_id"] == made["id"]
    assert result["translation"]["text"] == "បណ្តុះបណ្តាល"
    assert result["translation"]["by"] == {"id": bao.id, "name": "Bao"}
    assert result["translation"]["outdated"] is False
    assert applied.row is not None and applied.row.audience is None  # broadcast to the room
    assert applied.message is not None and applied.message["type"] == "note.translate"
    seen = snapshot_note(board, ana, made["id"])["translations"]
    assert seen == {
        "km": {
            "text": "បណ្តុះបណ្តាល",
            "outdated": False,
            "note_version": 1,
            "by": {"id": bao.id, "name": "Bao"},
        }
    }
    # one current translation per (note, lang): a new one replaces it
    assert ack(board, ana, "note.translate", note_id=made["id"], lang="km", text="ថ្មី")["ok"]
    assert snapshot_note(board, ana, made["id"])["translations"]["km"]["text"] == "ថ្មី"
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(NoteTranslation.note_id == made["id"]))
        == 1
    )
    # the event's older spelling "zh" is the UI language zh_Hans
    assert (
        ack(board, ana, "note.translate", note_id=made["id"], lang="zh", text="培训")["result"][
            "lang"
        ]
        == "zh_Hans"
    )


@pytest.mark.parametrize(
    "data, code",
    [
        ({"lang": "km"}, "invalid"),  # no text
        ({"text": "x"}, "invalid"),  # no lang
        ({"lang": "km", "text": 5}, "invalid"),  # strings are not coerced
        ({"lang": "km", "text": "x", "extra": 1}, "invalid"),  # unknown fields refused
        ({"lang": "xx", "text": "x"}, "invalid"),  # not one of the event's languages
        ({"lang": "'; drop", "text": "x"}, "invalid"),
        ({"lang": "fr\n", "text": "x"}, "invalid"),  # a code, whole
        ({"lang": "km", "text": "   "}, "invalid"),  # empty
        ({"lang": "km", "text": "x" * (NOTE_TEXT_MAX + 1)}, "too_large"),  # note text limits
    ],
)
def test_translation_payloads_are_validated(ctx, data, code):
    board, ana = bid(ctx), person(ctx)
    made = note(board, ana)
    assert error(ack(board, ana, "note.translate", note_id=made["id"], **data)) == code


def test_who_may_translate(ctx):
    board, ana, bao = bid(ctx), person(ctx, "Ana"), person(ctx, "Bao")
    made = note(board, ana)
    assert error(ack(board, bao, "note.translate", note_id=10**9, lang="fr", text="x")) == (
        "not_found"
    )
    other_board = ctx["groups"][1]["board_id"]
    assert error(ack(other_board, bao, "note.translate", note_id=made["id"], lang="fr", text="x"))
    staff = facilitator(ctx)
    assert ack(board, staff, "board.lock", locked=True)["ok"]
    # a locked board: no translating, as no editing (the staff still may)
    assert error(ack(board, bao, "note.translate", note_id=made["id"], lang="fr", text="x")) == (
        "locked"
    )
    assert ack(board, staff, "note.translate", note_id=made["id"], lang="fr", text="Former")["ok"]
    assert ack(board, staff, "board.lock", locked=False)["ok"]
    # a deleted note cannot be translated
    assert ack(board, ana, "note.delete", note_id=made["id"])["ok"]
    assert error(ack(board, bao, "note.translate", note_id=made["id"], lang="fr", text="x")) == (
        "not_found"
    )


def test_only_its_translator_or_the_staff_take_a_translation_back(ctx):
    board, ana, bao = bid(ctx), person(ctx, "Ana"), person(ctx, "Bao")
    made = note(board, ana)
    assert ack(board, bao, "note.translate", note_id=made["id"], lang="vi", text="Đào tạo")["ok"]
    assert error(ack(board, ana, "note.untranslate", note_id=made["id"], lang="vi")) == (
        "forbidden"
    )
    assert ack(board, bao, "note.untranslate", note_id=made["id"], lang="vi")["result"]["removed"]
    assert snapshot_note(board, ana, made["id"])["translations"] == {}


def test_editing_the_text_marks_translations_outdated_until_translated_again(ctx):
    board, ana, bao = bid(ctx), person(ctx, "Ana"), person(ctx, "Bao")
    made = note(board, ana, "Fund shelters")
    assert ack(board, bao, "note.translate", note_id=made["id"], lang="th", text="ทุนบ้านพัก")["ok"]
    # tags only: the text is the same, the translation still says it
    tagged = ack(board, ana, "note.update", note_id=made["id"], base_version=1, tags=["x"])
    assert tagged["ok"] and "translations_outdated" not in tagged["result"]
    assert snapshot_note(board, ana, made["id"])["translations"]["th"]["outdated"] is False
    edited = ack(
        board, ana, "note.update", note_id=made["id"], base_version=2, text="Fund two shelters"
    )
    assert edited["ok"] and edited["result"]["translations_outdated"] == ["th"]
    assert snapshot_note(board, bao, made["id"])["translations"]["th"]["outdated"] is True
    again = ack(board, bao, "note.translate", note_id=made["id"], lang="th", text="ทุนบ้านพักสองแห่ง")
    assert again["ok"] and again["result"]["translation"]["note_version"] == 3
    shown = snapshot_note(board, bao, made["id"])["translations"]["th"]
    assert shown["outdated"] is False and shown["note_version"] == 3


def test_an_anonymous_translator_is_never_revealed(ctx):
    board, ana = bid(ctx), person(ctx, "Ana")
    shy = person(ctx, "Shy-Translator-Qz", anonymous=True)
    made = note(board, ana)
    applied = run(board, shy, "note.translate", note_id=made["id"], lang="fr", text="Former")
    assert applied.ack["ok"]
    assert applied.ack["result"]["translation"]["by"] == privacy.ANONYMOUS
    assert applied.message is not None and applied.message["actor"] == privacy.ANONYMOUS
    assert "Shy-Translator-Qz" not in dumps(applied.message)
    for viewer in (ana, facilitator(ctx), None):  # staff are no exception
        assert snapshot_note(board, viewer, made["id"])["translations"]["fr"]["by"] == (
            privacy.ANONYMOUS
        )
    assert snapshot_note(board, shy, made["id"])["translations"]["fr"]["by"] == {
        "id": shy.id,
        "name": "Shy-Translator-Qz",
    }
    db.session.rollback()
    rows = list(db.session.scalars(sa.select(BoardOp).where(BoardOp.board_id == board)))
    for message in history.messages(db.session.get(Board, board), rows, ana):
        assert "Shy-Translator-Qz" not in dumps(message)


def test_translating_ones_own_anonymous_note_does_not_say_who_wrote_it(ctx):
    board, ana, bao = bid(ctx), person(ctx, "Ana-Author-Wq"), person(ctx, "Bao")
    made = note(board, ana, "A note", anonymous=True)
    applied = run(board, ana, "note.translate", note_id=made["id"], lang="fr", text="Une note")
    assert applied.message is not None and applied.message["actor"] == privacy.ANONYMOUS
    assert snapshot_note(board, bao, made["id"])["translations"]["fr"]["by"] == privacy.ANONYMOUS
    # and a note made anonymous later hides its author's earlier translation too
    other = note(board, ana, "Another note")
    assert ack(board, ana, "note.translate", note_id=other["id"], lang="fr", text="Une autre")["ok"]
    assert ack(board, ana, "note.update", note_id=other["id"], base_version=1, anonymous=True)["ok"]
    assert snapshot_note(board, bao, other["id"])["translations"]["fr"]["by"] == privacy.ANONYMOUS
    db.session.rollback()
    rows = list(db.session.scalars(sa.select(BoardOp).where(BoardOp.board_id == board)))
    seen = dumps(history.messages(db.session.get(Board, board), rows, bao))
    for m in json.loads(seen):
        assert "Ana-Author-Wq" not in dumps(m), m


def test_catch_up_serves_the_translation_visible_now(ctx):
    board, ana, bao = bid(ctx), person(ctx, "Ana"), person(ctx, "Bao")
    made = note(board, ana)
    first = "Première traduction"
    assert ack(board, bao, "note.translate", note_id=made["id"], lang="fr", text=first)["ok"]
    assert ack(board, bao, "note.translate", note_id=made["id"], lang="fr", text="Former")["ok"]
    db.session.rollback()
    rows = list(db.session.scalars(sa.select(BoardOp).where(BoardOp.board_id == board)))
    board_row = db.session.get(Board, board)
    translated = [
        m for m in history.messages(board_row, rows, ana) if m["type"] == "note.translate"
    ]
    assert [m["result"]["translation"]["text"] for m in translated] == ["Former", "Former"]
    assert first not in dumps(translated)
    assert all(m["data"]["text"] == "Former" for m in translated)  # not the note's own text
    assert ack(board, ana, "note.delete", note_id=made["id"])["ok"]
    db.session.rollback()
    rows = list(db.session.scalars(sa.select(BoardOp).where(BoardOp.board_id == board)))
    hidden = [m for m in history.messages(board_row, rows, bao) if m["type"] == "note.translate"]
    assert "Former" not in dumps(hidden)
    assert all(m["result"]["translation"].get("removed") for m in hidden)


def test_the_personal_data_check_and_the_inclusion_lenses_read_translations(ctx):
    board, ana = bid(ctx), person(ctx)
    made = note(board, ana, "ផ្តល់ការគាំទ្រ")
    flagged = ack(
        board, ana, "note.translate", note_id=made["id"], lang="en", text="Call me: mai@example.org"
    )
    assert flagged["ok"] and flagged["result"]["warnings"] == ["personal_data"]
    calm = ack(
        board, ana, "note.translate", note_id=made["id"], lang="fr", text="Soutenir les femmes"
    )
    assert "warnings" not in calm["result"]
    shown = snapshot_note(board, ana, made["id"])
    assert inclusion.considers({"text": made["text"], "tags": []}, "women_girls") is False
    assert inclusion.considers(shown, "women_girls") is True


def db_bytes(app) -> bytes:
    base = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    wal = base.with_name(base.name + "-wal")
    return base.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_redaction_erases_every_translation_from_rows_op_log_and_disk(app, ctx):
    board, ana, bao = bid(ctx), person(ctx, "Ana"), person(ctx, "Bao")
    made = note(board, ana, f"Victim named Lan {uuid.uuid4().hex}")
    first, second = f"Nạn nhân {uuid.uuid4().hex}", f"Nạn nhân tên {uuid.uuid4().hex}"
    assert ack(board, bao, "note.translate", note_id=made["id"], lang="vi", text=first)["ok"]
    assert ack(board, bao, "note.translate", note_id=made["id"], lang="vi", text=second)["ok"]
    kept = note(board, ana, "Other note")
    assert ack(board, bao, "note.translate", note_id=kept["id"], lang="vi", text="Ghi chú khác")[
        "ok"
    ]
    done = ack(board, facilitator(ctx), "note.redact", note_id=made["id"])
    assert done["ok"], done
    db.session.expire_all()
    assert (
        db.session.scalars(
            sa.select(NoteTranslation).where(NoteTranslation.note_id == made["id"])
        ).all()
        == []
    )
    logged = dumps([[r.data, r.result, r.undo] for r in db.session.scalars(sa.select(BoardOp))])
    assert first not in logged and second not in logged
    assert "Ghi chú khác" in logged  # other notes' translations stay
    data = db_bytes(app)
    assert first.encode() not in data and second.encode() not in data


def test_purge_erases_translations_of_removed_notes_and_unlinks_anonymous_translators(ctx):
    board, ana = bid(ctx), person(ctx, "Ana")
    shy = person(ctx, "Shy", anonymous=True)
    gone, kept = note(board, ana, "Gone soon"), note(board, ana, "Stays")
    assert ack(board, ana, "note.translate", note_id=gone["id"], lang="fr", text="Bientôt parti")[
        "ok"
    ]
    assert ack(board, shy, "note.translate", note_id=kept["id"], lang="fr", text="Garde")["ok"]
    assert ack(board, ana, "note.delete", note_id=gone["id"])["ok"]
    db.session.rollback()
    purge_event(db.session.get(Event, ctx["event_id"]))
    rows = {r.note_id: r for r in db.session.scalars(sa.select(NoteTranslation))}
    assert gone["id"] not in rows
    assert rows[kept["id"]].text == "Garde" and rows[kept["id"]].translator_id is None
    assert db.session.get(Note, kept["id"]).text == "Stays"


def test_the_board_and_event_reports_show_translations_under_the_original(ctx):
    from roadmap.reports.context import board_context, event_context
    from roadmap.reports.pdf import render_html

    board, ana = bid(ctx), person(ctx, "Ana-Reported-Zx")
    made = note(board, ana, "Train front-line officers")
    assert ack(board, ana, "note.translate", note_id=made["id"], lang="km", text="ហ្វឹកហ្វឺន")["ok"]
    assert ack(board, ana, "note.translate", note_id=made["id"], lang="vi", text="Đào tạo")["ok"]
    assert ack(board, ana, "note.update", note_id=made["id"], base_version=1, text="Train more")[
        "ok"
    ]
    db.session.rollback()
    context = board_context(db.session.get(Board, board), include_authors=True)
    item = next(n for n in context["board"]["notes"] if n["id"] == made["id"])
    assert item["translations"] == [
        {"lang": "km", "name": "ភាសាខ្មែរ", "text": "ហ្វឹកហ្វឺន", "outdated": True},
        {"lang": "vi", "name": "Tiếng Việt", "text": "Đào tạo", "outdated": True},
    ]
    html = render_html("board", context)
    assert 'class="translation" lang="km"><b>ភាសាខ្មែរ</b> ហ្វឹកហ្វឺន' in html
    assert "outdated" in html and "Ana-Reported-Zx" not in html  # a translator is not named
    html = render_html("event", event_context(db.session.get(Event, ctx["event_id"])))
    assert "Đào tạo" in html


def test_a_commitments_new_text_and_the_facilitators_undo_of_it_outdate_its_translations(ctx):
    board, staff, bao = bid(ctx), facilitator(ctx), person(ctx, "Bao")
    made = note(board, staff, "Pilot a hotline")
    set_up = ack(board, staff, "commitment.set", note_id=made["id"], owner_name="Ana")
    assert set_up["ok"], set_up
    commitment = set_up["result"]["note"]["id"]
    assert ack(board, bao, "note.translate", note_id=commitment, lang="th", text="สายด่วน")["ok"]
    changed = ack(
        board, staff, "commitment.set", note_id=commitment, owner_name="Ana", text="Pilot two"
    )
    assert changed["ok"] and changed["result"]["translations_outdated"] == ["th"]
    assert ack(board, bao, "note.translate", note_id=commitment, lang="th", text="สองสาย")["ok"]
    assert ack(board, staff, "facilitator.undo")["ok"]  # the text goes back: outdated again
    shown = snapshot_note(board, bao, commitment)
    assert shown["text"] == "Pilot a hotline" and shown["translations"]["th"]["outdated"] is True


def test_an_author_who_makes_their_note_anonymous_is_not_named_as_its_translator_anywhere(ctx):
    """The backup and the purge read the stored flag: making one's note anonymous sets it on
    one's own translations of it (a review found the backup and the purge naming them)."""
    from roadmap.reports.backup import export_event

    board, ana = bid(ctx), person(ctx, "Ana-Later-Anon-Zq")
    made = note(board, ana, "Named at first")
    assert ack(board, ana, "note.translate", note_id=made["id"], lang="fr", text="Nommée")["ok"]
    assert ack(board, ana, "note.update", note_id=made["id"], base_version=1, anonymous=True)["ok"]
    db.session.rollback()
    event = db.session.get(Event, ctx["event_id"])
    backup = export_event(event)
    mine = [t for t in backup["translations"] if t["note_id"] == made["id"]]
    assert mine and all(t["translator_id"] is None and t["anonymous"] for t in mine)
    purge_event(event)
    row = db.session.scalars(
        sa.select(NoteTranslation).where(NoteTranslation.note_id == made["id"])
    ).one()
    assert row.translator_id is None
    bao = person(ctx, "Bao")
    assert snapshot_note(board, bao, made["id"])["translations"]["fr"]["by"] == privacy.ANONYMOUS


def test_catch_up_never_puts_one_translators_words_under_another_translators_name(ctx):
    board, ana = bid(ctx), person(ctx, "Ana")
    named, shy = person(ctx, "Named-Nw"), person(ctx, "Shy-Sx", anonymous=True)
    made = note(board, ana)
    assert ack(board, named, "note.translate", note_id=made["id"], lang="fr", text="Mots de N")[
        "ok"
    ]
    assert ack(board, shy, "note.translate", note_id=made["id"], lang="fr", text="Mots de S")["ok"]
    db.session.rollback()
    rows = list(db.session.scalars(sa.select(BoardOp).where(BoardOp.board_id == board)))
    seen = [
        m
        for m in history.messages(db.session.get(Board, board), rows, ana)
        if m["type"] == "note.translate"
    ]
    first, last = seen  # the named translator's entry, then the anonymous one's
    assert "Mots de S" not in dumps(first) and first["result"]["translation"].get("removed")
    assert last["result"]["translation"]["text"] == "Mots de S"
    assert last["result"]["translation"]["by"] == privacy.ANONYMOUS
