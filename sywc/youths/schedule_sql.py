"""The visit schedule rule of `schedule.py` as SQL, for work over the whole cohort at once.

The stored `youths.next_visit_due` and the board's visit compliance are both this rule:
the scan brings the stored column in line with it, and the statistics recompute it over
the rating history, so a deployment's cadence means the same thing in an alert, on the
worklist and in the board's figures.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from sywc.alerts.sqldates import add_days
from sywc.youths.enums import Rag, YouthStatus
from sywc.youths.models import Youth
from sywc.youths.schedule import ScheduleRules


def cadence_of(rating: Any, rules: ScheduleRules) -> ColumnElement[int]:
    """Return the cadence in days of a rating expression (0 for an unknown rating)."""
    return sa.case(*((rating == str(r), int(rules.cadence_days[r])) for r in Rag), else_=0)


def due_after(anchor: Any, rating: Any, rules: ScheduleRules) -> ColumnElement[date]:
    """Return the day a visit falls due after `anchor` (a rating or a seen-visit day)."""
    return add_days(anchor, cadence_of(rating, rules))


def next_visit_due(rules: ScheduleRules) -> ColumnElement[date | None]:
    """Return a record's next visit due under the rules, from its own columns."""
    # CASE rather than greatest()/max(): SQLite's max() of a NULL last-seen day is NULL.
    anchor = sa.case(
        (Youth.last_seen_on > Youth.rag_assessed_on, Youth.last_seen_on),
        else_=Youth.rag_assessed_on,
    )
    due = due_after(anchor, Youth.rag, rules)
    return sa.case(
        (Youth.status == YouthStatus.CLOSED, sa.null()),
        (Youth.visits_due_from > due, Youth.visits_due_from),
        else_=due,
    )
