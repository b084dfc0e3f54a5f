"""Do No Harm: the personal-data check (do_no_harm/personal_data.py) and its note-op warnings."""

from __future__ import annotations

import re

import pytest
from support.api import auth, new_op

from roadmap.do_no_harm import personal_data as safety


@pytest.mark.parametrize(
    "text, kind",
    [
        ("call me on +66 81 234 5678", "phone"),
        ("Her number: 081-234-5678", "phone"),
        ("office (02) 123 4567", "phone"),
        ("write to dao.k@example.org", "email"),
        ("She lives at 12 Sukhumvit Road", "address"),
        ("221B Baker Street", "address"),
        ("45/2 Moo 3, near the temple", "address"),
        ("the shelter in Soi 11", "address"),
        ("12 rue de la Paix", "address"),
        ("บ้านเลขที่ 12", "address"),
        ("a survivor named Mai told us", "name"),
        ("The victim called Dao", "name"),
        ("victim's name is Lan", "name"),
        ("une victime nommée Lan", "name"),
        ("ผู้เสียหายชื่อ มาลี", "name"),
    ],
)
def test_personal_data_is_found(text, kind):
    assert kind in safety.kinds(text)
    assert safety.warnings(text) == ["personal_data"]


@pytest.mark.parametrize(
    "text",
    [
        "Shelters for men and boys",
        "Train 300 judges by 2026-12-31",
        "Between 2025 and 2030, fund 12 shelters",
        "Ask 5 people in the street what they need",
        "Hotline 1300 in every province",
        "Survivor-led networks should be named in the law",
        "More research to drive evidence-based policy",
        "",
    ],
)
def test_ordinary_roadmap_notes_pass(text):
    assert safety.find(text) == []
    assert safety.warnings(text) == []


def test_the_client_rules_are_the_same_patterns():
    rules = safety.client_rules()
    assert rules["warning"] == "personal_data"
    assert [r["kind"] for r in rules["rules"]] == [k for k, _s, _f in safety.RULES]
    for rule in rules["rules"]:
        assert rule["flags"] in ("", "i")
        re.compile(rule["pattern"])  # and no Python-only syntax the browser would refuse:
        assert "(?P" not in rule["pattern"] and "(?i" not in rule["pattern"]
        assert r"\d" not in rule["pattern"] and r"\b" not in rule["pattern"]


def test_note_ops_carry_a_warning_and_are_never_refused(client, demo, join):
    token = join()["token"]
    board_id = demo["groups"][0]["board_id"]
    board = client.get(f"/api/boards/{board_id}", headers=auth(token)).get_json()
    assert board["safety"]["rules"]
    lane = board["lanes"][0]["id"]

    res = client.post(
        f"/api/boards/{board_id}/ops",
        json=new_op("note.create", lane_id=lane, text="call me on +66 81 234 5678"),
        headers=auth(token),
    )
    assert res.status_code == 201
    result = res.get_json()["result"]
    assert result["warnings"] == ["personal_data"]
    note = result["note"]

    res = client.post(
        f"/api/boards/{board_id}/ops",
        json=new_op("note.update", note_id=note["id"], base_version=1, text="Call the hotline"),
        headers=auth(token),
    )
    assert "warnings" not in res.get_json()["result"]
    res = client.post(
        f"/api/boards/{board_id}/ops",
        json=new_op("note.update", note_id=note["id"], base_version=2, text="mail a@b.org"),
        headers=auth(token),
    )
    assert res.get_json()["result"]["warnings"] == ["personal_data"]
