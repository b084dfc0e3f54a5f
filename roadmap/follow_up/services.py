"""Follow-up services: owners' private links, commitment history, updates through the op core."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import re
import secrets
import uuid
from typing import Any

import segno
import sqlalchemy as sa
from flask import current_app, request
from flask_babel import lazy_gettext as _l

from .. import ops
from ..boards.snapshot import iso
from ..errors import AppError
from ..extensions import db
from ..identity import hash_token, is_staff, new_token
from ..models import (
    Board,
    CommitmentUpdate,
    Event,
    FollowUpLink,
    Group,
    Note,
    Participant,
    utcnow,
)
from ..realtime.handlers import publish

EMAIL = re.compile(r"^[^@\s<>,;\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
NOT_FOUND = "There is no such follow-up link (it may have been replaced or withdrawn)."


def base_url() -> str:
    return request.url_root.rstrip("/")


def follow_up_url(token: str, base: str | None = None) -> str:
    return f"{base or base_url()}/follow-up/{token}"


def link_token(nonce: str) -> str:
    """The link's token: an HMAC of its nonce under SECRET_KEY (never stored)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"follow-up:{nonce}".encode(), hashlib.sha256).digest()
    return "f" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:40]


def qr_svg(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=2, title=url)
    return buffer.getvalue().decode()


def check_email(value: str | None) -> str:
    value = (value or "").strip()
    if value and not EMAIL.match(value):
        raise AppError("invalid", _l("email: not an e-mail address."))
    return value


# --- who may manage a commitment --------------------------------------------------------------


def staff_commitment(who: Participant, note_id: int) -> tuple[Note, Board]:
    """The commitment, if `who` is staff on its board (404 / 403 otherwise)."""
    note = db.session.get(Note, note_id)
    board = db.session.get(Board, note.board_id) if note is not None else None
    group = db.session.get(Group, board.group_id) if board is not None else None
    if note is None or note.deleted_at is not None or group is None:
        raise AppError("not_found", _l("There is no commitment %(id)s.", id=note_id))
    if group.event_id != who.event_id or not is_staff(who, board):
        raise AppError("forbidden", _l("Only the group's facilitator or an organiser can do that."))
    if note.kind != "commitment":
        raise AppError("invalid", _l("Note %(id)s is not a commitment.", id=note_id))
    return note, board


def owner_identity(note: Note, board: Board) -> Participant:
    """The owner identity a commitment's links act as (made on first use; it has no token)."""
    found = db.session.scalar(
        sa.select(Participant)
        .join(FollowUpLink, FollowUpLink.participant_id == Participant.id)
        .where(FollowUpLink.note_id == note.id)
        .limit(1)
    )
    name = f"Owner · {note.owner_name or 'follow-up link'}"[:80]
    if found is not None:
        found.name = name
        return found
    group = db.session.get(Group, board.group_id)
    who = Participant(
        event_id=group.event_id,
        group_id=group.id,
        name=name,
        organisation=note.owner_org[:200],
        role="owner",
        # Never handed out: the link's own token (hashed in FollowUpLink) is the only key.
        token_hash=hash_token("owner:" + new_token()),
    )
    db.session.add(who)
    db.session.flush()
    return who


# --- links --------------------------------------------------------------------------------------


def create_link(
    who: Participant, note_id: int, *, email: str | None = None, days: int | None = None
) -> dict[str, Any]:
    """A new private link for the commitment's owner; any earlier link stops working."""
    note, board = staff_commitment(who, note_id)
    now = utcnow()
    owner = owner_identity(note, board)
    revoke_active(note.id, now)
    nonce = secrets.token_urlsafe(24)
    token = link_token(nonce)
    expires = now + dt.timedelta(days=days) if days else None
    link = FollowUpLink(
        note_id=note.id,
        token_hash=hash_token(token),
        nonce=nonce,
        base_url=base_url()[:300],
        participant_id=owner.id,
        created_by_id=who.id,
        created_at=now,
        expires_at=expires,
    )
    db.session.add(link)
    if email is not None:
        note.contact_email = check_email(email)
    db.session.flush()
    url = follow_up_url(token)
    from . import mail  # the owner gets the link by e-mail when SMTP is configured

    mail.queue_link(note, link)
    db.session.commit()
    return {"url": url, "expires_at": iso(expires), "qr_svg": qr_svg(url), "note_id": note.id}


def revoke_active(note_id: int, now: dt.datetime) -> int:
    links = db.session.scalars(
        sa.select(FollowUpLink).where(
            FollowUpLink.note_id == note_id, FollowUpLink.revoked_at.is_(None)
        )
    ).all()
    for link in links:
        link.revoked_at = now
    return len(links)


def revoke_link(who: Participant, note_id: int) -> int:
    note, _board = staff_commitment(who, note_id)
    count = revoke_active(note.id, utcnow())
    db.session.commit()
    return count


