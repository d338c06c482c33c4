"""Use cases of visits: record one (and move the schedule), list a record's visits."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from sywc import clock
from sywc.alerts.resolve import resolve_alerts
from sywc.audit import service as audit
from sywc.errors import Conflict, ValidationFailed
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.security import Principal
from sywc.visits.models import Visit, VisitOfficer
from sywc.visits.policies import present_visit
from sywc.youths import policies
from sywc.youths.enums import VisitOutcome, YouthStatus
from sywc.youths.models import Youth
from sywc.youths.service.checks import check_visiting_officers
from sywc.youths.service.tracking import (
    redecide_reopenings,
    reschedule,
    schedule_missed,
    schedule_rules,
    touch,
)

# Officers' devices and the server disagree by a little; more than this is a typo.
CLOCK_SKEW = timedelta(minutes=5)


def _later(current: Any, candidate: Any) -> Any:
    return candidate if current is None else max(current, candidate)


def _move_schedule(youth: Youth, visit: Visit, *, today: date) -> bool:
    """Apply a visit to the stored schedule; tell whether it cured a missed visit."""
    rules = schedule_rules()
    if visit.outcome != VisitOutcome.SEEN:
        youth.last_attempt_at = _later(youth.last_attempt_at, visit.visited_at)
        return False
    # Schedule dates are business days, like the clock the overdue checks use: a visit at
    # 00:30 in London is on that London day. A visit dated before the last one seen never
    # moves the schedule backwards.
    seen_on = clock.business_date(visit.visited_at)
    # Seen on or before a day the record was closed, or while it was, and entered since it
    # was reopened: the visit in hand then may not have been missed after all.
    redecide_reopenings(youth, dated=seen_on, rules=rules)
    youth.last_seen_on = _later(youth.last_seen_on, seen_on)
    reschedule(youth, rules=rules)
    # A late-entered old visit does not cure today's missed visit.
    return not schedule_missed(youth, today=today, rules=rules)


def _apply_visit(youth: Youth, visit: Visit, *, now: datetime) -> int:
    """Move the schedule for a new visit; return how many alerts it resolved."""
    # The schedule before anything else changes: a visit reaching back to a closure reads
    # the history, which must find the record as it was (it is written once).
    cured = _move_schedule(youth, visit, today=clock.business_date(now))
    touch(youth, now=now)
    # One flush for every change to the record: one UPDATE, one new version.
    db.session.flush()
    if not cured:
        return 0
    return resolve_alerts(
        subject_type="youth",
        subject_id=youth.id,
        types=("missed_visit",),
        now=now,
        resolution="visit_recorded",
        actor_id=visit.author_id,
    )


def _check_visited_at(youth: Youth, visited_at: datetime, *, now: datetime) -> None:
    # The skew forgives a device's clock, not a day: just before midnight, a few minutes
    # ahead is tomorrow's business day, which would date the last seen-visit (and the
    # next due date) a day late, as no rating may be dated.
    if visited_at > now + CLOCK_SKEW or clock.business_date(visited_at) > clock.business_date(now):
        raise ValidationFailed.field("visited_at", "Must not be in the future.")
    # As for a rating: the record's visits are the cohort's work with the young person,
    # which starts when they enter it (and no one is visited before they were born).
    if clock.business_date(visited_at) < youth.entered_on:
        raise ValidationFailed.field(
            "visited_at",
            f"Must not be before the record entered the cohort ({youth.entered_on.isoformat()}).",
        )


def record_visit(
    *, principal: Principal, youth_id: int, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Record a visit or attempt; a seen visit moves the schedule in the same transaction."""
    youth = policies.get_visible_youth(principal, youth_id, for_update=True)
    if youth.status == YouthStatus.CLOSED:
        raise Conflict("The record is closed; a closed record is not visited.")
    _check_visited_at(youth, data["visited_at"], now=now)
    check_visiting_officers(data["officer_ids"], borough=youth.borough, recorded_by=principal)
    visit = Visit(
        youth_id=youth.id,
        visited_at=data["visited_at"],
        outcome=data["outcome"],
        notes=data["notes"],
        restricted=data["restricted"],
        author_id=principal.id,
        author_agency=principal.agency,
        created_at=now,
        officer_links=[VisitOfficer(user_id=uid) for uid in sorted(data["officer_ids"])],
    )
    db.session.add(visit)
    resolved = _apply_visit(youth, visit, now=now)
    audit.record(
        "visit_recorded",
        record_type="youth",
        record_id=youth.id,
        actor=principal,
        now=now,
        details={
            "visit_id": visit.id,
            "outcome": visit.outcome,
            "restricted": visit.restricted,
            "officer_ids": visit.officer_ids,
            "alerts_resolved": resolved,
        },
    )
    db.session.commit()
    return {**present_visit(visit, principal), "schedule": youth}


def list_visits(
    *,
    principal: Principal,
    youth_id: int,
    outcome: str | None,
    page: int,
    limit: int,
    now: datetime,
) -> Page:
    """List a record's visits, newest first, as the caller may see them (audited)."""
    youth = policies.get_visible_youth(principal, youth_id)
    stmt = sa.select(Visit).where(Visit.youth_id == youth.id)
    if outcome is not None:
        stmt = stmt.where(Visit.outcome == outcome)
    stmt = stmt.order_by(Visit.visited_at.desc(), Visit.id.desc())
    result = paginate(db.session, stmt, page=page, limit=limit)
    result.items = [present_visit(visit, principal) for visit in result.items]
    audit.record(
        "visits_viewed",
        record_type="youth",
        record_id=youth.id,
        actor=principal,
        now=now,
        details={"visit_ids": [item["id"] for item in result.items]},
    )
    db.session.commit()
    return result
