"""The scheduler: run_job and its record, the lock, the CLI, readiness and the process."""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from sywc.alerts.causes import ScanRules
from sywc.alerts.locks import scheduler_lock
from sywc.alerts.models import Alert, AlertEvent, JobRun
from sywc.alerts.scan import apply_scan, scan
from sywc.extensions import db
from sywc.logs import format_exception
from sywc.scheduler import (
    ALERT_SCAN,
    AUDIT_VERIFY,
    IDEMPOTENCY_PURGE,
    JOBS,
    STATS_REFRESH,
    Job,
    _run_in_app,
    build_scheduler,
    run_job,
)
from tests import factories
from tests.conftest import assert_problem

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
ROOT = Path(__file__).resolve().parent.parent


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    frozen = Clock()
    monkeypatch.setattr("sywc.clock.utcnow", frozen)
    return frozen


@pytest.fixture
def overdue(app):
    """One young person whose visit was due two days ago; returns the id."""
    with app.app_context():
        youth_id = factories.youth(next_visit_due=TODAY - timedelta(days=2)).id
        db.session.commit()
    return youth_id


def runs(app):
    with app.app_context():
        rows = list(db.session.scalars(sa.select(JobRun).order_by(JobRun.id)))
        db.session.expunge_all()
        return rows


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_run_job_records_the_run_and_links_the_alert_events(app, overdue):
    with app.app_context():
        run = run_job(ALERT_SCAN, now=NOW)
    assert (run.job, run.outcome, run.as_of, run.error) == ("alerts_scan", "succeeded", NOW, None)
    assert run.started_at <= run.finished_at
    assert run.counts["opened"]["missed_visit"] == 1
    with app.app_context():
        linked = db.session.scalars(sa.select(AlertEvent.job_run_id)).all()
    assert linked == [run.id]


def test_a_failed_job_is_recorded_and_writes_nothing(app, overdue, scheduler_log):
    def broken(*, now, job_run_id):
        apply_scan(
            db.session,
            rules=ScanRules.from_config(app.config, now=now),
            now=now,
            job_run_id=job_run_id,
        )
        raise RuntimeError("disk full")

    with app.app_context():
        run = run_job(Job("broken", broken), now=NOW)
    assert (run.outcome, run.error) == ("failed", "RuntimeError")
    assert run.finished_at is not None
    assert count(app, Alert) == 0
    assert "job failed" in scheduler_log.text


def test_a_second_scheduler_skips_while_the_lock_is_held(app, overdue, scheduler_log):
    with app.app_context(), scheduler_lock() as held:
        assert held
        skipped = run_job(ALERT_SCAN, now=NOW)
    assert skipped.outcome == "skipped"
    assert count(app, Alert) == 0
    assert "another scheduler process holds the lock" in scheduler_log.text
    with app.app_context():
        after = run_job(ALERT_SCAN, now=NOW)
    assert after.outcome == "succeeded"
    assert [r.outcome for r in runs(app)] == ["skipped", "succeeded"]


def test_a_run_that_cannot_be_recorded_is_logged_and_the_next_tick_retries(
    app, overdue, scheduler_log, monkeypatch
):
    def database_down(**_):
        # Kept off the raising line, which the traceback quotes as source.
        driver_message = " ".join(["could not reach", "Jane", "Doe"])
        raise sa.exc.OperationalError("INSERT INTO job_runs", {}, Exception(driver_message))

    monkeypatch.setattr("sywc.scheduler.start_job_run", database_down)
    _run_in_app(app, ALERT_SCAN)  # nothing escapes to APScheduler
    # (caplog sees each record twice: through its own handler and the one added here)
    (record,) = {r for r in scheduler_log.records if r.getMessage() == "job could not run"}
    assert (record.job, record.exc_info[0]) == ("alerts_scan", sa.exc.OperationalError)
    assert "Jane Doe" not in format_exception(record.exc_info)
    monkeypatch.undo()
    _run_in_app(app, ALERT_SCAN)
    assert [r.outcome for r in runs(app)] == ["succeeded"]


def test_the_lock_is_free_again_after_each_run(app):
    with app.app_context():
        outcomes = [run_job(ALERT_SCAN, now=NOW + timedelta(minutes=m)).outcome for m in (0, 15)]
        with scheduler_lock() as held:
            assert held
    assert outcomes == ["succeeded", "succeeded"]


