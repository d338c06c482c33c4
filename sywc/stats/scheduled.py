"""The statistics domain's scheduled job: keep the board's rollups current."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from sywc import clock
from sywc.stats import rollups
from sywc.stopping import Interrupted, Stopping


def refresh_stats_job(
    *, now: datetime, job_run_id: int | None = None, stopping: Stopping | None = None
) -> dict[str, Any]:
    """Recount the rollups the board reads and those asked for lately; return the counts,
    or raise Interrupted with them if stopped before the last."""
    config = current_app.config
    keep = timedelta(days=int(config["STATS_ROLLUP_KEEP_DAYS"]))
    today = clock.business_date(now, config)
    counts = rollups.refresh(now=now, today=today, keep=keep, config=config, stopping=stopping)
    if counts["left"]:
        raise Interrupted(counts)
    return counts
