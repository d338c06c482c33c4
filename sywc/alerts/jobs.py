"""The record of scheduler runs (`job_runs`): started, finished, skipped, listed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sywc.alerts.enums import JobOutcome
from sywc.alerts.models import JobRun
from sywc.extensions import db
from sywc.http import Page, paginate

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
