"""Fixtures for the follow-up tests: a commitment made by its facilitator, with helpers."""

from __future__ import annotations

from typing import Any

import pytest

from support.api import auth, new_op

SOCIAL = 2  # demo group with a Commitments lane


@pytest.fixture
def c(client, demo, join):
    """A commitment on board SOCIAL made by its facilitator, with helpers."""

    class C:
        board_id = demo["groups"][SOCIAL]["board_id"]
        other_board = demo["groups"][0]["board_id"]
        fac = demo["groups"][SOCIAL]["facilitator_token"]
        other_fac = demo["groups"][0]["facilitator_token"]
        org = demo["organiser_token"]
        ana = join("Ana")["token"]

        def send(self, token: str, op_type: str, board: int | None = None, **data: Any):
            res = client.post(
                f"/api/boards/{board or self.board_id}/ops",
                json=new_op(op_type, **data),
                headers=auth(token),
            )
            return res.get_json()

        def snapshot(self, token: str, board: int | None = None) -> dict[str, Any]:
            return client.get(
                f"/api/boards/{board or self.board_id}", headers=auth(token)
            ).get_json()

        def commitment(self, text: str, board: int | None = None, fac: str | None = None):
            snap = self.snapshot(fac or self.fac, board)
            lane = next(lane["id"] for lane in snap["lanes"])
            ack = self.send(fac or self.fac, "note.create", board, lane_id=lane, text=text)
            note = ack["result"]["note"]
            ack = self.send(
                fac or self.fac,
                "commitment.set",
                board,
                note_id=note["id"],
                owner_name="Mai",
                owner_org="Blue Dragon",
                due_date="2027-03-31",
                indicator="Shelters trained",
            )
            assert ack["ok"], ack
            return ack["result"]["note"], note

        def link(self, note_id: int, token: str | None = None, **body: Any):
            return client.post(
                f"/api/commitments/{note_id}/follow-up-link",
                json=body,
                headers=auth(token or self.fac),
            )

    return C()


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]
