"""Issue 12 (audit gap 6): the organiser's event form checks what the JSON API checks.

Each test failed on the code before its fix.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.api import form_token
from support.api import organiser_sign_in as sign_in
from support.security import make_account

from roadmap.extensions import db
from roadmap.models import Event, Group


@pytest.fixture
def account(runner) -> dict[str, str]:
    return make_account(runner)


# --- 6: the organiser's event form checks what the API checks ---------------------------------


def test_audit_6_the_event_form_refuses_what_the_api_refuses(app, client, account):
    sign_in(client, account)
    token = form_token(client, "/organise/events/new")
    long_name = "N" * 201
    res = client.post("/organise/events/new", data={"csrf_token": token, "name": long_name})
    assert res.status_code == 400
    page = res.get_data(as_text=True)
    assert 'class="error"' in page and "name" in page and "200" in page
    with app.app_context():
        assert not db.session.scalar(sa.select(Event.id).where(Event.name == long_name))
    # The API says the same of the same field.
    api = client.post("/api/events", json={"name": long_name})
    assert api.status_code == 400 and "name" in api.get_json()["error"]["message"]

    res = client.post("/organise/events/new", data={"csrf_token": token, "name": "Quarterly"})
    assert res.status_code == 302
    edit = res.location
    event_id = int(edit.rstrip("/").split("/")[-2])
    for fields in (
        {"name": long_name},
        {"place": "P" * 201},
        {"languages": " ".join(["en"] * 41)},
        {"retention_days": "ninety"},
        {"starts_on": "9999-01-01"},
    ):
        data = {"csrf_token": token, "action": "save", "name": "Quarterly", **fields}
        res = client.post(edit, data=data)
        assert res.status_code == 400, fields
        assert 'class="error"' in res.get_data(as_text=True), fields
    res = client.post(
        edit, data={"csrf_token": token, "action": "add_group", "group_name": "G" * 201}
    )
    assert res.status_code == 400 and 'class="error"' in res.get_data(as_text=True)
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event.name == "Quarterly" and event.place == "" and event.starts_on is None
        assert not db.session.scalar(sa.select(Group.id).where(Group.event_id == event_id))
    # What the API takes, the form takes.
    res = client.post(
        edit,
        data={
            "csrf_token": token,
            "action": "save",
            "name": "Quarterly review",
            "place": "Bangkok",
            "languages": "en th",
            "retention_days": "30",
            "starts_on": "2026-03-01",
            "ends_on": "",
        },
    )
    assert res.status_code == 200 and 'class="error"' not in res.get_data(as_text=True)
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert (event.name, event.place, event.retention_days) == (
            "Quarterly review",
            "Bangkok",
            30,
        )
        assert event.languages == ["en", "th"] and str(event.starts_on) == "2026-03-01"
