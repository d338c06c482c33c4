"""Statistics requests: check scope and period, compute one report in SQL, audit, commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import current_app

from sywc.audit import service as audit
from sywc.extensions import db
from sywc.security import Principal
from sywc.stats.period import Period, resolve_period
from sywc.stats.reports import REPORTS
from sywc.stats.reports.base import Context, Report
from sywc.stats.rollups import Rollups, consistent_snapshot
from sywc.stats.scope import Scope, resolve_scope
from sywc.stats.suppression import SUPPRESSED


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
    now: datetime,
) -> dict[str, Any]:
    """Compute a statistics report for the caller's boroughs and record that it was read.

    The counts come from a fresh rollup when there is one (see `sywc.stats.rollups`);
    those counted on the spot are stored for the next request.
    """
    build: Callable[[Context], Report] = REPORTS[name]
    scope = resolve_scope(principal, borough=borough, ward=ward)
    period = resolve_period(start, end, whole_months=scope.suppressed, today=today)
    rollups = Rollups.for_request(current_app.config, now=now, today=today)
    consistent_snapshot()
    report = build(Context(scope, period, today, current_app.config, rollups))
    # End the snapshot before auditing: the audit chain must be extended from the latest
    # committed event, which a REPEATABLE READ snapshot taken earlier cannot see.
    db.session.rollback()
    rollups.save()
    _record(name, scope, period, export=export)
    db.session.commit()
    return {
        "report": name,
        "as_of": rollups.as_of,
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
