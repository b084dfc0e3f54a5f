"""Do No Harm end to end: real server, real websockets, the real SQLite file and its WAL."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import requests
from support.peers import lanes_of, wait_for

pytestmark = pytest.mark.e2e


def leaks(frames: list, *secrets: object) -> list:
    """The frames (JSON) that contain any of `secrets` as a value."""
    found = []
    for frame in frames:
        text = json.dumps(frame, ensure_ascii=False)
        for secret in secrets:
            if isinstance(secret, int):
                if _has_id(frame, secret):
                    found.append(frame)
            elif secret in text:
                found.append(frame)
    return found


def _has_id(value: object, wanted: int) -> bool:
    """Does an {"id": wanted} identity (actor, author, participant) appear in `value`?"""
    if isinstance(value, dict):
        for key in ("actor", "author", "participant"):
            who = value.get(key)
            if isinstance(who, dict) and who.get("id") == wanted:
                return True
        return any(_has_id(v, wanted) for v in value.values())
    if isinstance(value, list):
        return any(_has_id(v, wanted) for v in value)
    return False


def test_an_anonymous_authors_ops_name_them_to_nobody(live_server, peers):
    board = live_server.board_id(2)
    lanes = lanes_of(live_server, board)
    facilitator_token = live_server.demo["groups"][2]["facilitator_token"]
    secret_name = f"Hidden-{uuid.uuid4().hex[:6]}"
    joined = live_server.join(secret_name)
    author = peers(token=joined["token"])
    author_id = joined["participant"]["id"]
    listeners = [peers("Listener A"), peers("Listener B"), peers(token=facilitator_token)]
    start = author.join(board)["seq"]
    for peer in listeners:
        peer.join(board)
    created = author.send(board, "note.create", lane_id=lanes[0], text="Mine", anonymous=True)
    assert created["ok"], created
    note = created["result"]["note"]
    moved = author.send(board, "note.move", note_id=note["id"], lane_id=lanes[1])
    edited = author.send(
        board, "note.update", note_id=note["id"], base_version=note["version"], text="Mine, edited"
    )
    voted = author.send(board, "vote.add", note_id=note["id"])
    assert moved["ok"] and edited["ok"] and voted["ok"], (moved, edited, voted)
    author.sio.call("presence", {"board_id": board, "editing": note["id"]}, timeout=10)
    assert wait_for(
        lambda: all(
            any(note["id"] in (p.get("editing_anonymous") or []) for p in peer.presence)
            for peer in listeners
        )
    )
    deleted = author.send(board, "note.delete", note_id=note["id"])
    assert deleted["ok"], deleted
    for peer in listeners:
        assert wait_for(lambda peer=peer: any(m["seq"] == deleted["seq"] for m in peer.received))
        assert not leaks(peer.received, secret_name, author_id)
        # The author is on the board under their name, but never as the one editing the note.
        entries = [e for frame in peer.presence for e in frame["participants"]]
        assert not [e for e in entries if e.get("editing") == note["id"]]
        mine = [m for m in peer.received if m["seq"] > start]
        assert {m["type"] for m in mine} >= {"note.create", "note.move", "note.update"}
        assert all(m["actor"]["id"] is None for m in mine if m["type"] != "redacted")

    latecomer = peers("Latecomer")
    caught_up = latecomer.join(board, since=start)
    assert caught_up["ops"] and not leaks(caught_up["ops"], secret_name, author_id)
    snapshot = latecomer.join(board)["snapshot"]
    assert not leaks([snapshot], secret_name, author_id)
    res = requests.get(
        f"{live_server.url}/api/boards/{board}/ops",
        params={"after": start},
        headers={"Authorization": f"Bearer {facilitator_token}"},
        timeout=10,
    )
    assert res.ok and not leaks(res.json()["ops"], secret_name, author_id)
    # The author's own client may still know what is theirs.
    own = peers(token=joined["token"]).join(board, since=start)["ops"]
    assert any(m["actor"]["id"] == author_id for m in own if m["type"] == "note.move")


def test_deleted_and_edited_away_text_is_not_in_a_latecomers_catch_up(live_server, peers):
    board = live_server.board_id(3)
    lane = lanes_of(live_server, board)[0]
    writer = peers("Writer")
    start = writer.join(board)["seq"]
    gone = f"survivor named Mai {uuid.uuid4().hex[:6]}, call +66 81 234 5678"
    first = writer.send(board, "note.create", lane_id=lane, text=gone)["result"]["note"]
    assert writer.send(board, "note.delete", note_id=first["id"])["ok"]
    edited_away = f"victim: Nguyen Thi Lan {uuid.uuid4().hex[:6]}"
    second = writer.send(board, "note.create", lane_id=lane, text=edited_away)["result"]["note"]
    fixed = writer.send(
        board,
        "note.update",
        note_id=second["id"],
        base_version=second["version"],
        text="Support for victims",
    )
    assert fixed["ok"], fixed
    for reader in (peers("Late"), peers("Later")):
        ops = reader.join(board, since=start)["ops"]
        assert [m["seq"] for m in ops] == list(range(start + 1, fixed["seq"] + 1))
        assert not leaks(ops, gone, edited_away)
        texts = [m["result"]["note"]["text"] for m in ops if m["type"] == "note.update"]
        assert texts == ["Support for victims"]
    token = writer.token
    res = requests.get(
        f"{live_server.url}/api/boards/{board}/ops",
        params={"after": start},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.ok and not leaks(res.json()["ops"], gone, edited_away)


def db_bytes(live_server) -> bytes:
    base = Path(live_server.workdir) / "live.sqlite"
    parts = [base, base.with_name(base.name + "-wal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def test_a_redacted_text_leaves_the_database_file_and_its_wal(live_server, peers):
    board = live_server.board_id(1)
    lane = lanes_of(live_server, board)[0]
    facilitator = peers(token=live_server.demo["groups"][1]["facilitator_token"])
    writer, other = peers("Writer"), peers("Other")
    for peer in (facilitator, writer, other):
        peer.join(board)
    secret = f"Passport-ZX{uuid.uuid4().hex[:10]}"
    later = f"Edited-{uuid.uuid4().hex[:10]}"
    note = writer.send(board, "note.create", lane_id=lane, text=secret)["result"]["note"]
    assert writer.send(
        board, "note.update", note_id=note["id"], base_version=note["version"], text=later
    )["ok"]
    assert wait_for(lambda: secret.encode() in db_bytes(live_server))
    refused = other.send(board, "note.redact", note_id=note["id"])
    assert refused["error"]["code"] == "forbidden"
    refused = writer.send(board, "note.redact", note_id=note["id"])
    assert refused["error"]["code"] == "forbidden"
    done = facilitator.send(board, "note.redact", note_id=note["id"])
    assert done["ok"], done
    assert wait_for(lambda: any(m["seq"] == done["seq"] for m in other.received))
    on_disk = db_bytes(live_server)
    assert secret.encode() not in on_disk and later.encode() not in on_disk
    ops = peers("Late").join(board, since=0)
    assert not leaks(ops.get("ops") or [ops.get("snapshot")], secret, later)
