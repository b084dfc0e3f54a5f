"""Running the room (issue 16): bring everyone, hidden vote results, several dots per note,
the ready check, and one rule for where a cluster lives."""

from __future__ import annotations

from support.api import auth, sign_in_with_link

from roadmap.boards.snapshot import message_for
from roadmap.extensions import db
from roadmap.models import Board, BoardOp, Participant
from roadmap.reports.context import board_context


def notes_of(snap):
    return {n["id"]: n for n in snap["notes"]}


# --- board.bring ------------------------------------------------------------------------------


def test_bring_everyone_to_a_lane_or_a_note(board):
    note = board.note(board.ana_token, "Look at this")
    result = board.ok(board.fac, "board.bring", note_id=note["id"])
    bring = result["facilitation"]["bring"]
    assert bring["note_id"] == note["id"] and bring["lane_id"] == note["lane_id"] and bring["at"]
    # Everyone's snapshot says where the facilitator took the room (a late joiner too).
    assert board.snapshot(board.ben_token)["facilitation"]["bring"]["note_id"] == note["id"]
    lane = board.lane("challenges")
    bring = board.ok(board.fac, "board.bring", lane_id=lane)["facilitation"]["bring"]
    assert bring == {**bring, "lane_id": lane, "note_id": None}
    # Participants cannot, and nonsense is refused in the one error shape.
    assert board.send(board.ana_token, "board.bring", lane_id=lane)["error"]["code"] == "forbidden"
    assert board.send(board.fac, "board.bring")["error"]["code"] == "invalid"
    assert board.send(board.fac, "board.bring", lane_id=999999)["error"]["code"] == "not_found"
    assert board.send(board.fac, "board.bring", note_id=999999)["error"]["code"] == "not_found"


def test_bring_to_a_hidden_note_is_refused(board):
    board.ok(board.fac, "writing.private", on=True)
    hidden = board.note(board.ana_token, "Private")
    ack = board.send(board.fac, "board.bring", note_id=hidden["id"])
    assert ack["error"]["code"] == "invalid"


# --- hidden results ---------------------------------------------------------------------------


def test_hidden_results_never_reach_participants(app, board):
    note = board.note(board.ana_token, "Vote for me")
    board.ok(board.fac, "board.phase", phase="vote")
    configured = board.ok(board.fac, "voting.configure", hide_results=True)
    assert configured["facilitation"]["results_hidden"] is True and configured["resync"]
    # The voter's own ack has no count, the staff's snapshot has it, participants' have none.
    voted = board.send(board.ben_token, "vote.add", note_id=note["id"])
    assert voted["ok"] and voted["result"]["votes"] is None and voted["result"]["my_dots"] == 1
    assert notes_of(board.snapshot(board.fac))[note["id"]]["votes"] == 1
    assert notes_of(board.snapshot(board.ana_token))[note["id"]]["votes"] is None
    assert notes_of(board.snapshot(board.ben_token))[note["id"]]["votes"] is None
    assert board.snapshot(board.ben_token)["my_votes"] == [note["id"]]
    # An edit of the note carries its count: stripped for the author, kept for the staff.
    edited = board.send(
        board.ana_token, "note.update", note_id=note["id"], base_version=1, text="Vote for me!"
    )
    assert edited["result"]["note"]["votes"] is None
    # Catch-up (the op log as each viewer may see it): others only learn the seq of a vote.
    with app.app_context():
        b = db.session.get(Board, board.id)
        rows = db.session.query(BoardOp).filter_by(board_id=board.id).order_by(BoardOp.seq).all()
        vote_row, edit_row = rows[-2], rows[-1]
        assert (vote_row.type, edit_row.type) == ("vote.add", "note.update")
        ana = db.session.get(Participant, board.ana["participant"]["id"])
        ben = db.session.get(Participant, board.ben["participant"]["id"])
        fac = rows[-3].actor
        assert message_for(vote_row, ana, b)["type"] == "redacted"
        assert message_for(vote_row, ben, b)["result"]["votes"] is None
        assert message_for(vote_row, fac, b)["result"]["votes"] == 1
        assert message_for(edit_row, ben, b)["result"]["note"]["votes"] is None
        assert message_for(edit_row, fac, b)["result"]["note"]["votes"] == 1
    # Ending the vote shows everyone the counts (a resync fetches them) and closes voting.
    ended = board.ok(board.fac, "voting.end")
    assert ended["resync"] and ended["facilitation"]["results_hidden"] is False
    assert ended["facilitation"]["voting_open"] is False
    assert notes_of(board.snapshot(board.ana_token))[note["id"]]["votes"] == 1


