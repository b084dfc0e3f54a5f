"""Small helpers for API and socket tests: auth headers, ops, an app on a temporary database."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from roadmap import create_app


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


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_op(op_type: str, **data: Any) -> dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "type": op_type, "data": data}
