"""Follow-up links, history and permissions (roadmap/follow_up, ops/commitments.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.api import account_bearer, auth, new_op

from roadmap.extensions import db
from roadmap.models import CommitmentUpdate, FollowUpLink

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

SOCIAL = 2  # the demo group the commitments are made in


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


NOT_FOUND = {
    "error": {
        "code": "not_found",
        "message": "There is no such follow-up link (it may have been replaced or withdrawn).",
    }
}


def test_staff_make_a_link_others_may_not(client, c):
    note, _source = c.commitment("Train 20 shelters in trauma-informed care")
    assert c.link(note["id"], c.ana).status_code == 403
    assert c.link(note["id"], c.other_fac).status_code == 403  # another group's facilitator
    res = client.post(f"/api/commitments/{note['id']}/follow-up-link")
    assert res.status_code == 401
    res = c.link(note["id"], c.org)
    assert res.status_code == 201
    made = res.get_json()
    assert made["url"].startswith("http://localhost/follow-up/") and made["expires_at"] is None
    assert made["qr_svg"].startswith("<?xml") and "<svg" in made["qr_svg"]
    # Only the hash is stored.
    with client.application.app_context():
        stored = db.session.query(FollowUpLink).one()
        assert token_of(made["url"]) not in stored.token_hash and len(stored.token_hash) == 64
    res = client.get(f"/api/commitments/{note['id']}/follow-up-link", headers=auth(c.fac))
    assert res.get_json()["active"] is True
    # A signpost is no commitment.
    _n, source = note, _source
    assert c.link(source["id"]).status_code == 400
    assert c.link(999999).status_code == 404


def test_owner_reads_and_updates_through_the_link(client, c):
    note, source = c.commitment("Train 20 shelters in trauma-informed care")
    url = c.link(note["id"]).get_json()["url"]
    token = token_of(url)
    got = client.get(f"/api/follow-up/{token}")
    assert got.status_code == 200
    data = got.get_json()
    view = data["commitment"]
    assert view["text"] == "Train 20 shelters in trauma-informed care"
    assert view["group"]["name"] and view["organisation"] == "Blue Dragon"
    assert view["due_date"] == "2027-03-31" and view["indicator"] == "Shelters trained"
    assert view["from"] == {"id": source["id"], "kind": source["kind"], "text": source["text"]}
    assert view["status"] == "not_started"
    assert [h["to"] for h in data["history"]] == ["not_started"]  # committed
    assert "contact_email" not in str(data)
    res = client.post(
        f"/api/follow-up/{token}", json={"status": "in_progress", "note": "5 trained", "value": 5}
    )
    assert res.status_code == 201, res.get_json()
    after = res.get_json()
    assert after["commitment"]["status"] == "in_progress" and after["commitment"]["value"] == 5
    last = after["history"][-1]
    assert last["from"] == "not_started" and last["to"] == "in_progress"
    assert last["note"] == "5 trained" and last["value"] == 5
    assert last["by"] == {"via": "owner_link", "name": "Owner (follow-up link)"}
    # It is an op on the board: in the log, with the next seq, seen by everyone.
    snap = c.snapshot(c.ana)
    seen = next(n for n in snap["notes"] if n["id"] == note["id"])
    assert seen["commitment"]["status"] == "in_progress"
    ops = client.get(f"/api/boards/{c.board_id}/ops?after={after['seq'] - 1}", headers=auth(c.ana))
    logged = ops.get_json()["ops"][-1]
    assert logged["type"] == "commitment.status" and logged["seq"] == after["seq"]
    assert logged["actor"]["name"] == "Owner · Mai"
    # Staff change the status too: another row, nothing overwritten.
    ack = c.send(c.fac, "commitment.status", note_id=note["id"], status="done", status_note="ok")
    assert ack["ok"]
    rows = client.get(f"/api/commitments/{note['id']}/history", headers=auth(c.fac)).get_json()
    assert [(h["from"], h["to"], h["by"]["via"]) for h in rows["history"]] == [
        (None, "not_started", "staff"),
        ("not_started", "in_progress", "owner_link"),
        ("in_progress", "done", "staff"),
    ]
    assert rows["history"][2]["by"]["name"].startswith("Facilitator")
    # An undo is a row as well.
    assert c.send(c.fac, "facilitator.undo")["ok"]
    rows = client.get(f"/api/commitments/{note['id']}/history", headers=auth(c.fac)).get_json()
    assert [(h["from"], h["to"], h["note"]) for h in rows["history"]][-1] == (
        "done",
        "in_progress",
        "undo",
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"status": "finished"},
        {"status": "done", "value": "5"},
        {"status": "done", "value": True},
        {"status": "done", "note": "x" * 2001},
        {"status": "done", "extra": 1},
        {"note": "no status"},
        {"status": 3},
        {"status": "done", "value": 1e300},
    ],
)
def test_owner_updates_are_validated(client, c, payload):
    note, _ = c.commitment("Publish a directory of freedom businesses")
    token = token_of(c.link(note["id"]).get_json()["url"])
    res = client.post(f"/api/follow-up/{token}", json=payload)
    assert res.status_code in (400, 413), res.get_json()
    assert set(res.get_json()) == {"error"} and res.get_json()["error"]["code"] in (
        "invalid",
        "too_large",
    )
    res = client.post(f"/api/follow-up/{token}", data="not json", content_type="text/plain")
    assert res.status_code == 400


def test_unknown_replaced_and_revoked_links_are_404(client, c):
    note, _ = c.commitment("Research on migrant workers")
    first = token_of(c.link(note["id"]).get_json()["url"])
    second = token_of(c.link(note["id"]).get_json()["url"])  # a new link replaces the old
    for token in (first, "nope", "x" * 300):
        for res in (
            client.get(f"/api/follow-up/{token}"),
            client.post(f"/api/follow-up/{token}", json={"status": "done"}),
        ):
            assert res.status_code == 404 and res.get_json() == NOT_FOUND
    assert client.get(f"/follow-up/{first}").status_code == 404
    assert client.get(f"/api/follow-up/{second}").status_code == 200
    assert (
        client.delete(
            f"/api/commitments/{note['id']}/follow-up-link", headers=auth(c.ana)
        ).status_code
        == 403
    )
    res = client.delete(f"/api/commitments/{note['id']}/follow-up-link", headers=auth(c.fac))
    assert res.status_code == 200 and res.get_json() == {"revoked": 1}
    res = client.get(f"/api/follow-up/{second}")
    assert res.status_code == 404 and res.get_json() == NOT_FOUND


def test_a_link_opens_its_own_commitment_only(client, app, c):
    mine, _ = c.commitment("Shelter training")
    theirs, _ = c.commitment("Hotline for migrant workers")
    token = token_of(c.link(mine["id"]).get_json()["url"])
    with app.app_context():
        owner_id = db.session.query(FollowUpLink).one().participant_id
    from roadmap import ops

    with app.app_context():
        # The link's identity may report progress on its commitment, nothing else.
        ack = ops.apply(
            c.board_id, new_op("commitment.status", note_id=theirs["id"], status="done"), owner_id
        ).ack
        assert ack["error"]["code"] == "forbidden"
        lane = c.snapshot(c.fac)["lanes"][0]["id"]
        ack = ops.apply(c.board_id, new_op("note.create", lane_id=lane, text="spam"), owner_id).ack
        assert ack["error"]["code"] == "forbidden"
        assert db.session.query(CommitmentUpdate).filter_by(note_id=theirs["id"]).count() == 1
    # The token is no bearer token for the rest of the API.
    assert client.get(f"/api/boards/{c.board_id}", headers=auth(token)).status_code == 401


def test_the_owner_page_without_javascript(client, c):
    note, source = c.commitment("Train 20 shelters in trauma-informed care")
    token = token_of(c.link(note["id"]).get_json()["url"])
    page = client.get(f"/follow-up/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Train 20 shelters" in html and "Blue Dragon" in html and source["text"] in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    res = client.post(
        f"/follow-up/{token}", data={"status": "blocked", "note": "No funds", "value": ""}
    )
    assert res.status_code == 303 and res.headers["Location"].endswith("?saved=1")
    html = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "No funds" in html and "Thank you" in html
    res = client.post(f"/follow-up/{token}", data={"status": "blocked", "value": "lots"})
    assert res.status_code == 400 and "must be a number" in res.get_data(as_text=True)
    res = client.post(f"/follow-up/{token}", data={"status": "nope"})
    assert res.status_code == 400


def test_history_survives_backup_and_restore(app, client, c, demo):
    note, _source = c.commitment("Shelter training")
    token = token_of(c.link(note["id"], email="mai@example.org").get_json()["url"])
    client.post(
        f"/api/follow-up/{token}", json={"status": "in_progress", "note": "half", "value": 10}
    )
    c.send(c.fac, "commitment.status", note_id=note["id"], status="done")
    res = client.get(f"/api/events/{demo['event_id']}/export.json", headers=auth(c.org))
    backup = res.get_json()
    assert "mai@example.org" not in res.get_data(as_text=True)  # personal data stays home
    assert len([u for u in backup["commitment_updates"] if u["note_id"] == note["id"]]) == 3
    account = auth(account_bearer(app, demo["event_id"]))  # imports need an organiser account
    res = client.post("/api/events/import", json=backup, headers=account)
    assert res.status_code == 201, res.get_json()
    made = res.get_json()
    new_board = next(
        g["board_id"]
        for g in client.get(
            f"/api/events/{made['event_id']}", headers=auth(made["organiser_token"])
        ).get_json()["groups"]
        if g["name"] == demo["groups"][SOCIAL]["name"]
    )
    snap = client.get(f"/api/boards/{new_board}", headers=auth(made["organiser_token"])).get_json()
    copy = next(
        n for n in snap["notes"] if n["kind"] == "commitment" and n["text"] == "Shelter training"
    )
    origin = next(n for n in snap["notes"] if n["id"] == copy["commitment"]["source_note_id"])
    assert origin["turned_into_id"] == copy["id"] and copy["commitment"]["status_value"] == 10
    rows = client.get(
        f"/api/commitments/{copy['id']}/history", headers=auth(made["organiser_token"])
    ).get_json()["history"]
    assert [(h["from"], h["to"], h["by"]["via"], h["note"]) for h in rows] == [
        (None, "not_started", "staff", ""),
        ("not_started", "in_progress", "owner_link", "half"),
        ("in_progress", "done", "staff", ""),
    ]
    # The old link does not open the copy: links are not restored.
    assert client.get(f"/api/follow-up/{token}").get_json()["commitment"]["id"] == note["id"]


def test_a_converted_signpost_is_listed_once_in_reports(app, c, demo):
    note, source = c.commitment("Joint research agenda with universities")
    from roadmap.models import Event
    from roadmap.reports.context import event_context

    with app.app_context():
        context = event_context(db.session.get(Event, demo["event_id"]))
    board = next(b for b in context["boards"] if b["id"] == c.board_id)
    texts = [n["text"] for n in board["notes"]]
    assert texts.count("Joint research agenda with universities") == 1  # the commitment
    assert source["id"] not in [n["id"] for n in board["notes"]]
    made = next(x for x in board["commitments"] if x["id"] == note["id"])
    assert made["signpost"] == "Joint research agenda with universities"  # from: …


def test_the_quarterly_review_pdf_reads_back(client, c, demo, tmp_path):
    import subprocess

    note, _ = c.commitment("Shelter training in three provinces")
    token = token_of(c.link(note["id"]).get_json()["url"])
    for status, text, value in (("in_progress", "Ten shelters", 10), ("done", "All thirty", 30)):
        res = client.post(
            f"/api/follow-up/{token}", json={"status": status, "note": text, "value": value}
        )
        assert res.status_code == 201
    url = f"/api/events/{demo['event_id']}/review.pdf?since=2020-01-01"
    assert client.get(url, headers=auth(c.ana)).status_code == 403
    assert client.get(url.replace("2020-01-01", "soon"), headers=auth(c.org)).status_code == 400
    res = client.get(url, headers=auth(c.org))
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    path = tmp_path / "review.pdf"
    path.write_bytes(res.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(  # the pages as PNG, for a look (test-artifacts/)
        ["pdftoppm", "-png", "-r", "50", "-l", "2", str(path), str(ARTIFACTS / "review")],
        check=True,
    )
    pages = text.split("\f")
    summary = pages[0]
    assert "Quarterly review of commitments" in summary and "status by group" in summary.lower()
    assert "moved since 1 Jan 2020" in summary
    group = demo["groups"][SOCIAL]["name"]
    chapter = next(p for p in pages[1:] if group in p and "Shelter training" in p)
    first = chapter.index("Not started → In progress")
    assert chapter.index("In progress → Done", first) > first  # updates in order
    assert "Ten shelters" in chapter and "All thirty" in chapter and "figure 30" in chapter
    assert "Owner (follow-up link)" not in chapter and "(owner)" in chapter


REVIEW_ENGLISH = (
    "Quarterly review", "Status by group", "Moved since", "Overdue", "Committed", "Nothing",
    "Generated", "commitments", "updates", "Owner", "Indicator", "Figure", "Status", "figure",
    "In progress", "Not started", "owner", "Page ",
)  # fmt: skip


@pytest.mark.parametrize("lang", ["km", "vi"])
def test_the_quarterly_review_pdf_speaks_the_asked_language(client, c, demo, tmp_path, lang):
    """?lang= puts the review's own words, dates and numbers into that language."""
    import subprocess

    from flask_babel import force_locale, gettext

    note, _ = c.commitment("Shelter training in three provinces")
    token = token_of(c.link(note["id"]).get_json()["url"])
    body = {"status": "in_progress", "note": "Ten shelters", "value": 1250.5}
    assert client.post(f"/api/follow-up/{token}", json=body).status_code == 201
    url = f"/api/events/{demo['event_id']}/review.pdf?since=2020-01-01&lang={lang}"
    res = client.get(url, headers=auth(c.org))
    assert res.status_code == 200
    path = tmp_path / "review.pdf"
    path.write_bytes(res.data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    from roadmap.demo import EVENT_NAME
    from roadmap.models import Event

    with client.application.app_context():
        place = db.session.get(Event, demo["event_id"]).place or ""
    for typed in ("Shelter training in three provinces", "Ten shelters", EVENT_NAME, place):
        text = text.replace(typed, " ") if typed else text
    for group in demo["groups"]:
        text = text.replace(group["name"], " ")
    left = [w for w in REVIEW_ENGLISH if w in text]
    assert not left, f"English left in the {lang} review: {left}"
    with client.application.test_request_context(), force_locale(lang):
        heading = gettext("Quarterly review of commitments")
    assert heading != "Quarterly review of commitments"
    if lang == "km":  # pdftotext reorders Khmer's vowel signs: look for the script itself
        assert len(re.findall("[\u1780-\u17ff]", text)) > 200
    else:
        assert heading in " ".join(text.split())


def test_synergies_across_groups_and_languages_and_the_introduction(client, c, demo):
    other_fac = demo["groups"][4]["facilitator_token"]
    other_board = demo["groups"][4]["board_id"]
    mine, _ = c.commitment("Train 20 shelters in trauma-informed care")
    theirs, _ = c.commitment(
        "อบรมเจ้าหน้าที่บ้านพักเรื่องการดูแลบาดแผลทางใจ", board=other_board, fac=other_fac
    )
    url = f"/api/events/{demo['event_id']}/synergies"
    res = client.get(url, headers=auth(c.org))
    assert res.status_code == 200
    pairs = res.get_json()["items"]
    pair = next(p for p in pairs if set(p["items"]) == {mine["id"], theirs["id"]})
    assert pair["score"] >= 0.5 and {"shelter", "training", "trauma care"} <= set(pair["why"])
    assert all(
        p["notes"][0]["group"]["id"] != p["notes"][1]["group"]["id"]
        or p["notes"][0]["organisation"].casefold() != p["notes"][1]["organisation"].casefold()
        for p in pairs
    )
    # A facilitator sees the pairs of their own group; participants none.
    seen = client.get(url, headers=auth(c.fac)).get_json()["items"]
    assert seen and all(
        demo["groups"][SOCIAL]["id"] in {n["group"]["id"] for n in p["notes"]} for p in seen
    )
    assert client.get(url, headers=auth(c.ana)).status_code == 403
    # Introduce them: a partners entry on both notes, through the op core on both boards.
    res = client.post(
        f"{url}/introduce", json={"items": [mine["id"], theirs["id"]]}, headers=auth(c.fac)
    )
    assert res.status_code == 201, res.get_json()
    applied = res.get_json()["applied"]
    assert {a["board_id"] for a in applied} == {c.board_id, other_board}
    snap = c.snapshot(c.fac)
    partners = next(n for n in snap["notes"] if n["id"] == mine["id"])["commitment"]["partners"]
    assert f"#{theirs['id']}" in partners and "บ้านพัก" in partners
    again = client.get(url, headers=auth(c.org)).get_json()["items"]
    assert next(p for p in again if set(p["items"]) == {mine["id"], theirs["id"]})["introduced"]
    # Twice is once.
    client.post(f"{url}/introduce", json={"items": [mine["id"], theirs["id"]]}, headers=auth(c.org))
    snap = c.snapshot(c.fac)
    partners = next(n for n in snap["notes"] if n["id"] == mine["id"])["commitment"]["partners"]
    assert partners.count(f"#{theirs['id']}") == 1
    # Participants may not; two other groups' facilitator may not.
    res = client.post(
        f"{url}/introduce", json={"items": [mine["id"], theirs["id"]]}, headers=auth(c.ana)
    )
    assert res.status_code == 403
    third = demo["groups"][0]["facilitator_token"]
    res = client.post(
        f"{url}/introduce", json={"items": [mine["id"], theirs["id"]]}, headers=auth(third)
    )
    assert res.status_code == 403


def test_link_identities_are_not_participants(client, c, demo):
    note, _ = c.commitment("Shelter training")
    c.link(note["id"])
    res = client.get(f"/api/events/{demo['event_id']}/participants", headers=auth(c.org)).get_json()
    assert all(p["role"] != "owner" for p in res["participants"])
    assert not any(p["name"].startswith("Owner ·") for p in res["participants"])


def test_the_follow_up_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"get", "post", "delete"} <= set(paths["/api/commitments/{note_id}/follow-up-link"])
    assert {"get", "post"} <= set(paths["/api/follow-up/{token}"])
    for path in (
        "/api/events/{event_id}/commitments",
        "/api/events/{event_id}/review.pdf",
        "/api/events/{event_id}/synergies",
    ):
        assert "get" in paths[path], sorted(paths)