def test_leaving_the_vote_phase_ends_a_hidden_vote(board):
    note = board.note(board.ana_token, "Later")
    board.ok(board.fac, "board.phase", phase="vote")
    board.ok(board.fac, "voting.configure", hide_results=True)
    board.ok(board.ben_token, "vote.add", note_id=note["id"])
    moved = board.ok(board.fac, "board.phase", phase="commit")
    assert moved["resync"] and moved["facilitation"]["results_hidden"] is False
    assert notes_of(board.snapshot(board.ben_token))[note["id"]]["votes"] == 1
    # Undo goes back to the hidden vote.
    board.ok(board.fac, "facilitator.undo")
    assert notes_of(board.snapshot(board.ben_token))[note["id"]]["votes"] is None


def test_several_dots_per_note_within_the_budget(board):
    note = board.note(board.ana_token, "Worth three")
    board.ok(board.fac, "board.phase", phase="vote")
    board.ok(board.fac, "voting.configure", budget=4, max_per_note=3)
    results = [board.ok(board.ben_token, "vote.add", note_id=note["id"]) for _ in range(4)]
    assert [r["votes"] for r in results] == [1, 2, 3, 3]
    assert [r["changed"] for r in results] == [True, True, True, False]
    assert results[-1]["my_dots"] == 3
    assert sorted(board.snapshot(board.ben_token)["my_votes"]) == [note["id"]] * 3
    other = board.note(board.ana_token, "The fourth dot")
    assert board.ok(board.ben_token, "vote.add", note_id=other["id"])["votes"] == 1
    spent = board.send(board.ben_token, "vote.add", note_id=other["id"])
    assert spent["error"]["code"] == "forbidden"  # 4 of 4 used
    removed = board.ok(board.ben_token, "vote.remove", note_id=note["id"])
    assert removed["votes"] == 2 and removed["my_dots"] == 2
    # Reset and undo bring back every dot, several on one note included.
    board.ok(board.fac, "votes.reset")
    assert notes_of(board.snapshot(board.fac))[note["id"]]["votes"] == 0
    board.ok(board.fac, "facilitator.undo")
    assert notes_of(board.snapshot(board.fac))[note["id"]]["votes"] == 2


def test_ready_check(board):
    board.ok(board.fac, "board.phase", phase="vote")
    ana_id, ben_id = board.ana["participant"]["id"], board.ben["participant"]["id"]
    assert board.ok(board.ana_token, "voting.ready", done=True)["facilitation"]["ready"] == [ana_id]
    ready = board.ok(board.ben_token, "voting.ready", done=True)["facilitation"]["ready"]
    assert sorted(ready) == sorted([ana_id, ben_id])
    assert board.ok(board.ana_token, "voting.ready", done=False)["facilitation"]["ready"] == [
        ben_id
    ]
    # A new vote starts with nobody done.
    board.ok(board.fac, "board.phase", phase="commit")
    assert board.ok(board.fac, "board.phase", phase="vote")["facilitation"]["ready"] == []


# --- clusters: one rule for where they live ---------------------------------------------------


def test_a_cluster_made_from_two_lanes_keeps_its_notes_in_its_lane(board):
    """The bug of issue 16: lane tab 4, lane header 2, the PDF listing notes in the other lane."""
    a = board.note(board.ana_token, "Fund shelters", lane="signposts")
    b = board.note(board.ben_token, "Shelter funding gap", lane="challenges")
    made = board.ok(board.fac, "cluster.create", note_ids=[a["id"], b["id"]], title="Shelters")
    cluster = made["notes"][0]
    assert {n["lane_id"] for n in made["notes"]} == {cluster["lane_id"]}
    snap = notes_of(board.snapshot(board.ben_token))
    assert snap[b["id"]]["lane_id"] == cluster["lane_id"] == board.lane("signposts")
    # Moving the cluster takes its notes along.
    moved = board.ok(
        board.fac, "note.move", note_id=cluster["id"], lane_id=board.lane("challenges")
    )
    assert {n["id"]: n["lane_id"] for n in moved["notes"]} == {
        a["id"]: board.lane("challenges"),
        b["id"]: board.lane("challenges"),
    }
    snap = notes_of(board.snapshot(board.ben_token))
    assert snap[a["id"]]["lane_id"] == snap[cluster["id"]]["lane_id"] == board.lane("challenges")
    # Undo of the merge (moves are not undone): the notes go back to their own lanes.
    board.ok(board.fac, "facilitator.undo")
    snap = notes_of(board.snapshot(board.ben_token))
    assert (
        snap[b["id"]]["lane_id"] == board.lane("challenges") and snap[b["id"]]["cluster_id"] is None
    )


