"""Organisers: accounts (CLI, sign-in), the JSON API under /api, the pages."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from support.api import PASSWORD, auth, form_token, new_op
from support.api import organiser_sign_in as sign_in

from roadmap.extensions import db
from roadmap.models import Organiser


@pytest.fixture
def account(app, runner) -> dict[str, Any]:
    result = runner.invoke(
        args=["create-organiser", "--email", "Lead@Example.org", "--name", "Lea"],
        env={"ORGANISER_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    return {"email": "lead@example.org", "password": PASSWORD}


def test_create_organiser_stores_only_a_strong_hash(app, runner, account):
    with app.app_context():
        row = db.session.scalar(sa.select(Organiser))
        assert row.email == "lead@example.org" and row.name == "Lea"
        assert row.password_hash.startswith("scrypt:") and PASSWORD not in row.password_hash
    again = runner.invoke(
        args=["create-organiser", "--email", "lead@example.org", "--name", "X"],
        env={"ORGANISER_PASSWORD": PASSWORD},
    )
    assert again.exit_code != 0 and "exists already" in again.output
    short = runner.invoke(
        args=["create-organiser", "--email", "b@example.org", "--name", "B", "--password", "short"]
    )
    assert short.exit_code != 0
    prompted = runner.invoke(
        args=["create-organiser", "--email", "c@example.org", "--name", "C"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert prompted.exit_code == 0, prompted.output


def test_sign_in_with_password(client, account):
    assert client.get("/api/events").status_code == 401
    assert client.get("/organise/").status_code == 302  # to the sign-in page
    token = form_token(client)
    bad = client.post(
        "/organise/login",
        data={"email": account["email"], "password": "wrong password", "csrf_token": token},
    )
    assert bad.status_code == 401
    no_form_token = client.post(
        "/organise/login", data={"email": account["email"], "password": PASSWORD}
    )
    assert no_form_token.status_code == 400
    sign_in(client, account)
    assert client.get("/api/events").get_json() == {"events": []}
    assert client.get("/organise/").status_code == 200


def test_account_creates_and_edits_an_event(client, account):
    sign_in(client, account)
    res = client.post(
        "/api/events",
        json={
            "name": "Regional Network Meeting",
            "starts_on": "2026-03-02",
            "ends_on": "2026-03-03",
            "place": "Phnom Penh",
            "languages": ["en", "km"],
        },
    )
    assert res.status_code == 201, res.get_json()
    created = res.get_json()
    event = created["event"]
    assert event["name"] == "Regional Network Meeting" and event["languages"] == ["en", "km"]
    assert len(event["join_code"]) == 6 and event["groups"] == []
    # The answered token works as a bearer on the API, for this event and the account's others.
    bearer = auth(created["organiser_token"])
    assert client.get(f"/api/events/{event['id']}", headers=bearer).status_code == 200
    res = client.patch(f"/api/events/{event['id']}", json={"place": "Siem Reap"})
    assert res.get_json()["place"] == "Siem Reap" and res.get_json()["starts_on"] == "2026-03-02"
    bad = client.patch(f"/api/events/{event['id']}", json={"ends_on": "2026-03-01"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid"
    bad = client.patch(f"/api/events/{event['id']}", json={"starts_on": "March"})
    assert bad.status_code == 400
    assert client.post("/api/events", json={"name": ""}).status_code == 400
    assert client.post("/api/events", json={"name": "X", "extra": 1}).status_code == 400
    assert client.get("/api/events/999999").status_code == 404
    # Groups: from a list, with a template, and the five seed groups.
    res = client.post(
        f"/api/events/{event['id']}/groups",
        json={"name": "Legal Route", "template": "outcome-output-indicator"},
    )
    assert res.status_code == 201
    link = res.get_json()
    assert link["group"]["template"] == "outcome-output-indicator"
    assert link["facilitator_url"].endswith("/facilitate/" + link["facilitator_token"])
    dup = client.post(f"/api/events/{event['id']}/groups", json={"name": "Legal Route"})
    assert dup.status_code == 409
    bad = client.post(f"/api/events/{event['id']}/groups", json={"name": "X", "template": "nope"})
    assert bad.status_code == 400
    seeded = client.post(f"/api/events/{event['id']}/groups/seed").get_json()["groups"]
    assert len(seeded) == 5 and seeded[0]["group"]["name"] == "The Legal Route"
    assert client.post(f"/api/events/{event['id']}/groups/seed").get_json()["groups"] == []
    assert len(client.get(f"/api/events/{event['id']}").get_json()["groups"]) == 6
    # The facilitator link opens the board as its facilitator.
    board_id = link["group"]["board_id"]
    fac = auth(link["facilitator_token"])
    ack = client.post(
        f"/api/boards/{board_id}/ops", json=new_op("board.phase", phase="vote"), headers=fac
    ).get_json()
    assert ack["ok"], ack
    # Template: changeable while the board is empty, kept once it has notes.
    group_id = link["group"]["id"]
    res = client.patch(f"/api/groups/{group_id}", json={"template": "now-next-later"})
    assert res.status_code == 200 and res.get_json()["template"] == "now-next-later"
    lane_id = client.get(f"/api/boards/{board_id}", headers=fac).get_json()["lanes"][0]["id"]
    client.post(
        f"/api/boards/{board_id}/ops",
        json=new_op("note.create", lane_id=lane_id, text="First"),
        headers=fac,
    )
    res = client.patch(f"/api/groups/{group_id}", json={"template": "outcome-output-indicator"})
    assert res.status_code == 409
    # A new facilitator link: the old one stops working.
    rotated = client.post(f"/api/groups/{group_id}/facilitator-link").get_json()
    assert client.get(f"/api/boards/{board_id}", headers=fac).status_code == 401
    new_fac = auth(rotated["facilitator_token"])
    assert client.get(f"/api/boards/{board_id}", headers=new_fac).status_code == 200


def test_organiser_token_manages_only_its_event(client, demo, account):
    org = auth(demo["organiser_token"])
    events = client.get("/api/events", headers=org).get_json()["events"]
    assert [e["id"] for e in events] == [demo["event_id"]]
    res = client.post("/api/events", json={"name": "Mine"}, headers=org)
    assert res.status_code == 403
    # An account's event is not the demo organiser's.
    sign_in(client, account)
    other = client.post("/api/events", json={"name": "Other"}).get_json()["event"]
    res = client.get(f"/api/events/{other['id']}", headers=org)
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"


def test_participants_and_facilitators_are_refused(client, demo, join):
    ana = auth(join("Ana")["token"])
    fac = auth(demo["groups"][0]["facilitator_token"])
    event_id = demo["event_id"]
    group_id = demo["groups"][0]["id"]
    calls = [
        ("get", "/api/events", None),
        ("post", "/api/events", {"name": "X"}),
        ("get", f"/api/events/{event_id}", None),
        ("patch", f"/api/events/{event_id}", {"name": "X"}),
        ("post", f"/api/events/{event_id}/groups", {"name": "X"}),
        ("post", f"/api/events/{event_id}/groups/seed", None),
        ("patch", f"/api/groups/{group_id}", {"name": "X"}),
        ("post", f"/api/groups/{group_id}/facilitator-link", None),
        ("get", f"/api/events/{event_id}/dashboard", None),
        ("post", f"/api/events/{event_id}/broadcast", {"message": "hi"}),
        ("get", f"/api/events/{event_id}/participants", None),
        ("delete", f"/api/events/{event_id}/participants/1", None),
    ]
    for who in (ana, fac):
        for method, path, payload in calls:
            res = getattr(client, method)(path, json=payload, headers=who)
            assert res.status_code == 403, (method, path, res.get_json())
            assert res.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/events", headers=auth("not-a-token")).status_code == 401


def test_dashboard_and_broadcast(client, demo, join, socket_client):
    org = auth(demo["organiser_token"])
    event_id = demo["event_id"]
    ana = join("Ana")
    board_id = demo["groups"][1]["board_id"]
    sc = socket_client(ana["token"])
    assert sc.emit("board:join", {"board_id": board_id}, callback=True)["ok"]
    sc.get_received()
    data = client.get(f"/api/events/{event_id}/dashboard", headers=org).get_json()
    assert data["participants"] == 7  # six demo people and Ana
    tiles = {t["board_id"]: t for t in data["boards"]}
    assert len(tiles) == 5
    tile = tiles[board_id]
    assert tile["phase"] == "brainstorm" and tile["people_online"] == 1
    assert tile["notes"] == 6 and tile["votes"] > 0 and tile["commitments"] == 0
    assert len(tile["latest_notes"]) == 3 and tile["timer"]["state"] == "stopped"
    assert tiles[demo["groups"][2]["board_id"]]["commitments"] == 1
    res = client.post(
        f"/api/events/{event_id}/broadcast",
        json={"timer_seconds": 600, "message": "Back in the plenary at 15:30"},
        headers=org,
    )
    assert res.status_code == 200, res.get_json()
    assert len(res.get_json()["applied"]) == 10
    # Live: Ana's screen got both ops.
    got = [m["args"][0] for m in sc.get_received() if m["name"] == "op"]
    assert [m["type"] for m in got] == ["timer.start", "board.message"]
    assert got[0]["result"]["facilitation"]["timer"]["state"] == "running"
    data = client.get(f"/api/events/{event_id}/dashboard", headers=org).get_json()
    ends = {t["timer"]["ends_at"] for t in data["boards"]}
    assert all(t["timer"]["state"] == "running" for t in data["boards"]) and None not in ends
    assert {t["message"] for t in data["boards"]} == {"Back in the plenary at 15:30"}
    assert client.post(f"/api/events/{event_id}/broadcast", json={}, headers=org).status_code == 400
    bad = client.post(f"/api/events/{event_id}/broadcast", json={"timer_seconds": 0}, headers=org)
    assert bad.status_code == 400


def test_participants_counts_and_removal(client, demo, join, socket_client):
    org = auth(demo["organiser_token"])
    event_id = demo["event_id"]
    zoe = join("Zoe", organisation="Chab Dai Coalition", country="Cambodia")
    board_id = demo["groups"][1]["board_id"]
    zoe_auth = auth(zoe["token"])
    lane_id = client.get(f"/api/boards/{board_id}", headers=zoe_auth).get_json()["lanes"][0]["id"]
    note = client.post(
        f"/api/boards/{board_id}/ops",
        json=new_op("note.create", lane_id=lane_id, text="Zoe's idea"),
        headers=zoe_auth,
    ).get_json()["result"]["note"]
    sc = socket_client(zoe["token"])
    assert sc.is_connected()
    data = client.get(f"/api/events/{event_id}/participants", headers=org).get_json()
    assert data["counts"]["total"] == 7
    assert data["counts"]["organisations"]["Chab Dai Coalition"] == 2
    assert data["counts"]["countries"]["Cambodia"] == 2
    assert {p["role"] for p in data["participants"]} == {"participant", "facilitator", "organiser"}
    zoe_id = zoe["participant"]["id"]
    res = client.delete(f"/api/events/{event_id}/participants/{zoe_id}", headers=org)
    assert res.status_code == 200 and res.get_json()["participant"]["removed"] is True
    assert not sc.is_connected()
    assert client.get(f"/api/boards/{board_id}", headers=zoe_auth).status_code == 401
    notes = client.get(f"/api/boards/{board_id}", headers=org).get_json()["notes"]
    kept = next(n for n in notes if n["id"] == note["id"])
    assert kept["text"] == "Zoe's idea" and kept["author"]["name"] == "removed participant"
    data = client.get(f"/api/events/{event_id}/participants", headers=org).get_json()
    assert data["counts"]["total"] == 6 and data["counts"]["removed"] == 1
    assert client.delete(
        f"/api/events/{event_id}/participants/999999", headers=org
    ).status_code == (404)
    organiser_id = next(p["id"] for p in data["participants"] if p["role"] == "organiser")
    res = client.delete(f"/api/events/{event_id}/participants/{organiser_id}", headers=org)
    assert res.status_code == 403


def test_organiser_link_and_pages(client, demo):
    res = client.get(f"/organise/{demo['organiser_token']}")
    assert res.status_code == 302 and res.location.endswith("/signin")
    page = client.get("/signin").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    res = client.post("/signin", data={"csrf_token": token, "action": "switch"})
    assert res.status_code == 302 and res.location.endswith(f"/organise/events/{demo['event_id']}")
    page = client.get(res.location)
    assert page.status_code == 200 and "All groups at once" in page.get_data(as_text=True)
    assert client.get(f"/organise/events/{demo['event_id']}/participants").status_code == 200
    assert client.get(f"/organise/events/{demo['event_id']}/edit").status_code == 200
    board_id = demo["groups"][0]["board_id"]
    page = client.get(f"/boards/{board_id}/projector")
    assert page.status_code == 200 and "projector.js" in page.get_data(as_text=True)
    assert client.get("/organise/not-a-token").status_code == 401
    assert client.get(f"/organise/{demo['groups'][0]['facilitator_token']}").status_code == 401


def test_pages_create_an_event_and_groups(client, account):
    sign_in(client, account)
    token = form_token(client, "/organise/events/new")
    res = client.post(
        "/organise/events/new",
        data={"csrf_token": token, "name": "Quarterly meeting", "languages": "en th"},
    )
    assert res.status_code == 302
    edit = res.location
    res = client.post(edit, data={"csrf_token": token, "action": "seed_groups"})
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and page.count("/facilitate/") == 5
    res = client.post(
        edit,
        data={
            "csrf_token": token,
            "action": "add_group",
            "group_name": "Survivor voices",
            "template": "now-next-later",
        },
    )
    assert "Survivor voices" in res.get_data(as_text=True)
    event_id = int(edit.rstrip("/").split("/")[-2])
    assert client.get(f"/organise/events/{event_id}").status_code == 200
    assert client.get(f"/api/events/{event_id}/dashboard").status_code == 200


def test_broadcast_is_not_throttled_by_the_organisers_op_rate(app, client, demo):
    """The fan-out to every board is the server's doing: it spends no participant's bucket."""
    app.config.update(OP_RATE_PER_SECOND=0.001, OP_RATE_BURST=2)
    org = auth(demo["organiser_token"])
    res = client.post(
        f"/api/events/{demo['event_id']}/broadcast",
        json={"timer_seconds": 300, "message": "Five minutes"},
        headers=org,
    )
    assert res.status_code == 200, res.get_json()
    assert len(res.get_json()["applied"]) == 10
    # The organiser's own ops still are: two go through, the third is refused.
    board_id = demo["groups"][0]["board_id"]
    codes = [
        client.post(f"/api/boards/{board_id}/ops", json=new_op("timer.stop"), headers=org)
        .get_json()
        .get("error", {})
        .get("code")
        for _ in range(3)
    ]
    assert codes == [None, None, "rate_limited"]
