"""Date arithmetic that renders the same meaning on PostgreSQL and SQLite.

The scan computes due dates inside `INSERT ... SELECT`, so the arithmetic has to be SQL;
each construct names one rule and compiles to each dialect's idiom. Month addition
clamps to the month's last day on both (31 January + 1 month = 28/29 February), as
PostgreSQL does, so a retention date never differs between the two databases. A
timestamp's date is its business day, in the configured timezone, on both: PostgreSQL
converts with its own timezone database, SQLite calls Python's (`sqlite_local_date`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from sywc.clock import local_day


class local_date(FunctionElement[Any]):  # lower case: reads as the SQL function it is
    """The business date of a stored (UTC) timestamp: local_date(timestamp, zone name).

    A visit at 00:30 in London in summer is 23:30 UTC the day before: its day is the
    one the officer lived, in the deployment's timezone, not UTC's.
    """

    type = sa.Date()
    name = "local_date"
    inherit_cache = True

    def __init__(self, timestamp: Any, zone: str, **kw: Any) -> None:
        super().__init__(timestamp, sa.literal(zone, sa.String()), **kw)


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


@compiles(local_date)
def _local_date(element: local_date, compiler: Any, **kw: Any) -> str:
    value, zone = _args(element, compiler, **kw)
    # Stored timestamps are UTC without a zone: read them as UTC, then as local time there.
    return f"CAST(({value} AT TIME ZONE 'UTC') AT TIME ZONE {zone} AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: Any, **kw: Any) -> str:
    value, zone = _args(element, compiler, **kw)
    return f"{SQLITE_LOCAL_DATE}({value}, {zone})"


# SQLite has no timezone database: each connection is given this function (`sywc.engine`).
SQLITE_LOCAL_DATE = "sywc_local_date"


# (database URL, zone) pairs found known: the answer does not change while a process runs.
_ZONES_KNOWN: set[tuple[str, str]] = set()
_PG_KNOWS_ZONE = sa.text("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = :zone)")


def database_knows_zone(connection: sa.Connection, zone: str) -> bool:
    """Tell whether the database can take dates in `zone`: PostgreSQL has a timezone
    database of its own, which may lack a zone Python's knows (the settings check only
    Python's); on SQLite, `sqlite_local_date` uses Python's."""
    if connection.dialect.name == "sqlite":
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return False
        return True
    key = (connection.engine.url.render_as_string(hide_password=True), zone)
    if key not in _ZONES_KNOWN:
        # pg_timezone_names reads the zone files (20 to 70 ms): asked once per process.
        if not connection.scalar(_PG_KNOWS_ZONE, {"zone": zone}):
            return False
        _ZONES_KNOWN.add(key)
    return True


def sqlite_local_date(stamp: str | None, zone: str) -> str | None:
    """Return the date (YYYY-MM-DD) in `zone` of a timestamp SQLite stores as UTC text."""
    if stamp is None:
        return None
    moment = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
    return local_day(moment, ZoneInfo(zone)).isoformat()


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
