"""Issue 12 against a real gunicorn + gevent server: polling size guard, headers, logs, kill -9."""

from __future__ import annotations

import gc
import os
import signal
import socket
import threading
import time
import uuid
import warnings

import psutil
import pytest
import requests
from support.peers import Peer, lanes_of, server_board, wait_for
from support.server import LiveServer

pytestmark = pytest.mark.e2e


def polling_session(server) -> str:
    token = server.join("Poller")["token"]
    res = requests.get(f"{server.url}/socket.io/?EIO=4&transport=polling", timeout=5)
    sid = res.text[res.text.index("{") :]
    import json

    eio_sid = json.loads(sid)["sid"]
    connect = '40{"token":"' + token + '"}'
    requests.post(
        f"{server.url}/socket.io/?EIO=4&transport=polling&sid={eio_sid}", data=connect, timeout=5
    )
    return eio_sid


def test_2_an_oversized_long_polling_post_is_answered_and_closed(live_server):
    """It was never answered and its socket stayed in CLOSE-WAIT (python-engineio waits for a
    poll that never comes before it closes the session)."""
    sid = polling_session(live_server)
    body = b"4" + b"x" * 70_000
    head = (
        f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{live_server.port}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as conn:
        conn.sendall(head + body)
        answer = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            chunk = conn.recv(65536)
            if not chunk:
                break  # the server closed the connection
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert chunk == b"", "the connection was left open"
    # The session is gone: a poll on it is refused.
    res = requests.get(f"{live_server.url}/socket.io/?EIO=4&transport=polling&sid={sid}", timeout=5)
    assert res.status_code == 400


def test_11_headers_on_the_real_server(live_server):
    res = requests.get(live_server.url + "/", timeout=5)
    assert "gunicorn" not in res.headers.get("Server", "").lower()
    assert "frame-ancestors 'none'" in res.headers["Content-Security-Policy"]
    assert res.headers["X-Frame-Options"] == "DENY"


def test_12_the_access_log_holds_no_token(tmp_path):
    server = LiveServer(tmp_path, env={"GUNICORN_CMD_ARGS": "--access-logfile -"}).start()
    try:
        token = server.demo["organiser_token"]
        fac = server.demo["groups"][0]["facilitator_token"]
        for path in (f"/organise/{token}", f"/facilitate/{fac}", f"/healthz?token={token}"):
            requests.get(server.url + path, timeout=5, allow_redirects=False)
        assert wait_for(lambda: "/healthz" in server.log.read_text(), timeout=10)
    finally:
        server.stop()
    log = server.log.read_text()
    assert "/organise/[token]" in log and "/facilitate/[token]" in log
    assert token not in log and fac not in log


def test_every_acked_op_survives_kill_9_of_the_worker_under_load(tmp_path):
    """Three writers send ops while the worker is killed (-9); gunicorn starts a new one; every
    op that was acked is on the board afterwards."""
    server = LiveServer(tmp_path).start()
    try:
        board = server.board_id(0)
        lane = lanes_of(server, board)[0]
        acked: set[int] = set()
        lock = threading.Lock()
        stop = threading.Event()

        def writer(name: str) -> None:
            token = server.join(name)["token"]
            while not stop.is_set():
                peer = Peer(server, name, token)
                try:
                    peer.connect()
                    peer.join(board)
                    while not stop.is_set():
                        ack = peer.send(
                            board, "note.create", lane_id=lane, text=f"{name} {uuid.uuid4()}"
                        )
                        if ack["ok"]:
                            with lock:
                                acked.add(ack["result"]["note"]["id"])
                        time.sleep(0.02)
                except Exception:
                    time.sleep(0.2)  # the worker is gone: reconnect to the new one
                finally:
                    peer.close()
                    transport = getattr(peer.sio.eio, "ws", None)  # left open by the library
                    if transport is not None:
                        transport.close()

        threads = [threading.Thread(target=writer, args=(f"W{i}",), daemon=True) for i in range(3)]
        for t in threads:
            t.start()
        master = psutil.Process(server.proc.pid)

        def worker_pids() -> list[int]:
            return [child.pid for child in master.children()]

        for _ in range(2):
            assert wait_for(lambda: len(acked) >= 20 and worker_pids(), timeout=30)
            worker = worker_pids()[0]
            before = len(acked)
            os.kill(worker, signal.SIGKILL)
            assert wait_for(lambda w=worker: worker_pids() not in ([], [w]), timeout=30)
            assert wait_for(lambda b=before: len(acked) > b + 10, timeout=60)
        stop.set()
        for t in threads:
            t.join(30)
        with warnings.catch_warnings():  # the sockets of clients whose server was killed
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
        notes = {n["id"] for n in server_board(server, board)["notes"]}
        assert acked and acked <= notes, sorted(acked - notes)[:10]
    finally:
        server.stop()
