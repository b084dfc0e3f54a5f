"""Who may organise: organiser accounts (password, every event) and organiser tokens (one event).

An account acts in an event through a Participant (role "organiser", organiser_id = the account)
made on first use. Its token is derived from SECRET_KEY, the account and the event (HMAC), so
it never needs storing and every tab and device of the account gets the same one; only its
SHA-256 is kept, like every other token.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, request, session
from flask_babel import lazy_gettext as _l

from ..database import begin_write
from ..errors import AppError
from ..extensions import db
from ..identity import hash_token, participant_for_token
from ..models import Event, Organiser, Participant

SESSION_KEY = "organiser_id"


def account_token(account: Organiser, event_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"organiser:{account.id}:{event_id}".encode()
    return "o" + hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def identity_for(account: Organiser, event: Event) -> tuple[Participant, str]:
    """The account's organiser identity in `event` (made and committed on first use), its token.

    It is committed at once: ops.apply() refuses to start while a session holds uncommitted
    changes, and an organiser's first act in an event is often an op.
    """
    token = account_token(account, event.id)
    query = sa.select(Participant).where(
        Participant.event_id == event.id, Participant.organiser_id == account.id
    )
    who = db.session.scalar(query)
    if who is not None and who.token_hash == hash_token(token) and not who.removed:
        return who, token
    begin_write()  # a GET page may get here: take the write lock before writing
    who = db.session.scalar(query)
    if who is None:
        who = Participant(
            event=event,
            name=account.name[:80],
            role="organiser",
            organiser_id=account.id,
            token_hash=hash_token(token),
        )
        db.session.add(who)
        db.session.commit()
    elif who.token_hash != hash_token(token) or who.removed:
        who.token_hash = hash_token(token)  # SECRET_KEY changed since
        who.removed = False
        db.session.commit()
    return who, token


@dataclass
class Principal:
    """An organiser: an account (may manage every event) or an event's organiser token."""

    account: Organiser | None = None
    participant: Participant | None = None

    def may_manage(self, event_id: int) -> bool:
        if self.account is not None:
            return True
        return self.participant is not None and self.participant.event_id == event_id

    def acting_in(self, event: Event) -> tuple[Participant, str | None]:
        """The organiser identity for ops in `event` (and its token, when it is known)."""
        if self.account is not None:
            return identity_for(self.account, event)
        if self.participant is not None and self.participant.event_id == event.id:
            return self.participant, None
        raise AppError("forbidden", _l("Only the event's organisers may do this."))

    @property
    def name(self) -> str:
        if self.account is not None:
            return self.account.name
        return self.participant.name if self.participant else ""


def _from_participant(who: Participant | None) -> Principal | None:
    if who is None or who.role != "organiser":
        return None
    account = db.session.get(Organiser, who.organiser_id) if who.organiser_id else None
    return Principal(account=account, participant=who)


def current_principal(required: bool = True) -> Principal | None:
    """The organiser behind this request: bearer token, else the session (account or token)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        who = participant_for_token(header[7:].strip())
        if who is None:
            raise AppError("unauthorized", _l("This token is not valid (or was revoked)."))
        found = _from_participant(who)
        if found is None:
            raise AppError("forbidden", _l("Only organisers may do this."))
        return found
    account_id = session.get(SESSION_KEY)
    account = db.session.get(Organiser, account_id) if isinstance(account_id, int) else None
    if account is not None:
        return Principal(account=account)
    found = _from_participant(participant_for_token(session.get("token")))
    if found is None and required:
        raise AppError("unauthorized", _l("Sign in as an organiser first."))
    return found


def manage(event_id: int, principal: Principal | None = None) -> tuple[Event, Principal]:
    principal = principal or current_principal()
    event = db.session.get(Event, event_id)
    if event is None:
        raise AppError("not_found", _l("There is no event %(event_id)s.", event_id=event_id))
    if not principal.may_manage(event_id):
        raise AppError("forbidden", _l("Only the event's organisers may do this."))
    return event, principal


def require_account(principal: Principal) -> Organiser:
    if principal.account is None:
        raise AppError(
            "forbidden",
            _l("Creating events needs an organiser account: sign in at /organise/login."),
        )
    return principal.account
