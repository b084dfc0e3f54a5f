"""Fixtures: an app on a temporary database, its clients, the demo event, a real server."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.api import make_app
from support.peers import Peer
from support.server import LiveServer

from roadmap.extensions import db, socketio
from roadmap.ops import buckets
from roadmap.realtime import handlers as live

# Fixtures of one feature, shared by its unit and end-to-end tests.
pytest_plugins = [
    "support.board_fixtures",
    "support.follow_up_fixtures",
    "support.smtp_fixtures",
    "support.engine_fixtures",  # real PostgreSQL and Redis
]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


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
def database_kind() -> str:
    """The database the `demo_app` fixture runs on. A module overrides it with
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.e2e)] to run on both
    (tests/test_ops.py: the op core on PostgreSQL too; the PostgreSQL half is end-to-end)."""
    return "sqlite"


@pytest.fixture
def demo_template(request, database_kind: str) -> tuple[Any, dict[str, Any]]:
    """(the demo's template database, the demo's tokens) on the database of `database_kind`."""
    if database_kind == "postgresql":
        return request.getfixturevalue("pg_demo_database")
    return request.getfixturevalue("demo_database")


@pytest.fixture
def demo_app(request, tmp_path: Path, database_kind: str, demo_template):
    """Like `app`, on a copy of `demo_database` (faster than loading the demo per test).

    A test module opts in with `app = demo_app`-style overrides of `app` and `demo`.
    """
    if database_kind == "postgresql":
        from support.engine_fixtures import pg_app_on_copy_of

        buckets.reset()
        live.CLIENTS.clear()
        live.PRESENCE.clear()
        yield from pg_app_on_copy_of(
            request.getfixturevalue("postgres"), demo_template[0], tmp_path
        )
        return
    yield from app_on_copy_of(demo_template[0], tmp_path)


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path, migrated_database: Path):
    """An app on a copy of the migrated database, or of the demo's when the test uses `demo`
    (loading the demo costs a second or more; copying its database, milliseconds)."""
    if "demo" in request.fixturenames:
        template, info = request.getfixturevalue("demo_database")
        for made in app_on_copy_of(template, tmp_path):
            with made.app_context():
                from roadmap.demo import tokens_file

                tokens_file().write_text(json.dumps(info, indent=2))
            yield made
        return
    yield from app_on_copy_of(migrated_database, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app, demo_database: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    """The demo event: {"event_id", "join_code", "organiser_token", "groups": [...]}; `app`
    runs on a copy of the database it was loaded into."""
    info = copy.deepcopy(demo_database[1])
    buckets.reset()
    from roadmap.security.web import address_buckets

    address_buckets.reset()
    return info


@pytest.fixture
def join(client, demo) -> Callable[..., dict[str, Any]]:
    """Join the demo event as a new participant; returns the /api/join answer."""

    def _join(name: str = "Ana", **extra: Any) -> dict[str, Any]:
        res = client.post("/api/join", json={"code": demo["join_code"], "name": name, **extra})
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    return _join


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


# --- a real server in its own process ---------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One real server for the whole session (tests make their own participants and notes)."""
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_server(sqlite_live_server: LiveServer) -> LiveServer:
    """The shared real server (SQLite). A module may override it with a parametrised fixture
    that returns `sqlite_live_server` or `pg_live_server` (tests/e2e/test_live.py)."""
    return sqlite_live_server


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


# --- tiers ------------------------------------------------------------------------------------

# Tests under tests/e2e/ (server processes, browsers, render workers, PDFs read back), and any
# test elsewhere that uses one of these fixtures, are end-to-end: `make test-fast`
# (pytest -m "not e2e") leaves them out, `make test` runs them.
E2E_FIXTURES = {
    "live_server",
    "sqlite_live_server",
    "pg_live_server",
    "peers",
    "browser",
    "new_context",
    "playwright",
}
E2E_DIR = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        in_e2e = E2E_DIR in Path(str(item.fspath)).parents
        if in_e2e or E2E_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
