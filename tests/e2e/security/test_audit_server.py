"""Issue 12, the audit's gaps against a real gunicorn + gevent server: raw sockets and headers.

The in-process halves are in tests/security/test_audit.py.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

pytestmark = pytest.mark.e2e


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
