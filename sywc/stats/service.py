"""Statistics requests: check scope and period, compute one report in SQL, audit, commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import current_app

from sywc.audit import service as audit
from sywc.extensions import db
from sywc.security import Principal
from sywc.stats.period import Period, resolve_period
from sywc.stats.reports import REPORTS
from sywc.stats.reports.base import Context, Report
from sywc.stats.scope import Scope, resolve_scope
from sywc.stats.suppression import SUPPRESSED


def _consistent_snapshot() -> None:
    """Start the statistics transaction on one snapshot of the data.

    A report is several aggregate queries whose tables must add up to the same totals;
    under PostgreSQL's default isolation each statement could see a different moment.
    (SQLite transactions already hold the database for their whole length.)
    """
    if db.session.get_bind().dialect.name == "postgresql":
        # Only the sign-in check has read anything yet; nothing is lost by ending it.
        db.session.rollback()
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _record(name: str, scope: Scope, period: Period, *, export: bool) -> None:
    """Queue the audit event: which figures were asked for, never the figures themselves."""
    audit.record(
        "stats_exported" if export else "stats_viewed",
        record_type="statistics",
        record_id=name,
        details={
            "table": name,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "boroughs": list(scope.boroughs),
            "ward": scope.ward,
            "suppressed": scope.suppressed,
            "format": "csv" if export else "json",
        },
    )


def get_statistics(
    name: str,
    *,
    principal: Principal,
    start: date | None,
    end: date | None,
    borough: str | None,
    ward: str | None = None,
    export: bool,
    today: date,
) -> dict[str, Any]:
    """Compute a statistics report for the caller's boroughs and record that it was read."""
    build: Callable[[Context], Report] = REPORTS[name]
    scope = resolve_scope(principal, borough=borough, ward=ward)
    period = resolve_period(start, end, whole_months=scope.suppressed, today=today)
    _consistent_snapshot()
    report = build(Context(scope, period, today, current_app.config))
    # End the snapshot before auditing: the audit chain must be extended from the latest
    # committed event, which a REPEATABLE READ snapshot taken earlier cannot see.
    db.session.rollback()
    _record(name, scope, period, export=export)
    db.session.commit()
    return {
        "report": name,
        "period": period.as_dict(),
        "boroughs": list(scope.boroughs),
        "ward": scope.ward,
        "suppression": {
            "applied": scope.suppressed,
            "threshold": scope.threshold,
            "marker": SUPPRESSED,
        },
        "notes": report.notes,
        "tables": report.tables,
    }
