"""The scheduler process: the JOBS list, the one `run_job` wrapper, and its entry points.

Jobs run in `flask sywc scheduler`, a process of their own, never inside web workers:
gunicorn forks several workers and each would otherwise raise the same alerts. Several
scheduler processes may be started (one per host, say); the scheduler lock lets one run
a job at a time and the others record that they skipped. The audit walk, hours long on a
large trail, has a lock and a thread of its own, so the scan runs on time beside it. On
SIGTERM the process starts no more jobs and asks those under way to stop between two
chunks (sywc.stopping).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import click
from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.base import BaseExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from sywc import clock
from sywc.alerts.enums import JobOutcome
from sywc.alerts.jobs import (
    LOCK_HELD,
    abandon_unfinished_runs,
    finish_job_run,
    last_run,
    record_skipped_run,
    start_job_run,
)
from sywc.alerts.locks import scheduler_lock
from sywc.alerts.models import JobRun
from sywc.alerts.scheduled import purge_job_runs_job, scan_alerts_job
from sywc.alerts.sqldates import database_knows_zone
from sywc.audit.scheduled import verify_audit_job
from sywc.extensions import db
from sywc.referrals.scheduled import purge_idempotency_keys_job
from sywc.stats.scheduled import refresh_stats_job
from sywc.stopping import Interrupted, Stopping

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A named job: a function of (now, job_run_id[, stopping]) returning counts for the
    run record."""

    name: str
    func: Callable[..., dict[str, Any]]
    # The setting that holds the minutes between runs.
    interval: str = "SCHEDULER_INTERVAL_MINUTES"
    # The lock (sywc.alerts.locks) and the scheduler's thread the job runs under.
    lock: str = "scheduler"
    executor: str = "default"
    # A costly job runs once per interval across every scheduler process: a standby, or
    # a restarted process, skips it while another run started within most of the
    # interval. The cheap ones (the scan, which finds missed visits, and the purges) run
    # on every process's tick; a second run finds nothing more to do.
    once_per_interval: bool = False
    # A job that works in chunks, each committed on its own, is given `stopping` and ends
    # between two chunks once it says stop (sywc.stopping). The others run to their end.
    stoppable: bool = False


# "Most of the interval": the processes tick at their own times, so a run of another
# process's a little less than an interval ago still counts as this interval's.
RECENT_SHARE = 0.9


ALERT_SCAN = Job("alerts_scan", scan_alerts_job)
IDEMPOTENCY_PURGE = Job("idempotency_purge", purge_idempotency_keys_job)
JOB_RUNS_PURGE = Job("job_runs_purge", purge_job_runs_job, stoppable=True)
STATS_REFRESH = Job(
    "stats_refresh",
    refresh_stats_job,
    interval="STATS_REFRESH_MINUTES",
    once_per_interval=True,
    stoppable=True,
)
AUDIT_VERIFY = Job(
    "audit_verify",
    verify_audit_job,
    interval="AUDIT_VERIFY_MINUTES",
    lock="audit_walk",
    executor="audit_walk",
    once_per_interval=True,
    stoppable=True,
)
JOBS: tuple[Job, ...] = (
    ALERT_SCAN,
    IDEMPOTENCY_PURGE,
    JOB_RUNS_PURGE,
    STATS_REFRESH,
    AUDIT_VERIFY,
)


def run_job(
    job: Job,
    *,
    now: datetime | None = None,
    recent: timedelta | None = None,
    stopping: Stopping | None = None,
    wait: float = 0,
) -> JobRun:
    """Run `job` as of `now` under its lock and record the run; skip if the lock is still
    held after `wait` seconds, or if `recent` is given and a run of the job that started
    within it succeeded. A stoppable job ends between two chunks once `stopping()` says
    so."""
    with scheduler_lock(job.lock, wait=wait) as held:
        # As of when the lock is taken, not when asked: a run that waited for the job under
        # way (a scan, perhaps past midnight) must not judge by an earlier time than it did.
        as_of = now or clock.utcnow()
        if not held:
            log.warning(
                "job skipped: another scheduler process holds the lock",
                extra={"job": job.name, "waited_seconds": wait},
            )
            return record_skipped_run(
                job=job.name,
                as_of=as_of,
                now=clock.utcnow(),
                reason=f"{LOCK_HELD}, after a wait of {wait:g} s" if wait else LOCK_HELD,
            )
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
        return _execute(job, run_id=run.id, as_of=as_of, stopping=stopping)


STOPPED = "stopped between two chunks: the scheduler was stopping"


