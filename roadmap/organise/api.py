"""Organisers over HTTP: events, groups, facilitator links, dashboard, broadcast, participants.

Callers are an organiser account (signed in at /organise/login, or the bearer token of one of
its event identities) or an event's organiser token (that event only).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..api import body, bp
from ..api.openapi import documented
from ..api.schemas import ErrorBody, Strict
from ..boards.layouts import DEFAULT_TEMPLATE, TEMPLATES
from ..config import TITLE_MAX
from ..errors import AppError
from ..ops.core import validation_message
from . import services
from .access import current_principal, manage

ERRORS = {"HTTP_401": ErrorBody, "HTTP_403": ErrorBody, "HTTP_404": ErrorBody}
TAGS = ("organisers",)


DATE = {"format": "date"}  # YYYY-MM-DD, years YEAR_MIN..YEAR_MAX (config.py)


class EventIn(Strict):
    name: str = Field(min_length=1, max_length=TITLE_MAX)
    starts_on: str | None = Field(default=None, description="YYYY-MM-DD", json_schema_extra=DATE)
    ends_on: str | None = Field(default=None, description="YYYY-MM-DD", json_schema_extra=DATE)
    place: str = Field(default="", max_length=200)
    languages: list[str] = Field(default_factory=list, max_length=40)
    retention_days: int = Field(default=90, ge=0, le=3650, description="0: no automatic purge")


class EventPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    starts_on: str | None = Field(default=None, json_schema_extra=DATE)
    ends_on: str | None = Field(default=None, json_schema_extra=DATE)
    place: str | None = Field(default=None, max_length=200)
    languages: list[str] | None = Field(default=None, max_length=40)
    retention_days: int | None = Field(default=None, ge=0, le=3650)


def validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """`data` validated by one of these models, as a JSON body is: the organiser's HTML forms
    (views.py) go through the same checks as the API (400 invalid naming the field)."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise AppError("invalid", validation_message(err)) from None


class GroupOut(BaseModel):
    id: int
    name: str
    description: str
    position: int
    board_id: int | None
    template: str | None


class EventOut(BaseModel):
    id: int
    name: str
    starts_on: str | None = Field(json_schema_extra=DATE)
    ends_on: str | None = Field(json_schema_extra=DATE)
    place: str
    languages: list[str]
    retention_days: int
    purge_due_on: str | None
    purged_at: str | None
    join_code: str
    join_url: str
    groups: list[GroupOut]


class EventCreated(BaseModel):
    event: EventOut
    organiser_token: str = Field(description="The account's organiser token for this event")


class EventList(BaseModel):
    events: list[EventOut]


class GroupIn(Strict):
    name: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=2000)
    template: str = Field(
        default=DEFAULT_TEMPLATE,
        description="now-next-later, challenges-signposts-commitments, outcome-output-indicator",
        json_schema_extra={"enum": list(TEMPLATES)},
    )


class GroupPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(default=None, max_length=2000)
    template: str | None = Field(
        default=None,
        description="Only while the board has no notes",
        json_schema_extra={"enum": [*TEMPLATES, None]},
    )


class FacilitatorLink(BaseModel):
    group: GroupOut
    facilitator_token: str = Field(description="Shown once: only its hash is stored")
    facilitator_url: str


class SeededGroups(BaseModel):
    groups: list[FacilitatorLink]


class Tile(BaseModel):
    model_config = ConfigDict(extra="allow")
    board_id: int
    group: dict[str, Any]
    phase: str
    locked: bool
    timer: dict[str, Any]
    people_online: int
    notes: int
    votes: int
    commitments: int
    latest_notes: list[dict[str, Any]]


class DashboardOut(BaseModel):
    event: dict[str, Any]
    participants: int
    boards: list[Tile]


class BroadcastIn(Strict):
    timer_seconds: int | None = Field(default=None, ge=1, le=4 * 60 * 60)
    message: str | None = Field(default=None, max_length=500, description='"" clears it')


class BroadcastOut(BaseModel):
    applied: list[dict[str, Any]]


class ParticipantOut(BaseModel):
    id: int
    name: str
    organisation: str
    country: str
    role: str
    group_id: int | None
    anonymous: bool
    language: str
    removed: bool
    joined_at: str | None


class ParticipantsOut(BaseModel):
    participants: list[ParticipantOut]
    counts: dict[str, Any]


class Removed(BaseModel):
    participant: ParticipantOut


def link(group, token: str) -> dict[str, Any]:
    return {
        "group": services.group_dict(group),
        "facilitator_token": token,
        "facilitator_url": services.facilitator_url(token),
    }


@bp.get("/events")
@documented(resp={"HTTP_200": EventList, **ERRORS}, tags=TAGS)
def list_events():
    """The events the caller organises (an account: every event on this instance)."""
    principal = current_principal()
    return {"events": [services.event_dict(e) for e in services.events_for(principal)]}


