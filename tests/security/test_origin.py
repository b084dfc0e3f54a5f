"""Issue 12 (audit gap 7): the Origin fallback of the cross-site check compares scheme, host and
port.

Each test failed on the code before its fix.
"""

from __future__ import annotations

import pytest

# --- 7: the Origin fallback compares scheme, host and port ------------------------------------


@pytest.mark.parametrize(
    "base, origin, allowed",
    [
        ("http://host:8000", "http://host:8000", True),
        ("http://host:8000", "https://host:8000", False),
        ("http://host:8000", "http://host:9000", False),
        ("http://host:8000", "http://host", False),
        ("http://host", "http://host:80", True),
        ("http://host", "https://host", False),
        ("http://host", "https://host:443", False),
        ("https://host", "https://host:443", True),
        ("https://host", "http://host", False),
        ("http://host:8000", "http://HOST:8000", True),
        ("http://host:8000", "http://host:8000/", False),  # not an origin a browser sends
        ("http://host:8000", "host:8000", False),
        ("http://host:8000", "http://user@host:8000", False),
    ],
)
def test_audit_7_the_origin_check_includes_scheme_and_port(client, demo, base, origin, allowed):
    res = client.post(
        "/api/join",
        json={"code": demo["join_code"], "name": "O"},
        base_url=base,
        headers={"Origin": origin},
    )
    assert (res.status_code == 201) is allowed, (base, origin, res.status_code)
    if not allowed:
        assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"


def test_audit_7_public_url_is_an_origin_with_its_scheme_and_port(app, client, demo):
    app.config["PUBLIC_URL"] = "https://boards.example.org:8443"
    join = {"code": demo["join_code"], "name": "P"}
    for origin, allowed in (
        ("https://boards.example.org:8443", True),
        ("http://boards.example.org:8443", False),
        ("https://boards.example.org", False),
        ("https://boards.example.org:9000", False),
    ):
        res = client.post("/api/join", json=join, headers={"Origin": origin})
        assert (res.status_code == 201) is allowed, origin
