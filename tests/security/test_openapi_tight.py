"""Issue 12 (audit gap 10): the OpenAPI document is as tight as the code (enums, formats).

Each test failed on the code before its fix.
"""

from __future__ import annotations

import re
from typing import Any

from roadmap.boards.layouts import TEMPLATES
from roadmap.models import COMMITMENT_STATUSES

# --- 10: the OpenAPI document is as tight as the code -----------------------------------------


def op_payload_schema(client, op_type: str) -> dict[str, Any]:
    doc = client.get("/api/openapi.json").get_json()
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("title") == op_type and "properties" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert found, op_type
    return found[0]


def string_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """The string branch of a property (`anyOf` with null when it is optional)."""
    for branch in prop.get("anyOf", [prop]):
        if branch.get("type") == "string":
            return branch
    return prop


def test_audit_10_the_openapi_document_has_the_enums_and_formats(client):
    layout = op_payload_schema(client, "board.layout")
    assert set(string_schema(layout["properties"]["template"])["enum"]) == set(TEMPLATES)
    commitment = op_payload_schema(client, "commitment.set")
    assert string_schema(commitment["properties"]["due_date"])["format"] == "date"
    statuses = set(string_schema(commitment["properties"]["status"])["enum"])
    assert set(COMMITMENT_STATUSES) <= statuses
    status = op_payload_schema(client, "commitment.status")
    assert set(COMMITMENT_STATUSES) <= set(string_schema(status["properties"]["status"])["enum"])


def test_audit_10_the_code_refuses_what_the_document_refuses(board):
    ack = board.send(board.fac, "board.layout", template="evil")
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert "template" in ack["error"]["message"]
    note = board.note(board.fac, "A signpost")
    ack = board.send(board.fac, "commitment.set", note_id=note["id"], owner_name="A", status="evil")
    assert ack["ok"] is False and "status" in ack["error"]["message"]
    ack = board.send(
        board.fac, "commitment.set", note_id=note["id"], owner_name="A", status="planned"
    )
    assert ack["ok"], ack  # the older spelling of not_started still works
    assert re.search(r"not_started", str(ack["result"]))
