"""Real PostgreSQL and Redis servers for the tests: private, on free ports, in a tmp folder.

The same code as `make cluster` (deploy/cluster.py). Session fixtures in
tests/support/engine_fixtures.py start them once and stop them at the end; they skip only when
the binaries are missing outside CI (in CI, `make test` installs them: a missing one fails).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

_spec = importlib.util.spec_from_file_location("roadmap_cluster", ROOT / "deploy" / "cluster.py")
assert _spec is not None and _spec.loader is not None
cluster = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cluster)

Postgres = cluster.Postgres
Redis = cluster.Redis
engines_missing = cluster.engines_missing

_names = itertools.count(1)


def new_database_name(prefix: str = "t") -> str:
    return f"{prefix}_{os.getpid()}_{next(_names)}"
