"""The JSON API: join, boards, ops over HTTP, and one error shape everywhere."""

from __future__ import annotations

import pytest
from support.api import auth, new_op


def error_of(res, status: int, code: str) -> dict:
    assert res.status_code == status, res.get_data(as_text=True)
    body = res.get_json()
    assert set(body["error"]) >= {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body


def test_healthz_checks_the_database(client):
    res = client.get("/healthz")
    assert res.status_code == 200
    body = res.get_json()
    assert set(body["stalls"]) >= {"gc_full_collections", "wal_checkpoints"}  # realtime/stalls.py
    assert {k: v for k, v in body.items() if k != "stalls"} == {
        "status": "ok",
        "websocket_writes": "engine.io",  # the threading test server; gevent: "direct"
        "direct_websockets": 0,
    }


def test_join_returns_participant_token_and_groups(client, demo):
    res = client.post(
        "/api/join",
        json={"code": demo["join_code"].lower(), "name": "Dewi", "organisation": "YB"},
    )
    assert res.status_code == 201
    body = res.get_json()
    assert body["participant"]["name"] == "Dewi"
    assert isinstance(body["participant"]["id"], int)
    assert len(body["token"]) >= 20
    assert body["event"]["id"] == demo["event_id"]
    names = [g["name"] for g in body["event"]["groups"]]
    assert names[0] == "The Legal Route"
    assert len(names) == 5
    assert all(isinstance(g["board_id"], int) for g in body["event"]["groups"])


def test_token_is_stored_only_as_hash(app, join):
    from roadmap.extensions import db
    from roadmap.models import Participant

    body = join("Mai")
    with app.app_context():
        who = db.session.get(Participant, body["participant"]["id"])
        assert body["token"] not in who.token_hash
        assert len(who.token_hash) == 64


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"code": "NOPE99", "name": "A"}, 404, "not_found"),
        ({"code": "ARAT19"}, 400, "invalid"),
        ({"code": "ARAT19", "name": ""}, 400, "invalid"),
        ({"code": "ARAT19", "name": "x" * 81}, 400, "invalid"),
        ({"code": "ARAT19", "name": 5}, 400, "invalid"),
        ({"code": "ARAT19", "name": "A", "role": "organiser"}, 400, "invalid"),
    ],
)
def test_join_refusals(client, demo, payload, status, code):
    error_of(client.post("/api/join", json=payload), status, code)


def test_join_with_malformed_json(client, demo):
    res = client.post("/api/join", data="{not json", content_type="application/json")
    error_of(res, 400, "invalid")
    error_of(client.post("/api/join", json=["a", "list"]), 400, "invalid")


def test_board_snapshot_shape(client, demo, join):
    token = join()["token"]
    board_id = demo["groups"][1]["board_id"]
    res = client.get(f"/api/boards/{board_id}", headers=auth(token))
    assert res.status_code == 200
    board = res.get_json()
    assert {"id", "title", "group", "template", "phase", "locked", "lanes", "notes", "seq"} <= set(
        board
    )
    assert board["group"]["name"] == "Prevention and Building Resilient Communities"
    assert board["template"] == "now-next-later"
    assert [lane["title"] for lane in board["lanes"]] == ["Now", "Next", "Later"]
    note = board["notes"][0]
    assert {"id", "lane_id", "kind", "text", "position", "version", "votes", "author"} <= set(note)
    texts = [n["text"] for n in board["notes"]]
    assert "Building capacity and awareness at grassroots level" in texts
    assert board["seq"] > 0


def test_board_needs_a_valid_token(client, demo):
    board_id = demo["groups"][0]["board_id"]
    error_of(client.get(f"/api/boards/{board_id}"), 401, "unauthorized")
    error_of(client.get(f"/api/boards/{board_id}", headers=auth("wrong")), 401, "unauthorized")
    res = client.get(f"/api/boards/{board_id}", headers={"Authorization": "Basic abc"})
    error_of(res, 401, "unauthorized")


