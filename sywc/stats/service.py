"""Statistics requests: check scope and period, compute one report in SQL, audit, commit."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import date, datetime
from typing import Any

from flask import current_app

from sywc.audit import service as audit
from sywc.extensions import db
from sywc.security import Principal
from sywc.stats.period import Period, resolve_period
from sywc.stats.reports import FROM_TALLY, REPORTS
from sywc.stats.reports.base import Context, Report
from sywc.stats.rollups import RollupKey, Rollups, consistent_snapshot
from sywc.stats.schemas import TABLES
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
    scope = resolve_scope(principal, borough=borough, ward=ward)
    period = resolve_period(start, end, board=scope.suppressed, today=today)
    rollups = Rollups.for_request(current_app.config, now=now, today=today)
    kind = FROM_TALLY.get(name)
    if kind is None:
        # Counted in SQL on every request: every query of the report sees one snapshot.
        consistent_snapshot()
    ctx = Context(scope, period, today, current_app.config, rollups)
    report = _made_from_rollup(name, kind, ctx) if kind else _make(name, ctx)
    if kind is None or rollups.snapshot_taken:
        # End the snapshot before auditing: the audit chain must be extended from the
        # latest committed event, which a REPEATABLE READ snapshot cannot see.
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


# Reports made from a stored rollup, kept by each app (one per process), most recently
# used last. Such a report is a pure function of the rollup's counts, the scope and the
# period, so suppression (the costly part) runs once per rollup and scope rather than on
# every request.
MADE_FROM_ROLLUPS = 64
_made_lock = threading.Lock()


def _made() -> OrderedDict[Hashable, Report]:
    made: OrderedDict[Hashable, Report] = current_app.extensions.setdefault(
        "sywc.stats.made", OrderedDict()
    )
    return made


def _make(name: str, ctx: Context) -> Report:
    """Make report `name`, its tables dumped for the response once, here."""
    report = REPORTS[name](ctx)
    return Report(TABLES.dump(report.tables), report.notes)


def _made_from_rollup(name: str, kind: str, ctx: Context) -> Report:
    """Return report `name` of ctx, reusing the one made from the same stored rollup."""
    assert ctx.rollups is not None
    key = RollupKey.of(kind, ctx.scope, ctx.period)
    stored = ctx.rollups.stored(key)
    if stored is None:
        return _make(name, ctx)  # counted now: nothing to reuse
    scope = ctx.scope
    memo = (
        name,
        key,
        stored.id,
        stored.computed_at,
        ctx.period,
        ctx.today,
        scope.boroughs,
        scope.ward,
        scope.suppressed,
        tuple(sorted(scope.members.items())),
    )
    made = _made()
    with _made_lock:
        report = made.get(memo)
        if report is not None:
            made.move_to_end(memo)
            return report
    report = _make(name, ctx)
    if ctx.rollups.used.get(key) != stored:
        return report  # recounted while this request read it: keep the older one cached
    with _made_lock:
        made[memo] = report
        while len(made) > MADE_FROM_ROLLUPS:
            made.popitem(last=False)
    return report
