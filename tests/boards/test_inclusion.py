"""Inclusion of the most affected groups (boards/inclusion.py) and its place in the snapshot."""

from __future__ import annotations

import re

from support.api import auth, new_op

from roadmap.boards import inclusion


def note(i: int, text: str, tags: list[str] | None = None, kind: str = "signpost") -> dict:
    return {"id": i, "text": text, "tags": tags or [], "kind": kind}


def counts(notes: list[dict]) -> dict[str, int]:
    return {row["key"]: row["count"] for row in inclusion.coverage(notes)}


def test_the_six_groups_of_seed_002_in_order():
    assert inclusion.KEYS == [
        "women_girls",
        "men_boys",
        "disability",
        "ethnic_minorities",
        "migrants_stateless",
        "lgbtqi",
    ]
    assert all(row["count"] == 0 for row in inclusion.coverage([]))


def test_keywords_match_whole_words_and_other_scripts():
    rows = inclusion.coverage(
        [
            note(1, "Shelters for men and boys"),
            note(2, "Safe houses for WOMEN survivors"),  # "men" is not in "women"
            note(3, "Sign language interpreters for deaf witnesses"),
            note(4, "แรงงานข้ามชาติ ในเรือประมง"),
            note(5, "Hill tribe villages: birth registration"),
            note(6, "Des refuges pour les personnes LGBTQI"),
            note(7, "Les femmes migrantes"),
        ]
    )
    by_key = {row["key"]: row for row in rows}
    assert by_key["men_boys"]["note_ids"] == [1]
    assert by_key["women_girls"]["note_ids"] == [2, 7]
    assert by_key["disability"]["note_ids"] == [3]
    assert by_key["migrants_stateless"]["note_ids"] == [4, 7]
    assert by_key["ethnic_minorities"]["note_ids"] == [5]
    assert by_key["lgbtqi"]["note_ids"] == [6]
    assert by_key["lgbtqi"]["label"] == "LGBTQI people"


def test_tags_count_as_well_as_keywords_and_clusters_do_not_count_twice():
    notes = [
        note(1, "Accessible courtrooms", ["inclusion:disability"]),
        note(2, "Outreach", ["stateless"]),  # a free tag is matched like text
        note(3, "Women's shelters", kind="cluster"),
        note(4, "Women's shelters", ["inclusion:women_girls"]),  # tag and text: counted once
    ]
    got = counts(notes)
    assert got["disability"] == 1
    assert got["migrants_stateless"] == 1
    assert got["women_girls"] == 1
    assert inclusion.considers(notes[0], "disability")
    assert not inclusion.considers(notes[0], "women_girls")


def test_the_client_table_has_the_same_rule():
    for row, (key, label, words) in zip(inclusion.client_table(), inclusion.GROUPS, strict=True):
        assert row["key"] == key and row["label"] == label
        assert row["tag"] == f"inclusion:{key}" and row["keywords"] == list(words)
        pattern = re.compile(row["pattern"], re.IGNORECASE)
        for word in words:
            assert pattern.search(f"about {word} here"), word
        assert r"\b" not in row["pattern"]  # Python's \b is Unicode-aware, JavaScript's is not


def test_the_board_snapshot_carries_the_table_and_the_counts(client, demo, join):
    token = join()["token"]
    board_id = demo["groups"][1]["board_id"]
    board = client.get(f"/api/boards/{board_id}", headers=auth(token)).get_json()
    before = {row["key"]: row["count"] for row in board["inclusion"]["coverage"]}
    res = client.post(
        f"/api/boards/{board_id}/ops",
        json=new_op(
            "note.create",
            lane_id=board["lanes"][0]["id"],
            text="Shelters for men and boys",
            tags=["inclusion:disability"],
        ),
        headers=auth(token),
    )
    assert res.status_code == 201
    made = res.get_json()["result"]["note"]
    board = client.get(f"/api/boards/{board_id}", headers=auth(token)).get_json()
    after = {row["key"]: row for row in board["inclusion"]["coverage"]}
    assert after["men_boys"]["count"] == before["men_boys"] + 1
    assert made["id"] in after["men_boys"]["note_ids"]
    assert made["id"] in after["disability"]["note_ids"]
    assert [g["key"] for g in board["inclusion"]["groups"]] == inclusion.KEYS
