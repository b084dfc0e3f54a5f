"""The transaction rule: services own commits, and every board change is an op."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.api import auth, new_op

from roadmap import ops
from roadmap.extensions import db
from roadmap.models import Event, Participant
from roadmap.ops.core import PendingChanges

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"

# Modules allowed to add to or commit the session: services, the op core, migrations/CLI
# set-up, the demo and sample loaders, backup import. Anything else must call one of these.
COMMIT_ALLOWED = {
    "roadmap/ops/core.py",
    "roadmap/organise/services.py",
    "roadmap/organise/access.py",
    "roadmap/organise/groups.py",
    "roadmap/organise/cli.py",
    "roadmap/joining/participants.py",
    "roadmap/boards/layouts.py",
    "roadmap/cli.py",
    "roadmap/demo.py",
    "roadmap/reports/sample.py",
    "roadmap/reports/backup.py",
    "roadmap/reports/jobs.py",
    "roadmap/do_no_harm/retention.py",
    "roadmap/follow_up/services.py",
    "roadmap/follow_up/mail.py",
}
WRITE = re.compile(r"db\.session\.(commit|add|add_all|delete)\(")


def test_no_commit_or_add_outside_the_services():
    offenders = []
    for path in sorted((ROOT / "roadmap").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("roadmap/ops/") and rel != "roadmap/ops/core.py":
            continue  # op handlers change rows inside apply()'s transaction; core commits
        if rel in COMMIT_ALLOWED:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if WRITE.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == [], "writes outside the services:\n" + "\n".join(offenders)


def test_apply_refuses_to_discard_pending_changes(app, demo):
    with app.app_context():
        event = db.session.get(Event, demo["event_id"])
        event.place = "Chiang Mai"  # changed, not committed
        actor = db.session.get(Participant, _organiser_id(demo))
        with pytest.raises(PendingChanges):
            ops.apply(demo["groups"][0]["board_id"], new_op("board.message", text="hi"), actor)
        db.session.rollback()


def _organiser_id(demo) -> int:
    from roadmap.identity import participant_for_token

    return participant_for_token(demo["organiser_token"]).id


@pytest.fixture
def signed_in_account(app, client, runner):
    result = runner.invoke(
        args=["create-organiser", "--email", "lead@example.org", "--name", "Lea"],
        env={"ORGANISER_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    page = client.get("/organise/login").get_data(as_text=True)
    form = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    res = client.post(
        "/organise/login",
        data={"email": "lead@example.org", "password": PASSWORD, "csrf_token": form},
    )
    assert res.status_code == 302


def test_account_broadcasts_before_opening_the_dashboard(client, demo, signed_in_account):
    """Regression: the account's event identity was flushed, then rolled back by apply() (401)."""
    res = client.post(
        f"/api/events/{demo['event_id']}/broadcast", json={"message": "Plenary at 15:30"}
    )
    assert res.status_code == 200, res.get_json()
    assert len(res.get_json()["applied"]) == len(demo["groups"])


def test_renaming_a_group_retitles_its_board_through_an_op(client, demo, join, socket_client):
    board_id, group_id = demo["groups"][0]["board_id"], demo["groups"][0]["id"]
    ana = join("Ana")
    sc = socket_client(ana["token"])
    joined = sc.emit("board:join", {"board_id": board_id}, callback=True)
    seq = joined["snapshot"]["seq"]
    sc.get_received()
    org = auth(demo["organiser_token"])
    res = client.patch(
        f"/api/groups/{group_id}", json={"name": "The Legal Route (day 4)"}, headers=org
    )
    assert res.status_code == 200, res.get_json()
    got = [m["args"][0] for m in sc.get_received() if m["name"] == "op"]
    assert [(m["type"], m["result"]["board"]["title"]) for m in got] == [
        ("board.retitle", "The Legal Route (day 4)")
    ]
    assert got[0]["seq"] == seq + 1
    # A client that reconnects with `since` learns the new title from the op log.
    again = sc.emit("board:join", {"board_id": board_id, "since": seq}, callback=True)
    assert [op["type"] for op in again["ops"]] == ["board.retitle"]


def test_changing_the_template_lays_out_the_board_through_an_op(client, demo):
    org = auth(demo["organiser_token"])
    res = client.post(
        f"/api/events/{demo['event_id']}/groups", json={"name": "Plenary"}, headers=org
    )
    assert res.status_code == 201, res.get_json()
    group_id = res.get_json()["group"]["id"]
    res = client.patch(f"/api/groups/{group_id}", json={"template": "now-next-later"}, headers=org)
    assert res.status_code == 200, res.get_json()
    board_id = res.get_json()["board_id"]
    ops_page = client.get(f"/api/boards/{board_id}/ops?after=0", headers=org).get_json()
    layout = [op for op in ops_page["ops"] if op["type"] == "board.layout"]
    assert len(layout) == 1 and layout[0]["result"]["resync"] is True
    board = client.get(f"/api/boards/{board_id}", headers=org).get_json()
    assert [lane["title"] for lane in board["lanes"]] == ["Now", "Next", "Later"]
    # A board with notes keeps its template, and says why.
    demo_group = demo["groups"][0]["id"]
    refused = client.patch(
        f"/api/groups/{demo_group}", json={"template": "now-next-later"}, headers=org
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "conflict"
