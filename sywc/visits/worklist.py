"""The officers' worklist: who is due a visit soon, overdue first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from sywc import clock
from sywc.audit import service as audit
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.security import Principal
from sywc.visits.models import Visit
from sywc.visits.policies import present_visit
from sywc.youths import policies
from sywc.youths.enums import VisitOutcome, YouthStatus
from sywc.youths.models import Youth

DEFAULT_HORIZON = timedelta(days=7)
_COLUMNS = {
    "borough": Youth.borough,
    "agency": Youth.lead_agency,
    "officer_id": Youth.lead_officer_id,
    "ward": Youth.ward,
    "rag": Youth.rag,
}


@dataclass(frozen=True)
class DueVisit:
    """A worklist row: the young person (read through) and their latest attempt."""

    youth: Youth
    last_attempt: dict[str, Any] | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.youth, name)


# Built once: every worklist page reads its rows' latest attempts with it.
_RANKED_ATTEMPTS = (
    sa.select(
        Visit.id,
        sa.func.row_number()
        .over(partition_by=Visit.youth_id, order_by=(Visit.visited_at.desc(), Visit.id.desc()))
        .label("rank"),
    )
    .where(
        Visit.youth_id.in_(sa.bindparam("youth_ids", expanding=True)),
        Visit.outcome != VisitOutcome.SEEN,
    )
    .subquery()
)
_LAST_ATTEMPTS = (
    sa.select(Visit)
    .join(_RANKED_ATTEMPTS, _RANKED_ATTEMPTS.c.id == Visit.id)
    .where(_RANKED_ATTEMPTS.c.rank == 1)
)


def _last_attempts(youth_ids: list[int]) -> dict[int, Visit]:
    """Return each young person's latest visit that did not see them, in one query."""
    if not youth_ids:
        return {}
    visits = db.session.scalars(_LAST_ATTEMPTS, {"youth_ids": youth_ids})
    return {visit.youth_id: visit for visit in visits}


def list_due(
    *, principal: Principal, filters: dict[str, Any], page: int, limit: int, now: datetime
) -> Page:
    """List active records due a visit on or before a date, soonest (most overdue) first."""
    due_before = filters.get("due_before") or clock.business_date(now) + DEFAULT_HORIZON
    # One range scan on the stored due date (ix_youths_schedule): never the cohort in Python.
    stmt = policies.visible_youths(sa.select(Youth), principal).where(
        Youth.status == YouthStatus.ACTIVE, Youth.next_visit_due <= due_before
    )
    for name, column in _COLUMNS.items():
        if name in filters:
            stmt = stmt.where(column == filters[name])
    stmt = stmt.order_by(Youth.next_visit_due, Youth.id)
    result = paginate(db.session, stmt, page=page, limit=limit)
    attempts = _last_attempts([youth.id for youth in result.items])
    result.items = [
        DueVisit(y, present_visit(attempts[y.id], principal) if y.id in attempts else None)
        for y in result.items
    ]
    audit.record(
        "worklist_viewed",
        record_type="youth",
        record_ids=[row.youth.id for row in result.items],
        actor=principal,
        now=now,
        details={
            "filters": {k: str(v) for k, v in filters.items()},
            "due_before": due_before,
            "page": page,
        },
    )
    db.session.commit()
    return result
