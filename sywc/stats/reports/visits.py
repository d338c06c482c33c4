"""Visit compliance: the visits that fell due in the period and whether they were made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from sywc.extensions import db
from sywc.stats.reports.base import BoroughCounts, Context, Report, publish_counts
from sywc.stats.reports.schedule import OUTCOMES, due_visits
from sywc.stats.reports.snapshot import RAGS
from sywc.stats.sql import median_by
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

# (n, median days overdue) of missed visits, by rating and ALL.
Medians = dict[str, tuple[int | None, float | None]]

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


def _summary(due: Any) -> sa.CompoundSelect[Any]:
    """Select the counts by borough, rating and outcome and the medians, in one statement.

    The due visits are worked out once (a CTE) for all three aggregates: the schedule
    windows are the expensive part, and one snapshot keeps counts and medians consistent.
    """
    text, number = sa.String(16), sa.Float()
    counts = sa.select(
        sa.literal("count", text).label("kind"),
        due.c.borough,
        due.c.rating,
        due.c.outcome,
        sa.func.count().label("n"),
        sa.cast(sa.null(), number).label("median"),
    ).group_by(due.c.borough, due.c.rating, due.c.outcome)
    missed = (
        sa.select(due.c.rating, due.c.days_overdue)
        .where(due.c.outcome == OUTCOMES[1])
        .subquery("missed")
    )
    by_rag = median_by(missed, "days_overdue", ["rating"]).subquery("by_rag")
    overall = median_by(missed, "days_overdue").subquery("overall")
    medians = [
        sa.select(
            sa.literal("median", text),
            sa.cast(sa.null(), text),
            rating,
            sa.cast(sa.null(), text),
            source.c.n,
            source.c.median,
        )
        for source, rating in ((by_rag, by_rag.c.rating), (overall, sa.literal(ALL, text)))
    ]
    return sa.union_all(counts, *medians)


def _read(due: Any) -> tuple[BoroughCounts, Medians]:
    """Run the summary: due-visit counts per borough, and the medians of missed visits."""
    counts: BoroughCounts = {}
    medians: Medians = {}
    for kind, borough, rating, outcome, n, value in db.session.execute(_summary(due)):
        if kind == "median":
            medians[rating] = (n, value)
            continue
        key = cell("due_visits", rag=str(rating), outcome=str(outcome))
        into = counts.setdefault(borough, {})
        into[key] = into.get(key, 0) + int(n)
    return counts, medians


def _figures(ctx: Context, published: Published, medians: Medians) -> list[dict[str, Any]]:
    """Return the on-time shares and median days overdue, by rating and overall."""

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
    counts, medians = _read(due_visits(ctx))
    published, layout = publish_counts(ctx, _layout, counts)
    tables = [count_table(t, published) for t in layout.tables]
    return Report(tables + _figures(ctx, published, medians), [DEFINITION, OVERDUE_NOTE])
