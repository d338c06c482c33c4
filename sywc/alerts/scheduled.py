"""The alerts domain's scheduled jobs: thin calls of a service with an explicit `now`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from sywc.alerts.jobs import purge_job_runs
from sywc.alerts.scan import scan
from sywc.stopping import Interrupted, Stopping


def scan_alerts_job(*, now: datetime, job_run_id: int | None = None) -> dict[str, Any]:
    """Open and resolve alerts as of `now`; return the counts for the run record."""
    return scan(now=now, job_run_id=job_run_id).as_dict()


def purge_job_runs_job(
    *, now: datetime, job_run_id: int | None = None, stopping: Stopping | None = None
) -> dict[str, Any]:
    """Delete the runs older than JOB_RUNS_KEEP_DAYS; return how many went, or raise
    Interrupted with it if stopped between two batches."""
    keep = timedelta(days=int(current_app.config["JOB_RUNS_KEEP_DAYS"]))
    purged, finished = purge_job_runs(before=now - keep, stopping=stopping)
    if not finished:
        raise Interrupted({"purged": purged})
    return {"purged": purged}
