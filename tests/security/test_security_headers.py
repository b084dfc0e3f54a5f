"""Issue 12 (audit gap 3): every HTTP response carries the security headers, also those Flask
never sees (engine.io's answers on /socket.io/, the polling guard's). Against a real gunicorn
(its own error answers, no `Server: gunicorn`): tests/e2e/security/test_audit_server.py.

Each test failed on the code before its fix.
"""

from __future__ import annotations

from roadmap.security.web import HEADERS


def assert_headers(res, where: str) -> None:
    for name, value in HEADERS.items():
        assert res.headers.get(name) == value, (where, name, dict(res.headers))


def test_audit_3_engine_io_answers_carry_the_security_headers(client, demo):
    res = client.get("/socket.io/?EIO=4&transport=polling")
    assert res.status_code == 200
    assert_headers(res, "engine.io handshake")
    res = client.get("/socket.io/?EIO=4&transport=polling&sid=nope")
    assert res.status_code == 400
    assert_headers(res, "engine.io 400")
    res = client.post("/socket.io/?EIO=4&transport=polling&sid=x", data="4" + "x" * 70_000)
    assert res.status_code == 413
    assert_headers(res, "polling guard 413")


def test_audit_3_flask_answers_keep_them_once(client, demo):
    for path in ("/", "/no-such-page", "/api/openapi.json", "/static/css/app.css"):
        res = client.get(path)
        res.close()  # a static file is streamed
        assert_headers(res, path)
        for name in HEADERS:
            assert len(res.headers.getlist(name)) == 1, (path, name)
