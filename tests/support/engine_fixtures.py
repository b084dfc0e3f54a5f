"""Fixtures: real PostgreSQL and Redis (session-scoped), and apps and servers on them."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roadmap.extensions import db
from support.api import make_app
from support.engines import Postgres, Redis, engines_missing, new_database_name
from support.server import LiveServer


def _need(what: str) -> None:
    if what in engines_missing():  # never a skip: tests that prove nothing would pass
        pytest.fail(f"{what} is not installed: `make test` installs it (make system-deps)")


@pytest.fixture(scope="session")
def postgres(tmp_path_factory) -> Iterator[Postgres]:
    """A private PostgreSQL server for the whole session (fsync off: the data is thrown away)."""
    _need("postgresql")
    server = Postgres(tmp_path_factory.mktemp("postgres"), fast=True).start()
    yield server
    server.stop()
    if server.base.name.startswith("roadmap-pg-"):  # its own /tmp folder (we run as root)
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[Redis]:
    _need("redis-server")
    server = Redis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


def pg_app(tmp_path: Path, url: str) -> Any:
    return make_app(tmp_path, uri=url.replace("postgresql://", "postgresql+psycopg://"))


@pytest.fixture(scope="session")
def pg_migrated_database(postgres, tmp_path_factory) -> str:
    """A PostgreSQL database made by the real migrations, once: the template of each test's."""
    from roadmap.cli import init_database

    name = new_database_name("migrated")
    url = postgres.create_database(name)
    app = pg_app(tmp_path_factory.mktemp("pg-template"), url)
    with app.app_context():
        init_database()
        db.session.remove()
        db.engine.dispose()
    return name


@pytest.fixture(scope="session")
def pg_demo_database(postgres, pg_migrated_database, tmp_path_factory) -> tuple[str, dict]:
    """The migrated PostgreSQL database with the demo loaded, once, and the demo's tokens."""
    from roadmap.demo import create_demo

    name = new_database_name("demo")
    url = postgres.create_database(name, template=pg_migrated_database)
    app = pg_app(tmp_path_factory.mktemp("pg-demo"), url)
    with app.app_context():
        info = create_demo()
        db.session.remove()
        db.engine.dispose()
    return name, info


def pg_app_on_copy_of(postgres, template: str, tmp_path: Path) -> Iterator[Any]:
    """An app on a fresh PostgreSQL database copied from `template` (dropped afterwards)."""
    name = new_database_name()
    app = pg_app(tmp_path, postgres.create_database(name, template=template))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    postgres.drop_database(name)


@pytest.fixture(scope="session")
def pg_cluster(postgres, redis_server, tmp_path_factory) -> Iterator[tuple[LiveServer, ...]]:
    """Two app processes, A and B, as `make cluster` runs them: one PostgreSQL database, one
    Redis (message queue and shared state), one secret, one instance and export folder."""
    where = tmp_path_factory.mktemp("cluster")
    env = {
        "DATABASE_URL": postgres.create_database(new_database_name("cluster")),
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": "cluster-test-secret",
        "ROADMAP_INSTANCE_PATH": str(where / "instance"),
        "EXPORT_DIR": str(where / "exports"),
    }
    servers = []
    for name in ("a", "b"):
        (where / name).mkdir()
        servers.append(LiveServer(where / name, env=env))
    demo = json.loads(servers[0].flask("demo", "--json"))
    failed: list[BaseException] = []

    def boot(server: LiveServer) -> None:
        try:
            server.start(demo=demo)
        except BaseException as err:  # reported below, after both tried
            failed.append(err)

    threads = [threading.Thread(target=boot, args=(server,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        for server in servers:
            server.stop()
        raise failed[0]
    yield tuple(servers)
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def pg_live_server(pg_cluster) -> LiveServer:
    """A real server on PostgreSQL (and Redis): process A of `pg_cluster` (one boot fewer)."""
    return pg_cluster[0]
