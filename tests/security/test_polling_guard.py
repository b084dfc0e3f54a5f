"""Issue 12 (audit gap 1): every engine.io long-polling POST is answered, a malformed one 400 with
its session and connection closed (roadmap/realtime/guard.py). End to end:
tests/e2e/security/test_audit_server.py.

Each test failed on the code before its fix.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from roadmap.extensions import socketio

# --- 1: a malformed long-polling POST is answered 400, its session closed ----------------------


def polling_session(client, token: str) -> str:
    import json

    res = client.get("/socket.io/?EIO=4&transport=polling")
    sid = json.loads(res.get_data(as_text=True)[1:])["sid"]
    res = client.post(
        f"/socket.io/?EIO=4&transport=polling&sid={sid}", data='40{"token":"' + token + '"}'
    )
    assert res.status_code == 200
    return sid


def answer_within(fn, seconds: float = 10.0) -> Any:
    """fn()'s result, or fail when it does not return within `seconds` (it hung)."""
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert out, "the request was never answered"
    return out[0]


@pytest.mark.parametrize(
    "body",
    [
        b"9",  # an engine.io packet type that does not exist: hung in disconnect(wait=True)
        b"7",
        b"2",  # a ping from the client (the server pings in engine.io 4)
        b"0",  # open
        b"6",  # noop
        b"x",  # not a packet type: a traceback and 200
        b"",  # no packet at all
        b"4a\x1e\x1e4b",  # an empty packet between two
        b"bA",  # base64 that is not
        b"d=",  # a JSONP body without its d
        b"\xff\xfe",  # not UTF-8
        "\x1e".join(["3"] * 17).encode(),  # more packets than engine.io decodes
    ],
)
def test_audit_1_a_malformed_polling_post_is_refused_and_its_session_closed(
    app, demo, join, caplog, body
):
    client = app.test_client()
    sid = polling_session(client, join()["token"])
    res = answer_within(
        lambda: client.post(
            f"/socket.io/?EIO=4&transport=polling&sid={sid}",
            data=body,
            content_type="text/plain;charset=UTF-8",
        )
    )
    assert res.status_code == 400, (body, res.status_code)
    assert res.headers.get("Connection") == "close"
    assert res.get_json()["error"]["code"] == "invalid"
    assert sid not in socketio.server.eio.sockets
    assert "post request handler error" not in caplog.text
    # A poll on the session is refused: it is gone.
    res = answer_within(lambda: client.get(f"/socket.io/?EIO=4&transport=polling&sid={sid}"))
    assert res.status_code == 400


def test_audit_1_well_formed_polling_posts_still_pass(app, demo, join):
    client = app.test_client()
    sid = polling_session(client, join()["token"])
    for body in ("3", '42["board:leave",{"board_id":1}]\x1e3'):
        res = answer_within(
            lambda b=body: client.post(f"/socket.io/?EIO=4&transport=polling&sid={sid}", data=b)
        )
        assert res.status_code == 200 and res.get_data() == b"OK", body
    assert sid in socketio.server.eio.sockets
