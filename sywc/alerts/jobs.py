"""The record of scheduler runs (`job_runs`): started, finished, skipped, listed, purged."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sywc.alerts.enums import JobOutcome
from sywc.alerts.models import AlertEvent, JobRun
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.stopping import Stopping

ERROR_LENGTH = 500


def start_job_run(*, job: str, as_of: datetime, now: datetime) -> JobRun:
    """Record that a job has started, visibly to others at once (commits)."""
    run = JobRun(job=job, started_at=now, outcome=JobOutcome.RUNNING, as_of=as_of)
    db.session.add(run)
    db.session.commit()
    return run


def finish_job_run(
    run_id: int,
    *,
    outcome: JobOutcome,
    now: datetime,
    counts: dict[str, Any] | None = None,
    error: str | None = None,
) -> JobRun:
    """Record how a started run ended (commits)."""
    run = db.session.get(JobRun, run_id)
    if run is None:
        raise LookupError(f"job run {run_id} vanished")
    run.finished_at = now
    run.outcome = outcome
    run.counts = counts
    run.error = error[:ERROR_LENGTH] if error else None
    db.session.commit()
    return run


LOCK_HELD = "another scheduler process holds the lock"


def record_skipped_run(
    *, job: str, as_of: datetime, now: datetime, reason: str = LOCK_HELD
) -> JobRun:
    """Record a run skipped, by default because another process holds the lock (commits)."""
    run = JobRun(
        job=job,
        started_at=now,
        finished_at=now,
        outcome=JobOutcome.SKIPPED,
        as_of=as_of,
        error=reason,
    )
    db.session.add(run)
    db.session.commit()
    return run


ABANDONED = "the process running it ended without recording how the run ended"


def abandon_unfinished_runs(*, jobs: Collection[str], now: datetime) -> list[tuple[int, str]]:
    """Mark the runs of `jobs` still recorded as running abandoned; return their ids and
    jobs (commits).

    Only a process holding the lock that `jobs` run under may call this: no other process
    can be running them then, so such a run was left by one killed mid-run (SIGKILL, a
    power cut) and will never be finished by it.
    """
    marked = db.session.execute(
        sa.update(JobRun)
        .where(JobRun.job.in_(jobs), JobRun.outcome == JobOutcome.RUNNING)
        .values(outcome=JobOutcome.ABANDONED, finished_at=now, error=ABANDONED)
        .returning(JobRun.id, JobRun.job)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted((run_id, job) for run_id, job in marked)


def last_run(*, job: str | None = None, outcome: JobOutcome | None = None) -> JobRun | None:
    """Return the most recent run of `job`, or of any job (optionally with this outcome)."""
    stmt = sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)
    if job is not None:
        stmt = stmt.where(JobRun.job == job)
    if outcome is not None:
        stmt = stmt.where(JobRun.outcome == outcome)
    return db.session.scalar(stmt)


def list_job_runs(*, filters: dict[str, Any], page: int, limit: int) -> Page:
    """List recent runs, newest first, for an operator."""
    stmt = sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    for key in ("job", "outcome"):
        if key in filters:
            stmt = stmt.where(getattr(JobRun, key) == filters[key])
    result = paginate(db.session, stmt, page=page, limit=limit)
    db.session.commit()
    return result


# Runs deleted per statement and transaction: a purge never holds many rows locked.
PURGE_BATCH = 500


def purge_job_runs(*, before: datetime, stopping: Stopping | None = None) -> tuple[int, bool]:
    """Delete the runs started before `before`, PURGE_BATCH at a time, each batch
    committed; return how many went and whether none is left (False when `stopping()`
    said stop between two batches).

    Kept whatever their age: the latest run and the latest success of each job, which
    /readyz and the once-per-interval jobs read; a run still running, which its process
    will finish; and a run that an alert's history names (the scan that opened,
    escalated or resolved it).
    """
    named = sa.exists().where(AlertEvent.job_run_id == JobRun.id)
    batch = (
        sa.select(JobRun.id)
        .where(
            JobRun.started_at < before,
            JobRun.outcome != JobOutcome.RUNNING,
            JobRun.id.not_in(_latest_runs()),
            ~named,
        )
        .order_by(JobRun.id)
        .limit(PURGE_BATCH)
    )
    purged = 0
    while True:
        ids = list(db.session.scalars(batch))
        if ids:
            db.session.execute(
                sa.delete(JobRun)
                .where(JobRun.id.in_(ids))
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        purged += len(ids)
        if len(ids) < PURGE_BATCH:
            return purged, True
        if stopping is not None and stopping():
            return purged, False


def _latest_runs() -> list[int]:
    """Return the ids of each job's latest run and latest success, as `last_run` finds them."""
    kept: set[int] = set()
    for outcome in (None, JobOutcome.SUCCEEDED):
        rank = sa.func.row_number().over(
            partition_by=JobRun.job, order_by=(JobRun.started_at.desc(), JobRun.id.desc())
        )
        ranked = sa.select(JobRun.id, rank.label("rank"))
        if outcome is not None:
            ranked = ranked.where(JobRun.outcome == outcome)
        latest = ranked.subquery()
        kept.update(db.session.scalars(sa.select(latest.c.id).where(latest.c.rank == 1)))
    return sorted(kept)
