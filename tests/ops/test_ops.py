"""The op core (roadmap.ops.apply): validation, log, seq, idempotency, conflicts, permissions."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from roadmap import ops
from roadmap.boards.positions import key_for
from roadmap.boards.snapshot import message_for
from roadmap.config import NOTE_TEXT_MAX
from roadmap.extensions import db
from roadmap.joining.participants import add_participant
from roadmap.models import Board, BoardOp, Event, Lane, Note, Participant
from roadmap.organise.groups import add_group

BIG = 2**70  # does not fit a 64-bit database integer
PG_BIG = 2**40  # fits SQLite's 64-bit integers, not PostgreSQL's 32-bit INTEGER ids


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.e2e)])
def database_kind(request) -> str:
    """Every op-core test on SQLite (fast tier) and on a real PostgreSQL (end-to-end)."""
    return request.param


@pytest.fixture
def app(demo_app):
    return demo_app


@pytest.fixture
def demo(demo_template):
    ops.buckets.reset()
    return demo_template[1]


@pytest.fixture
def ctx(app, demo):
    with app.app_context():
        yield demo


def person(demo: dict[str, Any], name: str = "Ana", **extra: Any) -> Participant:
    event = db.session.get(Event, demo["event_id"])
    who, _token = add_participant(event, name, **extra)
    db.session.commit()
    return who


def facilitator(demo: dict[str, Any], index: int = 0) -> Participant:
    group_id = demo["groups"][index]["id"]
    return db.session.scalar(
        sa.select(Participant).where(
            Participant.group_id == group_id, Participant.role == "facilitator"
        )
    )


def organiser(demo: dict[str, Any]) -> Participant:
    return db.session.scalar(
        sa.select(Participant).where(
            Participant.event_id == demo["event_id"], Participant.role == "organiser"
        )
    )


def board_id(demo: dict[str, Any], index: int = 0) -> int:
    return demo["groups"][index]["board_id"]


def lanes(bid: int) -> list[int]:
    return list(
        db.session.scalars(sa.select(Lane.id).where(Lane.board_id == bid).order_by(Lane.position))
    )


def run(bid: int, who: Participant, op_type: str, op_id: str | None = None, **data: Any):
    raw = {"op_id": op_id or str(uuid.uuid4()), "type": op_type, "data": data}
    return ops.apply(bid, raw, who)


def ack(bid: int, who: Participant, op_type: str, **data: Any) -> dict[str, Any]:
    return run(bid, who, op_type, **data).ack


def code(answer: dict[str, Any]) -> str | None:
    return None if answer["ok"] else answer["error"]["code"]


def create(bid: int, who: Participant, text: str = "A signpost", **extra: Any) -> dict[str, Any]:
    answer = ack(bid, who, "note.create", lane_id=lanes(bid)[0], text=text, **extra)
    assert answer["ok"], answer
    return answer["result"]["note"]


def board_seq(bid: int) -> int:
    db.session.rollback()
    return db.session.get(Board, bid).seq


def log_seqs(bid: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(BoardOp.seq).where(BoardOp.board_id == bid).order_by(BoardOp.seq)
        )
    )


# --- applying and logging ---------------------------------------------------------------------


def test_create_is_applied_logged_and_acked_with_the_next_seq(ctx):
    bid, ana = board_id(ctx), person(ctx)
    before = board_seq(bid)
    applied = run(
        bid, ana, "note.create", lane_id=lanes(bid)[1], text="Fund shelters", kind="resource"
    )
    assert applied.ack["ok"] and applied.ack["seq"] == before + 1
    note = applied.ack["result"]["note"]
    assert (note["text"], note["kind"], note["version"], note["lane_id"]) == (
        "Fund shelters",
        "resource",
        1,
        lanes(bid)[1],
    )
    assert note["author"] == {"id": ana.id, "name": "Ana"}
    row = db.session.scalar(
        sa.select(BoardOp).where(BoardOp.seq == before + 1, BoardOp.board_id == bid)
    )
    assert (
        row.type == "note.create" and row.actor_id == ana.id and row.result == applied.ack["result"]
    )
    assert (
        applied.message["seq"] == before + 1
        and applied.message["result"]["note"]["id"] == note["id"]
    )
    assert applied.message["actor"] == {"id": ana.id, "name": "Ana"}
    assert db.session.get(Note, note["id"]).text == "Fund shelters"
    assert board_seq(bid) == before + 1


def test_seqs_are_gap_free_per_board_across_op_types_and_refusals(ctx):
    ana = person(ctx)
    first, second = board_id(ctx, 0), board_id(ctx, 1)
    start = {first: board_seq(first), second: board_seq(second)}
    note = create(first, ana)
    create(second, ana)
    assert code(ack(first, ana, "note.update", note_id=note["id"], base_version=99, text="x")) == (
        "conflict"
    )
    ack(first, ana, "note.update", note_id=note["id"], base_version=1, text="Edited")
    ack(first, ana, "note.move", note_id=note["id"], lane_id=lanes(first)[2])
    ack(first, ana, "vote.add", note_id=note["id"])
    ack(first, ana, "vote.remove", note_id=note["id"])
    ack(first, ana, "note.delete", note_id=note["id"])
    assert log_seqs(first) == list(range(1, start[first] + 7))
    assert log_seqs(second) == list(range(1, start[second] + 2))
    assert board_seq(first) == start[first] + 6


def test_text_is_stored_exactly_as_given(ctx):
    bid, ana = board_id(ctx), person(ctx)
    text = "  <script>alert('x')</script> & «ហ្វ» \n second line  "
    note = create(bid, ana, text)
    db.session.expire_all()
    assert db.session.get(Note, note["id"]).text == text
    assert note["text"] == text


# --- idempotency ------------------------------------------------------------------------------


def test_a_replayed_op_id_gets_the_original_ack_and_is_not_applied_again(ctx):
    bid, ana = board_id(ctx), person(ctx)
    op_id = str(uuid.uuid4())
    lane = lanes(bid)[0]
    first = run(bid, ana, "note.create", op_id, lane_id=lane, text="Once")
    seq = board_seq(bid)
    again = run(bid, ana, "note.create", op_id, lane_id=lane, text="Once")
    assert again.ack["seq"] == first.ack["seq"] and again.ack["result"] == first.ack["result"]
    assert again.ack["ok"] and again.row is None and again.message is None  # not broadcast
    assert board_seq(bid) == seq
    texts = db.session.scalars(
        sa.select(Note.text).where(Note.board_id == bid, Note.text == "Once")
    )
    assert list(texts) == ["Once"]


def test_a_replay_is_answered_even_when_its_payload_no_longer_validates(ctx):
    """A retry after a lost ack must not be refused because the board changed meanwhile."""
    bid, ana = board_id(ctx), person(ctx)
    note = create(bid, ana)
    op_id = str(uuid.uuid4())
    first = run(bid, ana, "note.update", op_id, note_id=note["id"], base_version=1, text="v2")
    again = run(bid, ana, "note.update", op_id, note_id=note["id"], base_version=1, text="v2")
    assert again.ack["ok"] and again.ack["seq"] == first.ack["seq"]


def test_another_participant_cannot_reuse_an_op_id(ctx):
    bid, ana, ben = board_id(ctx), person(ctx), person(ctx, "Ben")
    op_id = str(uuid.uuid4())
    run(bid, ana, "note.create", op_id, lane_id=lanes(bid)[0], text="Ana's")
    seq = board_seq(bid)
    stolen = run(bid, ben, "note.create", op_id, lane_id=lanes(bid)[0], text="Ben's")
    assert code(stolen.ack) == "invalid" and "result" not in stolen.ack
    assert board_seq(bid) == seq


def test_op_ids_are_per_board(ctx):
    ana = person(ctx)
    op_id = str(uuid.uuid4())
    a = run(
        board_id(ctx, 0), ana, "note.create", op_id, lane_id=lanes(board_id(ctx, 0))[0], text="x"
    )
    b = run(
        board_id(ctx, 1), ana, "note.create", op_id, lane_id=lanes(board_id(ctx, 1))[0], text="x"
    )
    assert a.row is not None and b.row is not None


def test_a_refused_op_can_be_retried_with_the_same_op_id(ctx):
    bid, ana = board_id(ctx), person(ctx)
    op_id = str(uuid.uuid4())
    assert (
        code(run(bid, ana, "note.create", op_id, lane_id=lanes(bid)[0], text=" ").ack) == "invalid"
    )
    assert run(bid, ana, "note.create", op_id, lane_id=lanes(bid)[0], text="Now").ack["ok"]


# --- versions and conflicts -------------------------------------------------------------------


def test_update_with_the_current_version_applies_and_bumps_the_version(ctx):
    bid, ana = board_id(ctx), person(ctx)
    note = create(bid, ana)
    answer = ack(
        bid, ana, "note.update", note_id=note["id"], base_version=1, text="Better", kind="question"
    )
    assert answer["ok"]
    assert answer["result"]["note"]["version"] == 2
    assert answer["result"]["note"]["text"] == "Better"
    assert answer["result"]["note"]["kind"] == "question"


def test_stale_update_is_refused_with_conflict_and_the_current_note(ctx):
    bid, ana, fac = board_id(ctx), person(ctx), facilitator(ctx)
    note = create(bid, ana, "Original")
    assert ack(bid, fac, "note.update", note_id=note["id"], base_version=1, text="Facilitator's")[
        "ok"
    ]
    seq = board_seq(bid)
    answer = ack(bid, ana, "note.update", note_id=note["id"], base_version=1, text="Ana's")
    assert code(answer) == "conflict"
    assert answer["current"]["text"] == "Facilitator's" and answer["current"]["version"] == 2
    assert board_seq(bid) == seq
    db.session.expire_all()
    assert db.session.get(Note, note["id"]).text == "Facilitator's"


def test_moves_and_votes_do_not_conflict_with_edits(ctx):
    bid, ana, ben = board_id(ctx), person(ctx), person(ctx, "Ben")
    note = create(bid, ana)
    assert ack(bid, ana, "note.update", note_id=note["id"], base_version=1, text="v2")["ok"]
    assert ack(bid, ben, "note.move", note_id=note["id"], lane_id=lanes(bid)[1])["ok"]
    assert ack(bid, ben, "vote.add", note_id=note["id"])["ok"]
    answer = ack(bid, ana, "note.update", note_id=note["id"], base_version=2, text="v3")
    assert answer["ok"] and answer["result"]["note"]["lane_id"] == lanes(bid)[1]
    assert answer["result"]["note"]["votes"] == 1


# --- moves and positions ----------------------------------------------------------------------


def lane_order(lane_id: int) -> list[int]:
    rows = db.session.execute(
        sa.select(Note.id, Note.position).where(Note.lane_id == lane_id, Note.deleted_at.is_(None))
    ).all()
    return [i for i, _ in sorted(rows, key=lambda r: (r[1], r[0]))]


def test_moves_place_a_note_after_or_before_another(ctx):
    bid, fac = board_id(ctx), facilitator(ctx)
    lane = lanes(bid)[2]
    a = ack(bid, fac, "note.create", lane_id=lane, text="a")["result"]["note"]
    b = ack(bid, fac, "note.create", lane_id=lane, text="b")["result"]["note"]
    c = ack(bid, fac, "note.create", lane_id=lane, text="c")["result"]["note"]
    base = [i for i in lane_order(lane) if i not in (a["id"], b["id"], c["id"])]
    assert lane_order(lane) == [*base, a["id"], b["id"], c["id"]]
    moved = ack(bid, fac, "note.move", note_id=c["id"], lane_id=lane, after=a["id"])
    assert moved["ok"] and moved["result"]["position"] > a["position"]
    assert lane_order(lane) == [*base, a["id"], c["id"], b["id"]]
    ack(bid, fac, "note.move", note_id=b["id"], lane_id=lane, before=a["id"])
    assert lane_order(lane) == [*base, b["id"], a["id"], c["id"]]
    created = ack(bid, fac, "note.create", lane_id=lane, text="d", after=b["id"])["result"]["note"]
    assert lane_order(lane) == [*base, b["id"], created["id"], a["id"], c["id"]]


def test_move_to_another_lane_and_unknown_neighbour_goes_to_the_end(ctx):
    bid, fac = board_id(ctx), facilitator(ctx)
    first, second = lanes(bid)[0], lanes(bid)[1]
    note = create(bid, fac)
    answer = ack(bid, fac, "note.move", note_id=note["id"], lane_id=second, after=2**31 - 1)
    assert answer["ok"] and answer["result"]["lane_id"] == second
    assert lane_order(second)[-1] == note["id"] and note["id"] not in lane_order(first)


def test_key_for_never_returns_a_key_equal_to_a_neighbour(ctx):
    bid, fac = board_id(ctx), facilitator(ctx)
    lane = lanes(bid)[0]
    note = create(bid, fac)
    key = key_for(lane, after=note["id"])
    assert key > note["position"]
    assert key_for(lane, before=note["id"]) < note["position"]


# --- deletes ----------------------------------------------------------------------------------


def test_delete_is_soft_and_ops_on_a_deleted_note_are_answered_sensibly(ctx):
    bid, ana = board_id(ctx), person(ctx)
    note = create(bid, ana, "Keep me somewhere")
    ack(bid, ana, "vote.add", note_id=note["id"])
    assert ack(bid, ana, "note.delete", note_id=note["id"]) == {
        "ok": True,
        "seq": board_seq(bid),
        "result": {"note_id": note["id"]},
    }
    row = db.session.get(Note, note["id"])
    assert row.deleted_at is not None and row.text == "Keep me somewhere"
    again = ack(bid, ana, "note.delete", note_id=note["id"])
    assert again["ok"] and again["result"]["already_deleted"] is True
    for op_type, extra in (
        ("note.update", {"base_version": 1, "text": "x"}),
        ("note.move", {"lane_id": lanes(bid)[1]}),
        ("vote.add", {}),
    ):
        assert code(ack(bid, ana, op_type, note_id=note["id"], **extra)) == "not_found", op_type
    removed = ack(bid, ana, "vote.remove", note_id=note["id"])
    assert removed["ok"] and removed["result"]["changed"] is True


def test_a_deleted_hidden_note_stays_hidden_from_others(ctx):
    bid, ana, ben = board_id(ctx), person(ctx), person(ctx, "Ben")
    db.session.get(Board, bid).private_writing = True
    db.session.commit()
    note = create(bid, ana, "Private")
    first = run(bid, ana, "note.delete", note_id=note["id"])
    second = run(bid, ana, "note.delete", note_id=note["id"])
    assert first.row.audience == {"participants": [ana.id]}
    assert second.row.audience == {"participants": [ana.id]}
    board = db.session.get(Board, bid)
    assert message_for(second.row, ben, board)["type"] == "redacted"
    assert code(ack(bid, ben, "vote.remove", note_id=note["id"])) == "not_found"
    assert code(ack(bid, ben, "note.delete", note_id=note["id"])) == "not_found"


# --- votes ------------------------------------------------------------------------------------


def test_votes_are_counted_once_per_participant_and_broadcast_anonymously(ctx):
    bid, ana, ben = board_id(ctx), person(ctx), person(ctx, "Ben")
    note = create(bid, ana)
    first = run(bid, ana, "vote.add", note_id=note["id"])
    assert first.ack["result"] == {"note_id": note["id"], "votes": 1, "changed": True, "my_dots": 1}
    assert first.message["actor"] == {"id": None, "name": "Anonymous"}
    assert ack(bid, ana, "vote.add", note_id=note["id"])["result"]["changed"] is False
    assert ack(bid, ben, "vote.add", note_id=note["id"])["result"]["votes"] == 2
    assert ack(bid, ben, "vote.remove", note_id=note["id"])["result"] == {
        "note_id": note["id"],
        "votes": 1,
        "changed": True,
        "my_dots": 0,
    }
    assert ack(bid, ben, "vote.remove", note_id=note["id"])["result"]["changed"] is False


def test_vote_budget_is_enforced_and_votes_on_deleted_notes_are_given_back(ctx):
    bid, ana = board_id(ctx), person(ctx)
    budget = db.session.get(Board, bid).vote_budget
    notes = [create(bid, ana, f"n{i}") for i in range(budget + 1)]
    for note in notes[:budget]:
        assert ack(bid, ana, "vote.add", note_id=note["id"])["ok"]
    assert code(ack(bid, ana, "vote.add", note_id=notes[-1]["id"])) == "forbidden"
    ack(bid, ana, "note.delete", note_id=notes[0]["id"])
    assert ack(bid, ana, "vote.add", note_id=notes[-1]["id"])["ok"]


def test_votes_are_refused_when_voting_is_closed(ctx):
    bid, ana = board_id(ctx), person(ctx)
    note = create(bid, ana)
    db.session.get(Board, bid).voting_open = False
    db.session.commit()
    assert code(ack(bid, ana, "vote.add", note_id=note["id"])) == "forbidden"


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "note.create",
        [],
        {},
        {"type": "note.create", "data": {}},
        {"op_id": "", "type": "note.create", "data": {}},
        {"op_id": "x" * 65, "type": "note.create", "data": {}},
        {"op_id": 12, "type": "note.create", "data": {}},
        {"op_id": "a", "type": "note.explode", "data": {}},
        {"op_id": "a", "type": "note.create", "data": "text"},
        {"op_id": "a", "type": "note.create", "data": {"lane_id": "1", "text": "x"}},
        {"op_id": "a", "type": "note.create", "data": {"lane_id": True, "text": "x"}},
        {"op_id": "a", "type": "note.create", "data": {"lane_id": 1, "text": 5}},
        {"op_id": "a", "type": "note.create", "data": {"lane_id": 1, "text": "x", "evil": 1}},
        {"op_id": "a", "type": "note.create", "data": {"lane_id": 1, "text": "x", "kind": "y"}},
        {"op_id": "a", "type": "note.create", "data": {"lane_id": BIG, "text": "x"}},
        {"op_id": "a", "type": "note.create", "data": {"lane_id": -BIG, "text": "x"}},
        {"op_id": "a", "type": "note.create", "data": {"lane_id": 1, "text": "x", "after": BIG}},
        {"op_id": "a", "type": "note.update", "data": {"note_id": 1}},
        {"op_id": "a", "type": "note.update", "data": {"note_id": BIG, "base_version": 1}},
        {"op_id": "a", "type": "note.update", "data": {"note_id": 1, "base_version": BIG}},
        {"op_id": "a", "type": "note.move", "data": {"note_id": 1, "lane_id": 1, "before": BIG}},
        {"op_id": "a", "type": "vote.add", "data": {"note_id": 1.5}},
        {"op_id": "a", "type": "vote.add", "data": {"note_id": BIG}},
        # ids past PostgreSQL's 32-bit INTEGER: refused up front, never a failed query (a 500)
        {"op_id": "a", "type": "vote.add", "data": {"note_id": PG_BIG}},
        {"op_id": "a", "type": "note.move", "data": {"note_id": 1, "lane_id": 1, "after": PG_BIG}},
        {"op_id": "a", "type": "note.update", "data": {"note_id": PG_BIG, "base_version": 1}},
        {"op_id": "a", "type": "note.delete", "data": {"note_id": None}},
    ],
)
def test_malformed_ops_are_refused_as_invalid(ctx, raw):
    bid, ana = board_id(ctx), person(ctx)
    seq = board_seq(bid)
    assert code(ops.apply(bid, raw, ana).ack) == "invalid"
    assert board_seq(bid) == seq


def test_an_op_on_a_missing_board_is_not_found(ctx):
    assert code(ack(10_000, person(ctx), "note.create", lane_id=1, text="x")) == "not_found"
    assert code(ack(BIG, person(ctx), "note.create", lane_id=1, text="x")) in (
        "invalid",
        "not_found",
    )


def test_ids_must_belong_to_this_board(ctx):
    ana = person(ctx)
    here, there = board_id(ctx, 0), board_id(ctx, 1)
    elsewhere = create(there, ana)
    assert code(ack(here, ana, "note.create", lane_id=lanes(there)[0], text="x")) == "not_found"
    for op_type, extra in (
        ("note.update", {"base_version": 1, "text": "x"}),
        ("note.move", {"lane_id": lanes(here)[0]}),
        ("note.delete", {}),
        ("vote.add", {}),
        ("vote.remove", {}),
    ):
        assert code(ack(here, ana, op_type, note_id=elsewhere["id"], **extra)) == "not_found"
    mine = create(here, ana)
    assert code(ack(here, ana, "note.move", note_id=mine["id"], lane_id=lanes(there)[0])) == (
        "not_found"
    )


def test_text_limits(ctx):
    bid, ana = board_id(ctx), person(ctx)
    assert create(bid, ana, "x" * NOTE_TEXT_MAX)["text"] == "x" * NOTE_TEXT_MAX
    too_long = ack(bid, ana, "note.create", lane_id=lanes(bid)[0], text="x" * (NOTE_TEXT_MAX + 1))
    assert code(too_long) == "too_large"
    note = create(bid, ana)
    answer = ack(bid, ana, "note.update", note_id=note["id"], base_version=1, text="y" * 5000)
    assert code(answer) == "too_large"
    assert code(ack(bid, ana, "note.create", lane_id=lanes(bid)[0], text=" \n\t")) == "invalid"
    many_tags = ack(bid, ana, "note.create", lane_id=lanes(bid)[0], text="t", tags=["a"] * 11)
    assert code(many_tags) == "too_large"


# --- authorisation ----------------------------------------------------------------------------


@pytest.fixture
def other_event(ctx) -> dict[str, Any]:
    event = Event(name="Another meeting", join_code="OTHER2", languages=["en"])
    db.session.add(event)
    db.session.flush()
    group, _token = add_group(event, "Elsewhere")
    who, _ = add_participant(event, "Zed")
    db.session.commit()
    return {"board_id": group.board.id, "participant": who}


def test_a_participant_cannot_write_to_another_events_board(ctx, other_event):
    ana = person(ctx)
    other = other_event["board_id"]
    assert code(ack(other, ana, "note.create", lane_id=lanes(other)[0], text="x")) == "forbidden"
    organiser_answer = ack(other, organiser(ctx), "note.create", lane_id=lanes(other)[0], text="x")
    assert code(organiser_answer) == "forbidden"


def test_a_replayed_op_id_does_not_leak_across_events(ctx, other_event):
    other, zed = other_event["board_id"], other_event["participant"]
    op_id = str(uuid.uuid4())
    run(other, zed, "note.create", op_id, lane_id=lanes(other)[0], text="Secret of another event")
    answer = run(other, person(ctx), "note.create", op_id, lane_id=lanes(other)[0], text="x").ack
    assert code(answer) == "forbidden" and "result" not in answer


def test_participants_change_only_their_own_notes_and_staff_any(ctx):
    bid, ana, ben = board_id(ctx), person(ctx), person(ctx, "Ben")
    note = create(bid, ana)
    assert code(ack(bid, ben, "note.update", note_id=note["id"], base_version=1, text="x")) == (
        "forbidden"
    )
    assert code(ack(bid, ben, "note.delete", note_id=note["id"])) == "forbidden"
    assert ack(bid, ben, "note.move", note_id=note["id"], lane_id=lanes(bid)[1])["ok"]
    assert ack(bid, facilitator(ctx), "note.update", note_id=note["id"], base_version=1, text="F")[
        "ok"
    ]
    assert ack(bid, organiser(ctx), "note.update", note_id=note["id"], base_version=2, text="O")[
        "ok"
    ]
    other_facilitator = facilitator(ctx, 1)
    answer = ack(bid, other_facilitator, "note.delete", note_id=note["id"])
    assert code(answer) == "forbidden"
    assert ack(bid, facilitator(ctx), "note.delete", note_id=note["id"])["ok"]


def test_a_locked_board_refuses_participant_writes_but_not_staff(ctx):
    bid, ana = board_id(ctx), person(ctx)
    note = create(bid, ana)
    db.session.get(Board, bid).locked = True
    db.session.commit()
    seq = board_seq(bid)
    for op_type, extra in (
        ("note.create", {"lane_id": lanes(bid)[0], "text": "x"}),
        ("note.update", {"note_id": note["id"], "base_version": 1, "text": "x"}),
        ("note.move", {"note_id": note["id"], "lane_id": lanes(bid)[1]}),
        ("note.delete", {"note_id": note["id"]}),
        ("vote.add", {"note_id": note["id"]}),
    ):
        assert code(ack(bid, ana, op_type, **extra)) == "locked", op_type
    assert board_seq(bid) == seq
    assert ack(bid, facilitator(ctx), "note.create", lane_id=lanes(bid)[0], text="Staff")["ok"]


def test_a_removed_participant_cannot_write(ctx):
    bid, ana = board_id(ctx), person(ctx)
    ana.removed = True
    db.session.commit()
    assert code(ack(bid, ana, "note.create", lane_id=lanes(bid)[0], text="x")) == "unauthorized"


# --- rate limit -------------------------------------------------------------------------------


def test_a_participant_over_the_rate_gets_rate_limited_and_retries_are_free(app, ctx):
    app.config.update(OP_RATE_PER_SECOND=0.001, OP_RATE_BURST=3)
    bid, ana, ben = board_id(ctx), person(ctx), person(ctx, "Ben")
    op_id = str(uuid.uuid4())
    assert run(bid, ana, "note.create", op_id, lane_id=lanes(bid)[0], text="1").ack["ok"]
    assert create(bid, ana, "2") and create(bid, ana, "3")
    seq = board_seq(bid)
    limited = ack(bid, ana, "note.create", lane_id=lanes(bid)[0], text="4")
    assert code(limited) == "rate_limited"
    assert board_seq(bid) == seq
    replay = run(bid, ana, "note.create", op_id, lane_id=lanes(bid)[0], text="1").ack
    assert replay["ok"] and replay["seq"] == seq - 2
    assert create(bid, ben, "Ben is not limited by Ana")


# --- private writing (restricted audience) ----------------------------------------------------


def test_hidden_notes_reach_others_only_as_redacted_ops_with_the_same_seq(ctx):
    bid, ana, ben = board_id(ctx), person(ctx), person(ctx, "Ben")
    db.session.get(Board, bid).private_writing = True
    db.session.commit()
    applied = run(bid, ana, "note.create", lane_id=lanes(bid)[0], text="Only mine for now")
    assert applied.row.audience == {"participants": [ana.id]}
    board = db.session.get(Board, bid)
    redacted = message_for(applied.row, ben, board)
    assert redacted["seq"] == applied.ack["seq"] and redacted["type"] == "redacted"
    assert "Only mine" not in repr(redacted)
    assert message_for(applied.row, ana, board)["result"]["note"]["text"] == "Only mine for now"
    assert message_for(applied.row, facilitator(ctx), board)["type"] == "note.create"
    note_id = applied.ack["result"]["note"]["id"]
    assert code(ack(bid, ben, "vote.add", note_id=note_id)) == "not_found"
