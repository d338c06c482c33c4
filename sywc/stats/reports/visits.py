"""Visit compliance: the visits that fell due in the period and whether they were made."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from sywc.extensions import db
from sywc.stats.reports.base import (
    BoroughCounts,
    Context,
    Report,
    decode_counts,
    encode_counts,
    histogram_median,
    publish_counts,
    tallied,
)
from sywc.stats.reports.schedule import OUTCOMES, due_visits
from sywc.stats.reports.snapshot import RAGS
from sywc.stats.rollups import Tally
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
    "(due date plus grace before today). A visit that would fall due while the record "
    "was closed, or was due but not yet missed (still within the grace) on the day it "
    "was closed, does not count; if the record was reopened, it is due on the day it was "
    "reopened instead, unless it had been answered before then. A visit already missed "
    "on the day the record was closed stays missed from its own due date. A visit due on "
    "the day a record was reopened is judged on that day if a seen-visit or a new rating "
    "came before the record was closed again, and is due on the next reopening if the "
    "record was closed again before it was either made or missed."
)
OVERDUE_NOTE = (
    "Days overdue run from the due date to the first seen-visit after it, or to today "
    "when the young person has not been seen since. Dates are calendar dates in {zone} "
    "time."
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
    """Select the counts by borough, rating and outcome, and how many missed visits were
    how many days overdue, in one statement.

    The due visits are worked out once (a CTE) for both: the schedule windows are the
    expensive part, and one snapshot keeps counts and medians consistent. Days overdue are
    counted per borough so that a median can be taken over any boroughs asked for.
    """
    text = sa.String(16)
    counts = sa.select(
        sa.literal("count", text).label("kind"),
        due.c.borough,
        due.c.rating,
        due.c.outcome,
        sa.func.count().label("n"),
        sa.cast(sa.null(), sa.Integer).label("days"),
    ).group_by(due.c.borough, due.c.rating, due.c.outcome)
    overdue = (
        sa.select(
            sa.literal("overdue", text),
            due.c.borough,
            due.c.rating,
            sa.cast(sa.null(), text),
            sa.func.count(),
            due.c.days_overdue,
        )
        .where(due.c.outcome == OUTCOMES[1])
        .group_by(due.c.borough, due.c.rating, due.c.days_overdue)
    )
    return sa.union_all(counts, overdue)


def visits_tally(ctx: Context) -> Tally:
    """Count due visits per borough by rating and outcome, and missed ones by days overdue."""
    counts: BoroughCounts = {}
    overdue: list[list[Any]] = []
    for kind, borough, rating, outcome, n, days in db.session.execute(_summary(due_visits(ctx))):
        if kind == "overdue":
            overdue.append([borough, rating, round(days), int(n)])
            continue
        key = cell("due_visits", rag=str(rating), outcome=str(outcome))
        into = counts.setdefault(borough, {})
        into[key] = into.get(key, 0) + int(n)
    return {"counts": encode_counts(counts), "overdue": overdue}


def _medians(overdue: list[list[Any]], boroughs: Sequence[str]) -> Medians:
    """Return (n, median days overdue) of the missed visits of these boroughs, by rating."""
    histograms: dict[str, Counter[int]] = {}
    for borough, rating, days, n in overdue:
        if borough in boroughs:
            for key in (rating, ALL):
                histograms.setdefault(key, Counter())[days] += n
    return {key: histogram_median(h) for key, h in histograms.items()}


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
    tally = tallied(ctx, "visits", visits_tally)
    published, layout = publish_counts(ctx, _layout, decode_counts(tally["counts"]))
    medians = _medians(tally["overdue"], ctx.scope.boroughs)
    tables = [count_table(t, published) for t in layout.tables]
    notes = [DEFINITION, OVERDUE_NOTE.format(zone=ctx.zone)]
    return Report(tables + _figures(ctx, published, medians), notes)
