"""The alerts domain's scheduled jobs: thin calls of a service with an explicit `now`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sywc.alerts.scan import scan


def scan_alerts_job(*, now: datetime, job_run_id: int | None = None) -> dict[str, Any]:
    """Open and resolve alerts as of `now`; return the counts for the run record."""
    return scan(now=now, job_run_id=job_run_id).as_dict()