def test_a_resent_owner_form_applies_once(client, c):
    note, _ = c.commitment("Shelter training")
    token = token_of(c.link(note["id"]).get_json()["url"])
    html = client.get(f"/follow-up/{token}").get_data(as_text=True)
    op_id = re.search(r'name="op_id" value="([^"]+)"', html).group(1)
    form = {"status": "in_progress", "note": "Weak Wi-Fi", "value": "3", "op_id": op_id}
    for _ in range(2):  # the phone sends it again after a lost answer
        assert client.post(f"/follow-up/{token}", data=form).status_code == 303
    history = client.get(f"/api/follow-up/{token}").get_json()["history"]
    assert [h["note"] for h in history].count("Weak Wi-Fi") == 1


def test_the_same_aim_meets_across_english_thai_and_vietnamese():
    from roadmap.follow_up.synergies import THRESHOLD, similarity

    texts = [
        "Train 20 shelters in trauma-informed care",
        "อบรมเจ้าหน้าที่บ้านพักเรื่องการดูแลบาดแผลทางใจ",
        "Tập huấn cho nhân viên nhà tạm lánh về chăm sóc sang chấn",
        "Audit seafood supply chains for forced labour",
    ]
    scores, concepts = similarity(texts)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert scores[a, b] >= THRESHOLD, (a, b, scores[a, b])
    for other in (0, 1, 2):
        assert scores[other, 3] < THRESHOLD
    assert {"shelter", "trauma_care", "training"} <= concepts[2]


