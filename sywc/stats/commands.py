"""`flask sywc stats-refresh`: recount the rollups by hand, as the scheduler does."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from sywc import handrun
from sywc.scheduler import STATS_REFRESH, run_job


@click.command("stats-refresh")
@handrun.wait_option
@with_appcontext
def stats_refresh_command(wait: int) -> None:
    """Recount the statistics rollups now (as the scheduler does) and print the counts;
    exit 1 if it failed, or could not run for the wait."""
    run = run_job(STATS_REFRESH, wait=wait)
    click.echo(json.dumps({"job_run_id": run.id, "outcome": run.outcome, **(run.counts or {})}))
    handrun.finish("statistics refresh", run, wait=wait)
