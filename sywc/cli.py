"""`flask sywc ...`: the operator's commands."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import NoReturn

import click
import marshmallow as ma
from flask import Flask, current_app
from flask.cli import AppGroup

from config.reference import BOROUGH_CODES
from sywc import clock
from sywc.alerts.commands import scan_command
from sywc.audit import service as audit
from sywc.audit import verification
from sywc.demo.commands import demo_data_command
from sywc.errors import SywcError, ValidationFailed
from sywc.partners.commands import create_partner_command
from sywc.permissions import USER_ROLES
from sywc.scheduler import scheduler_command
from sywc.stats.commands import stats_refresh_command
from sywc.users.schemas import UserCreateSchema
from sywc.users.service import create_user, deactivate_user

sywc_cli = AppGroup("sywc", help="sywc operations.")
CLI_ACTOR = audit.Actor(type="system", label="cli")


def fail(error: SywcError) -> NoReturn:
    """Print a service error for an operator and exit non-zero."""
    click.echo(json.dumps({"error": error.detail, "errors": error.errors}), err=True)
    sys.exit(2)


@sywc_cli.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([str(r) for r in USER_ROLES]))
@click.option("--agency", default=None)
@click.option("--name", default=None)
@click.option(
    "--borough",
    "boroughs",
    multiple=True,
    help="Borough code, repeatable (default: every borough of the deployment).",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from standard input, so it never appears in the "
    "process list or the shell history.",
)
def create_user_command(
    username: str,
    role: str,
    agency: str | None,
    name: str | None,
    boroughs: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Create a user; the password is read from standard input."""
    if name and not name.strip():
        raise click.BadParameter("must not be blank", param_hint="--name")
    password = sys.stdin.readline().rstrip("\n")
    unknown = set(boroughs) - set(BOROUGH_CODES)
    if unknown:
        raise click.BadParameter(f"unknown borough {sorted(unknown)}", param_hint="--borough")
    try:
        # The rules of `POST /users`, whoever creates the account: an agency the
        # partnership does not have, or a username the API would refuse, is no account.
        body = UserCreateSchema().load(
            {
                "username": username.strip().lower(),
                "password": password,
                "name": name or username,
                "role": role,
                "agency": agency,
                "boroughs": list(boroughs or BOROUGH_CODES),
            }
        )
    except ma.ValidationError as error:
        fail(ValidationFailed("The account is not valid.", errors=error.normalized_messages()))
    try:
        user = create_user(**body, now=clock.utcnow(), actor=CLI_ACTOR)
    except SywcError as error:
        fail(error)
    click.echo(
        json.dumps(
            {
                "id": user.id,
                "username": user.username,
                "role": user.role,
                "agency": user.agency,
                "boroughs": user.boroughs,
            }
        )
    )


@sywc_cli.command("deactivate-user")
@click.argument("username")
def deactivate_user_command(username: str) -> None:
    """Deactivate a user; their tokens stop working at once."""
    try:
        user = deactivate_user(username=username, now=clock.utcnow(), actor=CLI_ACTOR)
    except SywcError as error:
        fail(error)
    click.echo(json.dumps({"id": user.id, "username": user.username, "active": user.active}))


@sywc_cli.command("audit-verify")
@click.option(
    "--resume",
    is_flag=True,
    help="Carry on the scheduler's whole walk from where it was stopped, if it began "
    "within AUDIT_VERIFY_MINUTES, instead of walking again from the first event.",
)
def audit_verify_command(resume: bool) -> None:
    """Walk the whole audit chain and record the walk; exit 1 naming the first broken link."""
    within = verification.whole_walk_interval(current_app.config) if resume else None
    result = verification.verify_and_record(limit=None, actor=CLI_ACTOR, resume_within=within)
    click.echo(json.dumps(result.as_dict(), default=datetime.isoformat))
    if not result.ok:
        sys.exit(1)


# Domain commands (demo data, partners, scan, scheduler, statistics) join the group here.
DOMAIN_COMMANDS: list[click.Command] = [
    demo_data_command,
    create_partner_command,
    scan_command,
    scheduler_command,
    stats_refresh_command,
]


def register_commands(app: Flask) -> None:
    """Attach `flask sywc` and its commands to the app."""
    for command in DOMAIN_COMMANDS:
        sywc_cli.add_command(command)
    app.cli.add_command(sywc_cli)
