"""`flask sywc create-partner`: register a partner system from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from config.reference import BOROUGH_CODES, REFERRAL_RECEIVING_AGENCIES
from sywc import clock
from sywc.audit import service as audit
from sywc.partners.service import create_partner_client
from sywc.permissions import PARTNER_SCOPES

CLI_ACTOR = audit.Actor(type="system", label="cli")


def _split(values: tuple[str, ...]) -> list[str]:
    return sorted({item.strip() for value in values for item in value.split(",") if item.strip()})


def _check(values: list[str], allowed: object, hint: str) -> None:
    unknown = sorted(set(values) - set(allowed))  # type: ignore[call-overload]
    if unknown:
        raise click.BadParameter(f"unknown {unknown}", param_hint=hint)


@click.command("create-partner")
@with_appcontext
@click.option("--name", required=True, help="The partner organisation's system.")
@click.option(
    "--scopes", "scopes", multiple=True, required=True, help="Scope(s), e.g. referrals:write."
)
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    help="Agency it may refer to, repeatable (default: every receiving agency).",
)
@click.option(
    "--borough",
    "boroughs",
    multiple=True,
    help="Borough code, repeatable (default: every borough of the deployment).",
)
def create_partner_command(
    name: str, scopes: tuple[str, ...], agencies: tuple[str, ...], boroughs: tuple[str, ...]
) -> None:
    """Register a partner system and print its client id and secret (shown this once)."""
    if not name.strip():
        raise click.BadParameter("must not be blank", param_hint="--name")
    scope_list, agency_list, borough_list = _split(scopes), _split(agencies), _split(boroughs)
    _check(scope_list, PARTNER_SCOPES, "--scopes")
    _check(agency_list, REFERRAL_RECEIVING_AGENCIES, "--agency")
    _check(borough_list, BOROUGH_CODES, "--borough")
    issued = create_partner_client(
        name=name,
        scopes=scope_list,
        allowed_agencies=agency_list or sorted(REFERRAL_RECEIVING_AGENCIES),
        boroughs=borough_list or sorted(BOROUGH_CODES),
        now=clock.utcnow(),
        actor=CLI_ACTOR,
    )
    click.echo(
        json.dumps(
            {
                "client_id": issued.client_id,
                "client_secret": issued.client_secret,
                "id": issued.id,
                "name": issued.name,
                "scopes": issued.scopes,
                "allowed_agencies": issued.allowed_agencies,
                "boroughs": issued.boroughs,
            }
        )
    )
