"""The scan: open the alerts that should exist, resolve those whose cause has gone.

It starts by bringing each stored next visit due in line with the cadence in force, so
that a deployment's new cadence reaches the records nobody has touched since.

Set-based by design: each alert type costs the same few statements (UPDATE ... WHERE,
INSERT ... SELECT) whatever the size of the cohort, and no row of a young person is ever
loaded into Python. The unique partial index on unresolved alerts is the last word on
"at most one open alert per subject and type"; every insert defers to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, aliased

from sywc.alerts.causes import CARRIED, Cause, ScanRules, causes
from sywc.alerts.enums import UNRESOLVED, AlertEventKind, AlertStatus
from sywc.alerts.models import Alert, AlertEvent
from sywc.audit import service as audit
from sywc.database import UTCDateTime, upsert_insert
from sywc.extensions import db
from sywc.youths.service.tracking import realign_schedules

# Any constant works; it names the lock that queues concurrent scans on PostgreSQL.
SCAN_LOCK = 0x5957_4341_5343  # "SYWCASC"
RESOLVED_BY_SCAN = "cause_cleared"
_EVENT_COLUMNS = ("alert_id", "event", "at", "job_run_id")


@dataclass
class ScanResult:
    """What one scan changed: alerts counted per type, and the records rescheduled."""

    opened: dict[str, int] = field(default_factory=dict)
    resolved: dict[str, int] = field(default_factory=dict)
    escalated: dict[str, int] = field(default_factory=dict)
    # Unresolved alerts whose agency to act changed.
    reassigned: dict[str, int] = field(default_factory=dict)
    # Young people whose stored next visit due was brought in line with the cadence.
    rescheduled: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (
            any(self.opened.values())
            or any(self.resolved.values())
            or any(self.escalated.values())
            or any(self.reassigned.values())
            or bool(self.rescheduled)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "resolved": self.resolved,
            "escalated": self.escalated,
            "reassigned": self.reassigned,
            "rescheduled": len(self.rescheduled),
        }


def scan(
    *,
    now: datetime,
    session: Session | None = None,
    job_run_id: int | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> ScanResult:
    """Bring the alerts in line with the data as of `now`, record the changes, commit."""
    target = session or db.session
    rules = ScanRules.from_config(current_app.config, now=now)
    result = apply_scan(target, rules=rules, now=now, job_run_id=job_run_id)
    if result.rescheduled:
        audit.record(
            "visit_schedules_realigned",
            record_type="youth",
            record_ids=result.rescheduled,
            actor=actor,
            now=now,
            details={"cadence_days": dict(rules.cadence_days), "as_of": rules.today.isoformat()},
            session=target,
        )
    if result.changed:
        audit.record(
            "alerts_scanned",
            record_type="alert",
            actor=actor,
            now=now,
            details={**result.as_dict(), "as_of": rules.today.isoformat()},
            session=target,
        )
    target.commit()
    return result


def apply_scan(
    session: Session, *, rules: ScanRules, now: datetime, job_run_id: int | None
) -> ScanResult:
    """Realign stored schedules, then open, escalate and resolve alerts; never commits."""
    if session.get_bind().dialect.name == "postgresql":
        # Concurrent scans queue here instead of racing over the same rows (and
        # deadlocking); SQLite's BEGIN IMMEDIATE already serialises writers.
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(SCAN_LOCK)))
    # First, so that every cause below reads due dates under the cadence in force: one
    # set after a deployment changes it, under the same lock as the rest of the scan.
    result = ScanResult(rescheduled=realign_schedules(session=session, rules=rules.schedule))
    every = causes(rules)
    # Subjects before alerts, the order in which every write that resolves an alert takes
    # its locks (the record, then its alerts): opening locks the subjects it opens for,
    # so doing it before any alert row is touched leaves no cycle to deadlock on.
    for cause in every:
        result.opened[str(cause.type)] = _open_missing(session, cause, now=now)
    for cause in every:
        current = cause.rows.subquery(f"due_{cause.type}")
        result.resolved[str(cause.type)] = _resolve_cleared(session, cause, current, now=now)
        escalated, reassigned = _carry_changes(
            session, cause, current, now=now, job_run_id=job_run_id
        )
        result.escalated[str(cause.type)] = escalated
        result.reassigned[str(cause.type)] = reassigned
    _record_openings(session, job_run_id=job_run_id)
    _record_resolutions(session, now=now, job_run_id=job_run_id)
    return result


def _unresolved(cause: Cause) -> list[Any]:
    return [
        Alert.type == cause.type,
        Alert.subject_type == cause.subject_type,
        Alert.status.in_(UNRESOLVED),
    ]


def _resolve_cleared(session: Session, cause: Cause, current: Any, *, now: datetime) -> int:
    """Resolve this type's alerts whose subject is no longer due."""
    stmt = (
        sa.update(Alert)
        .where(
            *_unresolved(cause),
            # NOT EXISTS, not NOT IN: PostgreSQL plans it as a hash anti-join, where NOT IN
            # over a set larger than work_mem rescans the due set once per open alert.
            ~sa.exists().where(current.c.subject_id == Alert.subject_id),
        )
        .values(status=AlertStatus.RESOLVED, resolved_at=now, resolution=RESOLVED_BY_SCAN)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount


def _carry_changes(
    session: Session, cause: Cause, current: Any, *, now: datetime, job_run_id: int | None
) -> tuple[int, int]:
    """Carry changes of the subject onto its unresolved alert, recording each escalation
    and each change of the agency to act; return how many of each."""
    if session.get_bind().dialect.name == "postgresql":
        return _carry_changes_in_one(session, cause, current, now=now, job_run_id=job_run_id)
    # Each statement below computes the cause's subjects again (a join with `current`):
    # fine for SQLite's small deployments, one statement instead of three on PostgreSQL.
    escalated = (
        _record_event_where(
            session,
            cause,
            current,
            AlertEventKind.ESCALATED,
            _rising(current),
            now=now,
            job_run_id=job_run_id,
        )
        if cause.escalates
        else 0
    )
    reassigned = _record_event_where(
        session,
        cause,
        current,
        AlertEventKind.REASSIGNED,
        _moving(current),
        now=now,
        job_run_id=job_run_id,
    )
    session.execute(_refresh(cause, current))
    return escalated, reassigned


def _rising(current: Any, alert: Any = Alert) -> Any:
    return current.c.escalation_level > alert.escalation_level


def _moving(current: Any, alert: Any = Alert) -> Any:
    return alert.agency.is_distinct_from(current.c.agency)


def _record_event_where(
    session: Session,
    cause: Cause,
    current: Any,
    kind: AlertEventKind,
    condition: Any,
    *,
    now: datetime,
    job_run_id: int | None,
) -> int:
    """Record a `kind` event for each unresolved alert of this cause meeting `condition`."""
    rows = sa.select(
        Alert.id,
        sa.literal(str(kind)),
        sa.literal(now, UTCDateTime()),
        sa.literal(job_run_id, sa.Integer),
    ).where(*_unresolved(cause), Alert.subject_id == current.c.subject_id, condition)
    stmt = sa.insert(AlertEvent).from_select(_EVENT_COLUMNS, rows)
    return session.execute(stmt.execution_options(preserve_rowcount=True)).rowcount


def _refresh(cause: Cause, current: Any) -> Any:
    """The UPDATE that carries changes of the subject (due date, level, agency, owner)
    onto its unresolved alert.

    An acknowledgement answers the alert as it stood: an escalation, or a new agency to
    act, is news it did not cover, so such an alert is open again, unacknowledged (its
    events keep who acknowledged it and when).
    """
    news = sa.or_(_rising(current), _moving(current))
    return (
        sa.update(Alert)
        .where(
            *_unresolved(cause),
            Alert.subject_id == current.c.subject_id,
            sa.or_(*(getattr(Alert, name).is_distinct_from(current.c[name]) for name in CARRIED)),
        )
        .values(
            {name: current.c[name] for name in CARRIED}
            | {
                "status": sa.case((news, str(AlertStatus.OPEN)), else_=Alert.status),
                "acknowledged_at": sa.case((news, sa.null()), else_=Alert.acknowledged_at),
                "acknowledged_by_id": sa.case((news, sa.null()), else_=Alert.acknowledged_by_id),
            }
        )
        .execution_options(synchronize_session=False)
    )


def _carry_changes_in_one(
    session: Session, cause: Cause, current: Any, *, now: datetime, job_run_id: int | None
) -> tuple[int, int]:
    """`_refresh` and the events it calls for, in one PostgreSQL statement.

    The UPDATE joins each alert to itself as it was (`before`: the statement's snapshot,
    taken before any row is changed) and returns what rose or moved; the INSERT around it
    records the events. So the cause's subjects are computed once, not three times.
    """
    before = aliased(Alert, name="before")
    changed = (
        _refresh(cause, current)
        .where(before.id == Alert.id)
        .returning(
            Alert.id,
            (_rising(current, before) if cause.escalates else sa.false()).label("rose"),
            _moving(current, before).label("moved"),
        )
        .cte("changed")
    )
    at, run = sa.literal(now, UTCDateTime()), sa.literal(job_run_id, sa.Integer)
    events = sa.union_all(
        sa.select(changed.c.id, sa.literal(str(AlertEventKind.ESCALATED)), at, run).where(
            changed.c.rose
        ),
        sa.select(changed.c.id, sa.literal(str(AlertEventKind.REASSIGNED)), at, run).where(
            changed.c.moved
        ),
    )
    stmt = sa.insert(AlertEvent).from_select(_EVENT_COLUMNS, events).returning(AlertEvent.event)
    kinds = list(session.scalars(stmt))
    return kinds.count(AlertEventKind.ESCALATED), kinds.count(AlertEventKind.REASSIGNED)


def _open_missing(session: Session, cause: Cause, *, now: datetime) -> int:
    """Insert an alert for each due subject that has no unresolved one yet.

    The write that removes a cause (acknowledging the referral, recording the visit)
    resolves the subject's open alerts in its own transaction, but cannot see an alert
    this scan has inserted and not yet committed; and at READ COMMITTED this statement
    judges the subject by a snapshot taken when it starts, before such a write commits.
    So each subject is locked as its alert is opened (FOR SHARE, after the anti-join:
    only the subjects opened for): a write holding the subject makes this statement
    wait, then judge the committed row again, and a write that comes after waits for
    this scan to commit, then finds the alert and resolves it. SQLite needs no lock: the
    scan's transaction holds the database's write lock from its start.
    """
    subject_id = cause.rows.selected_columns.subject_id
    existing = aliased(Alert)
    missing = (
        cause.rows.with_only_columns(
            sa.literal(str(cause.type)),
            sa.literal(str(cause.subject_type)),
            *cause.rows.selected_columns,
            sa.literal(str(AlertStatus.OPEN)),
            sa.literal(now, UTCDateTime()),
            maintain_column_froms=True,
        )
        .where(
            ~sa.exists().where(
                existing.type == cause.type,
                existing.subject_type == cause.subject_type,
                existing.subject_id == subject_id,
                existing.status != AlertStatus.RESOLVED,
            )
        )
        # Each cause selects from its subject's table alone.
        .with_for_update(read=True, of=cause.rows.get_final_froms())
    )
    columns = ("type", "subject_type", "subject_id", *CARRIED, "status", "opened_at")
    insert = upsert_insert(session.get_bind().dialect.name)
    # A concurrent writer may have opened the same alert since our snapshot: the unique
    # partial index refuses the duplicate and DO NOTHING turns that into a no-op.
    stmt = (
        insert(Alert)
        .from_select(columns, missing)
        .on_conflict_do_nothing(
            index_elements=["type", "subject_type", "subject_id"],
            index_where=Alert.status != AlertStatus.RESOLVED,
        )
        .execution_options(preserve_rowcount=True)
    )
    return session.execute(stmt).rowcount


def _record_openings(session: Session, *, job_run_id: int | None) -> None:
    """Record an `opened` event for every unresolved alert that lacks one."""
    event = aliased(AlertEvent)
    rows = sa.select(
        Alert.id,
        sa.literal(str(AlertEventKind.OPENED)),
        Alert.opened_at,
        sa.literal(job_run_id, sa.Integer),
    ).where(
        Alert.status.in_(UNRESOLVED),
        ~sa.exists().where(event.alert_id == Alert.id, event.event == AlertEventKind.OPENED),
    )
    session.execute(sa.insert(AlertEvent).from_select(_EVENT_COLUMNS, rows))


def _record_resolutions(session: Session, *, now: datetime, job_run_id: int | None) -> None:
    """Record a `resolved` event for every alert this scan resolved."""
    event = aliased(AlertEvent)
    rows = sa.select(
        Alert.id,
        sa.literal(str(AlertEventKind.RESOLVED)),
        Alert.resolved_at,
        sa.literal(job_run_id, sa.Integer),
    ).where(
        Alert.status == AlertStatus.RESOLVED,
        Alert.resolved_at == now,
        Alert.resolution == RESOLVED_BY_SCAN,
        ~sa.exists().where(event.alert_id == Alert.id, event.event == AlertEventKind.RESOLVED),
    )
    session.execute(sa.insert(AlertEvent).from_select(_EVENT_COLUMNS, rows))
