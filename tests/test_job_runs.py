"""The record of scheduler runs: runs left behind by a killed process, and old runs purged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from config.settings import load_settings
from sywc.alerts.locks import scheduler_lock
from sywc.alerts.models import AlertEvent, JobRun
from sywc.extensions import db
from sywc.logs import JsonFormatter
from sywc.scheduler import ALERT_SCAN, AUDIT_VERIFY, JOB_RUNS_PURGE, STATS_REFRESH, run_job
from tests import factories
from tests.logcapture import logged

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = NOW

        def __call__(self) -> datetime:
            return self.now

    frozen = Clock()
    monkeypatch.setattr("sywc.clock.utcnow", frozen)
    return frozen


def recorded(app, job: str, started_at: datetime, outcome: str) -> int:
    """Record a run of `job` started at `started_at`; return its id."""
    with app.app_context():
        finished = None if outcome == "running" else started_at + timedelta(seconds=1)
        run = JobRun(
            job=job,
            started_at=started_at,
            finished_at=finished,
            outcome=outcome,
            as_of=started_at,
        )
        db.session.add(run)
        db.session.commit()
        return run.id


def killed_mid_run(app, job: str, started_at: datetime) -> int:
    """Leave a run recorded as running, as a process killed mid-run (SIGKILL) does."""
    return recorded(app, job, started_at, "running")


def outcomes(app) -> dict[int, tuple[str, str, datetime | None]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(JobRun.id, JobRun.job, JobRun.outcome, JobRun.finished_at)
        )
        return {run_id: (job, outcome, finished) for run_id, job, outcome, finished in rows}


def test_the_next_holder_of_the_lock_marks_runs_left_running_abandoned(app, clock, scheduler_log):
    scan = killed_mid_run(app, "alerts_scan", NOW - timedelta(minutes=20))
    refresh = killed_mid_run(app, "stats_refresh", NOW - timedelta(minutes=50))
    walk = killed_mid_run(app, "audit_verify", NOW - timedelta(hours=2))
    # Another process is walking the trail: its run may well be under way.
    with app.app_context(), scheduler_lock("audit_walk") as held:
        assert held
        run = run_job(ALERT_SCAN)
    assert run.outcome == "succeeded"
    after = outcomes(app)
    assert after[scan] == ("alerts_scan", "abandoned", NOW)
    assert after[refresh] == ("stats_refresh", "abandoned", NOW)
    assert after[walk] == ("audit_verify", "running", None)
    with app.app_context():
        assert run_job(AUDIT_VERIFY).outcome == "succeeded"
    assert outcomes(app)[walk] == ("audit_verify", "abandoned", NOW)
    with app.app_context():
        error = db.session.scalar(sa.select(JobRun.error).where(JobRun.id == scan))
    assert error == "the process running it ended without recording how the run ended"
    abandoned = logged(scheduler_log, "job run abandoned")
    assert [(r.job, r.job_run_id, r.levelname) for r in abandoned] == [
        ("alerts_scan", scan, "WARNING"),
        ("stats_refresh", refresh, "WARNING"),
        ("audit_verify", walk, "WARNING"),
    ]
    # The line names the job and the run, and nothing else.
    line = json.loads(JsonFormatter().format(abandoned[0]))
    assert set(line) == {"time", "level", "logger", "message", "job", "job_run_id"}


def test_a_run_skipped_for_the_lock_leaves_the_other_process_run_alone(app, clock):
    scan = killed_mid_run(app, "alerts_scan", NOW - timedelta(minutes=1))
    with app.app_context(), scheduler_lock() as held:
        assert held
        assert run_job(ALERT_SCAN).outcome == "skipped"
    assert outcomes(app)[scan] == ("alerts_scan", "running", None)


def test_readyz_and_the_jobs_list_show_an_abandoned_scan_for_what_it_is(app, client, clock, admin):
    with app.app_context():
        run_job(ALERT_SCAN)
    clock.now = NOW + timedelta(minutes=15)
    killed = killed_mid_run(app, "alerts_scan", clock.now)
    body = client.get("/readyz").get_json()["scheduler"]
    assert (body["status"], body["last_outcome"]) == ("ok", "running")
    # The process restarts 25 minutes later; the statistics refresh takes the lock first.
    clock.now = NOW + timedelta(minutes=40)
    with app.app_context():
        assert run_job(STATS_REFRESH).outcome == "succeeded"
    ready = client.get("/readyz")
    body = ready.get_json()["scheduler"]
    # The killed run is no success: the last one is 40 minutes old, which is stale.
    assert ready.status_code == 200
    assert (body["status"], body["last_outcome"]) == ("stale", "abandoned")
    assert body["last_success_at"] == NOW.isoformat()
    assert body["last_run_at"] == (NOW + timedelta(minutes=15)).isoformat()
    listed = client.get("/api/v1/operations/jobs?outcome=abandoned", headers=admin.headers)
    assert listed.status_code == 200
    assert [(i["id"], i["job"]) for i in listed.get_json()["items"]] == [(killed, "alerts_scan")]


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def test_runs_past_the_retention_go_and_those_still_read_stay(app, clock, monkeypatch):
    monkeypatch.setattr("sywc.alerts.jobs.PURGE_BATCH", 2)
    # A scan 200 days ago opened an alert: the alert's history names that run.
    with app.app_context():
        factories.youth(next_visit_due=days_ago(202).date())
        db.session.commit()
    clock.now = days_ago(200)
    with app.app_context():
        opened = run_job(ALERT_SCAN).id
    clock.now = NOW
    old_scans = [recorded(app, "alerts_scan", days_ago(d), "succeeded") for d in (150, 120)]
    old_skip = recorded(app, "alerts_scan", days_ago(91), "skipped")
    recent = recorded(app, "alerts_scan", days_ago(89), "succeeded")
    # A job that last succeeded, and then last ran, long ago keeps both runs.
    purges = [recorded(app, "idempotency_purge", days_ago(d), "succeeded") for d in (130, 120)]
    last_success = recorded(app, "idempotency_purge", days_ago(110), "succeeded")
    last_run = recorded(app, "idempotency_purge", days_ago(100), "failed")
    # Another process may still be walking the trail: its run is its own to finish.
    walking = recorded(app, "audit_verify", days_ago(95), "running")
    with app.app_context():
        run = run_job(JOB_RUNS_PURGE)
    assert (run.outcome, run.counts) == ("succeeded", {"purged": 5})
    assert set(outcomes(app)) == {opened, recent, last_success, last_run, walking, run.id}
    gone = {*old_scans, old_skip, *purges}
    assert not gone & set(outcomes(app))
    with app.app_context():
        linked = set(db.session.scalars(sa.select(AlertEvent.job_run_id)))
        db.session.rollback()
        assert run_job(JOB_RUNS_PURGE).counts == {"purged": 0}
    assert linked == {opened}


@pytest.mark.app_config({"JOB_RUNS_KEEP_DAYS": 30})
def test_the_retention_is_a_setting(app, clock):
    kept = recorded(app, "alerts_scan", days_ago(29), "succeeded")
    old = recorded(app, "alerts_scan", days_ago(31), "succeeded")
    latest = recorded(app, "alerts_scan", days_ago(1), "failed")
    with app.app_context():
        run = run_job(JOB_RUNS_PURGE)
    assert run.counts == {"purged": 1}
    assert old not in outcomes(app)
    assert {kept, latest} <= set(outcomes(app))


def test_the_retention_defaults_to_90_days_and_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("JOB_RUNS_KEEP_DAYS", raising=False)
    assert load_settings("test")["JOB_RUNS_KEEP_DAYS"] == 90
    monkeypatch.setenv("JOB_RUNS_KEEP_DAYS", "400")
    assert load_settings("test")["JOB_RUNS_KEEP_DAYS"] == 400


def test_a_stopped_purge_ends_between_two_batches(app, clock, monkeypatch):
    monkeypatch.setattr("sywc.alerts.jobs.PURGE_BATCH", 2)
    old = [recorded(app, "alerts_scan", days_ago(100 + d), "succeeded") for d in range(5)]
    recorded(app, "alerts_scan", days_ago(1), "succeeded")
    with app.app_context():
        run = run_job(JOB_RUNS_PURGE, stopping=lambda: True)
    assert (run.outcome, run.counts) == ("interrupted", {"purged": 2})
    # One batch went, in the order the runs were recorded.
    assert set(old) - set(outcomes(app)) == {old[0], old[1]}
    with app.app_context():
        again = run_job(JOB_RUNS_PURGE)
    assert (again.outcome, again.counts) == ("succeeded", {"purged": 3})
