"""Every app a process builds knows every socket event (roadmap/realtime/__init__.py).

Flask-SocketIO keeps a handler for the apps built later only if it was declared before the
first server existed. The feature move once imported reports/live.py after socketio.init_app:
the first app knew `organiser:join`, the second answered "Unknown event". A fresh interpreter is
needed to see it (in the test session every module is already imported), hence a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys

from support.server import ROOT

SCRIPT = """
import json, sys, tempfile
from pathlib import Path
from support.api import make_app
from roadmap.extensions import socketio
seen = []
for _ in range(2):
    tmp = Path(tempfile.mkdtemp())
    make_app(tmp, tmp / "db.sqlite")
    seen.append(sorted(socketio.server.handlers.get("/", {})))
print(json.dumps(seen))
"""


def test_a_second_app_knows_the_same_socket_events_as_the_first():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT / 'tests'}:{ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    first, second = json.loads(out.strip().splitlines()[-1])
    assert {"board:join", "op", "presence", "organiser:join"} <= set(first)
    assert second == first
