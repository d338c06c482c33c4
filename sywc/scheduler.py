"""The scheduler process: the JOBS list, the one `run_job` wrapper, and its entry points.

Jobs run in `flask sywc scheduler`, a process of their own, never inside web workers:
gunicorn forks several workers and each would otherwise raise the same alerts. Several
scheduler processes may be started (one per host, say); the scheduler lock lets one run
a job at a time and the others record that they skipped. The audit walk, hours long on a
large trail, has a lock and a thread of its own, so the scan runs on time beside it.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from sywc import clock
from sywc.alerts.enums import JobOutcome
from sywc.alerts.jobs import (
    abandon_unfinished_runs,
    finish_job_run,
    last_run,
    record_skipped_run,
    start_job_run,
)
from sywc.alerts.locks import scheduler_lock
from sywc.alerts.models import JobRun
from sywc.alerts.scheduled import scan_alerts_job
from sywc.audit.scheduled import verify_audit_job
from sywc.extensions import db
from sywc.referrals.scheduled import purge_idempotency_keys_job
from sywc.stats.scheduled import refresh_stats_job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A named job: a function of (now, job_run_id) returning counts for the run record."""

    name: str
    func: Callable[..., dict[str, Any]]
    # The setting that holds the minutes between runs.
    interval: str = "SCHEDULER_INTERVAL_MINUTES"
    # The lock (sywc.alerts.locks) and the scheduler's thread the job runs under.
    lock: str = "scheduler"
    executor: str = "default"
    # A costly job runs once per interval across every scheduler process: a standby, or
    # a restarted process, skips it while another run started within most of the
    # interval. The cheap ones (the scan, which finds missed visits, and the purge) run
    # on every process's tick; a second run finds nothing more to do.
    once_per_interval: bool = False


# "Most of the interval": the processes tick at their own times, so a run of another
# process's a little less than an interval ago still counts as this interval's.
RECENT_SHARE = 0.9


ALERT_SCAN = Job("alerts_scan", scan_alerts_job)
IDEMPOTENCY_PURGE = Job("idempotency_purge", purge_idempotency_keys_job)
STATS_REFRESH = Job(
    "stats_refresh", refresh_stats_job, interval="STATS_REFRESH_MINUTES", once_per_interval=True
)
AUDIT_VERIFY = Job(
    "audit_verify",
    verify_audit_job,
    interval="AUDIT_VERIFY_MINUTES",
    lock="audit_walk",
    executor="audit_walk",
    once_per_interval=True,
)
JOBS: tuple[Job, ...] = (ALERT_SCAN, IDEMPOTENCY_PURGE, STATS_REFRESH, AUDIT_VERIFY)


def run_job(job: Job, *, now: datetime | None = None, recent: timedelta | None = None) -> JobRun:
    """Run `job` as of `now` under its lock and record the run; skip if locked, or if
    `recent` is given and a run of the job that started within it succeeded."""
    as_of = now or clock.utcnow()
    with scheduler_lock(job.lock) as held:
        if not held:
            log.warning(
                "job skipped: another scheduler process holds the lock", extra={"job": job.name}
            )
            return record_skipped_run(job=job.name, as_of=as_of, now=clock.utcnow())
        _abandon_unfinished(job)
        done = last_run(job=job.name, outcome=JobOutcome.SUCCEEDED) if recent else None
        if recent and done is not None and done.started_at > clock.utcnow() - recent:
            log.info("job skipped: it ran within its interval", extra={"job": job.name})
            return record_skipped_run(
                job=job.name,
                as_of=as_of,
                now=clock.utcnow(),
                reason=f"run {done.id} started within the interval",
            )
        run = start_job_run(job=job.name, as_of=as_of, now=clock.utcnow())
        try:
            counts = job.func(now=as_of, job_run_id=run.id)
        except Exception as error:
            db.session.rollback()
            log.exception("job failed", extra={"job": job.name, "job_run_id": run.id})
            return finish_job_run(
                run.id, outcome=JobOutcome.FAILED, now=clock.utcnow(), error=type(error).__name__
            )
        log.info("job succeeded", extra={"job": job.name, "job_run_id": run.id, "counts": counts})
        return finish_job_run(
            run.id, outcome=JobOutcome.SUCCEEDED, now=clock.utcnow(), counts=counts
        )


def _abandon_unfinished(job: Job) -> None:
    """Close the runs left `running` under `job`'s lock by a process that died mid-run."""
    # Holding the lock, this process is the only one that can be running these jobs.
    # Every job runs when the scheduler starts, so a restart closes them at once.
    sharing = {other.name for other in JOBS if other.lock == job.lock} | {job.name}
    for run_id, name in abandon_unfinished_runs(jobs=sharing, now=clock.utcnow()):
        log.warning(
            "job run abandoned: its process ended mid-run",
            extra={"job": name, "job_run_id": run_id},
        )


def _run_in_app(app: Flask, job: Job) -> None:
    with app.app_context():
        interval = timedelta(minutes=int(app.config[job.interval]))
        try:
            run_job(job, recent=interval * RECENT_SHARE if job.once_per_interval else None)
        except Exception:
            # The run could not even be recorded (the database is down, say): log it here,
            # as JSON and naming database errors by their codes, rather than leave it to
            # APScheduler's plain traceback with the driver's message. The next tick retries.
            db.session.rollback()
            log.exception("job could not run", extra={"job": job.name})


def build_scheduler(app: Flask, *, start_at: datetime | None = None) -> BlockingScheduler:
    """Build the scheduler with every job: once at `start_at` (default now), then each interval."""
    scheduler = BlockingScheduler(
        timezone=UTC,
        executors={job.executor: ThreadPoolExecutor(1) for job in JOBS},
        # After a pause (suspended host, long job) run once, late, rather than many times.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    for job in JOBS:
        scheduler.add_job(
            _run_in_app,
            "interval",
            args=(app, job),
            id=job.name,
            name=job.name,
            minutes=int(app.config[job.interval]),
            executor=job.executor,
            next_run_time=start_at or clock.utcnow(),
        )
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Run the jobs until SIGTERM or SIGINT; a job under way finishes before the exit."""
    scheduler = build_scheduler(app)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler stopping", extra={"signal": signal.Signals(signum).name})
        with suppress(SchedulerNotRunningError):
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "scheduler started",
        extra={
            "jobs": [job.name for job in JOBS],
            "interval_minutes": {job.name: app.config[job.interval] for job in JOBS},
        },
    )
    scheduler.start()
    log.info("scheduler stopped")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs (scan, key purge, statistics, audit walk) until stopped."""
    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]


@click.command("scan")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Judge deadlines as of this day (YYYY-MM-DD) instead of now.",
)
@with_appcontext
def scan_command(as_of: datetime | None) -> None:
    """Run one alert scan now and print what it opened, escalated and resolved as JSON."""
    # The day starts at midnight in the business timezone, not UTC.
    now = clock.day_start(as_of.date()) if as_of else clock.utcnow()
    run = run_job(ALERT_SCAN, now=now)
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
    if run.outcome != JobOutcome.SUCCEEDED:
        sys.exit(1)


@click.command("stats-refresh")
@with_appcontext
def stats_refresh_command() -> None:
    """Recount the statistics rollups now (as the scheduler does) and print the counts."""
    run = run_job(STATS_REFRESH)
    click.echo(json.dumps({"job_run_id": run.id, "outcome": run.outcome, **(run.counts or {})}))
    if run.outcome != JobOutcome.SUCCEEDED:
        sys.exit(1)