def test_cli_scan_prints_what_it_opened_as_json(app, runner, overdue):
    result = runner.invoke(args=["sywc", "scan", "--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["outcome"] == "succeeded"
    assert body["as_of"] == "2026-11-25"
    assert (body["opened"]["missed_visit"], body["rescheduled"]) == (1, 0)
    assert set(body) >= {"job_run_id", "opened", "resolved", "escalated", "rescheduled"}
    (run,) = runs(app)
    assert run.as_of == datetime(2026, 11, 25, tzinfo=UTC)
    again = json.loads(runner.invoke(args=["sywc", "scan"]).output)
    assert again["opened"]["missed_visit"] == 0


def test_cli_scan_refuses_a_malformed_date(runner):
    result = runner.invoke(args=["sywc", "scan", "--as-of", "25/11/2026"])
    assert result.exit_code == 2


class LockTime:
    """The lock's clock: a sleep moves it on at once, then does `on_sleep`."""

    def __init__(self, on_sleep=lambda: None) -> None:
        self.now, self.sleeps, self.on_sleep = 1000.0, [], on_sleep

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.on_sleep()


@pytest.fixture
def locks_log(caplog):
    logger = logging.getLogger("sywc.alerts.locks")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="sywc.alerts.locks")
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.mark.parametrize(
    ("command", "job", "counted"),
    [
        ("scan", "alerts_scan", lambda body: body["opened"]["missed_visit"] == 1),
        ("stats-refresh", "stats_refresh", lambda body: body["refreshed"] == 10),
    ],
)
def test_cli_run_waits_for_the_job_under_way_then_runs(
    app, runner, overdue, monkeypatch, command, job, counted
):
    other_process = ExitStack()
    with app.app_context():
        assert other_process.enter_context(scheduler_lock())
    # The job under way ends during the command's first wait.
    lock_time = LockTime(on_sleep=other_process.close)
    monkeypatch.setattr("sywc.alerts.locks.time", lock_time)
    result = runner.invoke(args=["sywc", command, "--wait", "30"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    body = json.loads(result.stdout)
    assert body["outcome"] == "succeeded"
    assert counted(body), body
    assert lock_time.sleeps == [1.0]
    assert [(r.job, r.outcome) for r in runs(app)] == [(job, "succeeded")]


def test_cli_scan_that_waited_past_midnight_judges_by_the_day_it_ran(
    app, runner, clock, monkeypatch
):
    with app.app_context():
        # Due on 17 November: missed from the 18th, a London day that starts at 00:00 UTC.
        youth_id = factories.youth(rag="red", next_visit_due=TODAY - timedelta(days=1)).id
        db.session.commit()
    clock.now = datetime(2026, 11, 17, 23, 59, 50, tzinfo=UTC)
    other_process = ExitStack()
    with app.app_context():
        assert other_process.enter_context(scheduler_lock())

    def scan_under_way_ends_after_midnight() -> None:
        clock.now = datetime(2026, 11, 18, 0, 0, 10, tzinfo=UTC)
        with app.app_context():
            assert scan(now=clock.now).opened["missed_visit"] == 1
        other_process.close()

    monkeypatch.setattr(
        "sywc.alerts.locks.time", LockTime(on_sleep=scan_under_way_ends_after_midnight)
    )
    result = runner.invoke(args=["sywc", "scan", "--wait", "30"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["as_of"] == "2026-11-18"
    assert (body["opened"]["missed_visit"], body["resolved"]["missed_visit"]) == (0, 0)
    with app.app_context():
        alert = db.session.scalar(sa.select(Alert).where(Alert.subject_id == youth_id))
        assert alert.status == "open"
        assert db.session.scalar(
            sa.select(JobRun.as_of).where(JobRun.id == body["job_run_id"])
        ) == (datetime(2026, 11, 18, 0, 0, 10, tzinfo=UTC))


def test_cli_scan_waits_five_minutes_at_most_then_says_it_could_not_run(
    app, runner, overdue, monkeypatch, locks_log
):
    lock_time = LockTime()
    monkeypatch.setattr("sywc.alerts.locks.time", lock_time)
    with app.app_context(), scheduler_lock():
        result = runner.invoke(args=["sywc", "scan"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["outcome"] == "skipped"
    assert result.stderr == (
        "scan not run: another scheduler process holds the lock (a scan or a statistics "
        "refresh under way), after a wait of 300 s; run it again later, or with a longer "
        "--wait\n"
    )
    # Tried at once, then every second for the five minutes.
    assert (len(lock_time.sleeps), sum(lock_time.sleeps)) == (300, 300)
    (run,) = runs(app)
    assert (run.outcome, run.error) == (
        "skipped",
        "another scheduler process holds the lock, after a wait of 300 s",
    )
    assert count(app, Alert) == 0
    waiting = {r for r in locks_log.records if r.getMessage() == "waiting for the lock"}
    (record,) = waiting
    assert (record.lock, record.wait_seconds) == ("scheduler", 300)


def test_cli_scan_without_a_wait_tries_once(app, runner, monkeypatch):
    lock_time = LockTime()
    monkeypatch.setattr("sywc.alerts.locks.time", lock_time)
    with app.app_context(), scheduler_lock():
        result = runner.invoke(args=["sywc", "scan", "--wait", "0"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["outcome"] == "skipped"
    assert result.stderr.startswith("scan not run: another scheduler process holds the lock")
    assert lock_time.sleeps == []
    assert runner.invoke(args=["sywc", "scan", "--wait", "-1"]).exit_code == 2


def test_cli_stats_refresh_gives_up_after_its_wait_and_says_so(app, runner, monkeypatch):
    lock_time = LockTime()
    monkeypatch.setattr("sywc.alerts.locks.time", lock_time)
    with app.app_context(), scheduler_lock():
        result = runner.invoke(args=["sywc", "stats-refresh", "--wait", "5"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["outcome"] == "skipped"
    assert result.stderr == (
        "statistics refresh not run: another scheduler process holds the lock (a scan or a "
        "statistics refresh under way), after a wait of 5 s; run it again later, or with a "
        "longer --wait\n"
    )
    assert (len(lock_time.sleeps), sum(lock_time.sleeps)) == (5, 5)
    (run,) = runs(app)
    assert (run.job, run.outcome, run.error) == (
        "stats_refresh",
        "skipped",
        "another scheduler process holds the lock, after a wait of 5 s",
    )
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM stats_rollups")) == 0


def test_the_scheduler_never_waits_for_a_lock(app, monkeypatch):
    lock_time = LockTime()
    monkeypatch.setattr("sywc.alerts.locks.time", lock_time)
    with app.app_context(), scheduler_lock():
        _run_in_app(app, ALERT_SCAN)
    assert lock_time.sleeps == []
    assert [r.outcome for r in runs(app)] == ["skipped"]


def test_readyz_reports_the_last_successful_run_and_when_it_is_stale(app, client, clock):
    first = client.get("/readyz").get_json()["scheduler"]
    assert (first["status"], first["last_success_at"]) == ("never_run", None)
    with app.app_context():
        run_job(ALERT_SCAN, now=NOW)
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()["scheduler"]
    assert (body["status"], body["last_outcome"], body["interval_minutes"]) == (
        "ok",
        "succeeded",
        15,
    )
    assert body["last_success_at"] == NOW.isoformat()
    clock.now = NOW + timedelta(minutes=30)
    assert client.get("/readyz").get_json()["scheduler"]["status"] == "ok"
    clock.now = NOW + timedelta(minutes=31)
    stale = client.get("/readyz")
    # A stopped scheduler is reported, but the web still serves: not a 503.
    assert (stale.status_code, stale.get_json()["scheduler"]["status"]) == (200, "stale")


def test_readyz_judges_the_scan_not_whichever_job_last_succeeded(app, client, clock):
    def broken(*, now, job_run_id):
        raise RuntimeError("the scan cannot run")

    with app.app_context():
        run_job(ALERT_SCAN, now=NOW)
        for minutes in (15, 30, 45):
            clock.now = NOW + timedelta(minutes=minutes)
            run_job(Job("alerts_scan", broken))
            run_job(IDEMPOTENCY_PURGE)
    body = client.get("/readyz").get_json()["scheduler"]
    # The purge succeeded a moment ago; missed visits have gone unseen for 45 minutes.
    assert (body["job"], body["status"], body["last_outcome"]) == ("alerts_scan", "stale", "failed")
    assert body["last_success_at"] == NOW.isoformat()


@pytest.mark.app_config({"SCHEDULER_INTERVAL_MINUTES": 15, "STATS_REFRESH_MINUTES": 60})
def test_a_costly_job_runs_once_per_interval_across_scheduler_processes(app, clock, overdue):
    """Two processes, or one restarted, tick at their own times: the refresh and the walk
    run once per interval, the scan on every tick."""
    outcomes = []
    for minutes in (0, 20, 55, 60, 75):
        clock.now = NOW + timedelta(minutes=minutes)
        for job in (STATS_REFRESH, ALERT_SCAN):
            _run_in_app(app, job)
    with app.app_context():
        for run in db.session.scalars(sa.select(JobRun).order_by(JobRun.id)):
            outcomes.append(
                (run.job, int((run.started_at - NOW).total_seconds() // 60), run.outcome)
            )
    refreshes = [(minute, outcome) for job, minute, outcome in outcomes if job == "stats_refresh"]
    # 54 minutes (nine tenths of 60) after the first start, a refresh runs again.
    assert refreshes == [
        (0, "succeeded"), (20, "skipped"), (55, "succeeded"), (60, "skipped"), (75, "skipped"),
    ]  # fmt: skip
    scans = [outcome for job, _, outcome in outcomes if job == "alerts_scan"]
    assert scans == ["succeeded"] * 5
    # By hand, a refresh always runs.
    with app.app_context():
        assert run_job(STATS_REFRESH).outcome == "succeeded"


def test_operations_jobs_lists_runs_for_admins_only(app, client, admin, officer):
    with app.app_context():
        run_job(ALERT_SCAN, now=NOW)
        with scheduler_lock():
            run_job(ALERT_SCAN, now=NOW + timedelta(minutes=15))
    body = client.get("/api/v1/operations/jobs", headers=admin.headers).get_json()
    assert [(i["job"], i["outcome"]) for i in body["items"]] == [
        ("alerts_scan", "skipped"),
        ("alerts_scan", "succeeded"),
    ]
    assert "opened" in body["items"][1]["counts"]
    only = client.get("/api/v1/operations/jobs?outcome=skipped", headers=admin.headers)
    assert [i["outcome"] for i in only.get_json()["items"]] == ["skipped"]
    assert_problem(client.get("/api/v1/operations/jobs", headers=officer.headers), 403)


@pytest.mark.app_config({"SCHEDULER_INTERVAL_MINUTES": 5, "STATS_REFRESH_MINUTES": 45})
def test_the_scheduler_runs_every_job_at_start_then_each_interval(app):
    scheduler = build_scheduler(app, start_at=NOW)
    jobs = scheduler.get_jobs()
    assert [job.id for job in jobs] == [job.name for job in JOBS]
    intervals = {job.id: job.trigger.interval for job in jobs}
    assert intervals == {
        "alerts_scan": timedelta(minutes=5),
        "idempotency_purge": timedelta(minutes=5),
        "job_runs_purge": timedelta(minutes=5),
        "stats_refresh": timedelta(minutes=45),
        "audit_verify": timedelta(days=1),
    }
    assert all(job.next_run_time == NOW for job in jobs)
    # The audit walk has a thread of its own, so the others never queue behind it.
    assert {job.id: job.executor for job in jobs} == {
        "alerts_scan": "default",
        "idempotency_purge": "default",
        "job_runs_purge": "default",
        "stats_refresh": "default",
        "audit_verify": "audit_walk",
    }


def test_the_audit_walk_and_the_scan_hold_different_locks(app, overdue):
    with app.app_context(), scheduler_lock("audit_walk") as held:
        assert held
        scan = run_job(ALERT_SCAN, now=NOW)
        walk = run_job(AUDIT_VERIFY, now=NOW)
    assert (scan.outcome, walk.outcome) == ("succeeded", "skipped")
    assert scan.counts["opened"]["missed_visit"] == 1
    with app.app_context(), scheduler_lock() as held:
        assert held
        walk = run_job(AUDIT_VERIFY, now=NOW)
    assert (walk.outcome, walk.counts["ok"]) == ("succeeded", True)


def test_the_web_app_starts_no_scheduler(app):
    assert not [t for t in threading.enumerate() if "APScheduler" in t.name]


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_scheduler_process_scans_at_start_and_stops_on_sigterm(app, database_url, overdue):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        # Production settings keep INFO logs (the test settings quieten them).
        "SYWC_ENV": "production",
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "sywc", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        engine = sa.create_engine(database_url)

        def succeeded():
            with engine.connect() as conn:
                return conn.scalar(
                    sa.text("SELECT count(*) FROM job_runs WHERE outcome = 'succeeded'")
                )

        assert _wait_for(succeeded), process.stderr.read() if process.poll() is not None else ""
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
        engine.dispose()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "scheduler stopped" in stderr
    assert count(app, Alert) == 1
