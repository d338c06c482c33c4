"""Stopping the scheduler: long jobs end between two chunks and say how far they got."""

from __future__ import annotations

import json
import os
import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler

from sywc.alerts.models import JobRun
from sywc.audit import service as audit
from sywc.audit import verification
from sywc.audit.models import AuditEvent
from sywc.extensions import db
from sywc.logs import JsonFormatter
from sywc.scheduler import (
    ALERT_SCAN,
    AUDIT_VERIFY,
    STATS_REFRESH,
    Job,
    _run_in_app,
    run_job,
    run_scheduler,
)
from sywc.stats.models import StatsRollup
from sywc.stopping import Interrupted
from tests import factories
from tests.audit import tamper_trail
from tests.logcapture import logged

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
STOPPED = "stopped between two chunks: the scheduler was stopping"


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr("sywc.clock.utcnow", lambda: NOW)


def stop_after(checks: int):
    """A `stopping` that says go `checks` times, then stop."""
    answers = iter([False] * checks)
    return lambda: next(answers, True)


def append_events(app, n: int) -> int:
    """Append `n` events to the trail; return the newest id."""
    with app.app_context():
        for i in range(n):
            audit.record("verification_probe", details={"i": i}, actor=audit.SYSTEM)
            db.session.commit()
        return db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))


def recorded_walks(app) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.details)
                .where(AuditEvent.action == "audit_verified")
                .order_by(AuditEvent.id)
            )
        )


def job_runs(app) -> list[JobRun]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(JobRun).order_by(JobRun.id)))
        db.session.expunge_all()
        return rows


def stopped_walk(app, monkeypatch, events: int = 8) -> tuple[JobRun, int]:
    """Append `events` events, then have the scheduler walk them in chunks of three and
    stop after two chunks; return the run and the newest event before the walk."""
    monkeypatch.setattr(verification, "CHUNK", 3)
    newest = append_events(app, events)
    with app.app_context():
        run = run_job(AUDIT_VERIFY, stopping=stop_after(1))
    return run, newest


def test_a_stopped_audit_walk_records_how_far_it_went_and_the_next_carries_it_on(
    app, clock, monkeypatch, scheduler_log
):
    run, newest = stopped_walk(app, monkeypatch)
    # Two chunks of three, then the stop: events 7 and 8 were not walked.
    assert (run.outcome, run.error, run.finished_at) == ("interrupted", STOPPED, NOW)
    assert run.counts == {
        "ok": True,
        "checked": 6,
        "from_id": 1,
        "through_id": 6,
        "first_broken_id": None,
    }
    (walk,) = recorded_walks(app)
    assert (walk["scope"], walk["complete"], walk["through_id"]) == ("whole", False, 6)
    assert walk["began_at"] == NOW.isoformat()
    with app.app_context():
        # A checkpoint for the requests' bounded walks, but no whole walk.
        assert verification.latest_checkpoint(db.session()).through_id == 6
        assert verification.last_whole_walk(db.session()) is None
    # No success within the interval: the next tick walks again, on from event 6 (its
    # hash checked unchanged): 7, 8 and the stopped walk's own event.
    later = NOW + timedelta(hours=2)
    monkeypatch.setattr("sywc.clock.utcnow", lambda: later)
    with app.app_context():
        again = run_job(AUDIT_VERIFY, recent=timedelta(days=1))
        whole = verification.last_whole_walk(db.session())
    assert again.outcome == "succeeded"
    assert again.counts == {
        "ok": True,
        "checked": 3,
        "from_id": 7,
        "through_id": newest + 1,
        "first_broken_id": None,
    }
    # Whole, and as old as its first part: every event was found good since NOW.
    assert (whole.ok, whole.scope, whole.complete, whole.through_id) == (
        True,
        "whole",
        True,
        newest + 1,
    )
    assert (whole.began_at, whole.verified_at) == (NOW, later)
    (record,) = logged(scheduler_log, "job interrupted")
    assert (record.job, record.job_run_id, record.levelname) == ("audit_verify", run.id, "WARNING")
    line = json.loads(JsonFormatter().format(record))
    assert set(line) == {"time", "level", "logger", "message", "job", "job_run_id", "counts"}


@pytest.mark.app_config({"AUDIT_VERIFY_MINUTES": 60})
def test_a_walk_stopped_longer_ago_than_the_interval_starts_again_from_the_first_event(
    app, clock, monkeypatch
):
    _, newest = stopped_walk(app, monkeypatch)
    late = NOW + timedelta(minutes=61)
    monkeypatch.setattr("sywc.clock.utcnow", lambda: late)
    with app.app_context():
        again = run_job(AUDIT_VERIFY)
        whole = verification.last_whole_walk(db.session())
    assert (again.outcome, again.counts["from_id"], again.counts["checked"]) == (
        "succeeded",
        1,
        newest + 1,
    )
    assert (whole.began_at, whole.through_id) == (late, newest + 1)


def test_a_change_to_where_a_walk_stopped_is_found_by_the_walk_carrying_it_on(
    app, clock, monkeypatch
):
    stopped_walk(app, monkeypatch)
    tamper_trail(app, "UPDATE audit_events SET action = 'nothing_to_see' WHERE id = 6")
    with app.app_context():
        again = run_job(AUDIT_VERIFY)
        whole = verification.last_whole_walk(db.session())
    assert (again.counts["ok"], again.counts["first_broken_id"], again.counts["checked"]) == (
        False,
        6,
        0,
    )
    # A whole walk that found a break: it stands until a whole walk finds none.
    assert (whole.ok, whole.first_broken_id, whole.reason) == (
        False,
        6,
        "event content does not match its hash",
    )


