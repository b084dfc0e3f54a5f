"""The data model and its invariants."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from roadmap.boards.layouts import TEMPLATES, create_board
from roadmap.boards.positions import key_for
from roadmap.extensions import db
from roadmap.joining.participants import add_participant, normalise_code
from roadmap.models import BoardOp, Event, Group, Note, Vote
from roadmap.organise.groups import add_group


@pytest.fixture
def event(app):
    with app.app_context():
        ev = Event(name="Asia Region Anti-Trafficking Conference", join_code="ABC234")
        db.session.add(ev)
        db.session.commit()
        yield ev


def test_templates_cover_the_three_roadmap_styles():
    assert [lane.title for lane in TEMPLATES["now-next-later"].lanes] == ["Now", "Next", "Later"]
    assert [lane.title for lane in TEMPLATES["challenges-signposts-commitments"].lanes] == [
        "Challenges",
        "Signposts",
        "Commitments",
    ]
    assert [lane.title for lane in TEMPLATES["outcome-output-indicator"].lanes] == [
        "Outcomes",
        "Outputs",
        "Indicators",
    ]


def test_group_gets_board_lanes_and_facilitator(event):
    group, token = add_group(event, "Trauma-informed Care", template="now-next-later")
    db.session.commit()
    assert [lane.key for lane in group.board.lanes] == ["now", "next", "later"]
    assert group.board.seq == 0
    from roadmap.identity import participant_for_token

    facilitator = participant_for_token(token)
    assert facilitator.role == "facilitator"
    assert facilitator.group_id == group.id


def test_one_board_per_group(event):
    group, _ = add_group(event, "The Legal Route")
    db.session.commit()
    create_board(group)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_op_log_sequence_and_op_id_are_unique_per_board(event):
    group, _ = add_group(event, "The Legal Route")
    db.session.commit()
    board_id = group.board.id
    db.session.add(BoardOp(board_id=board_id, seq=1, op_id="a", type="note.create"))
    db.session.commit()
    for dup in (dict(seq=1, op_id="b"), dict(seq=2, op_id="a")):
        db.session.add(BoardOp(board_id=board_id, type="note.create", **dup))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_several_votes_per_participant_and_note_are_allowed(event):
    """Board.vote_max_per_note dots may go on one note (migration 0008 dropped the constraint;
    the op core enforces the limit, ops/votes.py)."""
    group, _ = add_group(event, "The Legal Route")
    who, _ = add_participant(event, "Aung")
    db.session.flush()
    lane = group.board.lanes[0]
    note = Note(board_id=group.board.id, lane_id=lane.id, text="x", position="a0")
    db.session.add(note)
    db.session.flush()
    for _ in range(2):
        db.session.add(Vote(note_id=note.id, participant_id=who.id, board_id=group.board.id))
    db.session.commit()
    assert db.session.query(Vote).filter_by(note_id=note.id).count() == 2


def test_position_keys_order_inserts_anywhere(event):
    group, _ = add_group(event, "The Legal Route")
    db.session.flush()
    lane = group.board.lanes[0]

    def add(text, **where):
        note = Note(
            board_id=group.board.id, lane_id=lane.id, text=text, position=key_for(lane.id, **where)
        )
        db.session.add(note)
        db.session.flush()
        return note

    a = add("a")
    c = add("c")
    b = add("b", after=a.id)
    first = add("first", before=a.id)
    last = add("last", after=c.id)
    order = db.session.scalars(sa.select(Note).where(Note.lane_id == lane.id)).all()
    assert [n.text for n in sorted(order, key=lambda n: n.position)] == [
        "first",
        "a",
        "b",
        "c",
        "last",
    ]
    assert first.position < a.position < b.position < c.position < last.position


def test_deleting_an_event_removes_its_groups(event):
    add_group(event, "The Legal Route")
    db.session.commit()
    db.session.delete(event)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 0


def test_join_codes_are_forgiving():
    assert normalise_code(" arat-19 ") == "ARAT19"
