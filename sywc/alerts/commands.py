"""`flask sywc scan`: one alert scan by hand, run and recorded as the scheduler runs it."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask.cli import with_appcontext

from sywc import clock, handrun
from sywc.scheduler import ALERT_SCAN, run_job


@click.command("scan")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Judge deadlines as of this day (YYYY-MM-DD) instead of now.",
)
@handrun.wait_option
@with_appcontext
def scan_command(as_of: datetime | None, wait: int) -> None:
    """Run one alert scan now and print what it opened, escalated and resolved as JSON;
    exit 1 if it failed, or could not run for the wait."""
    # The day starts at midnight in the business timezone, not UTC. Without a day, the
    # run is as of when it takes the lock, which may come after a wait.
    now = clock.day_start(as_of.date()) if as_of else None
    run = run_job(ALERT_SCAN, now=now, wait=wait)
    judged = now or run.as_of or clock.utcnow()
    click.echo(
        json.dumps(
            {
                "job_run_id": run.id,
                "outcome": run.outcome,
                "as_of": clock.business_date(judged).isoformat(),
                **(run.counts or {}),
            }
        )
    )
    handrun.finish("scan", run, wait=wait)