def _execute(job: Job, *, run_id: int, as_of: datetime, stopping: Stopping | None) -> JobRun:
    """Call the job for its started run and record how the run ended."""
    given = {"stopping": stopping} if job.stoppable else {}
    try:
        counts = job.func(now=as_of, job_run_id=run_id, **given)
    except Interrupted as stopped:
        db.session.rollback()
        log.warning(
            "job interrupted: the scheduler is stopping",
            extra={"job": job.name, "job_run_id": run_id, "counts": stopped.counts},
        )
        return finish_job_run(
            run_id,
            outcome=JobOutcome.INTERRUPTED,
            now=clock.utcnow(),
            counts=stopped.counts,
            error=STOPPED,
        )
    except Exception as error:
        db.session.rollback()
        log.exception("job failed", extra={"job": job.name, "job_run_id": run_id})
        return finish_job_run(
            run_id, outcome=JobOutcome.FAILED, now=clock.utcnow(), error=type(error).__name__
        )
    log.info("job succeeded", extra={"job": job.name, "job_run_id": run_id, "counts": counts})
    return finish_job_run(run_id, outcome=JobOutcome.SUCCEEDED, now=clock.utcnow(), counts=counts)


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


def _run_in_app(app: Flask, job: Job, stopping: Stopping | None = None) -> None:
    if stopping is not None and stopping():
        # Queued before the stop: the process is going, so the job waits for the next one.
        log.info("job not started: the scheduler is stopping", extra={"job": job.name})
        return
    with app.app_context():
        interval = timedelta(minutes=int(app.config[job.interval]))
        try:
            run_job(
                job,
                recent=interval * RECENT_SHARE if job.once_per_interval else None,
                stopping=stopping,
            )
        except Exception:
            # The run could not even be recorded (the database is down, say): log it here,
            # as JSON and naming database errors by their codes, rather than leave it to
            # APScheduler's plain traceback with the driver's message. The next tick retries.
            db.session.rollback()
            log.exception("job could not run", extra={"job": job.name})


def executors_for(jobs: Sequence[Job]) -> dict[str, BaseExecutor]:
    """Return a thread of its own for each executor the jobs name."""
    return {job.executor: ThreadPoolExecutor(1) for job in jobs}


def build_scheduler(
    app: Flask,
    *,
    start_at: datetime | None = None,
    stopping: Stopping | None = None,
    jobs: Sequence[Job] = JOBS,
    executors: dict[str, BaseExecutor] | None = None,
) -> BlockingScheduler:
    """Build the scheduler with every job: once at `start_at` (default now), then each interval."""
    scheduler = BlockingScheduler(
        timezone=UTC,
        executors=executors if executors is not None else executors_for(jobs),
        # After a pause (suspended host, long job) run once, late, rather than many times.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    for job in jobs:
        scheduler.add_job(
            _run_in_app,
            "interval",
            args=(app, job, stopping),
            id=job.name,
            name=job.name,
            minutes=int(app.config[job.interval]),
            executor=job.executor,
            next_run_time=start_at or clock.utcnow(),
        )
    return scheduler


def run_scheduler(app: Flask, *, jobs: Sequence[Job] = JOBS) -> None:
    """Run the jobs until SIGTERM or SIGINT, then start no more; a job under way ends at
    its next chunk if it works in chunks, or else at its end, before this returns."""
    stop = threading.Event()
    executors = executors_for(jobs)
    scheduler = build_scheduler(app, stopping=stop.is_set, jobs=jobs, executors=executors)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()
        with suppress(SchedulerNotRunningError):
            scheduler.shutdown(wait=False)

    def on_start(_event: SchedulerEvent) -> None:
        # A signal before the scheduler ran found nothing to shut down; it would then
        # have run on, starting nothing, until killed. Running now, it can be shut down.
        if stop.is_set():
            with suppress(SchedulerNotRunningError):
                scheduler.shutdown(wait=False)

    scheduler.add_listener(on_start, EVENT_SCHEDULER_STARTED)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info(
            "scheduler started",
            extra={
                "jobs": [job.name for job in jobs],
                "interval_minutes": {job.name: app.config[job.interval] for job in jobs},
            },
        )
        scheduler.start()
        # The signal handler must not wait: it interrupts this thread, which may hold a
        # lock a job needs (a log handler's). The runs under way end here instead.
        for executor in executors.values():
            executor.shutdown(wait=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs (scan, purges, statistics, audit walk) until stopped."""
    check_database_zone()
    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]


def check_database_zone() -> None:
    """Refuse to start when the database cannot take dates in BUSINESS_TIMEZONE: every
    scan would fail. A database not reachable yet is left to the jobs, which retry."""
    zone = clock.zone_name()
    try:
        known = database_knows_zone(db.session.connection(), zone)
    except SQLAlchemyError:
        log.warning("timezone not checked: the database is not reachable")
        return
    finally:
        db.session.rollback()
    if not known:
        raise click.ClickException(
            f"BUSINESS_TIMEZONE {zone!r} is not in the database's timezone data: update the "
            "database server's tz data, or choose a zone both know"
        )
