"""The demo conference command."""

from __future__ import annotations

import json

import sqlalchemy as sa

from roadmap.extensions import db
from roadmap.models import Event, Group, Note, Participant

SEED_GROUPS = [
    "The Legal Route",
    "Prevention and Building Resilient Communities",
    "Social Enterprise and Freedom Businesses",
    "Engaging with the Business Sector and Supply Chains",
    "Trauma-informed Care",
]


def counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Event, Group, Note, Participant)
        )


def test_demo_json_is_one_object_with_working_tokens(app, runner, client):
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert set(info) == {"event_id", "join_code", "organiser_token", "groups"}
    assert [g["name"] for g in info["groups"]] == SEED_GROUPS
    for group in info["groups"]:
        assert set(group) == {"id", "name", "board_id", "facilitator_token"}
        res = client.get(
            f"/api/boards/{group['board_id']}",
            headers={"Authorization": f"Bearer {group['facilitator_token']}"},
        )
        assert res.status_code == 200
        assert res.get_json()["viewer"]["staff"] is True
        assert res.get_json()["notes"], "each board has real signposts"
    res = client.get(
        f"/api/boards/{info['groups'][0]['board_id']}",
        headers={"Authorization": f"Bearer {info['organiser_token']}"},
    )
    assert res.get_json()["viewer"]["role"] == "organiser"


def test_demo_is_idempotent(app, runner):
    first = json.loads(runner.invoke(args=["demo", "--json"]).stdout)
    before = counts(app)
    second = json.loads(runner.invoke(args=["demo", "--json"]).stdout)
    assert counts(app) == before
    assert second == first


def test_demo_reissues_tokens_when_the_token_file_is_gone(app, runner, client):
    from pathlib import Path

    first = json.loads(runner.invoke(args=["demo", "--json"]).stdout)
    (Path(app.instance_path) / "demo_tokens.json").unlink()
    second = json.loads(runner.invoke(args=["demo", "--json"]).stdout)
    assert second["event_id"] == first["event_id"]
    assert second["organiser_token"] != first["organiser_token"]
    board = second["groups"][0]["board_id"]
    ok = client.get(
        f"/api/boards/{board}", headers={"Authorization": f"Bearer {second['organiser_token']}"}
    )
    assert ok.status_code == 200


def test_demo_prints_join_code_and_links(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert "ARAT19" in result.output
    assert "/organise/" in result.output
    assert result.output.count("/facilitate/") == 5


def test_demo_has_seed_signposts_in_several_scripts(app, demo):
    with app.app_context():
        texts = db.session.scalars(sa.select(Note.text)).all()
    joined = "\n".join(texts)
    assert "More research to drive evidence-based policy" in joined
    assert "LabourLink" in joined
    for sample in ("สร้าง", "ពង្រឹង", "ရပ်ရွာ", "加强"):
        assert sample in joined
