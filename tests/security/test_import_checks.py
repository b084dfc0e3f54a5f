"""Issue 12 (audit gap 4): a backup import checks the history's and the participants' enums.

Each test failed on the code before its fix.
"""

from __future__ import annotations

import pytest
from support.api import auth
from support.security import backup_with_history, import_bearer

# --- 4: backup import checks the history's and the participants' enums ------------------------


@pytest.mark.parametrize(
    "change, pointer",
    [
        (lambda b: b["commitment_updates"][0].update(via="evil"), "commitment_updates.0.via"),
        (
            lambda b: b["commitment_updates"][0].update(from_status="evil"),
            "commitment_updates.0.from_status",
        ),
        (lambda b: b["participants"][0].update(language="xx"), "participants.0.language"),
        (lambda b: b["participants"][0].update(language="<b>"), "participants.0.language"),
    ],
)
def test_audit_4_import_refuses_unknown_via_status_and_language(app, client, demo, change, pointer):
    backup = backup_with_history(client, demo)
    change(backup)
    res = client.post("/api/events/import", json=backup, headers=auth(import_bearer(app, demo)))
    assert res.status_code == 400, res.get_json()
    error = res.get_json()["error"]
    assert error["code"] == "invalid" and pointer in error["message"], error


def test_audit_4_import_keeps_every_known_value(app, client, demo):
    backup = backup_with_history(client, demo)
    rows = backup["commitment_updates"]
    rows.append({**rows[0], "via": "owner_link", "from_status": None, "to_status": "done"})
    rows.append({**rows[0], "via": "author", "from_status": "planned", "to_status": "blocked"})
    backup["participants"][0]["language"] = "zh_Hans"
    res = client.post("/api/events/import", json=backup, headers=auth(import_bearer(app, demo)))
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["counts"]["commitment_updates"] == 3