def link_status(who: Participant, note_id: int) -> dict[str, Any]:
    note, _board = staff_commitment(who, note_id)
    link = db.session.scalar(
        sa.select(FollowUpLink)
        .where(FollowUpLink.note_id == note.id, FollowUpLink.revoked_at.is_(None))
        .order_by(FollowUpLink.id.desc())
        .limit(1)
    )
    if link is not None and link.expires_at is not None and link.expires_at <= utcnow():
        link = None  # expired: no active link (opening it gets 404)
    return {
        "active": link is not None,
        "created_at": iso(link.created_at) if link else None,
        "expires_at": iso(link.expires_at) if link else None,
        "has_email": bool(note.contact_email),
    }


def open_link(token: str) -> tuple[FollowUpLink, Note]:
    """The live link for this token and its commitment; 404 for anything else."""
    if not token or len(token) > 200:
        raise AppError("not_found", NOT_FOUND)
    link = db.session.scalar(
        sa.select(FollowUpLink).where(FollowUpLink.token_hash == hash_token(token))
    )
    if link is None or link.revoked_at is not None:
        raise AppError("not_found", NOT_FOUND)
    if link.expires_at is not None and link.expires_at <= utcnow():
        raise AppError("not_found", NOT_FOUND)
    note = db.session.get(Note, link.note_id)
    if note is None or note.deleted_at is not None or note.kind != "commitment":
        raise AppError("not_found", NOT_FOUND)
    return link, note


# --- what the owner sees ----------------------------------------------------------------------


def overdue(note: Note, today: dt.date | None = None) -> bool:
    today = today or utcnow().date()
    status = note.status or "not_started"
    return note.due_date is not None and note.due_date < today and status not in ("done", "dropped")


def commitment_view(note: Note) -> dict[str, Any]:
    """A commitment as its owner and the tracker see it (never the contact address)."""
    board = db.session.get(Board, note.board_id)
    group = db.session.get(Group, board.group_id)
    event = db.session.get(Event, group.event_id)
    source = db.session.get(Note, note.source_note_id) if note.source_note_id else None
    return {
        "id": note.id,
        "text": note.text,
        "event": {"id": event.id, "name": event.name},
        "group": {"id": group.id, "name": group.name},
        "board_id": board.id,
        "owner": note.owner_name,
        "organisation": note.owner_org,
        "due_date": iso(note.due_date),
        "indicator": note.indicator,
        "partners": note.partners,
        "status": note.status or "not_started",
        "status_note": note.status_note,
        "value": note.status_value,
        "status_updated_at": iso(note.status_updated_at),
        "overdue": overdue(note),
        "from": None
        if source is None
        else {"id": source.id, "kind": source.kind, "text": source.text},
    }


def update_dict(row: CommitmentUpdate) -> dict[str, Any]:
    who = "Owner (follow-up link)" if row.via == "owner_link" else row.actor_name
    return {
        "id": row.id,
        "at": iso(row.at),
        "by": {"via": row.via, "name": who},
        "from": row.from_status,
        "to": row.to_status,
        "note": row.note,
        "value": row.value,
        "seq": row.seq,
    }


def history(note_id: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        sa.select(CommitmentUpdate)
        .where(CommitmentUpdate.note_id == note_id)
        .order_by(CommitmentUpdate.at, CommitmentUpdate.id)
    )
    return [update_dict(r) for r in rows]


def owner_page(token: str) -> dict[str, Any]:
    _link, note = open_link(token)
    return {"commitment": commitment_view(note), "history": history(note.id)}


def post_update(
    token: str,
    status: str,
    note_text: str = "",
    value: float | None = None,
    op_id: str | None = None,
) -> dict[str, Any]:
    """The owner's update: a commitment.status op on the board, acted by the link's identity."""
    link, note = open_link(token)
    data: dict[str, Any] = {"note_id": note.id, "status": status, "status_note": note_text}
    if value is not None:
        data["value"] = value
    raw = {"op_id": op_id or str(uuid.uuid4()), "type": "commitment.status", "data": data}
    applied = ops.apply(note.board_id, raw, link.participant_id)
    publish(applied)  # the board, the dashboard and every open client see it now
    if not applied.ack["ok"]:
        error = applied.ack["error"]
        raise AppError(error["code"], error["message"])
    db.session.expire_all()
    fresh = db.session.get(Note, note.id)
    return {
        "ok": True,
        "seq": applied.ack["seq"],
        "duplicate": bool(applied.ack.get("duplicate")),
        "commitment": commitment_view(fresh),
        "history": history(note.id),
    }


def staff_history(who: Participant, note_id: int) -> dict[str, Any]:
    note, _board = staff_commitment(who, note_id)
    return {"commitment": commitment_view(note), "history": history(note.id)}


def latest_update(board_id: int) -> dict[str, Any] | None:
    """The board's most recent commitment status change (for the organiser's dashboard)."""
    row = db.session.execute(
        sa.select(CommitmentUpdate, Note.text)
        .join(Note, Note.id == CommitmentUpdate.note_id)
        .where(CommitmentUpdate.board_id == board_id, Note.deleted_at.is_(None))
        .order_by(CommitmentUpdate.at.desc(), CommitmentUpdate.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    update, text = row
    return {**update_dict(update), "text": text[:200], "note_id": update.note_id}
