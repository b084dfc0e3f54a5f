"""Issue 12, the audit's gaps against a real gunicorn + gevent server: raw sockets and headers.

The in-process halves: tests/security/test_polling_guard.py, test_security_headers.py.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

pytestmark = pytest.mark.e2e

SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def polling_session(server) -> str:
    token = server.join("Poller")["token"]
    res = requests.get(f"{server.url}/socket.io/?EIO=4&transport=polling", timeout=5)
    eio_sid = json.loads(res.text[res.text.index("{") :])["sid"]
    connect = '40{"token":"' + token + '"}'
    res = requests.post(
        f"{server.url}/socket.io/?EIO=4&transport=polling&sid={eio_sid}", data=connect, timeout=5
    )
    assert res.status_code == 200
    return eio_sid


def exchange(port: int, request: bytes, seconds: float = 10.0) -> tuple[bytes, bool]:
    """Send raw bytes; read until the server closes or the deadline. (answer, closed)"""
    answer = b""
    deadline = time.monotonic() + seconds
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as conn:
        conn.sendall(request)
        while time.monotonic() < deadline:
            conn.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                return answer, True  # the server closed the connection
            answer += chunk
    return answer, False


def headers_of(answer: bytes) -> dict[str, str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in head)}


@pytest.mark.parametrize("body", [b"9", b"x", b"4a\x1e\x1e", b"bA"])
def test_audit_1_a_malformed_polling_post_is_answered_and_closed(live_server, body):
    """`9` was never answered and its socket stayed in CLOSE-WAIT (engine.io closed the session
    with wait=True, which waits for a poll that never comes)."""
    sid = polling_session(live_server)
    request = (
        f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{live_server.port}\r\nContent-Type: text/plain;charset=UTF-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    answer, closed = exchange(live_server.port, request)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b'"code": "invalid"' in answer
    assert closed, "the connection was left open"
    res = requests.get(f"{live_server.url}/socket.io/?EIO=4&transport=polling&sid={sid}", timeout=5)
    assert res.status_code == 400  # the session is gone


def assert_security_headers(headers: dict[str, str], where: str) -> None:
    lower = {k.lower(): v for k, v in headers.items()}
    for name, value in SECURITY_HEADERS.items():
        assert value in lower.get(name.lower(), ""), (where, name, headers)
    assert "gunicorn" not in lower.get("server", "").lower(), (where, headers)


def test_audit_3_every_response_of_the_real_server_has_the_security_headers(live_server):
    url = live_server.url
    # Flask's pages, its errors and static files.
    for path in ("/", "/no-such-page", "/static/css/app.css", "/api/openapi.json"):
        res = requests.get(url + path, timeout=5)
        assert_security_headers(res.headers, path)
    # engine.io's own answers: the handshake, a poll on an unknown session.
    res = requests.get(f"{url}/socket.io/?EIO=4&transport=polling", timeout=5)
    assert res.status_code == 200
    assert_security_headers(res.headers, "engine.io handshake")
    res = requests.get(f"{url}/socket.io/?EIO=4&transport=polling&sid=nope", timeout=5)
    assert res.status_code == 400
    assert_security_headers(res.headers, "engine.io 400")
    res = requests.get(f"{url}/socket.io/?EIO=3&transport=polling", timeout=5)
    assert_security_headers(res.headers, "engine.io bad version")
    # The polling guard's refusals.
    sid = polling_session(live_server)
    res = requests.post(f"{url}/socket.io/?EIO=4&transport=polling&sid={sid}", data="9", timeout=5)
    assert res.status_code == 400
    assert_security_headers(res.headers, "polling guard 400")
    # gunicorn's own answer to a request it cannot parse.
    answer, closed = exchange(live_server.port, b"NOT A REQUEST LINE\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert_security_headers(headers_of(answer), "gunicorn 400")
    assert closed


def test_audit_3_the_websocket_handshake_names_no_gunicorn(live_server):
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{live_server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    head = b""
    deadline = time.monotonic() + 10
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as conn:
        conn.sendall(request)
        while b"\r\n\r\n" not in head and time.monotonic() < deadline:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    assert b"gunicorn" not in head.split(b"\r\n\r\n", 1)[0].lower()
