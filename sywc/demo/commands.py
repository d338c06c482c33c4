"""`flask sywc demo-data`."""

from __future__ import annotations

import json
import random
import time
from datetime import datetime

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from sywc import clock
from sywc.demo import DEMO_PASSWORD, DemoContext, alerts, incidents, referrals, users, youths
from sywc.extensions import db
from sywc.users.models import User

STEPS = (users.build, youths.build, referrals.build, incidents.build, alerts.build)


def build_demo(*, n_youths: int, seed: int, now: datetime | None = None) -> DemoContext:
    """Build the whole demo partnership in one transaction, then gather the planner's
    statistics of the tables it filled.

    Without them a database loaded in bulk is planned as if it were empty until
    autovacuum next analyzes it: at 100,000 young people the scheduler's statistics
    refresh ran for more than 12 minutes where it takes 10 s once analyzed.
    """
    ctx = DemoContext(
        session=db.session(), rng=random.Random(seed), now=now or clock.utcnow(), n_youths=n_youths
    )
    for step in STEPS:
        step(ctx)
        db.session.flush()
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return ctx


@click.command("demo-data")
@click.option("--youths", "n_youths", default=300, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option(
    "--into-production",
    is_flag=True,
    help="Load it although SYWC_ENV is production: for a benchmark's own database only.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing, successfully, when the database already has users (make run).",
)
@with_appcontext
def demo_data_command(n_youths: int, seed: int, into_production: bool, if_empty: bool) -> None:
    """Load the fictional demo partnership into an empty database."""
    if current_app.config["SYWC_ENV"] == "production" and not into_production:
        # Every demo account signs in with the password printed below and in the README:
        # on a real deployment's new database that is an open door to the first admin.
        raise click.ClickException(
            "SYWC_ENV is production: demo accounts share a published password. "
            "Pass --into-production only for a database that will never hold real data."
        )
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        if if_empty:
            return
        raise click.ClickException("The database already has users; demo data goes into a new one.")
    started = time.perf_counter()
    ctx = build_demo(n_youths=n_youths, seed=seed)
    click.echo(
        json.dumps({"created": ctx.summary, "seconds": round(time.perf_counter() - started, 1)})
    )
    click.echo(f"\nDemo logins (password for every demo account: {DEMO_PASSWORD}):")
    for login in ctx.logins:
        click.echo(f"  {login['username']:<24} {login['role']}")
    if ctx.partner:
        click.echo(f"\nDemo partner system ({ctx.partner['name']}), shown this once:")
        click.echo(
            json.dumps(
                {
                    "client_id": ctx.partner["client_id"],
                    "client_secret": ctx.partner["client_secret"],
                }
            )
        )
