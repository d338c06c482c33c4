"""Keep a record's stored schedule current, in the caller's transaction (never commits)."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from sywc.youths.enums import YouthStatus
from sywc.youths.models import Youth
from sywc.youths.schedule import ScheduleRules, is_missed, next_visit_due


def schedule_rules() -> ScheduleRules:
    """Return this deployment's cadence and grace."""
    return ScheduleRules.from_config(current_app.config)


def reschedule(youth: Youth, *, rules: ScheduleRules) -> None:
    """Store the next visit due under the rule; a closed record leaves the schedule."""
    if youth.status == YouthStatus.CLOSED:
        youth.next_visit_due = None
        return
    youth.next_visit_due = next_visit_due(
        rating=youth.rag,
        rated_on=youth.rag_assessed_on,
        last_seen_on=youth.last_seen_on,
        rules=rules,
    )


def schedule_missed(youth: Youth, *, today: date, rules: ScheduleRules) -> bool:
    """Tell whether the record's stored schedule is missed as of `today`."""
    return is_missed(youth.next_visit_due, today=today, rules=rules)


def touch(youth: Youth, *, now: datetime) -> None:
    """Mark the record changed now (its version is bumped by the UPDATE)."""
    youth.updated_at = now
    youth.last_activity_at = now