@bp.post("/events")
@documented(
    json=EventIn, resp={"HTTP_201": EventCreated, "HTTP_400": ErrorBody, **ERRORS}, tags=TAGS
)
def create_event():
    """Create an event (organiser accounts only); answers the account's token for it."""
    principal = current_principal()
    data = body(EventIn)
    event, token = services.create_event(principal, data.model_dump())
    return {"event": services.event_dict(event), "organiser_token": token}, 201


@bp.get("/events/<int:event_id>")
@documented(resp={"HTTP_200": EventOut, **ERRORS}, tags=TAGS)
def get_event(event_id: int):
    """An event with its groups and their boards."""
    event, _principal = manage(event_id)
    return services.event_dict(event)


@bp.patch("/events/<int:event_id>")
@documented(
    json=EventPatch, resp={"HTTP_200": EventOut, "HTTP_400": ErrorBody, **ERRORS}, tags=TAGS
)
def patch_event(event_id: int):
    """Change an event's name, dates, place or languages (only the fields sent)."""
    event, _principal = manage(event_id)
    fields = body(EventPatch).model_dump(exclude_unset=True)
    return services.event_dict(services.update_event(event, fields))


@bp.post("/events/<int:event_id>/groups")
@documented(
    json=GroupIn,
    resp={"HTTP_201": FacilitatorLink, "HTTP_400": ErrorBody, "HTTP_409": ErrorBody, **ERRORS},
    tags=TAGS,
)
def create_group(event_id: int):
    """Add a group with its board; answers its secret facilitator link (shown only now)."""
    event, _principal = manage(event_id)
    data = body(GroupIn)
    group, token = services.create_group(event, data.name, data.description, data.template)
    return link(group, token), 201


@bp.post("/events/<int:event_id>/groups/seed")
@documented(resp={"HTTP_201": SeededGroups, **ERRORS}, tags=TAGS)
def seed_groups(event_id: int):
    """Add the five breakout groups of the seed conference (those not there yet)."""
    event, _principal = manage(event_id)
    return {"groups": [link(g, t) for g, t in services.seed_groups(event)]}, 201


@bp.patch("/groups/<int:group_id>")
@documented(
    json=GroupPatch,
    resp={"HTTP_200": GroupOut, "HTTP_400": ErrorBody, "HTTP_409": ErrorBody, **ERRORS},
    tags=TAGS,
)
def patch_group(group_id: int):
    """Rename a group, or pick its board's template while the board is still empty."""
    group = services.group_by_id(group_id)
    event, principal = manage(group.event_id)
    fields = body(GroupPatch).model_dump(exclude_unset=True)
    actor, _token = principal.acting_in(event)
    return services.group_dict(services.update_group(group, fields, actor))


@bp.post("/groups/<int:group_id>/facilitator-link")
@documented(resp={"HTTP_201": FacilitatorLink, **ERRORS}, tags=TAGS)
def rotate_link(group_id: int):
    """A new secret facilitator link for the group; the previous one stops working."""
    group = services.group_by_id(group_id)
    manage(group.event_id)
    return link(group, services.rotate_facilitator_link(group)), 201


@bp.get("/events/<int:event_id>/dashboard")
@documented(resp={"HTTP_200": DashboardOut, **ERRORS}, tags=TAGS)
def get_dashboard(event_id: int):
    """Every group's board at a glance: phase, timer, people online, notes, votes, commitments."""
    event, _principal = manage(event_id)
    return services.dashboard(event)


@bp.post("/events/<int:event_id>/broadcast")
@documented(
    json=BroadcastIn, resp={"HTTP_200": BroadcastOut, "HTTP_400": ErrorBody, **ERRORS}, tags=TAGS
)
def post_broadcast(event_id: int):
    """Start the same timer and/or show a message in every group at once (live)."""
    event, principal = manage(event_id)
    data = body(BroadcastIn)
    actor, _token = principal.acting_in(event)
    applied = services.broadcast(event, actor, data.timer_seconds, data.message)
    return {"applied": applied}


@bp.get("/events/<int:event_id>/participants")
@documented(resp={"HTTP_200": ParticipantsOut, **ERRORS}, tags=TAGS)
def list_participants(event_id: int):
    """Who joined, with counts by organisation and country (for the report)."""
    event, _principal = manage(event_id)
    return services.participants(event)


@bp.delete("/events/<int:event_id>/participants/<int:participant_id>")
@documented(resp={"HTTP_200": Removed, **ERRORS}, tags=TAGS)
def remove_participant(event_id: int, participant_id: int):
    """Remove a participant: signed out at once; their notes stay, as "removed participant"."""
    event, _principal = manage(event_id)
    who = services.remove_participant(event, participant_id)
    return {"participant": services.participant_dict(who)}


class Purged(BaseModel):
    event_id: int
    purged_at: str
    participants_erased: int
    texts_erased: int
    ops_erased: int
    files_removed: int


@bp.post("/events/<int:event_id>/purge")
@documented(resp={"HTTP_200": Purged, **ERRORS}, tags=TAGS)
def purge_event(event_id: int):
    """Erase the event's personal data now, for good (docs/do-no-harm.md); organisers only."""
    from ..do_no_harm.retention import purge_event as purge

    event, _principal = manage(event_id)
    return purge(event)