def test_board_of_another_event_is_forbidden(app, client, demo, join):
    from roadmap.extensions import db
    from roadmap.models import Event

    with app.app_context():
        from roadmap.organise.groups import add_group

        other = Event(name="Regional Network Meeting", join_code="RNM16", place="Bangkok")
        db.session.add(other)
        group, _ = add_group(other, "Programming updates")
        db.session.commit()
        other_board = group.board.id
    token = join()["token"]
    error_of(client.get(f"/api/boards/{other_board}", headers=auth(token)), 403, "forbidden")
    error_of(client.get("/api/boards/9999", headers=auth(token)), 404, "not_found")


def test_post_op_then_read_it_back(client, demo, join):
    token = join()["token"]
    board_id = demo["groups"][0]["board_id"]
    board = client.get(f"/api/boards/{board_id}", headers=auth(token)).get_json()
    op = new_op("note.create", lane_id=board["lanes"][0]["id"], text="Train first responders")
    res = client.post(f"/api/boards/{board_id}/ops", json=op, headers=auth(token))
    assert res.status_code == 201
    ack = res.get_json()
    assert ack["ok"] is True
    assert ack["seq"] == board["seq"] + 1
    assert ack["result"]["note"]["text"] == "Train first responders"
    again = client.post(f"/api/boards/{board_id}/ops", json=op, headers=auth(token))
    assert again.status_code == 200
    assert again.get_json()["seq"] == ack["seq"]
    ops = client.get(f"/api/boards/{board_id}/ops?after={board['seq']}", headers=auth(token))
    listed = ops.get_json()["ops"]
    assert [o["seq"] for o in listed] == [ack["seq"]]
    assert listed[0]["op_id"] == op["op_id"]
    assert listed[0]["actor"]["name"] == "Ana"


def test_post_op_errors_have_the_ack_shape(client, demo, join):
    token = join()["token"]
    board_id = demo["groups"][0]["board_id"]
    res = client.post(
        f"/api/boards/{board_id}/ops",
        json=new_op("note.create", lane_id=999999, text="x"),
        headers=auth(token),
    )
    body = error_of(res, 404, "not_found")
    assert body["ok"] is False
    res = client.post(
        f"/api/boards/{board_id}/ops", json=new_op("no.such", x=1), headers=auth(token)
    )
    error_of(res, 400, "invalid")
    res = client.post(f"/api/boards/{board_id}/ops", json={"type": "x"}, headers=auth(token))
    error_of(res, 400, "invalid")
    res = client.get(f"/api/boards/{board_id}/ops?after=-1", headers=auth(token))
    error_of(res, 400, "invalid")
    res = client.get(f"/api/boards/{board_id}/ops?after=abc", headers=auth(token))
    error_of(res, 400, "invalid")


def test_unknown_routes_and_methods_answer_json(client):
    error_of(client.get("/api/nothing-here"), 404, "not_found")
    error_of(client.delete("/api/join"), 405, "method_not_allowed")


def test_html_pages_get_html_errors(client):
    res = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert res.status_code == 404
    assert res.mimetype == "text/html"


def test_unexpected_errors_answer_500_in_the_error_shape(app, client):
    @app.get("/api/boom")
    def boom():
        raise RuntimeError("kaput")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    body = error_of(client.get("/api/boom"), 500, "server_error")
    assert "kaput" not in body["error"]["message"]


def test_openapi_document_is_generated_from_the_routes(client):
    res = client.get("/api/openapi.json")
    assert res.status_code == 200
    doc = res.get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert "post" in paths["/api/join"]
    assert {"get", "post"} <= set(paths["/api/boards/{board_id}/ops"])
    join_body = paths["/api/join"]["post"]["requestBody"]["content"]["application/json"]
    schema_ref = join_body["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "name" in doc["components"]["schemas"][schema_ref]["properties"]
