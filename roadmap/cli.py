"""Command-line commands: init-db, demo (and the organiser account commands)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_migrate import stamp, upgrade

from .extensions import db
from .organise.cli import register_organise_cli


def init_database() -> str:
    """Create the database or migrate it to the newest schema, keeping its data."""
    inspector = sa.inspect(db.engine)
    tables = set(inspector.get_table_names())
    migrations = str(Path(current_app.root_path).parent / "migrations")
    if tables and "alembic_version" not in tables:
        # Made by db.create_all() from the current models: adopt it as the newest revision.
        stamp(directory=migrations, revision="head")
    upgrade(directory=migrations)
    return "sqlite WAL" if db.engine.dialect.name == "sqlite" else db.engine.dialect.name


def base_url() -> str:
    host = os.environ.get("HOST", "127.0.0.1")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return os.environ.get("PUBLIC_URL") or f"http://{shown}:{os.environ.get('PORT', '5000')}"


def init_app(app: Flask) -> None:
    register_organise_cli(app)  # create-organiser

    @app.cli.command("init-db")
    def init_db_command() -> None:
        """Create or upgrade the database (safe to run on every start)."""
        kind = init_database()
        click.echo(f"Database ready ({kind}).")

    @app.cli.command("demo")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def demo_command(as_json: bool) -> None:
        """Load the demo conference if it is not there yet, and print how to get in."""
        from .demo import ensure_demo

        init_database()
        info, created = ensure_demo()
        if as_json:
            click.echo(json.dumps(info))
            return
        url = base_url()
        click.echo("Demo event ready." if not created else "Demo event created.")
        click.echo(f"  Join code:  {info['join_code']}    ({url}/join/{info['join_code']})")
        click.echo(f"  Organiser:  {url}/organise/{info['organiser_token']}")
        for group in info["groups"]:
            click.echo(f"  Facilitate {group['name']}:")
            click.echo(f"              {url}/facilitate/{group['facilitator_token']}")
