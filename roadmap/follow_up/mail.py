"""E-mail to commitment owners: a queue in the database, sent once (placeholder until SMTP)."""

from __future__ import annotations

from ..models import Note


def queue_link(note: Note, url: str) -> None:
    """Queue the owner's link, when the commitment has an address and SMTP is configured."""
    return None
