"""Closing and reopening cohort records (senior officers, with a reason)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from sywc import clock
from sywc.alerts.resolve import resolve_alerts
from sywc.audit import service as audit
from sywc.errors import Conflict
from sywc.extensions import db
from sywc.security import Principal
from sywc.youths import policies
from sywc.youths.enums import YouthStatus
from sywc.youths.models import Youth, YouthStatusChange
from sywc.youths.schedule import add_months
from sywc.youths.service.checks import check_age
from sywc.youths.service.tracking import mark_reopened, reschedule, schedule_rules, touch

# Alerts that make no sense for someone no longer in the cohort.
CLOSING_RESOLVES = ("missed_visit", "rag_review_due")


def _change_status(
    youth: Youth, *, action: str, reason: str, principal: Principal, now: datetime
) -> None:
    db.session.add(
        YouthStatusChange(
            youth_id=youth.id,
            action=action,
            reason=reason,
            changed_by_id=principal.id,
            changed_at=now,
        )
    )
    reschedule(youth, rules=schedule_rules())
    touch(youth, now=now)


def close_youth(*, principal: Principal, youth_id: int, reason: str, now: datetime) -> Youth:
    """Take a young person out of the cohort: no schedule, no missed-visit alerts."""
    youth = policies.get_visible_youth(principal, youth_id, for_update=True)
    if youth.status == YouthStatus.CLOSED:
        raise Conflict("The record is already closed.")
    youth.status = YouthStatus.CLOSED
    youth.closed_on = youth.last_closed_on = clock.business_date(now)
    _change_status(youth, action="close", reason=reason, principal=principal, now=now)
    resolved = resolve_alerts(
        subject_type="youth",
        subject_id=youth.id,
        types=CLOSING_RESOLVES,
        now=now,
        resolution="closed",
        actor_id=principal.user_id,
    )
    audit.record(
        "youth_closed",
        record_type="youth",
        record_id=youth.id,
        actor=principal,
        now=now,
        details={"alerts_resolved": resolved},
    )
    db.session.commit()
    return youth


def reopen_youth(*, principal: Principal, youth_id: int, reason: str, now: datetime) -> Youth:
    """Bring a closed record back into the cohort and onto the schedule."""
    youth = policies.get_visible_youth(principal, youth_id, for_update=True)
    if youth.status == YouthStatus.ACTIVE:
        raise Conflict("The record is not closed.")
    today = clock.business_date(now)
    # Bringing someone back is a new entry into the cohort, which is for ages 10 to 25.
    check_age(youth.date_of_birth, on=today, occasion="on reopening")
    youth.status = YouthStatus.ACTIVE
    closed_on, youth.closed_on = youth.closed_on, None
    # A visit not yet missed when it was closed is due today, not missed weeks ago.
    mark_reopened(youth, closed_on=closed_on, today=today)
    # Reopening is a fresh decision to hold this child's data: it earns a fresh review date.
    youth.review_by = add_months(today, current_app.config["COHORT_REVIEW_MONTHS"])
    _change_status(youth, action="reopen", reason=reason, principal=principal, now=now)
    audit.record(
        "youth_reopened",
        record_type="youth",
        record_id=youth.id,
        actor=principal,
        now=now,
        details={"next_visit_due": youth.next_visit_due},
    )
    db.session.commit()
    return youth
