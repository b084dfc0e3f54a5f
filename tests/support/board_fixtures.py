"""The `board` fixture: a demo board with its facilitator, two participants and helpers that
send ops over the JSON API (the facilitation, room and clustering tests share it)."""

from __future__ import annotations

from typing import Any

import pytest

from support.api import auth, new_op

SOCIAL = 2  # demo group with Challenges → Signposts → Commitments


@pytest.fixture
def board(client, demo, join):
    """Board SOCIAL with its facilitator, two participants and helpers to send ops."""

    class B:
        index = SOCIAL
        id = demo["groups"][SOCIAL]["board_id"]
        fac = demo["groups"][SOCIAL]["facilitator_token"]
        org = demo["organiser_token"]
        ana = join("Ana", organisation="Blue Dragon", country="Viet Nam")
        ben = join("Ben", organisation="Chab Dai", country="Cambodia")

        def send(self, token: str, op_type: str, **data: Any) -> dict[str, Any]:
            res = client.post(
                f"/api/boards/{self.id}/ops", json=new_op(op_type, **data), headers=auth(token)
            )
            return res.get_json()

        def ok(self, token: str, op_type: str, **data: Any) -> dict[str, Any]:
            ack = self.send(token, op_type, **data)
            assert ack["ok"], ack
            return ack["result"]

        def snapshot(self, token: str) -> dict[str, Any]:
            res = client.get(f"/api/boards/{self.id}", headers=auth(token))
            assert res.status_code == 200
            return res.get_json()

        def lane(self, key: str) -> int:
            snap = self.snapshot(self.fac)
            return next(lane["id"] for lane in snap["lanes"] if lane["key"] == key)

        def note(self, token: str, text: str, lane: str = "signposts") -> dict[str, Any]:
            return self.ok(token, "note.create", lane_id=self.lane(lane), text=text)["note"]

    b = B()
    b.ana_token = b.ana["token"]
    b.ben_token = b.ben["token"]
    return b
