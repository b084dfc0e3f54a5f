"""Guard for roadmap/database.py's unyielding waits, which replace `psycopg.waiting.wait`.

If a hash below changes, psycopg changed under us. Before updating it, check that:
- `Connection.wait` still looks `waiting.wait` up at each call (not a name bound at import), so
  the replacement is the function every query, commit and rollback waits with;
- `waiting.wait_c` still blocks without any greenlet library and takes
  (gen, fileno, interval, timeout);
- the wait functions keep that signature.
Then run tests/e2e/ops/test_unyielding.py. Or switch it off (ROADMAP_UNYIELDING_OPS=0).
"""

from __future__ import annotations

import hashlib
import inspect

import psycopg
from packaging.version import Version
from psycopg import waiting

REVIEWED = {"psycopg.Connection.wait": (psycopg.Connection.wait, "602ce5e47fca2ec9")}


def digest(fn: object) -> str:
    return hashlib.sha256(inspect.getsource(fn).encode()).hexdigest()[:16]  # type: ignore[arg-type]


def test_the_reviewed_psycopg_code_is_unchanged() -> None:
    changed = {name: digest(fn) for name, (fn, known) in REVIEWED.items() if digest(fn) != known}
    assert not changed, f"psycopg changed; review roadmap/database.py (see above): {changed}"


def test_connection_wait_looks_the_wait_function_up_at_each_call() -> None:
    assert "waiting.wait(" in inspect.getsource(psycopg.Connection.wait)


def test_the_blocking_wait_function_is_there() -> None:
    assert callable(getattr(waiting, "wait_c", None)), "psycopg's C extension (psycopg[binary])"
    params = list(inspect.signature(waiting.wait_poll).parameters)
    assert params == ["gen", "fileno", "interval", "timeout"]


def test_the_version_is_the_capped_one() -> None:
    assert Version("3.2") <= Version(psycopg.__version__) < Version("3.4")
