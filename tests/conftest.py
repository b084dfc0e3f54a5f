"""Fixtures: an app on a temporary database, its clients, the demo event, a real server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from live_peers import Peer

from roadmap import create_app, live
from roadmap.extensions import db, socketio
from roadmap.ops import buckets

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def make_app(tmp_path: Path, database: Path):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "EXPORT_DIR": str(tmp_path / "exports"),
            "SOCKETIO_ASYNC_MODE": "threading",
            "PDF_WORKER": False,
        },
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """An empty database made by the real migrations, once; each test gets a copy."""
    from roadmap.cli import init_database

    where = tmp_path_factory.mktemp("template")
    database = where / "template.sqlite"
    app = make_app(where, database)
    with app.app_context():
        init_database()
        db.engine.dispose()
    return database


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory, migrated_database: Path) -> tuple[Path, dict[str, Any]]:
    """The migrated database with the demo event loaded, once, and the demo's tokens."""
    from roadmap.demo import create_demo

    where = tmp_path_factory.mktemp("demo-template")
    database = where / "demo.sqlite"
    shutil.copyfile(migrated_database, database)
    app = make_app(where, database)
    with app.app_context():
        info = create_demo()
        db.session.remove()
        db.engine.dispose()
    return database, info


def app_on_copy_of(template: Path, tmp_path: Path) -> Iterator[Any]:
    """An app on a copy of a template database, with this process's live state cleared."""
    database = tmp_path / "test.sqlite"
    shutil.copyfile(template, database)
    app = make_app(tmp_path, database)
    buckets.reset()
    live.CLIENTS.clear()
    live.PRESENCE.clear()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo_app(tmp_path: Path, demo_database: tuple[Path, dict[str, Any]]):
    """Like `app`, on a copy of `demo_database` (faster than loading the demo per test).

    A test module opts in with `app = demo_app`-style overrides of `app` and `demo`.
    """
    yield from app_on_copy_of(demo_database[0], tmp_path)


@pytest.fixture
def app(tmp_path: Path, migrated_database: Path):
    yield from app_on_copy_of(migrated_database, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app) -> dict[str, Any]:
    """The demo event: {"event_id", "join_code", "organiser_token", "groups": [...]}."""
    from roadmap.demo import create_demo

    with app.app_context():
        info = create_demo()
    buckets.reset()
    return info


@pytest.fixture
def join(client, demo) -> Callable[..., dict[str, Any]]:
    """Join the demo event as a new participant; returns the /api/join answer."""

    def _join(name: str = "Ana", **extra: Any) -> dict[str, Any]:
        res = client.post("/api/join", json={"code": demo["join_code"], "name": name, **extra})
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    return _join


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def socket_client(app, client) -> Callable[..., Any]:
    """Make Flask-SocketIO test clients authenticated with a token."""
    made = []

    def _make(token: str | None):
        sc = socketio.test_client(app, flask_test_client=client, auth={"token": token})
        made.append(sc)
        return sc

    yield _make
    for sc in made:
        if sc.is_connected():
            sc.disconnect()


def new_op(op_type: str, **data: Any) -> dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "type": op_type, "data": data}


# --- a real server in its own process ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real gunicorn + gevent server on a temporary database, with the demo loaded."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ROADMAP_INSTANCE_PATH": str(workdir / "instance"),
            "DATABASE_URL": f"sqlite:///{workdir / 'live.sqlite'}",
            "EXPORT_DIR": str(workdir / "exports"),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None
        self.demo: dict[str, Any] = {}
        self.log = workdir / "server.log"

    def flask(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return out.stdout

    def start(self) -> LiveServer:
        self.demo = json.loads(self.flask("demo", "--json"))
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log_file = self.log.open("w")
        self.proc = subprocess.Popen(
            [
                str(gunicorn),
                "--worker-class",
                "gevent",
                "--workers",
                "1",
                "--no-control-socket",
                "--bind",
                f"127.0.0.1:{self.port}",
                "app:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90  # a loaded shared machine boots the worker slowly
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "log_file", None) is not None:
            self.log_file.close()

    def join(self, name: str = "Ana", **extra: Any) -> dict[str, Any]:
        res = requests.post(
            self.url + "/api/join",
            json={"code": self.demo["join_code"], "name": name, **extra},
            timeout=10,
        )
        res.raise_for_status()
        return res.json()

    def board_id(self, index: int = 0) -> int:
        return self.demo["groups"][index]["board_id"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One real server for the whole session (tests make their own participants and notes)."""
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def peers(live_server) -> Iterator[Callable[..., Peer]]:
    """Connected Socket.IO peers on the live server, closed after the test."""
    made: list[Peer] = []

    def make(name: str = "Peer", token: str | None = None) -> Peer:
        peer = Peer(live_server, name, token).connect()
        made.append(peer)
        return peer

    yield make
    for peer in made:
        peer.close()
