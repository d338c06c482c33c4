"""Date arithmetic and medians written once for SQLite and PostgreSQL.

Statistics are computed by the database (GROUP BY), so date differences, working days
and medians must be SQL expressions that both databases evaluate the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

# The scan's date arithmetic, shared so a due date means the same in an alert and a figure.
from sywc.alerts.sqldates import add_days as add_days
from sywc.alerts.sqldates import local_date as local_date

# A Monday long before any record: weekday arithmetic counts whole weeks from here.
_MONDAY_EPOCH = date(1900, 1, 1)


class days_between(FunctionElement[int]):
    """Whole days from the second date to the first (later - earlier)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


def day(value: date) -> ColumnElement[date]:
    """Bind a date so both databases compare and subtract it as a date."""
    return sa.literal(value, sa.Date())


def _weekdays_to(day_expr: Any) -> ColumnElement[int]:
    """Count the weekdays from the epoch Monday up to and including the given date."""
    offset = days_between(day_expr, day(_MONDAY_EPOCH))
    in_week = offset % 7
    return 5 * (offset // 7) + sa.case((in_week >= 5, 5), else_=in_week + 1)


def working_days(start: Any, end: Any, holidays: Iterable[date]) -> ColumnElement[int]:
    """Count working days after `start` up to and including `end` (weekdays less bank holidays)."""
    weekdays = _weekdays_to(end) - _weekdays_to(start)
    weekday_holidays = sorted(h for h in set(holidays) if h.weekday() < 5)
    if not weekday_holidays:
        return weekdays
    # A sum of comparisons keeps the calendar inside the one statement, on both databases.
    taken = sum(
        (sa.case((sa.and_(start < day(h), day(h) <= end), 1), else_=0) for h in weekday_holidays),
        start=sa.literal(0),
    )
    return weekdays - taken


class month_of(FunctionElement[str]):
    """The calendar month of a date, as YYYY-MM."""

    type = sa.String()
    inherit_cache = True


@compiles(month_of)
def _month_of_default(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"
