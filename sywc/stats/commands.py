"""`flask sywc stats-refresh`: recount the rollups by hand, as the scheduler does."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from sywc.alerts.enums import JobOutcome
from sywc.scheduler import STATS_REFRESH, run_job


@click.command("stats-refresh")
@with_appcontext
def stats_refresh_command() -> None:
    """Recount the statistics rollups now (as the scheduler does) and print the counts."""
    run = run_job(STATS_REFRESH)
    click.echo(json.dumps({"job_run_id": run.id, "outcome": run.outcome, **(run.counts or {})}))
    if run.outcome != JobOutcome.SUCCEEDED:
        sys.exit(1)
