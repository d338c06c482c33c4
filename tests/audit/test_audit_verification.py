"""Verifying the chain at scale: whole walks by the scheduler, bounded walks by requests."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sywc import clock, create_app
from sywc.alerts.models import JobRun
from sywc.audit import service as audit
from sywc.audit import verification
from sywc.audit.models import AuditEvent
from sywc.audit.scheduled import verify_audit_job
from sywc.extensions import db
from sywc.scheduler import AUDIT_VERIFY, run_job
from tests.audit import append_probes, tamper_trail, verify_trail
from tests.conftest import assert_problem, audit_actions

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LIMIT = 3


def _newest(app) -> AuditEvent:
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        db.session.expunge(event)
        return event


def _whole_walk(app, now: datetime = NOW) -> int:
    """Have the scheduler walk the whole trail; return the last event it checked."""
    with app.app_context():
        run = run_job(AUDIT_VERIFY, now=now)
    assert run.outcome == "succeeded"
    return _newest(app).id - 1


def _hash_of(app, event_id: int) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.id == event_id))


def test_a_trail_within_the_limit_is_walked_whole_and_the_walk_recorded(app, client, auditor):
    append_probes(app, 4)
    newest = _newest(app).id
    result = verify_trail(client, auditor)
    whole = result.pop("last_whole_walk")
    assert result == {
        "ok": True,
        "checked": newest,
        "first_broken_id": None,
        "reason": None,
        "scope": "whole",
        "from_id": 1,
        "through_id": newest,
        "complete": True,
        "checkpoint": None,
    }
    assert (whole["ok"], whole["through_id"], whole["first_broken_id"]) == (True, newest, None)
    (event,) = audit_actions(app, action="audit_verified")
    assert event.id == newest + 1
    assert (event.actor_id, event.role) == (auditor.id, "auditor")
    details = dict(event.details)
    # When the walk began: before it was recorded, and when it began, not after.
    began = datetime.fromisoformat(details.pop("began_at"))
    assert event.occurred_at - timedelta(seconds=30) < began <= event.occurred_at
    assert whole["began_at"] == began.isoformat()
    assert details == {
        "ok": True,
        "checked": newest,
        "scope": "whole",
        "from_id": 1,
        "through_id": newest,
        "through_hash": _hash_of(app, newest),
        "complete": True,
        "first_broken_id": None,
        "reason": None,
    }
    # A second request walks the whole trail again, its predecessor's event included.
    again = verify_trail(client, auditor)
    assert (again["scope"], again["checked"], again["checkpoint"]) == ("whole", newest + 1, None)


@pytest.mark.app_config({"AUDIT_VERIFY_LIVE_LIMIT": LIMIT})
def test_past_the_limit_requests_carry_on_from_checkpoint_to_checkpoint(app, client, auditor):
    append_probes(app, 10)
    walked: list[tuple[int, int]] = []
    result = verify_trail(client, auditor)
    # No checkpoint yet: the walk starts at the first event and stops at the limit.
    assert (result["scope"], result["from_id"], result["through_id"]) == ("whole", 1, LIMIT)
    assert (result["ok"], result["complete"], result["checked"]) == (True, False, LIMIT)
    assert (result["checkpoint"], result["last_whole_walk"]) == (None, None)
    walked.append((result["from_id"], result["through_id"]))
    while not result["complete"]:
        previous = result
        result = verify_trail(client, auditor)
        assert result["ok"] is True
        assert result["scope"] == "since_checkpoint"
        assert result["checkpoint"]["through_id"] == previous["through_id"]
        assert result["from_id"] == previous["through_id"] + 1
        assert result["checked"] == result["through_id"] - previous["through_id"] <= LIMIT
        walked.append((result["from_id"], result["through_id"]))
        assert len(walked) < 20
    # Every event up to the newest before the last request was checked once, in order.
    assert result["through_id"] == _newest(app).id - 1
    assert walked[0][0] == 1
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(walked))
    assert result["last_whole_walk"] is None  # pieces are not a whole walk


@pytest.mark.app_config({"AUDIT_VERIFY_LIVE_LIMIT": LIMIT})
def test_a_trail_of_exactly_the_limit_is_walked_whole(app, client, auditor):
    append_probes(app, LIMIT - len(audit_actions(app)))
    assert _newest(app).id == LIMIT
    result = verify_trail(client, auditor)
    assert (result["scope"], result["checked"], result["complete"]) == ("whole", LIMIT, True)


@pytest.mark.app_config({"AUDIT_VERIFY_LIVE_LIMIT": LIMIT})
def test_the_scheduler_walks_the_whole_trail_and_requests_carry_on_from_it(app, client, auditor):
    append_probes(app, 10)
    with app.app_context():
        run = run_job(AUDIT_VERIFY, now=NOW)
    newest = _newest(app)
    assert (run.job, run.outcome) == ("audit_verify", "succeeded")
    assert run.counts == {
        "ok": True,
        "checked": newest.id - 1,
        "from_id": 1,
        "through_id": newest.id - 1,
        "first_broken_id": None,
    }
    assert (newest.action, newest.actor_type, newest.actor_label) == (
        "audit_verified",
        "system",
        "scheduler",
    )
    assert newest.occurred_at == NOW
    append_probes(app, 2)
    result = verify_trail(client, auditor)
    checkpoint = newest.id - 1
    assert result["ok"] is True
    assert result["scope"] == "since_checkpoint"
    assert result["checkpoint"] == {
        "verified_at": "2026-11-24T09:00:00+00:00",
        "through_id": checkpoint,
    }
    # The scheduler's own event and the two after it.
    assert (result["from_id"], result["through_id"], result["checked"]) == (
        checkpoint + 1,
        checkpoint + 3,
        3,
    )
    assert result["complete"] is True
    assert result["last_whole_walk"] == {
        "verified_at": "2026-11-24T09:00:00+00:00",
        "began_at": "2026-11-24T09:00:00+00:00",
        "ok": True,
        "through_id": checkpoint,
        "first_broken_id": None,
        "reason": None,
    }


@pytest.mark.app_config({"AUDIT_VERIFY_LIVE_LIMIT": LIMIT})
def test_a_change_behind_the_checkpoint_is_found_by_the_next_whole_walk(
    app, client, auditor, caplog
):
    caplog.set_level("INFO", logger="sywc.audit.scheduled")
    append_probes(app, 10)
    checkpoint = _whole_walk(app)
    tamper_trail(app, "UPDATE audit_events SET action = 'nothing_to_see' WHERE id = 2")
    # A request walks only what came after the checkpoint, and cannot see it.
    assert verify_trail(client, auditor)["ok"] is True
    caplog.clear()
    with app.app_context():
        run = run_job(AUDIT_VERIFY, now=clock.utcnow())
    assert run.outcome == "succeeded"
    assert run.counts == {
        "ok": False,
        "checked": 1,
        "from_id": 1,
        "through_id": 1,
        "first_broken_id": 2,
    }
    logged = [r for r in caplog.records if r.name == "sywc.audit.scheduled"]
    assert [r.getMessage() for r in logged] == ["audit chain broken", "audit chain walked"]
    # The head found good goes to the log too, apart from the database.
    with app.app_context():
        first_hash = db.session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.id == 1))
    assert (logged[1].through_id, logged[1].through_hash) == (1, first_hash)
    # From then on every request reports the break, though its own walk is sound.
    for _ in range(2):
        result = verify_trail(client, auditor)
        assert result["scope"] == "since_checkpoint"
        assert (result["ok"], result["first_broken_id"]) == (False, 2)
        assert result["reason"] == "event content does not match its hash"
        assert result["last_whole_walk"]["ok"] is False
        assert result["checkpoint"]["through_id"] > checkpoint
    recorded = audit_actions(app, action="audit_verified")[-1].details
    assert (recorded["ok"], recorded["scope"]) == (True, "since_checkpoint")


@pytest.mark.app_config({"AUDIT_VERIFY_LIVE_LIMIT": LIMIT})
@pytest.mark.parametrize(
    ("tampering", "reason"),
    [
        (
            "UPDATE audit_events SET hash = '{forged}' WHERE id = {checkpoint}",
            "event's hash is not the one the checkpoint found good",
        ),
        (
            "UPDATE audit_events SET action = 'nothing_to_see' WHERE id = {checkpoint}",
            "event content does not match its hash",
        ),
        ("DELETE FROM audit_events WHERE id = {checkpoint}", "event missing from the sequence"),
    ],
)
def test_a_changed_checkpoint_event_is_found(app, client, auditor, tampering, reason):
    append_probes(app, 10)
    checkpoint = _whole_walk(app)
    tamper_trail(app, tampering.format(forged="f" * 64, checkpoint=checkpoint))
    result = verify_trail(client, auditor)
    assert (result["ok"], result["first_broken_id"], result["reason"]) == (
        False,
        checkpoint,
        reason,
    )
    assert (result["checked"], result["through_id"]) == (0, None)
    assert result["checkpoint"]["through_id"] == checkpoint


@pytest.mark.app_config({"AUDIT_VERIFY_LIVE_LIMIT": LIMIT})
def test_a_change_after_the_checkpoint_is_found_by_a_request(app, client, auditor):
    append_probes(app, 10)
    checkpoint = _whole_walk(app)
    append_probes(app, 2)
    changed = checkpoint + 2
    tamper_trail(app, f"UPDATE audit_events SET action = 'nothing_to_see' WHERE id = {changed}")
    result = verify_trail(client, auditor)
    assert (result["ok"], result["first_broken_id"], result["through_id"]) == (
        False,
        changed,
        changed - 1,
    )
    assert result["last_whole_walk"]["ok"] is True
    # A walk that found a break is no checkpoint: the next request starts where this did.
    assert verify_trail(client, auditor)["from_id"] == result["from_id"]


def test_the_command_walks_the_whole_trail_and_records_it(app, runner):
    append_probes(app, 3)
    cli = runner.invoke(args=["sywc", "audit-verify"])
    assert cli.exit_code == 0
    printed = json.loads(cli.output)
    assert (printed["ok"], printed["scope"], printed["through_id"]) == (True, "whole", 3)
    event = _newest(app)
    assert (event.action, event.actor_label, event.details["through_id"]) == (
        "audit_verified",
        "cli",
        3,
    )


def test_only_an_auditor_mayverify_trail(client, officer, admin):
    for account in (officer, admin):
        assert_problem(client.get("/api/v1/audit-events/verify", headers=account.headers), 403)
    assert_problem(client.get("/api/v1/audit-events/verify"), 401)


def _commits_during(app, verify) -> tuple[int, object]:
    with app.app_context():
        commits: list[int] = []
        session = db.session()

        def counted(_session) -> None:
            commits.append(1)

        sa.event.listen(session, "after_commit", counted)
        try:
            result = verify()
        finally:
            sa.event.remove(session, "after_commit", counted)
        return len(commits), result


def test_a_whole_walk_commits_between_chunks_and_a_request_walk_does_not(app):
    with app.app_context():
        for i in range(4500):  # three chunks of at most 2,000
            audit.record("verification_probe", details={"i": i}, actor=audit.SYSTEM)
        db.session.commit()
    whole_commits, whole = _commits_during(
        app, lambda: verification.verify_and_record(limit=None, actor=audit.SYSTEM)
    )
    assert whole.ok
    assert whole.walk.checked == 4500 == len(audit_actions(app)) - 1
    assert whole_commits == 3 + 1  # one per chunk, then the walk's own event
    bounded_commits, bounded = _commits_during(
        app, lambda: verification.verify_and_record(limit=10_000)
    )
    assert bounded.ok
    assert bounded_commits == 1


@pytest.mark.postgres_only
def test_a_scheduled_walk_finishing_during_a_requests_walk_is_not_a_break(
    app, client, database_url, auditor
):
    """Events appended, and vouched for by a whole walk's job run, after the request
    read the job runs are events its own walk has yet to read, not a lost tail."""
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test")

    def scheduler_meanwhile() -> None:
        with other.app_context():
            for i in range(3):
                audit.record("appended_meanwhile", details={"i": i}, actor=audit.SYSTEM)
                db.session.commit()
            now = clock.utcnow()
            counts = verify_audit_job(now=now)
            db.session.add(
                JobRun(
                    job="audit_verify",
                    started_at=now,
                    finished_at=now,
                    outcome="succeeded",
                    counts=counts,
                )
            )
            db.session.commit()
            db.session.remove()

    fired = threading.Event()

    def when_the_job_runs_are_read(conn, cursor, statement, params, context, executemany):
        if "FROM job_runs" in statement and "counts" in statement and not fired.is_set():
            fired.set()
            worker = threading.Thread(target=scheduler_meanwhile)
            worker.start()
            worker.join(timeout=30)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", when_the_job_runs_are_read)
    try:
        answer = verify_trail(client, auditor)
    finally:
        sa.event.remove(engine, "before_cursor_execute", when_the_job_runs_are_read)
        with other.app_context():
            for each in db.engines.values():
                each.dispose()
    assert fired.is_set()
    assert answer["ok"] is True, (answer["reason"], answer["first_broken_id"])
    assert answer["through_id"] == _newest(app).id - 1  # the events appended meanwhile too
    assert [e.details["ok"] for e in audit_actions(app, action="audit_verified")] == [True, True]
