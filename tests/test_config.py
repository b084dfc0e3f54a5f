"""Configuration from the environment and the instance folder."""

from __future__ import annotations

from roadmap import create_app


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a.sqlite'}")
    first = create_app(instance_path=str(tmp_path / "inst"))
    second = create_app(instance_path=str(tmp_path / "inst"))
    key = (tmp_path / "inst" / "secret_key").read_text().strip()
    assert len(key) >= 32
    assert first.secret_key == second.secret_key == key
    assert oct((tmp_path / "inst" / "secret_key").stat().st_mode)[-3:] == "600"


def test_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/roadmap")
    monkeypatch.setenv("EXPORT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("ROADMAP_OP_RATE_PER_SECOND", "5")
    app = create_app(instance_path=str(tmp_path / "inst"))
    assert app.secret_key == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/roadmap"
    assert app.config["EXPORT_DIR"] == str(tmp_path / "out")
    assert app.config["OP_RATE_PER_SECOND"] == 5
    # A gevent process's pool (SQLAlchemy's 5 + 10 ran out at 1,000 clients on PostgreSQL).
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"], options["pool_pre_ping"]) == (
        20,
        20,
        True,
    )


def test_redis_url_makes_the_http_limits_count_in_redis(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a.sqlite'}")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # (not contacted at start-up)
    from roadmap.extensions import socketio

    try:
        app = create_app(instance_path=str(tmp_path / "inst"))
        assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:1/0"
    finally:  # Flask-SocketIO keeps a queue's client manager for every later app: drop it
        socketio.server_options.pop("client_manager", None)
        socketio.server_options.pop("message_queue", None)


def test_cors_origins_from_the_environment_are_split():
    from roadmap.config import origins

    assert origins(None) is None
    assert origins("") is None
    assert origins("https://a.example, https://b.example") == [
        "https://a.example",
        "https://b.example",
    ]
    assert origins(["https://a.example"]) == ["https://a.example"]


def test_ids_too_big_for_the_database_are_404_everywhere(client):
    huge = 2**70
    for url in (f"/api/boards/{huge}", f"/boards/{huge}", f"/api/events/{huge}/actions.csv"):
        res = client.get(url, headers={"Accept": "application/json"})
        assert res.status_code == 404, url
        assert res.get_json()["error"]["code"] == "not_found"


def test_the_gevent_server_keeps_its_start_up_heap_out_of_the_cyclic_gc(tmp_path):
    """Full collections over ~200,000 start-up objects paused the live server for 100+ ms.

    The app factory does neither: the gunicorn entry point (app.py) prepares for serving.
    """
    import gc

    import engineio.socket

    from roadmap import prepare_for_serving
    from roadmap.realtime import stalls, transport

    config = {
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "EXPORT_DIR": str(tmp_path / "exports"),
        "SQLITE_CHECKPOINT_THREAD": False,  # tests/test_stalls.py
    }
    original = engineio.socket.Socket
    try:
        threaded = create_app({**config, "SOCKETIO_ASYNC_MODE": "threading"}, str(tmp_path / "i1"))
        prepare_for_serving(threaded)
        assert gc.get_freeze_count() == 0
        assert engineio.socket.Socket is original
        served = create_app({**config, "SOCKETIO_ASYNC_MODE": "gevent"}, str(tmp_path / "i2"))
        assert gc.get_freeze_count() == 0 and engineio.socket.Socket is original
        prepare_for_serving(served)
        assert gc.get_freeze_count() > 10_000
        assert engineio.socket.Socket is transport.FastSocket
    finally:
        gc.unfreeze()
        engineio.socket.Socket = original
        stalls.unwatch_gc()
