"""Rows inserted straight through the models, for tests that need data but not the API.

Defaults are plausible and valid; pass keyword overrides for what a test is about.
Every factory runs inside the caller's app context and flushes (the caller commits).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sywc import clock
from sywc.extensions import db
from sywc.incidents.models import Incident, Involvement
from sywc.pvs.models import PvsAction, PvsMeeting
from sywc.referrals.models import Referral
from sywc.visits.models import Visit, VisitOfficer
from sywc.youths.models import RagAssessment, Youth, YouthCohort

CADENCE = {"red": 7, "amber": 30, "green": 91}


def youth(
    *,
    lead_officer_id: int | None = None,
    assessed_by_id: int | None = None,
    other_cohorts: tuple[str, ...] = (),
    **overrides: Any,
) -> Youth:
    """Insert an active young person with a first RAG assessment and a consistent schedule.

    A `next_visit_due` asked for is reached as the rule reaches it, from a seen-visit a
    cadence before (and a rating no later), so the scan's realignment keeps it.
    """
    today = clock.today()
    rag = overrides.pop("rag", "amber")
    due = overrides.get("next_visit_due")
    if due is not None and "last_seen_on" not in overrides:
        overrides["last_seen_on"] = due - timedelta(days=CADENCE[rag])
    last_seen = overrides.pop("last_seen_on", None)
    rated_on = overrides.pop("rag_assessed_on", None)
    if rated_on is None:
        rated_on = min(d for d in (today - timedelta(days=3), last_seen) if d is not None)
    base = max(d for d in (rated_on, last_seen) if d is not None)
    if due is not None and due != base + timedelta(days=CADENCE[rag]):
        raise ValueError(f"next_visit_due {due} does not follow from the rating and visits")
    values: dict[str, Any] = {
        "borough": "WCC",
        "first_name": "Test",
        "last_name": "Person",
        "name_key": "person test",
        "date_of_birth": date(today.year - 16, 5, 1),
        "gender": "male",
        "ethnicity": "not_known",
        "ward": "church_street",
        "address": "1 Example Street",
        "lead_agency": "MPS",
        "lead_officer_id": lead_officer_id,
        "cohort_reason": "at_risk",
        "status": "active",
        "entered_on": rated_on,
        "review_by": today + timedelta(days=180),
        "rag": rag,
        "rag_assessed_on": rated_on,
        "last_seen_on": last_seen,
        "next_visit_due": base + timedelta(days=CADENCE[rag]),
        "last_activity_at": clock.utcnow(),
    }
    values.update(overrides)
    record = Youth(**values, cohort_links=[YouthCohort(cohort=c) for c in other_cohorts])
    db.session.add(record)
    db.session.flush()
    if assessed_by_id is not None:
        db.session.add(
            RagAssessment(
                youth_id=record.id,
                rating=rag,
                rationale="Initial rating",
                assessed_on=rated_on,
                assessed_by_id=assessed_by_id,
                created_at=clock.utcnow(),
            )
        )
        db.session.flush()
    return record


def visit(
    *,
    youth_id: int,
    author_id: int,
    author_agency: str = "MPS",
    officer_ids: list[int] | None = None,
    **overrides: Any,
) -> Visit:
    values: dict[str, Any] = {
        "visited_at": clock.utcnow() - timedelta(hours=2),
        "outcome": "seen",
        "notes": None,
        "restricted": False,
        "created_at": clock.utcnow(),
    }
    values.update(overrides)
    record = Visit(
        youth_id=youth_id,
        author_id=author_id,
        author_agency=author_agency,
        officer_links=[VisitOfficer(user_id=u) for u in (officer_ids or [author_id])],
        **values,
    )
    db.session.add(record)
    db.session.flush()
    return record


def referral(
    *, youth_id: int | None, created_by_id: int | None = None, **overrides: Any
) -> Referral:
    now = clock.utcnow()
    values: dict[str, Any] = {
        "borough": "WCC",
        "from_agency": "MPS",
        "to_agency": "IGXU",
        "reason_codes": ["criminal_exploitation"],
        "urgency": "standard",
        "summary": "Concern about exploitation",
        "lawful_basis": "public_task",
        "consent": None,
        "status": "submitted",
        "submitted_at": now,
        "acknowledge_by": clock.business_date(now) + timedelta(days=3),
        "created_at": now,
        "updated_at": now,
    }
    values.update(overrides)
    record = Referral(youth_id=youth_id, created_by_id=created_by_id, **values)
    db.session.add(record)
    db.session.flush()
    return record


def incident(
    *, created_by_id: int, youths: list[tuple[int, str]] = (), **overrides: Any
) -> Incident:
    values: dict[str, Any] = {
        "borough": "WCC",
        "occurred_at": clock.utcnow() - timedelta(days=2),
        "type": "stabbing",
        "ward": "church_street",
        "location": "Near the market",
        "summary": "A stabbing",
    }
    values.update(overrides)
    record = Incident(
        created_by_id=created_by_id,
        involvements=[Involvement(youth_id=y, role=r) for y, r in youths],
        **values,
    )
    db.session.add(record)
    db.session.flush()
    return record


def meeting(*, incident_id: int, chair_id: int, **overrides: Any) -> PvsMeeting:
    values: dict[str, Any] = {
        "borough": "WCC",
        "held_at": clock.utcnow() - timedelta(days=1),
        "created_by_id": chair_id,
    }
    values.update(overrides)
    record = PvsMeeting(incident_id=incident_id, chair_id=chair_id, **values)
    db.session.add(record)
    db.session.flush()
    return record


def action(*, meeting_id: int, owner_id: int, created_by_id: int, **overrides: Any) -> PvsAction:
    values: dict[str, Any] = {
        "borough": "WCC",
        "description": "Engage with family",
        "type": "engage",
        "agency": "MPS",
        "due_on": clock.today() + timedelta(days=7),
        "status": "open",
    }
    values.update(overrides)
    record = PvsAction(
        meeting_id=meeting_id, owner_id=owner_id, created_by_id=created_by_id, **values
    )
    db.session.add(record)
    db.session.flush()
    return record


def at(day: date, hour: int = 12) -> datetime:
    """Return an aware UTC datetime at `hour` on `day`."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.utcnow().tzinfo)
