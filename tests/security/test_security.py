"""Regression tests for issue 12 ("Hold under attack and bad input"): one or more per finding.

Each failed on the code before the fix (the finding's number is in the test's name).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from support.api import auth, new_op

from roadmap.extensions import db, socketio
from roadmap.models import Lane, Note, Organiser

ROOT = Path(__file__).resolve().parents[2]
DEEP = "[" * 50_000 + "]" * 50_000


def first_board(demo) -> int:
    return demo["groups"][1]["board_id"]


def board_with(app, key: str = "commitments") -> tuple[int, int]:
    """A demo board with a lane of this key: (board id, lane id)."""
    with app.app_context():
        lane = db.session.scalar(sa.select(Lane).where(Lane.key == key).order_by(Lane.id))
        return lane.board_id, lane.id


def group_of_board(demo, board_id: int) -> dict:
    return next(g for g in demo["groups"] if g["board_id"] == board_id)


def lane_of(app, board_id: int, key: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(Lane.id).where(Lane.board_id == board_id, Lane.key == key)
        )


def raw_post(client, path: str, text: str, **headers: str):
    return client.post(path, data=text, content_type="application/json", headers=headers)


# --- 3, 4: one JSON parser with limits, for HTTP and sockets ----------------------------------


@pytest.mark.parametrize(
    "path", ["/api/join", "/api/boards/1/ops", "/api/events/import", "/api/events/1"]
)
def test_3_deep_nesting_is_a_400_not_a_500(app, client, demo, path):
    body = '{"code": "X", "name": ' + DEEP + "}"
    org = auth(import_token(app, demo) if "import" in path else demo["organiser_token"])
    if path == "/api/events/1":
        res = client.patch(path, data=body, content_type="application/json", headers=org)
    else:
        res = raw_post(client, path, body, **org)
    assert res.status_code == 400, res.get_data(as_text=True)[:200]
    assert res.get_json()["error"]["code"] == "invalid"


def socket_acks(sc, frame: str) -> list[Any]:
    """Feed one raw Socket.IO frame to the server; the acks it sent back for ack id 1."""
    sent: list[Any] = []
    original = socketio.server._send_packet
    socketio.server._send_packet = lambda sid, pkt: sent.append(pkt) or original(sid, pkt)
    try:
        socketio.server._handle_eio_message(sc.eio_sid, frame)
    finally:
        socketio.server._send_packet = original
    return [p.data[0] for p in sent if p.id == 1]


def test_3_huge_integers_and_depth_over_the_socket_get_an_error_ack(demo, join, socket_client):
    sc = socket_client(join()["token"])
    board = first_board(demo)
    head = '21["op",{"board_id":' + str(board) + ',"op_id":"d1","type":"note.create","data":'
    for data in ('{"lane_id":' + "[" * 5000 + "]" * 5000 + "}", '{"lane_id":' + "9" * 5000 + "}"):
        acks = socket_acks(sc, head + data + "}]")
        assert acks and acks[0]["ok"] is False and acks[0]["error"]["code"] == "invalid"
    assert sc.is_connected()


def test_4_lone_surrogates_are_refused_everywhere(app, client, demo, join, socket_client):
    who = join()
    board, lane = board_with(app, "signposts")
    head = '{"op_id": "s1", "type": "note.create", "data": {"lane_id": LANE, '
    body = head.replace("LANE", str(lane)) + '"text": "a\\ud800b"}}'
    res = raw_post(client, f"/api/boards/{board}/ops", body, **auth(who["token"]))
    assert res.status_code == 400 and "surrogate" in res.get_json()["error"]["message"]
    tags = head.replace("LANE", str(lane)).replace("s1", "s2") + '"text": "ok", '
    res = raw_post(
        client, f"/api/boards/{board}/ops", tags + '"tags": ["\\udfff"]}}', **auth(who["token"])
    )
    assert res.status_code == 400
    res = client.patch(
        f"/api/events/{demo['event_id']}",
        data='{"languages": ["en", "\\ud83d"]}',
        content_type="application/json",
        headers=auth(demo["organiser_token"]),
    )
    assert res.status_code == 400
    # Over the socket: the frame is decoded by the same parser.
    sc = socket_client(who["token"])
    frame = '21["op",{"board_id":BOARD,"op_id":"s3","type":"note.create","data":'
    frame += '{"lane_id":LANE,"text":"a\\ud800b"}}]'
    acks = socket_acks(sc, frame.replace("BOARD", str(board)).replace("LANE", str(lane)))
    assert acks and acks[0]["ok"] is False and acks[0]["error"]["code"] == "invalid"
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Note).where(Note.text.like("a%b"))
            )
            == 0
        )


# --- 1: write transactions take the write lock up front ---------------------------------------


def test_1_a_write_request_does_not_fail_when_another_writer_commits_meanwhile(
    app, client, demo, monkeypatch
):
    """The handler reads, then another process commits a write, then the handler writes.

    In a deferred transaction SQLite refuses that write at once ("database is locked", a 500).
    """
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    import roadmap.organise.api as organise_api

    original = organise_api.body

    def body_then_someone_writes(model):
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            other.execute("UPDATE event SET place = 'elsewhere'")
        except sqlite3.OperationalError:
            pass  # our request holds the write lock already: the other writer waits its turn
        finally:
            other.close()
        return original(model)

    monkeypatch.setattr(organise_api, "body", body_then_someone_writes)
    group_id = demo["groups"][0]["id"]
    res = client.patch(
        f"/api/groups/{group_id}", json={"name": "Renamed"}, headers=auth(demo["organiser_token"])
    )
    assert res.status_code == 200, res.get_data(as_text=True)[:300]


# --- 5, 8: import validates like an op, and needs an account -----------------------------------


def import_token(app, demo) -> str:
    from roadmap.models import Event
    from roadmap.organise.access import identity_for

    with app.app_context():
        account = Organiser(email="sec@example.org", name="Sec", password_hash="x")
        db.session.add(account)
        db.session.flush()
        _who, token = identity_for(account, db.session.get(Event, demo["event_id"]))
        db.session.commit()
    return token


@pytest.mark.parametrize(
    "change, pointer",
    [
        (lambda b: b["notes"][0].update(version=2**70), "notes.0.version"),
        (lambda b: b["groups"][0].update(position=2**70), "groups.0.position"),
        (lambda b: b["notes"][0].update(created_at="0001-01-01T00:00:00+14:00"), "notes.0"),
        (lambda b: b["notes"][0].update(due_date="9999-12-31"), "notes.0.due_date"),
        (lambda b: b["boards"][0].update(phase="evil"), "boards.0.phase"),
        (lambda b: b["boards"][0].update(template="evil"), "boards.0.template"),
        (lambda b: b["boards"][0]["lanes"][0].update(default_kind="evil1"), "default_kind"),
    ],
)
def test_5_import_refuses_what_an_op_would_with_a_pointer(app, client, demo, change, pointer):
    org = auth(demo["organiser_token"])
    backup = client.get(f"/api/events/{demo['event_id']}/export.json", headers=org).get_json()
    change(backup)
    res = client.post("/api/events/import", json=backup, headers=auth(import_token(app, demo)))
    assert res.status_code == 400, res.get_json()
    error = res.get_json()["error"]
    assert error["code"] == "invalid" and pointer in error["message"], error


def test_8_an_event_organiser_token_cannot_import_events(client, demo):
    org = auth(demo["organiser_token"])
    backup = client.get(f"/api/events/{demo['event_id']}/export.json", headers=org).get_json()
    res = client.post("/api/events/import", json=backup, headers=org)
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"


# --- 6: due dates in range; ICS never 500s -----------------------------------------------------


def test_6_far_due_dates_are_refused_and_ics_survives_an_old_one(app, client, demo):
    import datetime as dt

    with app.app_context():
        note_id, board = db.session.execute(
            sa.select(Note.id, Note.board_id).where(Note.kind == "commitment")
        ).first()
    fac = auth(group_of_board(demo, board)["facilitator_token"])
    op = new_op("commitment.set", note_id=note_id, owner_name="Ana", due_date="9999-12-31")
    res = client.post(f"/api/boards/{board}/ops", json=op, headers=fac)
    assert res.status_code == 400 and "year" in res.get_json()["error"]["message"]
    with app.app_context():  # a row stored before the range existed
        db.session.get(Note, note_id).due_date = dt.date(9999, 12, 31)
        db.session.commit()
    res = client.get(
        f"/api/events/{demo['event_id']}/actions.ics", headers=auth(demo["organiser_token"])
    )
    assert res.status_code == 200 and b"99991231" in res.data
    res = client.patch(
        f"/api/events/{demo['event_id']}",
        json={"starts_on": "0001-01-01"},
        headers=auth(demo["organiser_token"]),
    )
    assert res.status_code == 400


# --- 7: joins limited per address and per event; ops per address ------------------------------


def test_7_a_thousand_joins_from_one_address_pass(client, demo):
    for i in range(1000):
        res = client.post("/api/join", json={"code": demo["join_code"], "name": f"P{i}"})
        assert res.status_code == 201, (i, res.get_json())


def test_7_joins_are_limited_per_address_and_per_event(app, client, demo):
    app.config["JOIN_LIMIT_PER_ADDRESS"] = "3 per minute"
    for _ in range(3):
        assert (
            client.post("/api/join", json={"code": demo["join_code"], "name": "A"}).status_code
            == 201
        )
    res = client.post("/api/join", json={"code": demo["join_code"], "name": "A"})
    assert res.status_code == 429 and res.get_json()["error"]["code"] == "rate_limited"
    # Another address still joins, until the event's own cap.
    app.config["JOIN_LIMIT_PER_ADDRESS"] = "100 per minute"
    app.config["JOIN_LIMIT_PER_EVENT"] = "2 per minute"  # a new limit: a new count
    other = {"REMOTE_ADDR": "10.0.0.7"}
    codes = [
        client.post(
            "/api/join", json={"code": demo["join_code"], "name": "B"}, environ_base=other
        ).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]


def test_7_ops_are_limited_per_address_whatever_tokens_it_holds(app, client, demo, join):
    from roadmap.security.web import address_buckets

    address_buckets.reset()
    app.config.update(ADDRESS_OP_RATE_PER_SECOND=0.001, ADDRESS_OP_RATE_BURST=4)
    board, lane = board_with(app, "signposts")
    tokens = [join(f"T{i}")["token"] for i in range(4)]
    codes = []
    for token in tokens * 2:
        op = new_op("note.create", lane_id=lane, text="flood")
        codes.append(
            client.post(f"/api/boards/{board}/ops", json=op, headers=auth(token)).status_code
        )
    assert codes[:4] == [201] * 4 and set(codes[4:]) == {429}
    address_buckets.reset()


def test_7_client_address_comes_from_the_proxy_only_when_configured(app, demo):
    from roadmap.security.web import trust_proxies

    app.config["JOIN_LIMIT_PER_ADDRESS"] = "1 per minute"
    join = {"code": demo["join_code"], "name": "P"}

    def codes() -> list[int]:
        client = app.test_client()
        return [
            client.post(
                "/api/join", json=join, headers={"X-Forwarded-For": f"203.0.113.{i}"}
            ).status_code
            for i in (1, 2)
        ]

    assert codes() == [201, 429]  # no proxy trusted: X-Forwarded-For is ignored
    app.config["TRUSTED_PROXIES"] = 1
    trust_proxies(app)
    assert codes() == [201, 201]


# --- 9: cross-site writes ---------------------------------------------------------------------


def test_9_cookie_writes_from_another_origin_are_refused(client, demo):
    # Signed in by cookie, as an organiser (the demo's link, confirmed on our page).
    client.get(f"/organise/{demo['organiser_token']}")
    page = client.get("/signin").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/signin", data={"csrf_token": csrf}).status_code == 302
    group_id = demo["groups"][0]["id"]
    path = f"/api/groups/{group_id}/facilitator-link"
    for headers in (
        {"Origin": "http://localhost:8081"},  # another port of the same host: same site
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        res = client.post(path, data="x=1", content_type="text/plain", headers=headers)
        assert res.status_code == 403, headers
        assert res.get_json()["error"]["code"] == "forbidden"
    res = client.post(
        f"/api/events/{demo['event_id']}/report-jobs", headers={"Origin": "http://evil.test"}
    )
    assert res.status_code == 403
    # Our own page's requests pass.
    res = client.post(path, headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert res.status_code == 201
    # The organiser's HTML forms too: a valid form token from another origin is refused.
    edit = f"/organise/events/{demo['event_id']}/edit"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(edit).get_data(as_text=True))
    res = client.post(
        edit,
        data={"csrf_token": token.group(1), "action": "seed_groups"},
        headers={"Origin": "http://localhost:9999"},
    )
    assert res.status_code == 403


# --- 10, 12: links sign in by a POST from our page; no token in pages --------------------------


def test_10_a_link_never_silently_replaces_the_signed_in_identity(client, demo):
    res = client.post("/api/join", json={"code": demo["join_code"], "name": "Victim"})
    victim = res.get_json()["token"]
    with client.session_transaction() as s:
        s["token"] = victim
    attacker_link = f"/facilitate/{demo['groups'][0]['facilitator_token']}"
    res = client.get(attacker_link)
    assert res.status_code == 302 and res.location.endswith("/signin")
    with client.session_transaction() as s:
        assert s["token"] == victim  # nothing switched by following a link
    page = client.get("/signin").get_data(as_text=True)
    assert "Victim" in page and 'data-auto="1"' not in page  # a confirm page, no auto-submit
    assert demo["groups"][0]["facilitator_token"] not in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    # A cross-site POST cannot confirm it either.
    res = client.post("/signin", data={"csrf_token": csrf}, headers={"Origin": "http://evil.test"})
    assert res.status_code == 403
    with client.session_transaction() as s:
        assert s["token"] == victim
    res = client.post("/signin", data={"csrf_token": csrf, "action": "keep"})
    with client.session_transaction() as s:
        assert s["token"] == victim and "pending_token" not in s


def test_12_dashboard_and_projector_pages_hold_no_token(client, demo):
    client.get(f"/organise/{demo['organiser_token']}")
    csrf = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/signin").get_data(as_text=True)
    ).group(1)
    res = client.post("/signin", data={"csrf_token": csrf})
    for path in (res.location, f"/boards/{demo['groups'][0]['board_id']}/projector"):
        page = client.get(path).get_data(as_text=True)
        assert "data-token" not in page and demo["organiser_token"] not in page, path
    for name in ("organise/dashboard.js", "organise/projector.js"):
        assert "dataset.token" not in (ROOT / "static" / "js" / name).read_text()


def test_12_tokens_are_redacted_in_logs():
    from roadmap.security.redact import redact

    line = (
        "GET /organise/fo0FD179BtIHxYh_WM6Ld3QPoeyiCJ9h HTTP/1.1 ?token=abc&x=1 Bearer abcdefghij"
    )
    out = redact(line)
    assert "fo0FD179" not in out and "abc&" not in out and "abcdefghij" not in out
    assert redact("GET /organise/login HTTP/1.1") == "GET /organise/login HTTP/1.1"
    assert redact("GET /organise/events/3 HTTP/1.1") == "GET /organise/events/3 HTTP/1.1"


# --- 11: security headers; no inline script or style in the pages -----------------------------


def test_11_every_page_has_the_security_headers(client, demo):
    for path in ("/", f"/join/{demo['join_code']}", "/organise/login", "/api/openapi.json"):
        res = client.get(path)
        csp = res.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert res.headers["X-Frame-Options"] == "DENY"
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["Referrer-Policy"] == "no-referrer"


def test_11_templates_have_no_inline_script_style_or_handlers():
    pages = [p for p in (ROOT / "templates").rglob("*.html") if "reports" not in p.parts]
    for page in pages:
        text = page.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (page, tag)
        assert not re.search(r"<style\b", text), page
        assert not re.search(r"\sstyle=", text), page
        assert not re.search(r"\son[a-z]+=", text), page


# --- 13: login limits and timing ---------------------------------------------------------------


def test_13_wrong_passwords_do_not_lock_out_the_owner_and_unknown_emails_hash(
    app, client, runner, monkeypatch
):
    result = runner.invoke(
        args=["create-organiser", "--email", "owner@example.org", "--name", "Owner"],
        env={"ORGANISER_PASSWORD": "correct horse battery"},
    )
    assert result.exit_code == 0

    def attempt(password: str, address: str, email: str = "owner@example.org") -> int:
        page = client.get("/organise/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return client.post(
            "/organise/login",
            data={"email": email, "password": password, "csrf_token": csrf},
            environ_base={"REMOTE_ADDR": address},
        ).status_code

    codes = [attempt("wrong", "198.51.100.1") for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[-1] == 429
    assert attempt("correct horse battery", "192.0.2.5") == 302  # the owner, elsewhere
    # An unknown e-mail costs the same password hash as a known one.
    import roadmap.organise.views as views

    calls = []
    real = views.check_password_hash
    monkeypatch.setattr(views, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    assert attempt("whatever", "192.0.2.9", email="nobody@example.org") == 401
    assert len(calls) == 1 and calls[0].startswith(("scrypt:", "pbkdf2:"))


# --- 14: only staff make commitments ----------------------------------------------------------


def test_14_participants_cannot_make_commitments(app, client, demo, join):
    who = auth(join()["token"])
    board, lane = board_with(app, "commitments")
    op = new_op("note.create", lane_id=lane, text="I will", kind="commitment")
    res = client.post(f"/api/boards/{board}/ops", json=op, headers=who)
    assert res.status_code == 403
    op = new_op("note.create", lane_id=lane, text="In the commitments lane")
    res = client.post(f"/api/boards/{board}/ops", json=op, headers=who)
    note = res.get_json()["result"]["note"]
    assert res.status_code == 201 and note["kind"] == "signpost"
    op = new_op("note.update", note_id=note["id"], base_version=note["version"], kind="commitment")
    assert client.post(f"/api/boards/{board}/ops", json=op, headers=who).status_code == 403
    fac = auth(group_of_board(demo, board)["facilitator_token"])
    op = new_op("note.create", lane_id=lane, text="We will", kind="commitment")
    res = client.post(f"/api/boards/{board}/ops", json=op, headers=fac)
    assert res.status_code == 201 and res.get_json()["result"]["note"]["kind"] == "commitment"


# --- 15: socket oddities ------------------------------------------------------------------------


def test_15_a_binary_placeholder_closes_the_connection(join, socket_client):
    sc = socket_client(join()["token"])
    socketio.server._handle_eio_message(sc.eio_sid, '51-["op",{"_placeholder":true,"num":0}]')
    assert sc.eio_sid not in socketio.server._binary_packet
    assert socketio.server.manager.sid_from_eio_sid(sc.eio_sid, "/") is None  # disconnected


def test_15_a_client_sent_disconnect_event_is_refused(join, socket_client):
    from roadmap.realtime.handlers import CLIENTS

    sc = socket_client(join()["token"])
    ack = sc.emit("disconnect", {}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert sc.is_connected() and any(c for c in CLIENTS.values())
    ack = sc.emit("no-such-event", {}, callback=True)
    assert ack["ok"] is False


def test_15_presence_needs_a_note_of_the_board(app, demo, join, socket_client):
    sc = socket_client(join()["token"])
    board = first_board(demo)
    assert sc.emit("board:join", {"board_id": board}, callback=True)["ok"]
    ack = sc.emit("presence", {"board_id": board, "editing": 10**9}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    with app.app_context():
        note_id = db.session.scalar(sa.select(Note.id).where(Note.board_id == board))
        other = db.session.scalar(sa.select(Note.id).where(Note.board_id != board))
    assert sc.emit("presence", {"board_id": board, "editing": note_id}, callback=True)["ok"]
    ack = sc.emit("presence", {"board_id": board, "editing": other}, callback=True)
    assert ack["ok"] is False
