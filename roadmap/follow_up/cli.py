"""`flask --app app send-reminders`: queue and send the owners' e-mails once (cron-friendly)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext


@click.command("send-reminders")
@with_appcontext
def send_reminders() -> None:
    """Queue due-soon and overdue reminders, then send every e-mail whose time has come."""
    from .mail import configured, run_once

    if not configured():
        raise click.ClickException("MAIL_SERVER is not configured: nothing can be sent.")
    click.echo(json.dumps(run_once()))
