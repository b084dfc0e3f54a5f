"""One place each for: cross-site request checks, security headers, the client's address and
the HTTP rate limits (Flask-Limiter), the organiser sign-in's among them with its device cookie.
docs/security.md says what each is and why.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from ..errors import AppError
from ..ops.core import TokenBucket
from .redact import RedactFilter

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# No inline script or style anywhere (templates load static/ files only); websockets to 'self'.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


# --- the client's address ---------------------------------------------------------------------


def client_address() -> str:
    """The address limits are keyed on: REMOTE_ADDR (ProxyFix sets it when TRUSTED_PROXIES > 0)."""
    return request.remote_addr or "-"


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address from X-Forwarded-For.

    Off by default: without a proxy, anyone could send X-Forwarded-For and pick an address.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


# --- cross-site requests ----------------------------------------------------------------------


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str, *, exact: bool = True) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, the default port filled in; None if it is not one.

    `exact`: the whole text must be an origin as browsers send it (no path, user, query);
    otherwise (PUBLIC_URL) a path is allowed and ignored.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port out of range or not a number
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    if exact and (parts.path or parts.query or parts.fragment):
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def _own_origins() -> set[tuple[str, str, int]]:
    """This request's own origin (scheme, host and port) and PUBLIC_URL's."""
    found = {origin_of(f"{request.scheme}://{request.host}")}
    public = current_app.config.get("PUBLIC_URL")
    if public:
        found.add(origin_of(public, exact=False))
    found.discard(None)
    return found  # type: ignore[return-value]


def check_same_origin() -> None:
    """Refuse a state-changing request that a browser sent from another origin.

    Every request a cookie may authenticate is checked (the API's bearer-token calls are not:
    a page on another origin cannot set an Authorization header without CORS, which we never
    allow). Browsers send `Sec-Fetch-Site` and/or `Origin` on every POST/PATCH/DELETE:
    `Sec-Fetch-Site` decides when present, else `Origin` must be ours ("null", which our
    Referrer-Policy makes older browsers send for our own forms, needs the form token).
    Another port or scheme of the same host is another origin (SameSite=Lax cookies do not
    stop those): scheme, host and port are compared, default ports filled in. A request with
    neither header does not come from a browser, so it cannot carry a victim's cookie against
    their will.
    """
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:  # set by the browser itself: authoritative when present
        if site not in ("same-origin", "none"):
            raise AppError("forbidden", _("This form was sent from another site."))
        return
    origin = request.headers.get("Origin")
    if origin is None:
        return
    if origin == "null":
        # Our Referrer-Policy (no-referrer) makes browsers without Sec-Fetch-Site send
        # "Origin: null" for our own form posts: those must carry the session's form token.
        sent = request.form.get("csrf_token", "")
        if sent and secrets.compare_digest(sent, session.get("csrf", "")):
            return
        raise AppError("forbidden", _("This form was sent from another site."))
    # The whole origin: http://host:8000, https://host:8000 and http://host:9000 are three.
    sent_origin = origin_of(origin)
    if sent_origin is None or sent_origin not in _own_origins():
        raise AppError("forbidden", _("This form was sent from another site."))


def with_security_headers(wsgi_app: Any) -> Any:
    """WSGI middleware: every response of the app carries HEADERS (those it already has stay).

    Outermost of the WSGI stack (init_security runs after realtime.init_app), so it covers what
    Flask answers and what never reaches Flask: engine.io's own answers on /socket.io/ (the
    polling handshake, polls, its 400s) and the polling guard's 400/413. gunicorn's answers to
    requests it cannot parse get the same headers from gunicorn.conf.py.
    """
    extra = list(HEADERS.items())

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            have = {name.lower() for name, _value in headers}
            headers = [*headers, *((k, v) for k, v in extra if k.lower() not in have)]
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    return app


# --- rate limits ------------------------------------------------------------------------------

limiter = Limiter(
    key_func=client_address,  # storage: RATELIMIT_STORAGE_URI (config.py: memory://)
    strategy="moving-window",
    headers_enabled=True,
)
# Ops per client address, on top of the per-participant bucket (shared with REDIS_URL).
address_buckets = TokenBucket("address")


def address_may_apply() -> bool:
    """One op's worth from this client's address (every token it holds together)."""
    from flask import has_request_context

    if not has_request_context():
        return True
    cfg = current_app.config
    rate = float(cfg["ADDRESS_OP_RATE_PER_SECOND"])
    if rate <= 0:
        return True
    return address_buckets.take(client_address(), rate, float(cfg["ADDRESS_OP_RATE_BURST"]))


def limit(name: str) -> str:
    """A limit string from config (so instance/config.py or ROADMAP_* can change it)."""
    return current_app.config[name]


def _join_event_key() -> str:
    """The event a join is for: the URL's code (pages) or the body's (API)."""
    from ..joining.participants import normalise_code

    code = (request.view_args or {}).get("code")
    if code is None:
        data = request.get_json(silent=True)
        code = data.get("code") if isinstance(data, dict) else None
    return "join-event:" + (normalise_code(code)[:16] if isinstance(code, str) else "-")


def join_limits(view: Any) -> Any:
    """Joins per address (generous: a venue NAT) and per event (a cap on one event's joins)."""
    view = limiter.limit(
        lambda: limit("JOIN_LIMIT_PER_EVENT"),
        key_func=_join_event_key,
        error_message=lambda: str(
            _l("Too many people are joining this event right now; retry in a minute.")
        ),
    )(view)
    return limiter.limit(
        lambda: limit("JOIN_LIMIT_PER_ADDRESS"),
        key_func=lambda: "join:" + client_address(),
        error_message=lambda: str(
            _l("Too many joins from your network right now; retry in a minute.")
        ),
    )(view)


# --- organiser sign-in: limits and the device cookie (OWASP "Slow Down Online Guessing Attacks
# with Device Cookies") --------------------------------------------------------------------

DEVICE_COOKIE = "roadmap_device"
DEVICE_PATH = "/organise/login"  # the browser sends it to the login form only


def login_email() -> str:
    """The e-mail a sign-in attempt is for (the limits' key and the account looked up)."""
    return request.form.get("email", "").strip().lower()[:320]


def _secret() -> bytes:
    key = current_app.config["SECRET_KEY"]
    return key if isinstance(key, bytes) else str(key).encode()


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_secret(), salt="roadmap-login-device")


