"""Date arithmetic that renders the same meaning on PostgreSQL and SQLite.

The scan computes due dates inside `INSERT ... SELECT`, so the arithmetic has to be SQL;
each construct names one rule and compiles to each dialect's idiom. Month addition
clamps to the month's last day on both (31 January + 1 month = 28/29 February), as
PostgreSQL does, so a retention date never differs between the two databases.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class as_date(FunctionElement[Any]):  # lower case: reads as the SQL function it is
    """The calendar date (UTC, as stored) of a timestamp or date expression."""

    type = sa.Date()
    name = "as_date"
    inherit_cache = True


class add_days(FunctionElement[Any]):
    """A date plus a whole number of days: add_days(date, days)."""

    type = sa.Date()
    name = "add_days"
    inherit_cache = True


class add_months(FunctionElement[Any]):
    """A date plus a whole number of months, clamped to the month's end."""

    type = sa.Date()
    name = "add_months"
    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: Any, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(as_date)
def _as_date(element: as_date, compiler: Any, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"CAST({value} AS DATE)"


@compiles(as_date, "sqlite")
def _as_date_sqlite(element: as_date, compiler: Any, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"date({value})"


@compiles(add_days)
def _add_days(element: add_days, compiler: Any, **kw: Any) -> str:
    value, days = _args(element, compiler, **kw)
    return f"CAST({value} + CAST({days} AS INTEGER) AS DATE)"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    value, days = _args(element, compiler, **kw)
    return f"date({value}, printf('%+d days', {days}))"


@compiles(add_months)
def _add_months(element: add_months, compiler: Any, **kw: Any) -> str:
    value, months = _args(element, compiler, **kw)
    return f"CAST({value} + make_interval(months => CAST({months} AS INTEGER)) AS DATE)"


@compiles(add_months, "sqlite")
def _add_months_sqlite(element: add_months, compiler: Any, **kw: Any) -> str:
    value, months = _args(element, compiler, **kw)
    # The same day of the target month, or that month's last day when it is shorter.
    same_day = (
        f"date({value}, 'start of month', printf('%+d months', {months}), "
        f"printf('%+d days', CAST(strftime('%d', {value}) AS INTEGER) - 1))"
    )
    month_end = f"date({value}, 'start of month', printf('%+d months', {months} + 1), '-1 day')"
    return f"min({same_day}, {month_end})"
