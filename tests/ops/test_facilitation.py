"""Facilitator controls (roadmap/ops/facilitation.py, clusters, commitments, takeaways, undo)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from support.api import auth, new_op

from roadmap.extensions import db
from roadmap.models import Board


# Every facilitator op and a payload that would be valid for staff.
def staff_ops(b) -> list[tuple[str, dict[str, Any]]]:
    note = b.note(b.ana_token, "A signpost")
    return [
        ("board.phase", {"phase": "vote"}),
        ("board.lock", {"locked": True}),
        ("voting.configure", {"budget": 3, "open": True}),
        ("votes.reset", {}),
        ("timer.start", {"seconds": 60}),
        ("timer.pause", {}),
        ("timer.resume", {}),
        ("timer.add", {"seconds": 60}),
        ("timer.stop", {}),
        ("writing.private", {"on": True}),
        ("notes.reveal", {}),
        ("board.spotlight", {"note_id": note["id"]}),
        ("board.message", {"text": "Five minutes left"}),
        ("cluster.create", {"note_ids": [note["id"]], "title": "Research"}),
        ("cluster.dissolve", {"cluster_id": note["id"]}),
        ("cluster.add", {"cluster_id": note["id"], "note_ids": [note["id"]]}),
        ("commitment.set", {"note_id": note["id"], "owner_name": "Ana"}),
        ("board.bring", {"note_id": note["id"]}),
        ("voting.end", {}),
        ("voting.configure", {"hide_results": True, "max_per_note": 3}),
        ("facilitator.undo", {}),
    ]


def test_participants_cannot_use_any_facilitator_control(board):
    for op_type, data in staff_ops(board):
        ack = board.send(board.ana_token, op_type, **data)
        assert not ack["ok"] and ack["error"]["code"] == "forbidden", (op_type, ack)
    snap = board.snapshot(board.fac)
    assert snap["phase"] == "brainstorm" and not snap["locked"]
    assert snap["facilitation"]["timer"]["state"] == "stopped"


def test_organiser_token_can_use_the_controls(board):
    result = board.ok(board.org, "board.phase", phase="cluster")
    assert result["board"] == {"phase": "cluster"}


def test_phases_open_voting_only_in_vote(board):
    note = board.note(board.ana_token, "Vote for me")
    # A free board (no phases used yet) votes any time.
    assert board.ok(board.ben_token, "vote.add", note_id=note["id"])["votes"] == 1
    result = board.ok(board.fac, "board.phase", phase="cluster")
    assert result["facilitation"]["voting_open"] is False
    ack = board.send(board.ben_token, "vote.remove", note_id=note["id"])
    assert ack["error"]["code"] == "forbidden"
    board.ok(board.fac, "board.phase", phase="vote")
    assert board.ok(board.ben_token, "vote.remove", note_id=note["id"])["votes"] == 0
    board.ok(board.fac, "board.phase", phase="commit")
    assert board.send(board.ben_token, "vote.add", note_id=note["id"])["error"]["code"] == (
        "forbidden"
    )
    # ... unless the facilitator allows voting outside the Vote phase.
    board.ok(board.fac, "voting.configure", open=True)
    assert board.ok(board.ben_token, "vote.add", note_id=note["id"])["votes"] == 1
    assert board.send(board.fac, "board.phase", phase="party")["error"]["code"] == "invalid"


def test_facilitator_can_close_voting_during_the_vote_phase(board):
    note = board.note(board.ana_token, "Vote for me")
    board.ok(board.fac, "board.phase", phase="vote")
    assert board.ok(board.ben_token, "vote.add", note_id=note["id"])["votes"] == 1
    result = board.ok(board.fac, "voting.configure", open=False)
    assert result["facilitation"]["voting_open"] is False
    for op_type in ("vote.add", "vote.remove"):
        ack = board.send(board.ben_token, op_type, note_id=note["id"])
        assert ack["error"]["code"] == "forbidden", op_type
    board.ok(board.fac, "voting.configure", open=True)
    assert board.ok(board.ben_token, "vote.remove", note_id=note["id"])["votes"] == 0


def test_vote_budget_and_reset(board):
    notes = [board.note(board.ana_token, f"Idea {i}") for i in range(3)]
    result = board.ok(board.fac, "voting.configure", budget=2)
    assert result["facilitation"]["vote_budget"] == 2
    board.ok(board.ben_token, "vote.add", note_id=notes[0]["id"])
    board.ok(board.ben_token, "vote.add", note_id=notes[1]["id"])
    ack = board.send(board.ben_token, "vote.add", note_id=notes[2]["id"])
    assert ack["error"]["code"] == "forbidden"
    vote = board.ok(board.ana_token, "vote.add", note_id=notes[0]["id"])
    assert vote["votes"] == 2
    assert board.send(board.fac, "voting.configure", budget=0)["error"]["code"] == "invalid"
    result = board.ok(board.fac, "votes.reset")
    assert result["votes_reset"] and result["resync"]
    snap = board.snapshot(board.ben_token)
    assert snap["my_votes"] == [] and all(n["votes"] == 0 for n in snap["notes"])
    board.ok(board.ben_token, "vote.add", note_id=notes[2]["id"])
    # Undo puts the votes back.
    board.ok(board.fac, "facilitator.undo")
    counts = {n["id"]: n["votes"] for n in board.snapshot(board.fac)["notes"]}
    assert counts[notes[0]["id"]] == 2 and counts[notes[1]["id"]] == 1


def test_lock_makes_the_board_read_only_for_participants(board):
    note = board.note(board.ana_token, "Before the lock")
    assert board.ok(board.fac, "board.lock", locked=True) == {"board": {"locked": True}}
    ack = board.send(board.ana_token, "note.create", lane_id=board.lane("signposts"), text="x")
    assert ack["error"]["code"] == "locked"
    ack = board.send(board.ana_token, "note.update", note_id=note["id"], base_version=1, text="y")
    assert ack["error"]["code"] == "locked"
    # Staff still work on a locked board.
    board.note(board.fac, "Facilitator's summary")
    board.ok(board.fac, "board.lock", locked=False)
    board.note(board.ana_token, "After the lock")


def test_timer_state_is_kept_by_the_server(board, app):
    result = board.ok(board.fac, "timer.start", seconds=300)
    timer = result["facilitation"]["timer"]
    assert timer["state"] == "running" and timer["duration"] == 300
    assert 299 <= timer["remaining"] <= 300
    assert timer["ends_at"].endswith("Z") and timer["server_time"].endswith("Z")
    # A reload (or a late joiner) gets the same end time from the snapshot.
    late = board.snapshot(board.ben_token)["facilitation"]["timer"]
    assert late["ends_at"] == timer["ends_at"] and late["state"] == "running"
    paused = board.ok(board.fac, "timer.pause")["facilitation"]["timer"]
    assert paused["state"] == "paused" and paused["ends_at"] is None
    left = paused["remaining"]
    assert board.send(board.fac, "timer.pause")["error"]["code"] == "invalid"
    added = board.ok(board.fac, "timer.add", seconds=60)["facilitation"]["timer"]
    assert added["state"] == "paused" and added["remaining"] == left + 60
    assert board.snapshot(board.ana_token)["facilitation"]["timer"]["remaining"] == left + 60
    resumed = board.ok(board.fac, "timer.resume")["facilitation"]["timer"]
    assert resumed["state"] == "running" and left + 59 <= resumed["remaining"] <= left + 60
    assert board.send(board.fac, "timer.resume")["error"]["code"] == "invalid"
    more = board.ok(board.fac, "timer.add")["facilitation"]["timer"]  # one minute by default
    assert more["remaining"] >= left + 119
    stopped = board.ok(board.fac, "timer.stop")["facilitation"]["timer"]
    assert stopped["state"] == "stopped" and stopped["remaining"] is None
    # An ended timer reports "ended"; adding a minute starts it again.
    with app.app_context():
        row = db.session.get(Board, board.id)
        row.timer_ends_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=5)
        row.timer_duration = 60
        db.session.commit()
    assert board.snapshot(board.ana_token)["facilitation"]["timer"]["state"] == "ended"
    again = board.ok(board.fac, "timer.add", seconds=60)["facilitation"]["timer"]
    assert again["state"] == "running" and again["remaining"] >= 59
    assert board.send(board.fac, "timer.start", seconds=0)["error"]["code"] == "invalid"
    assert board.send(board.fac, "timer.start", seconds="60")["error"]["code"] == "invalid"


def test_private_writing_hides_notes_until_reveal(board):
    result = board.ok(board.fac, "writing.private", on=True)
    assert result["facilitation"]["private_writing"] is True
    mine = board.note(board.ana_token, "Ana's secret idea")
    assert mine["hidden"] is True
    ben_view = board.snapshot(board.ben_token)
    assert all(n["id"] != mine["id"] for n in ben_view["notes"])
    assert ben_view["hidden_count"] == 1
    assert any(n["id"] == mine["id"] for n in board.snapshot(board.ana_token)["notes"])
    assert any(n["id"] == mine["id"] for n in board.snapshot(board.fac)["notes"])
    # Ben cannot touch, vote or spotlight what he cannot see.
    assert board.send(board.ben_token, "vote.add", note_id=mine["id"])["error"]["code"] == (
        "not_found"
    )
    ack = board.send(board.fac, "board.spotlight", note_id=mine["id"])
    assert ack["error"]["code"] == "invalid"
    revealed = board.ok(board.fac, "notes.reveal")
    assert [n["id"] for n in revealed["notes"]] == [mine["id"]]
    assert revealed["notes"][0]["hidden"] is False
    assert revealed["facilitation"]["private_writing"] is False
    ben_view = board.snapshot(board.ben_token)
    assert any(n["id"] == mine["id"] for n in ben_view["notes"]) and ben_view["hidden_count"] == 0
    # Undo hides them again.
    assert board.ok(board.fac, "facilitator.undo")["resync"] is True
    assert board.snapshot(board.ben_token)["hidden_count"] == 1


def test_private_writing_audience_over_sockets(board, socket_client):
    board.ok(board.fac, "writing.private", on=True)
    sockets = {}
    for name, token in (("ana", board.ana_token), ("ben", board.ben_token), ("fac", board.fac)):
        sc = socket_client(token)
        assert sc.emit("board:join", {"board_id": board.id}, callback=True)["ok"]
        sc.get_received()
        sockets[name] = sc
    note = board.note(board.ana_token, "Hidden from Ben")

    def ops_of(name: str) -> list[dict[str, Any]]:
        return [m["args"][0] for m in sockets[name].get_received() if m["name"] == "op"]

    ben_ops = ops_of("ben")
    assert [m["type"] for m in ben_ops] == ["redacted"]
    assert "Hidden from Ben" not in str(ben_ops)
    assert any(m["type"] == "note.create" for m in ops_of("ana"))
    assert any(m.get("result", {}).get("note", {}).get("id") == note["id"] for m in ops_of("fac"))
    board.ok(board.fac, "notes.reveal")
    ben_ops = ops_of("ben")
    assert ben_ops[-1]["type"] == "notes.reveal"
    assert ben_ops[-1]["result"]["notes"][0]["text"] == "Hidden from Ben"


def test_spotlight_and_message(board):
    note = board.note(board.ana_token, "Look at this")
    result = board.ok(board.fac, "board.spotlight", note_id=note["id"])
    assert result["facilitation"]["spotlight_note_id"] == note["id"]
    assert board.snapshot(board.ben_token)["facilitation"]["spotlight_note_id"] == note["id"]
    assert board.send(board.fac, "board.spotlight", note_id=999999)["error"]["code"] == "not_found"
    assert (
        board.ok(board.fac, "board.spotlight", note_id=None)["facilitation"]["spotlight_note_id"]
        is None
    )
    result = board.ok(board.fac, "board.message", text="Back in the plenary at 15:30")
    assert result["facilitation"]["message"] == "Back in the plenary at 15:30"
    assert board.ok(board.fac, "board.message", text="")["facilitation"]["message"] == ""
    assert board.send(board.fac, "board.message", text="x" * 501)["error"]["code"] == "too_large"


def test_cluster_merge_and_unmerge(board):
    a = board.note(board.ana_token, "More research")
    b = board.note(board.ben_token, "Research for evidence-based policy")
    result = board.ok(board.fac, "cluster.create", note_ids=[a["id"], b["id"]], title="Research")
    cluster = result["notes"][0]
    assert cluster["kind"] == "cluster" and cluster["text"] == "Research"
    assert {n["id"]: n["cluster_id"] for n in result["notes"][1:]} == {
        a["id"]: cluster["id"],
        b["id"]: cluster["id"],
    }
    snap = board.snapshot(board.ben_token)
    kept = {n["id"]: n for n in snap["notes"]}
    assert kept[a["id"]]["text"] == "More research" and kept[a["id"]]["cluster_id"] == cluster["id"]
    ack = board.send(board.fac, "cluster.create", note_ids=[cluster["id"]], title="Nested")
    assert ack["error"]["code"] == "invalid"
    ack = board.send(board.fac, "cluster.dissolve", cluster_id=a["id"])
    assert ack["error"]["code"] == "invalid"
    dissolved = board.ok(board.fac, "cluster.dissolve", cluster_id=cluster["id"])
    assert dissolved["deleted_note_ids"] == [cluster["id"]]
    assert all(n["cluster_id"] is None for n in dissolved["notes"])
    snap = board.snapshot(board.ben_token)
    assert cluster["id"] not in {n["id"] for n in snap["notes"]}
    # Undo the dissolve: the cluster is back with its notes.
    board.ok(board.fac, "facilitator.undo")
    kept = {n["id"]: n for n in board.snapshot(board.ben_token)["notes"]}
    assert kept[cluster["id"]]["kind"] == "cluster" and kept[b["id"]]["cluster_id"] == cluster["id"]
    # Undo the merge too.
    board.ok(board.fac, "facilitator.undo")
    kept = {n["id"]: n for n in board.snapshot(board.ben_token)["notes"]}
    assert cluster["id"] not in kept and kept[b["id"]]["cluster_id"] is None


def test_signpost_becomes_a_linked_commitment(board):
    signpost = board.note(board.ana_token, "Map freedom businesses")
    result = board.ok(
        board.fac,
        "commitment.set",
        note_id=signpost["id"],
        owner_name="Mai",
        owner_org="Blue Dragon",
        due_date="2026-06-30",
        indicator="Directory published with 50 businesses",
        partners="Chab Dai; Visayan Forum",
    )
    note = result["note"]
    assert note["kind"] == "commitment" and note["id"] != signpost["id"]
    assert note["lane_id"] == board.lane("commitments")
    assert note["text"] == "Map freedom businesses"
    assert note["commitment"] == {
        "owner_name": "Mai",
        "owner_org": "Blue Dragon",
        "due_date": "2026-06-30",
        "indicator": "Directory published with 50 businesses",
        "partners": "Chab Dai; Visayan Forum",
        "status": "not_started",
        "status_note": "",
        "status_updated_at": note["commitment"]["status_updated_at"],
        "status_value": None,
        "source_note_id": signpost["id"],
    }
    ids = {n["id"]: n for n in board.snapshot(board.ben_token)["notes"]}
    assert ids[signpost["id"]]["kind"] == "signpost"  # the signpost stays, marked converted
    assert ids[signpost["id"]]["turned_into_id"] == note["id"]
    assert result["notes"][0]["turned_into_id"] == note["id"]
    # Editing the commitment updates it in place.
    again = board.ok(
        board.fac, "commitment.set", note_id=note["id"], owner_name="Mai", status="in_progress"
    )
    assert again["note"]["id"] == note["id"]
    assert again["note"]["commitment"]["status"] == "in_progress"
    assert again["note"]["commitment"]["due_date"] is None
    bad_dates = ["30/06/2026", "2026-06-30T10:00", "2026-06-30garbage", "20260630", "2026-6-30"]
    for bad in [*({"due_date": d} for d in bad_dates), {"status": "maybe"}, {"owner_name": " "}]:
        payload = {"note_id": note["id"], "owner_name": "Mai", **bad}
        assert board.send(board.fac, "commitment.set", **payload)["error"]["code"] == "invalid"
    # A text that is no date is named as such, whatever words it holds ("year" among them).
    for text in ("next year", "2026-06-30 this year"):
        payload = {"note_id": note["id"], "owner_name": "Mai", "due_date": text}
        error = board.send(board.fac, "commitment.set", **payload)["error"]
        assert error["code"] == "invalid" and "is not a date (YYYY-MM-DD)" in error["message"]
    year_zero = {"note_id": note["id"], "owner_name": "Mai", "due_date": "0000-06-30"}
    assert board.send(board.fac, "commitment.set", **year_zero)["error"]["code"] == "invalid"
    # Converted, not copied: the signpost cannot become a second commitment.
    again_ack = board.send(board.fac, "commitment.set", note_id=signpost["id"], owner_name="Mai")
    assert again_ack["error"]["code"] == "conflict" and again_ack["note_id"] == note["id"]
    # Status: the staff, or the author of the commitment note — not other participants.
    ack = board.send(board.ana_token, "commitment.status", note_id=note["id"], status="done")
    assert ack["error"]["code"] == "forbidden"
    done = board.ok(
        board.fac, "commitment.status", note_id=note["id"], status="done", status_note="Published"
    )
    assert done["note"]["commitment"]["status"] == "done"
    assert done["note"]["commitment"]["status_note"] == "Published"
    ack = board.send(board.fac, "commitment.status", note_id=signpost["id"], status="done")
    assert ack["error"]["code"] == "invalid"
    # Undo the status, then the edit, then the conversion.
    board.ok(board.fac, "facilitator.undo")
    board.ok(board.fac, "facilitator.undo")
    ids = {n["id"]: n for n in board.snapshot(board.fac)["notes"]}
    assert ids[note["id"]]["commitment"]["due_date"] == "2026-06-30"
    assert ids[note["id"]]["commitment"]["status"] == "not_started"
    board.ok(board.fac, "facilitator.undo")
    assert note["id"] not in {n["id"] for n in board.snapshot(board.fac)["notes"]}


def test_takeaways_in_the_takeaways_phase(board):
    ack = board.send(board.ana_token, "takeaway.set", text="New partners")
    assert ack["error"]["code"] == "forbidden"
    board.ok(board.fac, "board.phase", phase="takeaways")
    board.ok(board.fac, "board.lock", locked=True)  # takeaways still work on a locked board
    first = board.ok(board.ana_token, "takeaway.set", text="New partners")["takeaway"]
    assert first["participant"]["name"] == "Ana"
    changed = board.ok(board.ana_token, "takeaway.set", text="Call Mai next week", anonymous=True)
    assert changed["takeaway"]["id"] == first["id"]
    assert changed["takeaway"]["participant"]["name"] == "Anonymous"
    board.ok(board.ben_token, "takeaway.set", text="A table of Indonesians next time")
    taken = board.snapshot(board.ben_token)["takeaways"]
    assert {t["text"] for t in taken} == {"Call Mai next week", "A table of Indonesians next time"}
    assert board.send(board.ben_token, "takeaway.set", text="  ")["error"]["code"] == "invalid"


def test_entering_takeaways_phase_resyncs_when_there_are_takeaways(board):
    board.ok(board.fac, "takeaway.set", text="Facilitator's own")
    assert board.ok(board.fac, "board.phase", phase="takeaways").get("resync") is True


def test_undo_with_nothing_to_undo_is_refused(client, demo):
    made = client.post(
        f"/api/events/{demo['event_id']}/groups",
        json={"name": "A new group"},
        headers=auth(demo["organiser_token"]),
    ).get_json()
    res = client.post(
        f"/api/boards/{made['group']['board_id']}/ops",
        json=new_op("facilitator.undo"),
        headers=auth(made["facilitator_token"]),
    )
    assert res.get_json()["error"]["code"] == "invalid"


def test_undo_reverses_the_last_facilitator_action_only(board):
    board.ok(board.fac, "board.phase", phase="vote")
    board.ok(board.fac, "board.lock", locked=True)
    board.ok(board.fac, "timer.start", seconds=60)  # the timer is not undoable
    result = board.ok(board.fac, "facilitator.undo")
    assert result["undone"]["type"] == "board.lock" and result["board"]["locked"] is False
    assert result["facilitation"]["timer"]["state"] == "running"
    result = board.ok(board.fac, "facilitator.undo")
    assert result["undone"]["type"] == "board.phase"
    snap = board.snapshot(board.ana_token)
    assert snap["phase"] == "brainstorm" and snap["facilitation"]["voting_open"] is True