def test_a_walk_carried_on_after_a_stopped_one_is_not_carried_on_again(app, clock, monkeypatch):
    """Only the newest whole walk is carried on: once one is whole, the next starts over."""
    _, newest = stopped_walk(app, monkeypatch)
    with app.app_context():
        first = run_job(AUDIT_VERIFY)
        second = run_job(AUDIT_VERIFY)
    assert (first.counts["from_id"], second.counts["from_id"]) == (7, 1)
    assert second.counts["through_id"] == newest + 2


@pytest.mark.parametrize(("args", "from_id"), [([], 1), (["--resume"], 7)])
def test_the_command_carries_a_stopped_walk_on_only_when_asked(
    app, clock, monkeypatch, runner, args, from_id
):
    _, newest = stopped_walk(app, monkeypatch)
    cli = runner.invoke(args=["sywc", "audit-verify", *args])
    assert cli.exit_code == 0, cli.output
    printed = json.loads(cli.output)
    assert (printed["ok"], printed["scope"], printed["complete"]) == (True, "whole", True)
    assert (printed["from_id"], printed["through_id"]) == (from_id, newest + 1)
    assert printed["last_whole_walk"]["began_at"] == NOW.isoformat()


def test_a_walk_stopped_on_its_last_chunk_is_whole(app, clock, monkeypatch):
    monkeypatch.setattr(verification, "CHUNK", 3)
    newest = append_events(app, 3)
    with app.app_context():
        run = run_job(AUDIT_VERIFY, stopping=lambda: True)
    assert (run.outcome, run.counts["through_id"]) == ("succeeded", newest)
    (walk,) = recorded_walks(app)
    assert (walk["scope"], walk["complete"]) == ("whole", True)


def test_a_stopped_statistics_refresh_keeps_the_rollups_it_recounted(app, clock):
    with app.app_context():
        run = run_job(STATS_REFRESH, stopping=stop_after(2))
        kept = db.session.scalar(sa.select(sa.func.count()).select_from(StatsRollup))
    assert (run.outcome, run.error) == ("interrupted", STOPPED)
    assert (run.counts["refreshed"], run.counts["left"], kept) == (3, 7, 3)
    with app.app_context():
        again = run_job(STATS_REFRESH)
    assert (again.outcome, again.counts["refreshed"], again.counts["left"]) == (
        "succeeded",
        10,
        0,
    )


def test_the_scan_is_one_transaction_and_runs_to_its_end(app, clock):
    with app.app_context():
        factories.youth(next_visit_due=NOW.date() - timedelta(days=2))
        db.session.commit()
        run = run_job(ALERT_SCAN, stopping=lambda: True)
    assert (run.outcome, run.counts["opened"]["missed_visit"]) == ("succeeded", 1)


def test_a_job_queued_when_the_stop_came_is_not_started(app, clock, scheduler_log):
    _run_in_app(app, ALERT_SCAN, lambda: True)
    assert job_runs(app) == []
    (record,) = logged(scheduler_log, "job not started")
    assert record.job == "alerts_scan"


def test_sigterm_stops_the_scheduler_after_the_chunk_under_way(app, scheduler_log):
    """The process's own loop, in this process: SIGTERM sets the stop, a job working in
    chunks ends after the one under way, its run is recorded, and the loop returns."""
    started, ended, give_up = threading.Event(), threading.Event(), threading.Event()
    chunks: list[int] = []

    def long_job(*, now, job_run_id, stopping):
        started.set()
        try:
            while not stopping():
                chunks.append(len(chunks) + 1)
                if give_up.wait(0.01):  # a chunk's work
                    return {"chunks": len(chunks)}
            raise Interrupted({"chunks": len(chunks)})
        finally:
            ended.set()

    def terminate():
        # Bounded only so that a stop that never comes fails the test, not hangs it.
        started.wait(timeout=60)
        os.kill(os.getpid(), signal.SIGTERM)
        if not ended.wait(timeout=60):
            give_up.set()

    before = signal.getsignal(signal.SIGTERM)
    killer = threading.Thread(target=terminate)
    killer.start()
    run_scheduler(app, jobs=(Job("long_job", long_job, stoppable=True),))
    killer.join()
    (run,) = job_runs(app)
    assert (run.job, run.outcome, run.error) == ("long_job", "interrupted", STOPPED)
    assert run.counts == {"chunks": len(chunks)}
    messages = [r.getMessage() for r in logged(scheduler_log, "")]
    assert messages == [
        "scheduler started",
        "scheduler stopping",
        "job interrupted: the scheduler is stopping",
        "scheduler stopped",
    ]
    # The process's handlers are put back as they were.
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_sigterm_while_the_scheduler_starts_stops_it(app, scheduler_log, monkeypatch):
    """A signal after the handlers are set but before the scheduler runs found nothing
    to shut down: the scheduler then ran on, starting nothing, until killed."""
    start = BlockingScheduler.start
    ran: list[str] = []

    def start_after_a_sigterm(scheduler, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)  # handled before the next line runs
        return start(scheduler, *args, **kwargs)

    def never(**_):
        ran.append("noop")
        return {}

    monkeypatch.setattr(BlockingScheduler, "start", start_after_a_sigterm)
    returned, hung = threading.Event(), threading.Event()

    def watchdog():
        # Bounded so that a lost signal fails the test instead of hanging it.
        if not returned.wait(10):
            hung.set()
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watchdog, daemon=True).start()
    run_scheduler(app, jobs=(Job("noop", never),))
    returned.set()
    assert not hung.is_set(), "the SIGTERM sent while starting was lost"
    assert ran == []
    messages = [r.getMessage() for r in logged(scheduler_log, "")]
    assert messages == ["scheduler started", "scheduler stopping", "scheduler stopped"]
