"""Keep a record's stored schedule current, in the caller's transaction (never commits)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from sywc.youths import schedule_sql
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
        visits_due_from=youth.visits_due_from,
    )


def mark_reopened(youth: Youth, *, closed_on: date | None, today: date) -> None:
    """Date a reopened record's visits from `today` unless the one in hand was already
    missed on the day it was closed.

    A visit not yet missed then (due later, or due within the grace) could not be made
    while the record was closed, so it is due the day it came back. One missed while the
    record was open stays missed, at its own date and escalation. The visit in hand is the
    one the record was due at when closed, so an earlier reopening's date counts too.
    """
    youth.visits_due_from = _due_from_on_reopening(
        rating=youth.rag,
        rated_on=youth.rag_assessed_on,
        last_seen_on=youth.last_seen_on,
        visits_due_from=youth.visits_due_from,
        closed_on=closed_on,
        reopened_on=today,
        rules=schedule_rules(),
    )


def _due_from_on_reopening(
    *,
    rating: str,
    rated_on: date,
    last_seen_on: date | None,
    visits_due_from: date | None,
    closed_on: date | None,
    reopened_on: date,
    rules: ScheduleRules,
) -> date | None:
    """Return the day visits are due from once reopened, given the record as it was closed."""
    due = next_visit_due(
        rating=rating,
        rated_on=rated_on,
        last_seen_on=last_seen_on,
        rules=rules,
        visits_due_from=visits_due_from,
    )
    if closed_on is None or not is_missed(due, today=closed_on, rules=rules):
        return reopened_on
    return visits_due_from


def realign_schedules(*, session: Session, rules: ScheduleRules) -> list[int]:
    """Store every record's next visit due under the rules in force; return the ids changed.

    A due date is stored under the cadence of the day it was computed. When a deployment
    changes its cadence, the records nobody has touched since would keep the old one, and
    a red child unseen past the new, shorter cadence would raise no missed-visit alert.
    """
    due = schedule_sql.next_visit_due(rules)
    stmt = (
        sa.update(Youth)
        # Only rows that differ are written: with an unchanged cadence, none.
        .where(Youth.next_visit_due.is_distinct_from(due))
        # A derived date, not an edit: no version bump (an officer's If-Match stays good,
        # as nothing they could edit moved) and no new `updated_at`.
        .values(next_visit_due=due, updated_at=Youth.updated_at)
        .returning(Youth.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(stmt))


def schedule_missed(youth: Youth, *, today: date, rules: ScheduleRules) -> bool:
    """Tell whether the record's stored schedule is missed as of `today`."""
    return is_missed(youth.next_visit_due, today=today, rules=rules)


def touch(youth: Youth, *, now: datetime) -> None:
    """Mark the record changed now (its version is bumped by the UPDATE)."""
    youth.updated_at = now
    youth.last_activity_at = now
