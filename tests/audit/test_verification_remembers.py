"""Verification holds the trail to what earlier walks found: a rewrite with every later
hash worked out again, a forged checkpoint, a cut-off tail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sywc.audit import service as audit
from sywc.audit.models import AuditEvent, AuditEventRecord
from sywc.extensions import db
from sywc.scheduler import AUDIT_VERIFY, run_job
from tests.audit import append_probes, rewrite_trail, verify_trail

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LIMIT = 3
_EVENTS = AuditEvent.__table__


def _newest_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))


def _forge_walk(conn, walk_event: int, *, through: int, **more) -> None:
    """Make the recorded walk `walk_event` claim it found event `through` good."""
    details = conn.execute(
        sa.select(_EVENTS.c.details).where(_EVENTS.c.id == walk_event)
    ).scalar_one()
    through_hash = conn.execute(
        sa.select(_EVENTS.c.hash).where(_EVENTS.c.id == through)
    ).scalar_one()
    forged = {**details, **more, "through_id": through, "through_hash": through_hash}
    conn.execute(_EVENTS.update().where(_EVENTS.c.id == walk_event).values(details=forged))


def _rehash_from(conn, first: int) -> None:
    """Recompute prev_hash and hash of every event from `first` on, as a writer would."""
    rows = [r._asdict() for r in conn.execute(sa.select(*_EVENTS.columns).order_by(_EVENTS.c.id))]
    prev = audit.GENESIS_HASH
    for row in rows:
        if row["id"] >= first:
            row["prev_hash"] = prev
            row["hash"] = audit.event_hash(row)
            conn.execute(
                _EVENTS.update()
                .where(_EVENTS.c.id == row["id"])
                .values(prev_hash=row["prev_hash"], hash=row["hash"])
            )
        prev = row["hash"]


def test_a_rehashed_rewrite_contradicting_a_recorded_checkpoint_is_found(app, client, auditor):
    """An earlier walk recorded, in the chain, the hash it found good for event N. A rewrite
    of an older event followed by recomputing the hashes after it changes event N's hash:
    the trail now contradicts its own checkpoint, and a whole walk must say so (a bounded
    walk from that checkpoint already does)."""
    append_probes(app, 5)
    first = verify_trail(client, auditor)
    assert first["ok"] is True
    checkpoint_through = first["through_id"]
    append_probes(app, 2)

    def change(conn):
        conn.execute(_EVENTS.update().where(_EVENTS.c.id == 2).values(action="nothing_to_see"))
        _rehash_from(conn, 2)

    rewrite_trail(app, change)
    with app.app_context():
        recorded = db.session.scalar(
            sa.select(AuditEvent.details).where(AuditEvent.action == "audit_verified")
        )
        now_hash = db.session.scalar(
            sa.select(AuditEvent.hash).where(AuditEvent.id == checkpoint_through)
        )
    assert recorded["through_hash"] != now_hash  # the trail contradicts its own checkpoint
    result = verify_trail(client, auditor)
    assert result["ok"] is False, result
    assert (result["first_broken_id"], result["reason"]) == (
        checkpoint_through,
        "event's hash is not the one an earlier walk found good",
    )


@pytest.mark.app_config({"AUDIT_VERIFY_LIVE_LIMIT": LIMIT})
def test_a_forged_checkpoint_cannot_skip_events_after_the_real_one(app, client, auditor):
    """A request walks on from the latest checkpoint. Pointing that checkpoint's
    `through_id` past its own event (no genuine walk can record an event newer than
    its own) must not let a request skip a changed event after the genuine checkpoint."""
    append_probes(app, 10)
    with app.app_context():
        assert run_job(AUDIT_VERIFY, now=NOW).outcome == "succeeded"
    checkpoint_event = _newest_id(app)
    append_probes(app, 2)
    changed = checkpoint_event + 1
    newest = _newest_id(app)

    def change(conn):
        conn.execute(
            _EVENTS.update().where(_EVENTS.c.id == changed).values(action="nothing_to_see")
        )
        _forge_walk(conn, checkpoint_event, through=newest)

    rewrite_trail(app, change)
    result = verify_trail(client, auditor)
    assert result["ok"] is False, result
    assert (result["first_broken_id"], result["reason"]) == (
        checkpoint_event,
        "a recorded walk names an event not older than itself",
    )


def test_a_truncated_tail_is_found(app, client, auditor):
    """The scheduler's walk recorded (in job_runs, outside the chain) that the trail was
    good through event N. Deleting the newest events, down to below N, leaves a shorter
    chain that is consistent in itself; verification must notice that events it already
    found good have gone."""
    append_probes(app, 6)
    with app.app_context():
        run = run_job(AUDIT_VERIFY, now=NOW)
    assert run.outcome == "succeeded"
    walked_through = run.counts["through_id"]
    append_probes(app, 3)
    keep = walked_through - 2

    def change(conn):
        conn.execute(
            sa.delete(AuditEventRecord.__table__).where(
                AuditEventRecord.__table__.c.event_id > keep
            )
        )
        conn.execute(sa.delete(_EVENTS).where(_EVENTS.c.id > keep))

    rewrite_trail(app, change)
    assert _newest_id(app) == keep
    result = verify_trail(client, auditor)
    assert result["ok"] is False, result
    assert (result["first_broken_id"], result["reason"]) == (
        keep + 1,
        "the trail ends before an event an earlier walk found good",
    )


def test_an_event_inserted_mid_trail_and_rehashed_is_found(app, client, auditor):
    """An event slipped in between two others (later ids moved up one, hashes recomputed)
    makes every later hash differ from what the recorded walk found good."""
    append_probes(app, 5)
    assert verify_trail(client, auditor)["ok"] is True
    append_probes(app, 2)

    def change(conn):
        newest = conn.execute(sa.select(sa.func.max(_EVENTS.c.id))).scalar_one()
        links = AuditEventRecord.__table__
        for event_id in range(newest, 2, -1):  # make room at id 3
            conn.execute(_EVENTS.update().where(_EVENTS.c.id == event_id).values(id=event_id + 1))
            conn.execute(
                links.update().where(links.c.event_id == event_id).values(event_id=event_id + 1)
            )
        row = conn.execute(sa.select(*_EVENTS.columns).where(_EVENTS.c.id == 2)).one()._asdict()
        conn.execute(
            _EVENTS.insert().values(
                {**row, "id": 3, "action": "login", "hash": "x" * 64, "prev_hash": "x" * 64}
            )
        )
        _rehash_from(conn, 3)

    rewrite_trail(app, change)
    result = verify_trail(client, auditor)
    assert result["ok"] is False, result


def test_a_forged_stopped_walk_cannot_let_the_whole_walk_skip_the_trail(app):
    """The scheduler carries on a whole walk stopped short from the event it stopped at.
    A walk record whose `through_id` is not even behind its own event (no genuine walk can
    record that) must not let the daily whole walk start at the newest event and bless a
    trail with a changed event in it."""
    append_probes(app, 10)
    with app.app_context():
        assert run_job(AUDIT_VERIFY, now=NOW).outcome == "succeeded"
    latest_walk = _newest_id(app)
    append_probes(app, 1)
    newest = _newest_id(app)

    def change(conn):
        conn.execute(_EVENTS.update().where(_EVENTS.c.id == 2).values(action="nothing_to_see"))
        _forge_walk(conn, latest_walk, through=newest, complete=False)

    rewrite_trail(app, change)
    with app.app_context():
        run = run_job(AUDIT_VERIFY, now=NOW.replace(hour=10))
    assert run.outcome == "succeeded"
    assert run.counts["ok"] is False, run.counts
    assert run.counts["first_broken_id"] == latest_walk
