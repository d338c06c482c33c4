"""Serious incidents in the period by month, ward and type, and the young people involved."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa

from sywc.incidents.enums import ROLE_VALUES, TYPE_VALUES
from sywc.incidents.models import Incident, Involvement
from sywc.stats.reports.base import (
    OTHER,
    BoroughCounts,
    Context,
    Report,
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
from sywc.stats.sql import month_of
from sywc.stats.tables import CountTable, Layout, count_table


def _layout(months: Sequence[str]) -> Callable[[Sequence[str]], Layout]:
    def build(boroughs: Sequence[str]) -> Layout:
        def one(name: str, title: str, dim: str, categories: Sequence[str]) -> CountTable:
            return CountTable(name, title, "incidents", (dim,), (tuple(categories),))

        return Layout(
            [
                one("by_month", "Serious incidents by month", "month", months),
                one("by_ward", "Serious incidents by ward", "ward", ward_categories(boroughs)),
                one("by_type", "Serious incidents by type", "type", TYPE_VALUES),
                CountTable(
                    "involved_by_role",
                    "Young people involved in the period's incidents, by role",
                    "involved",
                    ("role",),
                    (tuple(ROLE_VALUES),),
                    # A young person may be a suspect in one incident and a victim in
                    # another: the roles' sum counts roles, not young people.
                    partition=False,
                ),
            ]
        )

    return build


def incidents_tally(ctx: Context) -> Tally:
    """Count the period's incidents, and the young people involved, per borough."""
    day = ctx.day_of(Incident.occurred_at)
    in_period = [day >= ctx.period.start, day <= ctx.period.end]
    base = (
        sa.select(
            Incident.borough,
            month_of(day).label("month"),
            bucket(Incident.ward, all_wards(), OTHER).label("ward"),
            Incident.type,
        )
        .where(*in_period, *in_scope(ctx, Incident.borough, Incident.ward))
        .subquery("incidents")
    )
    counts: BoroughCounts = one_query_per_table(base, "incidents", ("month", "ward", "type"), {})
    # A young person counts once per role, however many incidents. Counting them per
    # borough and adding the boroughs up counts no one twice: an incident names only
    # young people of its own borough (`check_people`), and neither record's borough
    # ever changes.
    involved = (
        sa.select(
            Incident.borough,
            Involvement.role,
            sa.func.count(sa.distinct(Involvement.youth_id)),
        )
        .join(Involvement, Involvement.incident_id == Incident.id)
        .where(*in_period, *in_scope(ctx, Incident.borough, Incident.ward))
        .group_by(Incident.borough, Involvement.role)
    )
    grouped(involved, "involved", ("role",), counts)
    return {"counts": encode_counts(counts)}


def incidents_report(ctx: Context) -> Report:
    """Count the period's incidents and the young people involved in them."""
    counts = decode_counts(tallied(ctx, "incidents", incidents_tally)["counts"])
    months = [m.strftime("%Y-%m") for m in ctx.period.months()]
    published, layout = publish_counts(ctx, _layout(months), counts)
    notes = [
        f"Incidents are counted by the date they occurred on, in {ctx.zone} time.",
        "A young person involved in several incidents counts once per role; one involved "
        "in two roles counts under each.",
    ]
    return Report([count_table(t, published) for t in layout.tables], notes)
