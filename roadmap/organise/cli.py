"""`flask --app app create-organiser`: the first organiser account, from the command line."""

from __future__ import annotations

import os

import click
import sqlalchemy as sa
from flask import Flask
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..models import Organiser

PASSWORD_MIN = 10


def create_organiser(email: str, name: str, password: str) -> Organiser:
    """Store a new organiser account; the password only as a salted scrypt hash."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 200:
        raise click.BadParameter("give an e-mail address", param_hint="--email")
    if not name.strip() or len(name.strip()) > 80:
        raise click.BadParameter("give a name (at most 80 characters)", param_hint="--name")
    if len(password) < PASSWORD_MIN:
        raise click.BadParameter(f"at least {PASSWORD_MIN} characters", param_hint="password")
    if db.session.scalar(sa.select(Organiser.id).where(Organiser.email == email)) is not None:
        raise click.ClickException(f"An organiser {email} exists already.")
    account = Organiser(
        email=email, name=name.strip(), password_hash=generate_password_hash(password, "scrypt")
    )
    db.session.add(account)
    db.session.commit()
    return account


def register_organise_cli(app: Flask) -> None:
    @app.cli.command("create-organiser")
    @click.option("--email", required=True, help="Signs in with this address.")
    @click.option("--name", required=True, help="Shown to participants.")
    @click.option(
        "--password",
        help="Else $ORGANISER_PASSWORD, else asked (hidden, twice).",
    )
    def create_organiser_command(email: str, name: str, password: str | None) -> None:
        """Create an organiser account (it may manage every event on this instance)."""
        from ..cli import init_database

        init_database()
        password = password or os.environ.get("ORGANISER_PASSWORD")
        if not password:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        account = create_organiser(email, name, password)
        click.echo(f"Organiser {account.email} created. Sign in at /organise/login.")
