"""The cohort at the end of the period: one constraint system for three reports.

The cohort, overlap and disproportionality reports publish different tables of the same
children (the active cohort shares one total), so they are computed and suppressed
together and each publishes its part: a figure is withheld the same way in all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from config.reference import (
    AGENCY_CODES,
    COHORTS,
    ETHNICITY_CODES,
)
from sywc.extensions import db
from sywc.stats.period import years_before
from sywc.stats.reports.base import (
    OTHER,
    BoroughCounts,
    Context,
    all_wards,
    bucket,
    decode_counts,
    encode_counts,
    grouped,
    in_scope,
    one_query_per_table,
    publish_counts,
    tallied,
    ward_categories,
)
from sywc.stats.rollups import Tally
from sywc.stats.tables import CountTable, Layout, Published, Relation, cell
from sywc.youths.enums import CohortReason, Gender, Rag
from sywc.youths.models import RagAssessment, Youth, YouthCohort

RAGS = tuple(r.value for r in Rag)
REASONS = tuple(r.value for r in CohortReason)
GENDERS = tuple(g.value for g in Gender)
AGE_BANDS = ("under_18", "18_and_over")
COHORT_COUNTS = ("0", "1", "2", "3_or_more")
MEMBERSHIPS = cell("memberships")
EXCESS = cell("memberships_beyond_three")


def layout(boroughs: Sequence[str]) -> Layout:
    """Return the tables about the active cohort of these boroughs, and how they relate."""
    count = cell("active", number_of_other_cohorts=COHORT_COUNTS[1])
    two = cell("active", number_of_other_cohorts=COHORT_COUNTS[2])
    three = cell("active", number_of_other_cohorts=COHORT_COUNTS[3])
    members = tuple(cell("active", cohort=c) for c in COHORTS)
    relations = [
        Relation(MEMBERSHIPS, members),
        # Memberships = 1 x n1 + 2 x n2 + 3 x n3+ + the memberships beyond a third:
        # a reader can work this out, so suppression must know it too.
        Relation(MEMBERSHIPS, (count, two, two, three, three, three, EXCESS)),
        *(
            Relation(cell("active"), (cell("active", cohort=c), cell("active", not_cohort=c)))
            for c in COHORTS
        ),
    ]
    internal = [MEMBERSHIPS, EXCESS, *(cell("active", not_cohort=c) for c in COHORTS)]
    return Layout(_tables(boroughs), relations, internal)


def _tables(boroughs: Sequence[str]) -> list[CountTable]:
    def one(name: str, title: str, dim: str, categories: Sequence[str]) -> CountTable:
        return CountTable(name, title, "active", (dim,), (tuple(categories),))

    return [
        one("rag", "Active cohort by RAG rating", "rag", RAGS),
        one("gender", "Active cohort by gender", "gender", GENDERS),
        one("age_band", "Active cohort by age band", "age_band", AGE_BANDS),
        one("ward", "Active cohort by ward", "ward", ward_categories(boroughs)),
        one("ethnicity", "Active cohort by ethnicity", "ethnicity", ETHNICITY_CODES),
        one("lead_agency", "Active cohort by lead agency", "lead_agency", (*AGENCY_CODES, OTHER)),
        one("cohort_reason", "Active cohort by cohort reason", "cohort_reason", REASONS),
        CountTable(
            "rag_by_cohort_reason",
            "Active cohort by RAG rating and cohort reason",
            "active",
            ("rag", "cohort_reason"),
            (RAGS, REASONS),
        ),
        CountTable(
            "entries",
            "Young people who entered the cohort in the period, by cohort reason",
            "entered",
            ("cohort_reason",),
            (REASONS,),
        ),
        CountTable(
            "exits",
            "Young people whose record was closed in the period, by cohort reason",
            "exited",
            ("cohort_reason",),
            (REASONS,),
        ),
        CountTable(
            "other_cohorts",
            "Active cohort members also in another cohort (a child may be in several)",
            "active",
            ("cohort",),
            (tuple(COHORTS),),
            partition=False,
        ),
        one(
            "number_of_other_cohorts",
            "Active cohort by the number of other cohorts they are also in",
            "number_of_other_cohorts",
            COHORT_COUNTS,
        ),
    ]


def _active(ctx: Context) -> Any:
    """Select the cohort active at the end of the period, one row per child, by dimension."""
    end = ctx.period.end
    ranked = (
        sa.select(
            RagAssessment.youth_id,
            RagAssessment.rating,
            sa.func.row_number()
            .over(
                partition_by=RagAssessment.youth_id,
                order_by=(RagAssessment.assessed_on.desc(), RagAssessment.id.desc()),
            )
            .label("rn"),
        )
        .where(RagAssessment.assessed_on <= end)
        .subquery("ranked")
    )
    latest = sa.select(ranked.c.youth_id, ranked.c.rating).where(ranked.c.rn == 1).subquery()
    # The 18th birthday falls after the end of the period for anyone born after this.
    adult_born_by = years_before(end, 18)
    return (
        sa.select(
            Youth.id,
            Youth.borough,
            sa.func.coalesce(latest.c.rating, Youth.rag).label("rag"),
            Youth.cohort_reason,
            bucket(Youth.gender, GENDERS, Gender.NOT_KNOWN.value).label("gender"),
            sa.case((Youth.date_of_birth > adult_born_by, AGE_BANDS[0]), else_=AGE_BANDS[1]).label(
                "age_band"
            ),
            bucket(Youth.ward, all_wards(), OTHER).label("ward"),
            bucket(Youth.ethnicity, ETHNICITY_CODES, "not_known").label("ethnicity"),
            bucket(Youth.lead_agency, AGENCY_CODES, OTHER).label("lead_agency"),
        )
        .outerjoin(latest, latest.c.youth_id == Youth.id)
        .where(
            Youth.entered_on <= end,
            sa.or_(Youth.closed_on.is_(None), Youth.closed_on > end),
            *in_scope(ctx, Youth.borough, Youth.ward),
        )
        .subquery("active")
    )


def _flow(ctx: Context, column: Any, population: str, into: BoroughCounts) -> None:
    start, end = ctx.period.start, ctx.period.end
    stmt = (
        sa.select(Youth.borough, Youth.cohort_reason, sa.func.count())
        .where(column >= start, column <= end, *in_scope(ctx, Youth.borough, Youth.ward))
        .group_by(Youth.borough, Youth.cohort_reason)
    )
    grouped(stmt, population, ("cohort_reason",), into)


def _overlap(active: Any, into: BoroughCounts) -> None:
    """Count memberships of the other cohorts, and children by how many they are in."""
    codes = list(COHORTS)
    stmt = (
        sa.select(active.c.borough, YouthCohort.cohort, sa.func.count())
        .join(YouthCohort, YouthCohort.youth_id == active.c.id)
        .where(YouthCohort.cohort.in_(codes))
        .group_by(active.c.borough, YouthCohort.cohort)
    )
    grouped(stmt, "active", ("cohort",), into)
    # One join and GROUP BY rather than a count per child: the cohort is read once.
    per_child = (
        sa.select(active.c.borough, sa.func.count(YouthCohort.youth_id).label("k"))
        .outerjoin(
            YouthCohort,
            sa.and_(YouthCohort.youth_id == active.c.id, YouthCohort.cohort.in_(codes)),
        )
        .group_by(active.c.id, active.c.borough)
        .subquery("per_child")
    )
    band = sa.case(
        *((per_child.c.k == int(n), n) for n in COHORT_COUNTS[:3]), else_=COHORT_COUNTS[3]
    ).label("band")
    banded = sa.select(per_child.c.borough, band, per_child.c.k).subquery("banded")
    stmt = sa.select(
        banded.c.borough, banded.c.band, sa.func.count(), sa.func.sum(banded.c.k)
    ).group_by(banded.c.borough, banded.c.band)
    for borough, value, n, memberships_total in db.session.execute(stmt):
        counts = into.setdefault(borough, {})
        counts[cell("active", number_of_other_cohorts=value)] = int(n)
        if value == COHORT_COUNTS[3]:
            counts[EXCESS] = int(memberships_total) - 3 * int(n)


def _internal(into: BoroughCounts) -> None:
    """Add the never-published cells: memberships in all, and children outside each cohort."""
    for counts in into.values():
        active = sum(counts.get(cell("active", gender=g), 0) for g in GENDERS)
        in_cohort = {c: counts.get(cell("active", cohort=c), 0) for c in COHORTS}
        counts[MEMBERSHIPS] = sum(in_cohort.values())
        for code, n in in_cohort.items():
            counts[cell("active", not_cohort=code)] = active - n


def snapshot_tally(ctx: Context) -> Tally:
    """Count the active cohort at the end of the period, and the entries and exits in it."""
    active = _active(ctx)
    counts: BoroughCounts = {}
    stmt = sa.select(active.c.borough, active.c.rag, active.c.cohort_reason, sa.func.count())
    stmt = stmt.group_by(active.c.borough, active.c.rag, active.c.cohort_reason)
    grouped(stmt, "active", ("rag", "cohort_reason"), counts)
    dims = ("gender", "age_band", "ward", "ethnicity", "lead_agency")
    one_query_per_table(active, "active", dims, counts)
    _flow(ctx, Youth.entered_on, "entered", counts)
    _flow(ctx, Youth.closed_on, "exited", counts)
    _overlap(active, counts)
    _internal(counts)
    return {"counts": encode_counts(counts)}


def snapshot(ctx: Context) -> Published:
    """Publish the requested node's part of the cohort snapshot (stored or counted now)."""
    counts = decode_counts(tallied(ctx, "snapshot", snapshot_tally)["counts"])
    return publish_counts(ctx, layout, counts)[0]


def tables(name: str, boroughs: Sequence[str]) -> CountTable:
    """Return the named table of the snapshot for these boroughs."""
    return next(t for t in _tables(boroughs) if t.name == name)