def test_the_facilitators_undo_never_reverts_an_owners_update(client, c):
    """Undo reversed the board's last undoable op from anyone, an owner's report included."""
    note, _source = c.commitment("Train 20 shelters in trauma-informed care")
    token = token_of(c.link(note["id"]).get_json()["url"])
    edit = c.send(
        c.fac, "commitment.set", note_id=note["id"], owner_name="Mai", indicator="Shelters (new)"
    )
    assert edit["ok"], edit
    res = client.post(f"/api/follow-up/{token}", json={"status": "blocked", "value": 7})
    assert res.status_code == 201
    undone = c.send(c.fac, "facilitator.undo")  # the facilitator's own edit, not the owner's
    assert undone["ok"] and undone["result"]["undone"]["type"] == "commitment.set", undone
    view = client.get(f"/api/follow-up/{token}").get_json()
    assert view["commitment"]["status"] == "blocked"
    assert view["commitment"]["indicator"] == "Shelters trained"
    assert view["history"][-1]["to"] == "blocked"


def test_an_expired_link_is_not_reported_active(client, c):
    import datetime as dt

    from roadmap.models import utcnow

    note, _source = c.commitment("Train 20 shelters in trauma-informed care")
    token = token_of(c.link(note["id"]).get_json()["url"])
    with client.application.app_context():
        link = db.session.query(FollowUpLink).one()
        link.expires_at = utcnow() - dt.timedelta(days=1)
        db.session.commit()
    assert client.get(f"/api/follow-up/{token}").status_code == 404
    res = client.get(f"/api/commitments/{note['id']}/follow-up-link", headers=auth(c.fac))
    assert res.get_json()["active"] is False


def test_owner_links_are_redacted_in_logs():
    from roadmap.security.redact import redact

    line = "GET /api/follow-up/fSFTUPQk2Wm9xYh_WM6Ld3QPoeyRXK HTTP/1.1 POST /follow-up/abcdEFGH1234"
    out = redact(line)
    assert "fSFTUPQ" not in out and "abcdEFGH" not in out and out.count("[token]") == 2
