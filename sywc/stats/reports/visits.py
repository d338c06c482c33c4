"""Visit compliance: the visits that fell due in the period and whether they were made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from sywc.extensions import db
from sywc.stats.reports.base import (
    Context,
    Report,
    grouped,
    in_scope,
    publish_counts,
)
from sywc.stats.reports.snapshot import RAGS
from sywc.stats.sql import add_days, as_date, day, days_between, median_by
from sywc.stats.tables import (
    ALL,
    CountTable,
    Layout,
    Published,
    cell,
    count_table,
    measure_table,
    median,
    share,
)
from sywc.visits.models import Visit
from sywc.youths.models import RagAssessment, Youth

OUTCOMES = ("on_time", "missed")
DEFINITION = (
    "A visit falls due at every anchor of a young person's schedule: each day they were "
    "seen and each day a rating was given starts the wait for the next visit, due after "
    "the cadence of the rating then in force (the later of the last seen-visit and the "
    "current rating, plus the cadence). The due visit is on time when the next anchor is "
    "a seen-visit on or before the due date plus grace; superseded (not counted) when the "
    "next anchor is a new rating before then, since a new rating reschedules the visit; "
    "missed when neither happens by the due date plus grace and that day has passed. "
    "Visits due in the period are those whose due date falls in it and has been judged "
    "(due date plus grace before today); due dates after a record was closed do not count."
)
OVERDUE_NOTE = (
    "Days overdue run from the due date to the first seen-visit after it, or to today "
    "when the young person has not been seen since. Dates are UTC calendar dates."
)


def _layout(boroughs: Sequence[str]) -> Layout:
    return Layout(
        [
            CountTable(
                "due_visits_by_rag_and_outcome",
                "Visits due in the period, by the RAG rating they were due under and outcome",
                "due_visits",
                ("rag", "outcome"),
                (RAGS, OUTCOMES),
            )
        ]
    )


def _days(ctx: Context) -> Any:
    """One row per young person and schedule day: the last rating given that day, if
    any, and whether they were seen that day."""
    in_scope_ids = sa.select(Youth.id).where(*in_scope(ctx, Youth.borough, Youth.ward))
    rated = sa.select(
        RagAssessment.youth_id,
        RagAssessment.assessed_on.label("on"),
        RagAssessment.rating,
        RagAssessment.id.label("seq"),
    ).where(RagAssessment.youth_id.in_(in_scope_ids))
    # A record without any assessment row still has the rating stored on it.
    unrated = sa.select(
        Youth.id, Youth.rag_assessed_on, Youth.rag, sa.literal(0, sa.Integer)
    ).where(
        *in_scope(ctx, Youth.borough, Youth.ward),
        ~sa.exists().where(RagAssessment.youth_id == Youth.id),
    )
    ratings = sa.union_all(rated, unrated).subquery("ratings")
    ranked = sa.select(
        ratings.c.youth_id,
        ratings.c.on,
        ratings.c.rating,
        sa.func.row_number()
        .over(partition_by=(ratings.c.youth_id, ratings.c.on), order_by=ratings.c.seq.desc())
        .label("rn"),
    ).subquery("ranked")
    last_rating = sa.select(
        ranked.c.youth_id, ranked.c.on, ranked.c.rating, sa.literal(0, sa.Integer).label("seen")
    ).where(ranked.c.rn == 1)
    seen = sa.select(
        Visit.youth_id,
        as_date(Visit.visited_at),
        sa.cast(sa.null(), sa.String(8)),
        sa.literal(1, sa.Integer),
    ).where(Visit.outcome == "seen", Visit.youth_id.in_(in_scope_ids))
    events = sa.union_all(last_rating, seen).subquery("events")
    return (
        sa.select(
            events.c.youth_id,
            events.c.on,
            sa.func.max(events.c.rating).label("day_rating"),
            sa.func.max(events.c.seen).label("has_seen"),
        )
        .group_by(events.c.youth_id, events.c.on)
        .subquery("days")
    )


def _chain(days: Any) -> Any:
    """Give each schedule day its rating in force and what happened next, by window."""
    by_youth = {"partition_by": days.c.youth_id, "order_by": days.c.on}
    # Days since the last rating form one group; the group's rating is the one in force.
    grouped_days = sa.select(
        days,
        sa.func.count(days.c.day_rating).over(**by_youth, rows=(None, 0)).label("grp"),
    ).subquery("numbered")
    d = grouped_days.c
    return sa.select(
        d.youth_id,
        d.on,
        sa.func.max(d.day_rating).over(partition_by=(d.youth_id, d.grp)).label("rating"),
        sa.func.lead(d.on).over(partition_by=d.youth_id, order_by=d.on).label("next_on"),
        sa.func.lead(d.has_seen).over(partition_by=d.youth_id, order_by=d.on).label("next_seen"),
        sa.func.min(sa.case((d.has_seen == 1, d.on)))
        .over(partition_by=d.youth_id, order_by=d.on, rows=(1, None))
        .label("next_seen_on"),
    ).subquery("chain")


def due_visits(ctx: Context) -> Any:
    """Select every judged visit due in the period: borough, rating, outcome, days overdue."""
    chain = _chain(_days(ctx))
    c = chain.c
    cadence = ctx.config["VISIT_CADENCE_DAYS"]
    due = add_days(c.on, sa.case(*((c.rating == r, int(cadence[r])) for r in RAGS), else_=0))
    deadline = add_days(due, int(ctx.config["VISIT_GRACE_DAYS"]))
    answered = sa.and_(c.next_on.is_not(None), c.next_on <= deadline)
    outcome = sa.case(
        (sa.and_(answered, c.next_seen == 1), OUTCOMES[0]),
        (answered, "superseded"),
        (deadline < day(ctx.today), OUTCOMES[1]),
        else_="pending",
    )
    overdue = days_between(sa.func.coalesce(c.next_seen_on, day(ctx.today)), due)
    judged = (
        sa.select(
            Youth.borough,
            c.rating,
            outcome.label("outcome"),
            overdue.label("days_overdue"),
            due.label("due_on"),
        )
        .join(Youth, Youth.id == c.youth_id)
        .where(c.rating.is_not(None), sa.or_(Youth.closed_on.is_(None), due <= Youth.closed_on))
        .subquery("judged")
    )
    j = judged.c
    return (
        sa.select(j.borough, j.rating, j.outcome, j.days_overdue)
        .where(j.due_on >= day(ctx.period.start), j.due_on <= day(ctx.period.end))
        .where(j.outcome.in_(OUTCOMES))
        .subquery("due_visits")
    )


def _medians(due: Any) -> dict[str, tuple[int | None, float | None]]:
    """Return (n, median days overdue) of missed visits by rating, and overall ("all")."""
    missed = (
        sa.select(due.c.rating, due.c.days_overdue)
        .where(due.c.outcome == OUTCOMES[1])
        .subquery("missed")
    )
    by_rag = db.session.execute(median_by(missed, "days_overdue", ["rating"]))
    medians = {row.rating: (row.n, row.median) for row in by_rag}
    medians[ALL] = tuple(db.session.execute(median_by(missed, "days_overdue")).one())
    return medians


def _figures(ctx: Context, published: Published, due: Any) -> list[dict[str, Any]]:
    """Return the on-time shares and median days overdue, by rating and overall."""
    medians = _medians(due)

    def on_time(**condition: str) -> tuple[float | None, bool]:
        numerator = [cell("due_visits", outcome=OUTCOMES[0], **condition)]
        denominator = [cell("due_visits", outcome=o, **condition) for o in OUTCOMES]
        return share(published, numerator, denominator, minimum=ctx.scope.minimum)

    def overdue(**condition: str) -> tuple[float | None, bool]:
        n, value = medians.get(condition.get("rag", ALL), (0, None))
        counted = [cell("due_visits", outcome=OUTCOMES[1], **condition)]
        return median(published, counted, n, value, minimum=ctx.scope.threshold)

    return [
        measure_table(
            "on_time_share_by_rag",
            "Share of due visits made on time, by RAG rating",
            "share",
            ("rag",),
            [((r,), *on_time(rag=r)) for r in RAGS],
            on_time(),
        ),
        measure_table(
            "median_days_overdue_by_rag",
            "Median days overdue of missed visits (to the late visit, or to today)",
            "median_days",
            ("rag",),
            [((r,), *overdue(rag=r)) for r in RAGS],
            overdue(),
        ),
    ]


def visits_report(ctx: Context) -> Report:
    """Count due visits by RAG and outcome; give shares on time and median days overdue."""
    due = due_visits(ctx)
    stmt = sa.select(due.c.borough, due.c.rating, due.c.outcome, sa.func.count())
    stmt = stmt.group_by(due.c.borough, due.c.rating, due.c.outcome)
    counts = grouped(stmt, "due_visits", ("rag", "outcome"), {})
    published, layout = publish_counts(ctx, _layout, counts)
    tables = [count_table(t, published) for t in layout.tables]
    return Report(tables + _figures(ctx, published, due), [DEFINITION, OVERDUE_NOTE])
