"""Keep a record's stored schedule current, in the caller's transaction (never commits)."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta
from itertools import pairwise

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from sywc import clock
from sywc.extensions import db
from sywc.visits.models import Visit
from sywc.youths import schedule_sql
from sywc.youths.enums import VisitOutcome, YouthStatus
from sywc.youths.models import RagAssessment, Youth, YouthStatusChange
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


def redecide_reopenings(youth: Youth, *, dated: date, rules: ScheduleRules) -> bool:
    """Decide the record's reopenings again from its history if an entry dated `dated`
    reaches back to a closure; tell whether it did.

    A seen visit entered late, or a rating dated in the past, on or before a day the
    record was closed can show that the visit in hand then was not missed after all (or
    was). One dated while the record was closed dates a visit that falls due after the
    closing day, so while it was closed: due on the day it came back, as the board's
    figures have it. Each reopening is decided in turn as `mark_reopened` decided it,
    with the rating in force and the last seen visit before its reopening day as now
    recorded, and the previous decision: closures chain. Call it before changing the
    record: its reads flush the new entry, and the record is written once.
    """
    closed_last = youth.last_closed_on
    if closed_last is None:
        return False
    # Past the last closing day, an entry matters only if the reopening found the visit
    # in hand already missed: one decided not missed is due on the reopening day, where
    # anything dated while closed would put it too.
    due_on_reopening = youth.visits_due_from is not None and youth.visits_due_from > closed_last
    if dated > closed_last and due_on_reopening:
        return False
    closures = _closures(youth.id)
    if not closures or dated >= closures[-1][1]:
        return False
    before = [reopened_on - timedelta(days=1) for _, reopened_on in closures]
    ratings = _ratings_until(youth.id, before[-1])
    due_from = None
    for (closed_on, reopened_on), until, last_seen_on in zip(
        closures, before, _last_seen_on_each(youth.id, before), strict=True
    ):
        in_force = bisect_right(ratings, until, key=lambda rated: rated[0])
        # Imported records may have no rating dated by then: the stored one stands in.
        rated_on, rating = ratings[in_force - 1] if in_force else (youth.rag_assessed_on, youth.rag)
        due_from = _due_from_on_reopening(
            rating=rating,
            rated_on=rated_on,
            last_seen_on=last_seen_on,
            visits_due_from=due_from,
            closed_on=closed_on,
            reopened_on=reopened_on,
            rules=rules,
        )
    youth.visits_due_from = due_from
    return True


def _closures(youth_id: int) -> list[tuple[date, date]]:
    """Return each closure the record was reopened from: (day closed, day reopened)."""
    changes = db.session.execute(
        sa.select(YouthStatusChange.action, YouthStatusChange.changed_at)
        .where(YouthStatusChange.youth_id == youth_id)
        .order_by(YouthStatusChange.changed_at, YouthStatusChange.id)
    )
    days = [(action, clock.business_date(at)) for action, at in changes]
    return [
        (closed_on, reopened_on)
        for (was, closed_on), (then, reopened_on) in pairwise(days)
        if (was, then) == ("close", "reopen")
    ]


def _ratings_until(youth_id: int, day: date) -> list[tuple[date, str]]:
    """Return the record's ratings dated on or before `day`, the one in force last."""
    rated = db.session.execute(
        sa.select(RagAssessment.assessed_on, RagAssessment.rating)
        .where(RagAssessment.youth_id == youth_id, RagAssessment.assessed_on <= day)
        .order_by(RagAssessment.assessed_on, RagAssessment.id)
    )
    return [(assessed_on, rating) for assessed_on, rating in rated]


def _last_seen_on_each(youth_id: int, days: list[date]) -> list[date | None]:
    """Return the day of the last seen visit on or before each of `days` (one statement)."""
    last = [
        sa.select(sa.func.max(Visit.visited_at))
        .where(
            Visit.youth_id == youth_id,
            Visit.outcome == VisitOutcome.SEEN,
            Visit.visited_at < clock.day_start(day + timedelta(days=1)),
        )
        .scalar_subquery()
        for day in days
    ]
    row = db.session.execute(sa.select(*last)).one()
    return [None if at is None else clock.business_date(at) for at in row]


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
