"""What organisers do: events, groups, facilitator links, the live dashboard, broadcasts,
participants. Pages and the JSON API both call these; only these commit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import ops, shared
from ..boards.layouts import DEFAULT_TEMPLATE, TEMPLATES
from ..boards.snapshot import iso, timer_dict
from ..do_no_harm import privacy
from ..errors import AppError
from ..extensions import db, socketio
from ..follow_up import services as follow_up_services
from ..joining.participants import new_join_code
from ..models import Board, Event, Group, Lane, Note, Participant, Vote
from ..public_url import public_url
from ..realtime import handlers as live
from ..security.payloads import check_year
from . import groups
from .access import Principal, identity_for, require_account
from .groups import add_group

LATEST_NOTES = 3


def parse_date(value: str | None, what: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return check_year(dt.date.fromisoformat(value.strip()), what)
    except ValueError as err:
        if "year" in str(err):
            raise AppError("invalid", str(err)) from None
        raise AppError(
            "invalid",
            _l("%(what)s: %(value)s is not a date (YYYY-MM-DD).", what=what, value=value[:40]),
        ) from None


def check_template(template: str) -> str:
    if template not in TEMPLATES:
        raise AppError("invalid", _l("template: one of %(values)s.", values=", ".join(TEMPLATES)))
    return template


def base_url() -> str:
    return public_url()


def facilitator_url(token: str) -> str:
    return f"{base_url()}/facilitate/{token}"


# --- events -----------------------------------------------------------------------------------


def group_dict(group: Group) -> dict[str, Any]:
    board = group.board
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "position": group.position,
        "board_id": board.id if board else None,
        "template": board.template if board else None,
    }


def purge_due_on(event: Event) -> Any:
    from ..do_no_harm.retention import due_on

    return due_on(event)


def event_dict(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "name": event.name,
        "starts_on": iso(event.starts_on),
        "ends_on": iso(event.ends_on),
        "place": event.place,
        "languages": list(event.languages or []),
        "retention_days": event.retention_days,
        "purge_due_on": iso(purge_due_on(event)),
        "purged_at": iso(event.purged_at),
        "join_code": event.join_code,
        "join_url": f"{base_url()}/join/{event.join_code}",
        "groups": [group_dict(g) for g in event.groups],
    }


def events_for(principal: Principal) -> list[Event]:
    query = sa.select(Event).order_by(Event.starts_on.desc(), Event.id.desc())
    if principal.account is None:
        query = query.where(Event.id == principal.participant.event_id)
    return list(db.session.scalars(query))


def apply_event_fields(event: Event, fields: dict[str, Any]) -> None:
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise AppError("invalid", _l("name: an event needs a name."))
        event.name = name
    for key in ("starts_on", "ends_on"):
        if key in fields:
            setattr(event, key, parse_date(fields[key], key))
    if "place" in fields:
        event.place = (fields["place"] or "").strip()
    if fields.get("retention_days") not in (None, ""):
        from ..do_no_harm.retention import check_retention

        event.retention_days = check_retention(fields["retention_days"])
    if "languages" in fields:
        languages = [code.strip() for code in fields["languages"] or [] if code.strip()]
        if len(languages) > 40 or any(len(code) > 20 for code in languages):
            raise AppError("invalid", _l("languages: at most 40 codes of 20 characters."))
        event.languages = list(dict.fromkeys(languages))
    if event.starts_on and event.ends_on and event.ends_on < event.starts_on:
        raise AppError("invalid", _l("ends_on: the event ends before it starts."))


def create_event(principal: Principal, fields: dict[str, Any]) -> tuple[Event, str]:
    """A new event; returns it with the account's organiser token for it."""
    account = require_account(principal)
    event = Event(name="", join_code=new_join_code(), place="", languages=[], retention_days=90)
    apply_event_fields(event, {"name": "", **fields})
    db.session.add(event)
    db.session.flush()
    _who, token = identity_for(account, event)
    db.session.commit()
    return event, token


def update_event(event: Event, fields: dict[str, Any]) -> Event:
    apply_event_fields(event, fields)
    db.session.commit()
    return event


# --- groups and facilitator links -------------------------------------------------------------


def create_group(
    event: Event, name: str, description: str = "", template: str = DEFAULT_TEMPLATE
) -> tuple[Group, str]:
    name = name.strip()
    if not name:
        raise AppError("invalid", _l("name: a group needs a name."))
    if any(g.name == name for g in event.groups):
        raise AppError("conflict", _l("This event already has a group %(name)s.", name=name))
    group, token = add_group(event, name, description.strip(), check_template(template))
    db.session.commit()
    return group, token


