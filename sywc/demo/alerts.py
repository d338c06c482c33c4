"""Demo alerts: one scan as of the demo's moment, over the rows the other steps made."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from sywc.alerts.causes import ScanRules, retention_reviews
from sywc.alerts.enums import UNRESOLVED
from sywc.alerts.models import Alert
from sywc.alerts.scan import apply_scan
from sywc.demo import DemoContext
from sywc.visits.models import Visit
from sywc.youths.enums import YouthStatus
from sywc.youths.models import RagAssessment, Youth, YouthStatusChange

RETENTION_EXAMPLES = 2


def build(ctx: DemoContext) -> None:
    """Open the alerts the demo data calls for, as the scheduler would at its first run."""
    rules = ScanRules.from_config(current_app.config, now=ctx.now)
    # Active records past their review-by date are due too; the example is of a closure.
    closed_due = retention_reviews(rules).where(Youth.status == YouthStatus.CLOSED)
    due = sa.select(sa.func.count()).select_from(closed_due.subquery())
    if not ctx.session.scalar(due):
        _age_closed_records(ctx, months=rules.retention_months)
    apply_scan(ctx.session, rules=rules, now=ctx.now, job_run_id=None)
    counts = ctx.session.execute(
        sa.select(Alert.type, sa.func.count())
        .where(Alert.status.in_(UNRESOLVED))
        .group_by(Alert.type)
    ).all()
    for alert_type, count in counts:
        ctx.summary[f"alerts_{alert_type}"] = count


def _age_closed_records(ctx: DemoContext, *, months: int) -> None:
    """Move a few closed records, with their whole history, back past the retention period.

    A partnership that has run for years holds records closed long ago, which is what the
    retention review exists for; a freshly generated cohort has none.
    """
    closed = ctx.session.scalars(
        sa.select(Youth)
        .where(Youth.status == YouthStatus.CLOSED, Youth.closed_on.is_not(None))
        .order_by(Youth.id)
        .limit(RETENTION_EXAMPLES)
    ).all()
    for youth in closed:
        closed_on = youth.closed_on or ctx.today
        shift = timedelta(days=(ctx.today - closed_on).days + months * 31 + 30)
        for name in (
            "date_of_birth",
            "entered_on",
            "closed_on",
            "review_by",
            "rag_assessed_on",
            "last_seen_on",
            "last_attempt_at",
            "last_activity_at",
            "created_at",
            "updated_at",
        ):
            if getattr(youth, name) is not None:
                setattr(youth, name, getattr(youth, name) - shift)
        for model, names in (
            (Visit, ("visited_at", "created_at")),
            (RagAssessment, ("assessed_on", "created_at")),
            (YouthStatusChange, ("changed_at",)),
        ):
            for row in ctx.session.scalars(sa.select(model).where(model.youth_id == youth.id)):
                for name in names:
                    setattr(row, name, getattr(row, name) - shift)
    ctx.session.flush()