def test_the_board_pdf_lists_a_cluster_under_its_lane(app, board):
    a = board.note(board.ana_token, "Zebra signpost note", lane="signposts")
    b = board.note(board.ben_token, "Yak challenge note", lane="challenges")
    made = board.ok(board.fac, "cluster.create", note_ids=[a["id"], b["id"]], title="Animals")
    with app.app_context():
        lanes = board_context(db.session.get(Board, board.id))["board"]["lanes"]
    where = {n["text"]: lane["id"] for lane in lanes for n in lane["notes"]}
    lane = made["notes"][0]["lane_id"]
    assert where["Animals"] == where["Zebra signpost note"] == where["Yak challenge note"] == lane


def test_a_note_added_to_a_cluster_moves_into_its_lane_and_counts_agree(app, board):
    """cluster.add (a note dragged onto a cluster or a clustered note): the note joins the
    cluster in the cluster's lane, leaving another cluster if it was in one; the snapshot, the
    board PDF and the dashboard agree; participants may not; undo puts it back."""
    from roadmap.models import Group
    from roadmap.organise.services import board_tile

    a = board.note(board.ana_token, "Fund shelters", lane="signposts")
    b = board.note(board.ben_token, "Shelter funding gap", lane="signposts")
    c = board.note(board.ben_token, "Shelter staff training", lane="challenges")
    made = board.ok(board.fac, "cluster.create", note_ids=[a["id"], b["id"]], title="Shelters")
    cluster = made["notes"][0]
    refused = board.send(
        board.ana_token, "cluster.add", cluster_id=cluster["id"], note_ids=[c["id"]]
    )
    assert not refused["ok"] and refused["error"]["code"] == "forbidden"
    not_a_cluster = board.send(board.fac, "cluster.add", cluster_id=a["id"], note_ids=[c["id"]])
    assert not not_a_cluster["ok"] and not_a_cluster["error"]["code"] == "invalid"
    nested = board.send(
        board.fac, "cluster.add", cluster_id=cluster["id"], note_ids=[cluster["id"]]
    )
    assert not nested["ok"] and nested["error"]["code"] == "invalid"

    def lane_counts():
        snap = notes_of(board.snapshot(board.ben_token))
        return {
            name: sum(
                1
                for n in snap.values()
                if n["lane_id"] == board.lane(name) and n["kind"] != "cluster"
            )
            for name in ("signposts", "challenges")
        }

    before = lane_counts()
    added = board.ok(board.fac, "cluster.add", cluster_id=cluster["id"], note_ids=[c["id"]])
    assert added["cluster_id"] == cluster["id"]
    assert [n["id"] for n in added["notes"]] == [cluster["id"], c["id"]]
    snap = notes_of(board.snapshot(board.ben_token))
    assert snap[c["id"]]["cluster_id"] == cluster["id"]
    assert snap[c["id"]]["lane_id"] == cluster["lane_id"] == board.lane("signposts")
    # The lane tab and the lane header count the notes of the lane: the note counts there now.
    after = lane_counts()
    assert after["signposts"] == before["signposts"] + 1
    assert after["challenges"] == before["challenges"] - 1
    with app.app_context():
        context = board_context(db.session.get(Board, board.id))
        lanes = context["board"]["lanes"]
        where = {n["text"]: lane["id"] for lane in lanes for n in lane["notes"]}
        assert where["Shelter staff training"] == where["Shelters"] == cluster["lane_id"]
        shelters = [x for x in context["board"]["clusters"] if x["text"] == "Shelters"]
        assert sorted(shelters[0]["members"]) == sorted(
            ["Fund shelters", "Shelter funding gap", "Shelter staff training"]
        )
        b_row = db.session.get(Board, board.id)
        tile = board_tile(b_row, db.session.get(Group, b_row.group_id))
        live = [n for n in notes_of(board.snapshot(board.fac)).values() if n["kind"] != "cluster"]
        assert tile["notes"] == len(live)  # clusters are not notes

    # A note of another cluster leaves it.
    d = board.note(board.ana_token, "Legal aid", lane="challenges")
    e = board.note(board.ana_token, "Lawyers", lane="challenges")
    other = board.ok(board.fac, "cluster.create", note_ids=[d["id"], e["id"]], title="Legal")
    board.ok(board.fac, "cluster.add", cluster_id=cluster["id"], note_ids=[d["id"]])
    snap = notes_of(board.snapshot(board.ben_token))
    assert snap[d["id"]]["cluster_id"] == cluster["id"]
    assert snap[e["id"]]["cluster_id"] == other["notes"][0]["id"]

    # Undo (the facilitator's) takes the last add back: lane and cluster as before.
    board.ok(board.fac, "facilitator.undo")
    snap = notes_of(board.snapshot(board.ben_token))
    assert snap[d["id"]]["cluster_id"] == other["notes"][0]["id"]
    assert snap[d["id"]]["lane_id"] == board.lane("challenges")