def seed_groups(event: Event) -> list[tuple[Group, str]]:
    """The five breakout groups of the Asia Region conference (seed 003), those not there yet."""
    from ..demo import GROUPS

    have = {g.name for g in event.groups}
    made = []
    for name, template, description, _notes in GROUPS:
        if name not in have:
            made.append(add_group(event, name, description, template))
    db.session.commit()
    return made


def update_group(group: Group, fields: dict[str, Any], actor: Participant) -> Group:
    """Rename a group or change its board's template; the board learns both through ops."""
    name = None
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise AppError("invalid", _l("name: a group needs a name."))
    board = group.board
    template = fields.get("template")
    if template and board is not None and template != board.template:
        _board_op(board.id, actor, "board.layout", {"template": check_template(template)})
    if name is not None:
        group.name = name
    if "description" in fields:
        group.description = (fields["description"] or "").strip()
    db.session.commit()
    if board is not None and name is not None and name != board.title:
        _board_op(board.id, actor, "board.retitle", {"title": name})
    return db.session.get(Group, group.id) or group


def _board_op(board_id: int, actor: Participant, op_type: str, data: dict[str, Any]) -> None:
    """Apply one staff op to a board and broadcast it; a refusal becomes the request's error."""
    raw = {"op_id": f"organise-{uuid.uuid4()}", "type": op_type, "data": data}
    applied = ops.apply(board_id, raw, actor, rate_limited=False)
    live.publish(applied)
    if not applied.ack["ok"]:
        error = applied.ack["error"]
        raise AppError(error["code"], error["message"])


