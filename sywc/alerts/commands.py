"""`flask sywc scan`: one alert scan by hand, run and recorded as the scheduler runs it."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click
from flask.cli import with_appcontext

from sywc import clock
from sywc.alerts.enums import JobOutcome
from sywc.scheduler import ALERT_SCAN, run_job

# A run by hand waits this long for the scheduler's job under way: the longest, the
# statistics refresh, took 107 s at 1,000,000 young people (README, Benchmarks).
SCAN_WAIT_SECONDS = 300


@click.command("scan")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Judge deadlines as of this day (YYYY-MM-DD) instead of now.",
)
@click.option(
    "--wait",
    "wait",
    type=click.IntRange(min=0),
    default=SCAN_WAIT_SECONDS,
    show_default=True,
    help="Seconds to wait for a job under way (a scan, a statistics refresh) to end; 0: "
    "do not wait.",
)
@with_appcontext
def scan_command(as_of: datetime | None, wait: int) -> None:
    """Run one alert scan now and print what it opened, escalated and resolved as JSON;
    exit 1 if it failed, or could not run for the wait."""
    # The day starts at midnight in the business timezone, not UTC.
    now = clock.day_start(as_of.date()) if as_of else clock.utcnow()
    run = run_job(ALERT_SCAN, now=now, wait=wait)
    click.echo(
        json.dumps(
            {
                "job_run_id": run.id,
                "outcome": run.outcome,
                "as_of": clock.business_date(now).isoformat(),
                **(run.counts or {}),
            }
        )
    )
    if run.outcome == JobOutcome.SKIPPED:
        waited = f", after a wait of {wait} s" if wait else ""
        click.echo(
            f"scan not run: another scheduler process holds the lock (a scan or a statistics "
            f"refresh under way){waited}; run it again later, or with a longer --wait",
            err=True,
        )
    if run.outcome != JobOutcome.SUCCEEDED:
        sys.exit(1)
