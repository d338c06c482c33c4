"""What every report needs: its context, scope filters and grouped counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from config.reference import BOROUGHS
from sywc import clock
from sywc.alerts.sqldates import local_date
from sywc.extensions import db
from sywc.stats.period import Period
from sywc.stats.rollups import RollupKey, Rollups, Tallier, Tally
from sywc.stats.scope import Scope
from sywc.stats.tables import Cell, Layout, Published, cell, layouts_for, publish

OTHER = "other"
# Counts per borough: borough -> cell -> count.
BoroughCounts = dict[str, dict[Cell, int]]


@dataclass(frozen=True)
class Context:
    """One statistics request: whose figures, over which days, as of which day."""

    scope: Scope
    period: Period
    today: date
    config: Mapping[str, Any]
    # Where stored counts come from and fresh ones go; None: always count on the spot.
    rollups: Rollups | None = None

    @property
    def zone(self) -> str:
        """Return the business timezone, in which a stored timestamp falls on a day."""
        return clock.zone_name(self.config)

    def day_of(self, timestamp: Any) -> Any:
        """Return the business date of a timestamp column, as SQL."""
        return local_date(timestamp, self.zone)


@dataclass
class Report:
    """The published tables of a report and the definitions a reader needs."""

    tables: list[dict[str, Any]]
    notes: list[str]


def in_scope(ctx: Context, borough: Any, ward: Any = None) -> list[ColumnElement[bool]]:
    """Return the conditions restricting rows to the boroughs (and ward) being counted."""
    conditions = [borough.in_(ctx.scope.counted_boroughs)]
    if ward is not None and ctx.scope.ward is not None:
        conditions.append(ward == ctx.scope.ward)
    return conditions


def bucket(column: Any, categories: Iterable[str], fallback: str) -> Any:
    """Map a column to its category, and any value outside the list to `fallback`.

    A value outside the reference list must still be counted somewhere, or the totals
    would silently leave children out.
    """
    return sa.case((column.in_(list(categories)), column), else_=sa.literal(fallback))


def grouped(stmt: Any, population: str, dims: Sequence[str], into: BoroughCounts) -> BoroughCounts:
    """Run a `borough, dims..., n` GROUP BY query and add its counts to `into`."""
    for row in db.session.execute(stmt):
        borough, *values, n = row
        key = cell(population, **{d: str(v) for d, v in zip(dims, values, strict=True)})
        counts = into.setdefault(borough, {})
        counts[key] = counts.get(key, 0) + int(n)
    return into


def one_query_per_table(
    base: Any, population: str, dims: Iterable[str], into: BoroughCounts
) -> BoroughCounts:
    """Count `base` (a subquery with borough and dimension columns) once per dimension."""
    for dim in dims:
        column = base.c[dim]
        stmt = sa.select(base.c.borough, column, sa.func.count()).group_by(base.c.borough, column)
        grouped(stmt, population, (dim,), into)
    return into


def publish_counts(
    ctx: Context, build: Callable[[Sequence[str]], Layout], counts: BoroughCounts
) -> tuple[Published, Layout]:
    """Suppress (for board members) and return the requested node's figures and tables."""
    scope = ctx.scope
    layouts = layouts_for(build, scope.members)
    published = publish(layouts, scope.members, counts, node=scope.node, threshold=scope.threshold)
    return published, layouts[scope.node]


def ward_categories(boroughs: Sequence[str]) -> tuple[str, ...]:
    """Return the wards of these boroughs in reference order, then OTHER."""
    return (*(w.code for b in BOROUGHS for w in b.wards if b.code in boroughs), OTHER)


def all_wards() -> list[str]:
    return [w.code for b in BOROUGHS for w in b.wards]


def tallied(ctx: Context, kind: str, count: Tallier) -> Tally:
    """Return the counts `count(ctx)` makes, from a fresh rollup when there is one."""
    if ctx.rollups is None:
        return count(ctx)
    return ctx.rollups.tally(RollupKey.of(kind, ctx.scope, ctx.period), count, ctx)


def encode_counts(counts: BoroughCounts) -> list[list[Any]]:
    """Return counts as JSON: [borough, population, [[dimension, value], ...], n] rows."""
    return [
        [borough, population, [list(c) for c in conditions], n]
        for borough, cells in counts.items()
        for (population, conditions), n in cells.items()
    ]


def decode_counts(rows: Iterable[list[Any]]) -> BoroughCounts:
    """Return the counts `encode_counts` encoded."""
    counts: BoroughCounts = {}
    for borough, population, conditions, n in rows:
        key = (population, tuple((d, v) for d, v in conditions))
        counts.setdefault(borough, {})[key] = int(n)
    return counts


def histogram_median(histogram: Mapping[int, int]) -> tuple[int, float | None]:
    """Return (n, median) of values given as value -> how many: the middle value, or the
    mean of the middle two."""
    n = sum(histogram.values())
    if not n:
        return 0, None
    wanted = {(n + 1) // 2, (n + 2) // 2}
    middle: list[int] = []
    seen = 0
    for value in sorted(histogram):
        before, seen = seen, seen + histogram[value]
        middle += [value for rank in sorted(wanted) if before < rank <= seen]
    return n, sum(middle) / len(middle)


def value_counts(measure: str, values: sa.Subquery) -> list[list[Any]]:
    """Count a subquery of (borough, value) rows as [measure, borough, value, n] rows: a
    histogram per borough, kept in a tally, from which `medians` takes the median over
    exactly the boroughs asked for."""
    stmt = sa.select(values.c.borough, values.c.value, sa.func.count()).group_by(
        values.c.borough, values.c.value
    )
    return [
        [measure, borough, int(value), int(n)] for borough, value, n in db.session.execute(stmt)
    ]


def medians(
    rows: Iterable[Sequence[Any]], boroughs: Sequence[str], measures: Iterable[str]
) -> dict[str, tuple[int, float | None]]:
    """Return (n, median) per measure over these boroughs, from `value_counts` rows."""
    histograms: dict[str, Counter[int]] = {measure: Counter() for measure in measures}
    for measure, borough, value, n in rows:
        if borough in boroughs:
            histograms[measure][value] += n
    return {measure: histogram_median(h) for measure, h in histograms.items()}
