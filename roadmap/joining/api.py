"""POST /api/join: join an event with its code, without an account; answers a token."""

from __future__ import annotations

from flask import current_app

from ..api import body, bp
from ..api.openapi import documented
from ..api.schemas import ErrorBody, JoinIn, JoinOut
from ..security.web import join_limits
from .participants import event_by_code, event_summary, join_event


@bp.post("/join")
@join_limits
@documented(
    json=JoinIn,
    resp={"HTTP_201": JoinOut, "HTTP_400": ErrorBody, "HTTP_404": ErrorBody},
    tags=("participants",),
    auth=False,
)
def join():
    """Join an event with its code: no account, a display name and a token back."""
    data = body(JoinIn)
    event = event_by_code(data.code)
    language = data.language if data.language in current_app.config["LANGUAGES"] else "en"
    who, token = join_event(
        event,
        data.name,
        organisation=data.organisation,
        country=data.country,
        anonymous=data.anonymous,
        language=language,
    )
    return {"participant": who.public(), "token": token, "event": event_summary(event)}, 201