def group_by_id(group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None:
        raise AppError("not_found", _l("There is no group %(group_id)s.", group_id=group_id))
    return group


def group_of(event: Event, group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None or group.event_id != event.id:
        raise AppError(
            "not_found", _l("There is no group %(group_id)s in this event.", group_id=group_id)
        )
    return group


def rotate_facilitator_link(group: Group) -> str:
    """A new secret facilitator link for the group; the old one stops working."""
    token = groups.rotate_facilitator_link(group)
    db.session.commit()
    return token


# --- the live dashboard -----------------------------------------------------------------------


def board_tile(board: Board, group: Group) -> dict[str, Any]:
    """One group's board at a glance."""
    live_notes = (Note.board_id == board.id, Note.deleted_at.is_(None), Note.kind != "cluster")
    notes = db.session.scalar(sa.select(sa.func.count()).where(*live_notes)) or 0
    hidden = db.session.scalar(sa.select(sa.func.count()).where(*live_notes, Note.hidden)) or 0
    commitments = (
        db.session.scalar(sa.select(sa.func.count()).where(*live_notes, Note.kind == "commitment"))
        or 0
    )
    votes = db.session.scalar(sa.select(sa.func.count()).where(Vote.board_id == board.id)) or 0
    latest = db.session.scalars(
        sa.select(Note)
        .where(*live_notes, Note.hidden.is_(False))
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(LATEST_NOTES)
    ).all()
    online = live.presence_list(board.id)
    lanes = {
        lane.id: lane.title
        for lane in db.session.scalars(sa.select(Lane).where(Lane.board_id == board.id))
    }
    return {
        "board_id": board.id,
        "group": {"id": group.id, "name": group.name},
        "title": board.title,
        "template": board.template,
        "phase": board.phase,
        "locked": board.locked,
        "private_writing": board.private_writing,
        "message": board.message,
        "timer": timer_dict(board),
        "people_online": sum(1 for p in online if p.get("role") == "participant"),
        "facilitator_online": any(p.get("role") == "facilitator" for p in online),
        "notes": notes,
        "hidden_notes": hidden,
        "votes": votes,
        "commitments": commitments,
        "latest_update": follow_up_services.latest_update(board.id),
        "latest_notes": [
            {
                "id": n.id,
                "kind": n.kind,
                "text": n.text[:200],
                "lane": lanes.get(n.lane_id, ""),
                "author": privacy.person(n.author, anonymous=n.anonymous)["name"],
                "created_at": iso(n.created_at),
            }
            for n in latest
        ],
        "seq": board.seq,
    }


def dashboard(event: Event) -> dict[str, Any]:
    boards = [(g.board, g) for g in event.groups if g.board is not None]
    participants = db.session.scalar(
        sa.select(sa.func.count()).where(
            Participant.event_id == event.id,
            Participant.role == "participant",
            Participant.removed.is_(False),
        )
    )
    return {
        "event": {"id": event.id, "name": event.name, "join_code": event.join_code},
        "participants": participants or 0,
        "boards": [board_tile(board, group) for board, group in boards],
    }


def broadcast(
    event: Event, actor: Participant, timer_seconds: int | None, message: str | None
) -> list[dict[str, Any]]:
    """Start the same timer and/or post a message on every board, each through the op core."""
    if timer_seconds is None and message is None:
        raise AppError("invalid", _l("Give timer_seconds, message, or both."))
    wanted = []
    if timer_seconds is not None:
        wanted.append(("timer.start", {"seconds": timer_seconds}))
    if message is not None:
        wanted.append(("board.message", {"text": message}))
    results = []
    for group in event.groups:
        if group.board is None:
            continue
        board_id = group.board.id
        for op_type, data in wanted:
            raw = {"op_id": f"broadcast-{uuid.uuid4()}", "type": op_type, "data": data}
            applied = ops.apply(board_id, raw, actor, rate_limited=False)
            live.publish(applied)
            db.session.commit()
            if not applied.ack["ok"]:
                raise AppError(
                    applied.ack["error"]["code"],
                    _l(
                        "%(group)s: %(reason)s",
                        group=group.name,
                        reason=applied.ack["error"]["message"],
                    ),
                )
            results.append({"board_id": board_id, "type": op_type, "seq": applied.ack["seq"]})
    return results


# --- participants -----------------------------------------------------------------------------


def participant_dict(who: Participant) -> dict[str, Any]:
    return {
        "id": who.id,
        "name": who.public_name,
        "organisation": who.organisation,
        "country": who.country,
        "role": who.role,
        "group_id": who.group_id,
        "anonymous": who.anonymous,
        "language": who.language,
        "removed": who.removed,
        "joined_at": iso(who.created_at),
    }


def participants(event: Event) -> dict[str, Any]:
    people = db.session.scalars(
        sa.select(Participant)
        .where(Participant.event_id == event.id, Participant.role != "owner")  # follow-up links
        .order_by(Participant.id)
    ).all()
    counted = [p for p in people if p.role == "participant" and not p.removed]
    unknown = str(_l("(not given)"))
    by_org = Counter(p.organisation.strip() or unknown for p in counted)
    by_country = Counter(p.country.strip() or unknown for p in counted)
    if (
        event.purge_counts
    ):  # after a purge (roadmap/do_no_harm/retention.py) only the counts are left
        by_org = Counter(dict(event.purge_counts.get("organisations", [])))
        by_country = Counter(dict(event.purge_counts.get("countries", [])))
    return {
        "participants": [participant_dict(p) for p in people],
        "counts": {
            "total": len(counted),
            "removed": sum(1 for p in people if p.removed),
            "organisations": dict(sorted(by_org.items(), key=lambda kv: (-kv[1], kv[0]))),
            "countries": dict(sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0]))),
        },
    }


def remove_participant(event: Event, participant_id: int) -> Participant:
    """Remove someone: their token stops working, their notes stay as "removed participant"."""
    who = db.session.get(Participant, participant_id)
    if who is None or who.event_id != event.id:
        raise AppError(
            "not_found",
            _l(
                "There is no participant %(participant_id)s in this event.",
                participant_id=participant_id,
            ),
        )
    if who.role == "organiser":
        raise AppError("forbidden", _l("Organisers cannot be removed here."))
    if who.role == "owner":
        raise AppError("forbidden", _l("This is a follow-up link: withdraw it on the commitment."))
    who.removed = True
    db.session.commit()
    disconnect(who.id)
    return who


def disconnect(participant_id: int) -> None:
    """Close the sockets of a removed participant, on every process: their sids are shared
    (roadmap/shared.py) and a disconnect of another process's sid goes through the message
    queue (Flask-SocketIO's REDIS_URL)."""
    sids = set(shared.store().sids_of(participant_id))
    sids |= {sid for sid, c in live.CLIENTS.items() if c.participant_id == participant_id}
    for sid in sorted(sids):
        try:
            socketio.server.disconnect(sid, namespace="/")
        except (KeyError, ValueError):  # pragma: no cover - already gone
            live.CLIENTS.pop(sid, None)
        shared.store().drop_sid(participant_id, sid)
