"""Readiness of the scheduler: when did a job last succeed, and is that too long ago."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from sywc import clock
from sywc.alerts.enums import JobOutcome
from sywc.alerts.jobs import last_run
from sywc.alerts.sqldates import database_knows_zone
from sywc.extensions import db

# The job whose runs the readiness report judges (`sywc.scheduler.ALERT_SCAN`).
SCAN_JOB = "alerts_scan"


def scheduler_health(report: dict[str, Any]) -> None:
    """Add the scheduler's state to a readiness report; never marks the web unready.

    A stopped scheduler means missed visits go unnoticed, which operators must see, but
    the web can still serve officers: the state is reported, not turned into a 503. It
    is the alert scan's state: another job succeeding says nothing of missed visits.
    """
    interval = int(current_app.config["SCHEDULER_INTERVAL_MINUTES"])
    try:
        success = last_run(job=SCAN_JOB, outcome=JobOutcome.SUCCEEDED)
        latest = last_run(job=SCAN_JOB)
    except SQLAlchemyError:
        db.session.rollback()
        report["scheduler"] = {"status": "unknown", "interval_minutes": interval}
        return
    finished = success.finished_at if success else None
    if finished is None:
        status = "never_run"
    elif clock.utcnow() - finished > timedelta(minutes=2 * interval):
        status = "stale"
    else:
        status = "ok"
    report["scheduler"] = {
        "job": SCAN_JOB,
        "status": status,
        "interval_minutes": interval,
        "last_success_at": finished.isoformat() if finished else None,
        "last_run_at": latest.started_at.isoformat() if latest else None,
        "last_outcome": latest.outcome if latest else None,
    }


def timezone_health(report: dict[str, Any]) -> None:
    """Mark the web unready when the database cannot take dates in BUSINESS_TIMEZONE:
    every due date, worklist and statistic it computes would fail."""
    zone = clock.zone_name()
    try:
        known = database_knows_zone(db.session.connection(), zone)
    except SQLAlchemyError:
        db.session.rollback()
        report["timezone"] = "unknown"
        return
    if known:
        report["timezone"] = "ok"
    else:
        report.update(status="unavailable", timezone="not in the database's timezone data")
