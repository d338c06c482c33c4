"""RAG assessments: an append-only history whose newest entry sets the schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from sywc import clock
from sywc.alerts.resolve import resolve_alerts
from sywc.audit import service as audit
from sywc.errors import Conflict, ValidationFailed
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.security import Principal
from sywc.youths import policies
from sywc.youths.enums import YouthStatus
from sywc.youths.models import RagAssessment, Youth
from sywc.youths.service.tracking import (
    redecide_reopenings,
    reschedule,
    schedule_missed,
    schedule_rules,
    touch,
)


@dataclass(frozen=True)
class RecordedAssessment:
    """A new assessment, whether it became the current rating, and the record after it."""

    assessment: RagAssessment
    current: bool
    schedule: Youth

    def __getattr__(self, name: str) -> Any:
        return getattr(self.assessment, name)


def _check_date(youth: Youth, assessed_on: date, today: date) -> None:
    if assessed_on > today:
        raise ValidationFailed.field("assessed_on", "Must not be in the future.")
    if assessed_on < youth.entered_on:
        raise ValidationFailed.field(
            "assessed_on", "Must not be before the record entered the cohort."
        )


def _review_passed(assessment: RagAssessment, *, today: date) -> bool:
    """Tell whether a rating is already older than its review period (RAG_REVIEW_*_DAYS).

    A rating entered late can be the newest and still be past its review, as the scan
    judges it: it does not answer the review the alert asks for, just as a late-entered
    old visit does not cure a missed one.
    """
    period = current_app.config["RAG_REVIEW_DAYS"][assessment.rating]
    return assessment.assessed_on + timedelta(days=period) < today


def _apply_rating(youth: Youth, assessment: RagAssessment, *, now: datetime) -> tuple[bool, int]:
    """Make the rating current if it is the newest; return (current, alerts resolved)."""
    # The newest id wins a tie on the date, and a new row always has the newest id.
    current = assessment.assessed_on >= youth.rag_assessed_on
    rules = schedule_rules()
    # Dated on or before a day the record was closed: even a rating no longer current was
    # in force then, and the visit in hand that day may have been missed or not after all.
    redecided = redecide_reopenings(youth, dated=assessment.assessed_on, rules=rules)
    touch(youth, now=now)
    if current:
        youth.rag, youth.rag_assessed_on = assessment.rating, assessment.assessed_on
    if current or redecided:
        reschedule(youth, rules=rules)
    # One flush for every change to the record: one UPDATE, one new version.
    db.session.flush()
    if not (current or redecided):
        return False, 0
    today = clock.business_date(now)
    types = []
    if current and not _review_passed(assessment, today=today):
        types.append("rag_review_due")
    if not schedule_missed(youth, today=today, rules=rules):
        types.append("missed_visit")
    if not types:
        return current, 0
    resolved = resolve_alerts(
        subject_type="youth",
        subject_id=youth.id,
        types=types,
        now=now,
        resolution="rag_assessed",
        actor_id=assessment.assessed_by_id,
    )
    return current, resolved


def record_assessment(
    *,
    principal: Principal,
    youth_id: int,
    rating: str,
    rationale: str,
    assessed_on: date | None,
    now: datetime,
) -> RecordedAssessment:
    """Append a rating; the newest, or one dated back to a closure, reschedules the visits."""
    today = clock.business_date(now)
    youth = policies.get_visible_youth(principal, youth_id, for_update=True)
    if youth.status == YouthStatus.CLOSED:
        raise Conflict("The record is closed; reopen it before rating it.")
    assessed_on = assessed_on or today
    _check_date(youth, assessed_on, today)
    assessment = RagAssessment(
        youth_id=youth.id,
        rating=rating,
        rationale=rationale,
        assessed_on=assessed_on,
        assessed_by_id=principal.id,
        created_at=now,
    )
    db.session.add(assessment)
    current, resolved = _apply_rating(youth, assessment, now=now)
    audit.record(
        "rag_assessed",
        record_type="youth",
        record_id=youth.id,
        actor=principal,
        now=now,
        details={
            "assessment_id": assessment.id,
            "rating": rating,
            "current": current,
            "alerts_resolved": resolved,
        },
    )
    db.session.commit()
    return RecordedAssessment(assessment, current, youth)


def list_assessments(
    *, principal: Principal, youth_id: int, page: int, limit: int, now: datetime
) -> Page:
    """List a record's rating history, newest (current) first; the read is audited."""
    youth = policies.get_visible_youth(principal, youth_id)
    stmt = (
        sa.select(RagAssessment)
        .where(RagAssessment.youth_id == youth.id)
        .order_by(RagAssessment.assessed_on.desc(), RagAssessment.id.desc())
    )
    result = paginate(db.session, stmt, page=page, limit=limit)
    audit.record(
        "rag_assessments_viewed",
        record_type="youth",
        record_id=youth.id,
        actor=principal,
        now=now,
        details={"assessment_ids": [a.id for a in result.items]},
    )
    db.session.commit()
    return result
