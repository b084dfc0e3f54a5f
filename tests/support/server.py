"""A real gunicorn + gevent server process on a temporary database, with the demo loaded."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent.parent


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
            # Every test client is 127.0.0.1 and one server serves the whole session: the
            # per-address op limit (60/s, burst 300) made the busiest tests depend on how fast
            # the machine was (batched broadcasts answer acks sooner). tests/security covers it.
            "ROADMAP_ADDRESS_OP_RATE_PER_SECOND": "0",
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

    def start(self, demo: dict[str, Any] | None = None) -> LiveServer:
        """Load the demo (unless another process on the same database did: `demo`), serve."""
        self.demo = demo or json.loads(self.flask("demo", "--json"))
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
