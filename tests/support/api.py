"""Small helpers for API and socket tests: auth headers, ops, an app on a temporary database."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from roadmap import create_app


def make_app(tmp_path: Path, database: Path | None = None, uri: str | None = None):
    """A test app on a SQLite file, or on the database at `uri` (PostgreSQL)."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": uri or f"sqlite:///{database}",
            "EXPORT_DIR": str(tmp_path / "exports"),
            "SOCKETIO_ASYNC_MODE": "threading",
            "PDF_WORKER": False,
            "BROADCAST_TICK_SECONDS": 0,  # every op at once (batches: broadcast.batcher.holding())
        },
        instance_path=str(tmp_path / "instance"),
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_op(op_type: str, **data: Any) -> dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "type": op_type, "data": data}


def account_bearer(app, event_id: int) -> str:
    """The bearer token of an organiser account's identity in the event (imports need one)."""
    from roadmap.extensions import db
    from roadmap.models import Event, Organiser
    from roadmap.organise.access import identity_for

    with app.app_context():
        account = Organiser(email="imp@example.org", name="Imp", password_hash="x")
        db.session.add(account)
        db.session.flush()
        _who, token = identity_for(account, db.session.get(Event, event_id))
    return token


def sign_in_with_link(client: Any, path: str) -> Any:
    """Open a secret link (/facilitate/<t>, /organise/<t>) as a browser does: the link stores
    the token, /signin signs in by a POST from our own page. Returns the POST's answer."""
    first = client.get(path)
    assert first.status_code == 302 and first.headers["Location"].endswith("/signin"), first
    page = client.get("/signin").get_data(as_text=True)
    form = page.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/signin", data={"csrf_token": form, "action": "switch"})


PASSWORD = "correct horse battery"  # organiser accounts made in tests


def form_token(client: Any, path: str = "/organise/login") -> str:
    """The CSRF token of the form on `path`."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def organiser_sign_in(client: Any, account: dict[str, str]) -> None:
    """Sign in with an organiser account's e-mail and password, as the login page does."""
    token = form_token(client)
    res = client.post(
        "/organise/login",
        data={"email": account["email"], "password": account["password"], "csrf_token": token},
    )
    assert res.status_code == 302, res.get_data(as_text=True)