# --- PUBLIC_URL, favicon ----------------------------------------------------------------------


def test_qr_codes_cards_and_facilitator_links_use_public_url(app, client, demo):
    app.config["PUBLIC_URL"] = "http://192.168.1.20:5000/"
    want = f"http://192.168.1.20:5000/join/{demo['join_code']}"
    qr = client.get(f"/join/{demo['join_code']}/qr.svg").get_data(as_text=True)
    assert f"<title>{want}</title>" in qr
    assert want in client.get(f"/join/{demo['join_code']}/card").get_data(as_text=True)
    res = client.post(
        f"/api/events/{demo['event_id']}/groups",
        json={"name": "Public"},
        headers=auth(demo["organiser_token"]),
    )
    assert res.get_json()["facilitator_url"].startswith("http://192.168.1.20:5000/facilitate/")


def test_the_organiser_is_warned_when_phones_cannot_reach_the_address(app, client, demo):
    sign_in_with_link(client, f"/organise/{demo['organiser_token']}")
    page = client.get(f"/organise/events/{demo['event_id']}")
    assert "Phones cannot open http://localhost" in page.get_data(as_text=True)
    app.config["PUBLIC_URL"] = "http://127.0.0.1:5000"
    page = client.get(f"/organise/events/{demo['event_id']}")
    assert "Phones cannot open http://127.0.0.1:5000" in page.get_data(as_text=True)
    app.config["PUBLIC_URL"] = "http://10.0.0.7:5000"
    page = client.get(f"/organise/events/{demo['event_id']}")
    assert page.status_code == 200 and "Phones cannot open" not in page.get_data(as_text=True)


def test_the_favicon_is_served(client):
    res = client.get("/favicon.ico")
    assert res.status_code == 301 and res.location.endswith("/static/favicon.svg")
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


def test_a_participant_restores_their_own_deleted_note(board):
    note = board.note(board.ana_token, "Oops, deleted")
    board.ok(board.ana_token, "note.delete", note_id=note["id"])
    assert note["id"] not in notes_of(board.snapshot(board.ben_token))
    # Only its author (or the staff) may bring it back.
    ack = board.send(board.ben_token, "note.restore", note_id=note["id"])
    assert ack["error"]["code"] == "forbidden"
    restored = board.ok(board.ana_token, "note.restore", note_id=note["id"])
    assert restored["note"]["text"] == "Oops, deleted" and restored["note"]["version"] == 2
    assert notes_of(board.snapshot(board.ben_token))[note["id"]]["text"] == "Oops, deleted"
    again = board.ok(board.ana_token, "note.restore", note_id=note["id"])
    assert again["already_there"] is True
    board.ok(board.fac, "board.lock", locked=True)
    assert board.send(board.ana_token, "note.delete", note_id=note["id"])["error"]["code"] == (
        "locked"
    )
