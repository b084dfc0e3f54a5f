"""The address phones use to reach the server: PUBLIC_URL, for every QR code, table card and
facilitator link, whichever address the organiser's own browser used."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import current_app, request


def public_url() -> str:
    """PUBLIC_URL from the configuration (no trailing slash), else the request's own address."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return str(configured).rstrip("/")
    return request.url_root.rstrip("/")


def join_url(code: str) -> str:
    return f"{public_url()}/join/{code}"


def is_loopback(url: str) -> bool:
    """Does this address only work on the server's own machine (127.0.0.1, localhost, ::1)?"""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warning() -> dict[str, str] | None:
    """For the organiser's pages: the address phones would get, when they cannot reach it."""
    url = public_url()
    if not is_loopback(url):
        return None
    return {"url": url, "configured": "yes" if current_app.config.get("PUBLIC_URL") else ""}
