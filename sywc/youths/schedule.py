"""The visit schedule rule, pure: no database, no clock, no application.

Next visit due = the later of (the last visit where the young person was seen, the date
the current rating was given) + the cadence of the current rating. A visit is missed when
today is past the due date plus the grace period. A closed record has no schedule. A
visit not yet missed on the day it was closed is due the day it is reopened
(`visits_due_from`), not missed weeks before it; one already missed when it was closed
stays missed from its own date.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class ScheduleRules:
    """A deployment's cadence by rating and grace period, in days."""

    cadence_days: Mapping[str, int]
    grace_days: int = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ScheduleRules:
        """Read the rules from application settings (at call time, never at import)."""
        return cls(dict(config["VISIT_CADENCE_DAYS"]), int(config["VISIT_GRACE_DAYS"]))


def next_visit_due(
    *,
    rating: str,
    rated_on: date,
    last_seen_on: date | None,
    rules: ScheduleRules,
    visits_due_from: date | None = None,
) -> date:
    """Return the date the next visit is due under the current rating."""
    base = rated_on if last_seen_on is None else max(rated_on, last_seen_on)
    due = base + timedelta(days=rules.cadence_days[rating])
    return due if visits_due_from is None else max(due, visits_due_from)


def is_missed(next_due: date | None, *, today: date, rules: ScheduleRules) -> bool:
    """Tell whether the visit due on `next_due` is missed as of `today`."""
    if next_due is None:
        return False
    return today > next_due + timedelta(days=rules.grace_days)


def days_overdue(next_due: date | None, *, today: date, rules: ScheduleRules) -> int:
    """Return how many days past its due date a missed visit is (0 when not missed)."""
    if next_due is None or not is_missed(next_due, today=today, rules=rules):
        return 0
    return (today - next_due).days


def missed_before(today: date, rules: ScheduleRules) -> date:
    """Return the date a due date must fall before for the visit to be missed `today`.

    Lets "who is overdue" be one range condition on the indexed `next_visit_due` column.
    """
    return today - timedelta(days=rules.grace_days)


def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping to the end of a shorter month (31 Aug + 6 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(date_of_birth: date, day: date) -> int:
    """Return a person's age in whole years on `day`."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)
