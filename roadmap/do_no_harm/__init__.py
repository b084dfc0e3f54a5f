"""Do No Harm (docs/do-no-harm.md): who may see an author (privacy.py), the personal-data check
(personal_data.py), redaction that erases every copy (erasure.py), retention and purge
(retention.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import retention

    retention.init_app(app)
