"""The statistics domain's scheduled job: keep the board's rollups current."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from sywc import clock
from sywc.stats import rollups


def refresh_stats_job(*, now: datetime, job_run_id: int | None = None) -> dict[str, Any]:
    """Recount the rollups the board reads and those asked for lately; return the counts."""
    config = current_app.config
    keep = timedelta(days=int(config["STATS_ROLLUP_KEEP_DAYS"]))
    today = clock.business_date(now, config)
    return rollups.refresh(now=now, today=today, keep=keep, config=config)