def _account_tag(email: str) -> str:
    """The e-mail, as the cookie holds it: a keyed hash (the cookie is signed, not secret)."""
    return hmac.new(_secret(), b"login-device:" + email.encode(), hashlib.sha256).hexdigest()[:32]


def new_device_cookie(email: str) -> str:
    return _device_signer().dumps({"a": _account_tag(email), "d": secrets.token_urlsafe(16)})


def login_device() -> str | None:
    """The id of this browser's device cookie when it is valid for the e-mail being signed in
    as (signed by us, not expired, issued at a sign-in as that e-mail), else None."""
    if "login_device" not in g:
        g.login_device = None
        raw = request.cookies.get(DEVICE_COOKIE)
        if raw:
            days = int(current_app.config.get("LOGIN_DEVICE_DAYS", 180))
            try:
                data = _device_signer().loads(raw, max_age=days * 86400)
            except BadData:
                data = None
            email = login_email()
            if (
                isinstance(data, dict)
                and isinstance(data.get("d"), str)
                and email
                and hmac.compare_digest(str(data.get("a", "")), _account_tag(email))
            ):
                g.login_device = data["d"][:32]
    return g.login_device


def remember_device(response: Any, email: str) -> Any:
    """After a right password: a new device cookie bound to this e-mail."""
    days = int(current_app.config.get("LOGIN_DEVICE_DAYS", 180))
    response.set_cookie(
        DEVICE_COOKIE,
        new_device_cookie(email),
        max_age=days * 86400,
        path=DEVICE_PATH,
        httponly=True,
        samesite="Strict",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def _wrong_password(response: Any) -> bool:
    """Only wrong passwords count against the login limits: a right one never does."""
    return response.status_code == 401


def login_limits(view: Any) -> Any:
    """Wrong passwords are limited per (e-mail, address) and per address, except for a browser
    holding a valid device cookie for the e-mail: its attempts are limited per device cookie
    instead. Someone behind the venue's NAT who guesses the organiser's password locks out
    every browser without that cookie (theirs too), never the organiser's own.
    """
    known = lambda: login_device() is not None  # noqa: E731
    view = limiter.limit(
        lambda: limit("LOGIN_LIMIT_PER_DEVICE"),
        key_func=lambda: f"login-device:{login_device()}",
        exempt_when=lambda: not known(),
        deduct_when=_wrong_password,
        error_message=lambda: str(
            _l("Too many wrong passwords on this device; wait a few minutes.")
        ),
    )(view)
    view = limiter.limit(
        lambda: limit("LOGIN_LIMIT_PER_ACCOUNT"),
        key_func=lambda: f"login:{login_email()}:{client_address()}",
        exempt_when=known,
        deduct_when=_wrong_password,
        error_message=lambda: str(
            _l("Too many wrong passwords for this account; wait a few minutes.")
        ),
    )(view)
    return limiter.limit(
        lambda: limit("LOGIN_LIMIT_PER_ADDRESS"),
        key_func=lambda: f"login:{client_address()}",
        exempt_when=known,
        deduct_when=_wrong_password,
        error_message=lambda: str(
            _l("Too many wrong passwords from your address; wait a few minutes.")
        ),
    )(view)


def init_security(app: Flask) -> None:
    trust_proxies(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        # Several processes: the HTTP limits count every process's requests (docs/deploy.md).
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    limiter.init_app(app)
    app.before_request(check_same_origin)
    app.wsgi_app = with_security_headers(app.wsgi_app)  # type: ignore[method-assign]

    redact = RedactFilter()
    for name in (app.logger.name, "engineio.server", "socketio.server", "werkzeug"):
        logging.getLogger(name).addFilter(redact)
