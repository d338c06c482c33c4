"""Demo cohort: young people, their ratings and visit histories, inserted in bulk.

Rows are planned by `youth_plans.Planner` and inserted in batches (no ORM object and no
query per row), so a million young people takes minutes, not hours.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import time
from typing import Any

import sqlalchemy as sa
from flask import current_app

from sywc.demo import DemoContext
from sywc.demo.youth_plans import RATIONALES, Planner
from sywc.visits.models import Visit, VisitOfficer
from sywc.youths.models import RagAssessment, Youth, YouthCohort, YouthFlag, YouthStatusChange

BATCH = 5_000
_CHILD_TABLES = (
    (RagAssessment, "assessments"),
    (VisitOfficer, "links"),
    (YouthFlag, "flags"),
    (YouthCohort, "cohorts"),
    (YouthStatusChange, "closures"),
)

_YOUTH_COLUMNS = (
    "borough",
    "first_name",
    "last_name",
    "name_key",
    "date_of_birth",
    "gender",
    "ethnicity",
    "ward",
    "address",
    "lead_agency",
    "lead_officer_id",
    "cohort_reason",
    "entered_on",
    "closed_on",
)


def _reserve_ids(ctx: DemoContext, model: Any, count: int) -> list[int]:
    """Return the next `count` ids of a table (the demo fills a new database alone)."""
    last = ctx.session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0)))
    return list(range(last + 1, last + 1 + count))


def _insert(ctx: DemoContext, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows with plain executemany batches (no ORM bookkeeping, no RETURNING)."""
    for start in range(0, len(rows), BATCH):
        ctx.session.execute(sa.insert(model.__table__), rows[start : start + BATCH])


def _advance_sequences(ctx: DemoContext) -> None:
    """Move PostgreSQL's id sequences past the ids the demo assigned itself."""
    if ctx.session.get_bind().dialect.name != "postgresql":
        return
    for model in (Youth, Visit):
        table = model.__tablename__
        ctx.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        )


def _child_rows(
    ctx: DemoContext, youth_id: int, plan: dict[str, Any], closer: int
) -> dict[str, list[Any]]:
    """Return the rows hanging off one young person, by table."""
    rows: dict[str, list[Any]] = {
        "assessments": [
            {
                "youth_id": youth_id,
                "rating": rating,
                "assessed_on": day,
                "rationale": ctx.rng.choice(RATIONALES),
                "assessed_by_id": assessor,
                "created_at": ctx.stamp(day, time(10)),
            }
            for day, rating, assessor in plan["ratings"]
        ],
        "visits": [
            {"youth_id": youth_id, "created_at": v["visited_at"], **v} for v in plan["visits"]
        ],
        "flags": [{"youth_id": youth_id, "flag": f} for f in plan["flags"]],
        "cohorts": [{"youth_id": youth_id, "cohort": c} for c in plan["cohorts"]],
        "closures": [],
    }
    if plan["closed_on"]:
        rows["closures"].append(
            {
                "youth_id": youth_id,
                "action": "close",
                "reason": "Demo closure",
                "changed_by_id": closer,
                "changed_at": ctx.stamp(plan["closed_on"], time(11)),
            }
        )
    return rows


def _write_batch(ctx: DemoContext, planner: Planner, plans: list[dict[str, Any]]) -> None:
    """Insert one batch of young people, then everything that hangs off them."""
    youth_ids = _reserve_ids(ctx, Youth, len(plans))
    rows = [
        {"id": youth_id, **{c: p[c] for c in _YOUTH_COLUMNS}, **planner.schedule(p)}
        for youth_id, p in zip(youth_ids, plans, strict=True)
    ]
    _insert(ctx, Youth, rows)
    seniors = {b: ctx.officers(borough=b, senior=True) for b in planner.wards}
    tables: dict[str, list[Any]] = defaultdict(list)
    for youth_id, plan in zip(youth_ids, plans, strict=True):
        ctx.youth_ids.append(youth_id)
        ctx.youth_borough[youth_id] = plan["borough"]
        ctx.youth_entered[youth_id] = plan["entered_on"]
        closer = ctx.rng.choice(seniors[plan["borough"]])
        for table, items in _child_rows(ctx, youth_id, plan, closer).items():
            tables[table].extend(items)
    visits = tables["visits"]
    officers = [visit.pop("officers") for visit in visits]
    visit_ids = _reserve_ids(ctx, Visit, len(visits))
    for visit_id, visit in zip(visit_ids, visits, strict=True):
        visit["id"] = visit_id
    _insert(ctx, Visit, visits)
    tables["links"] = [
        {"visit_id": v, "user_id": u} for v, us in zip(visit_ids, officers, strict=True) for u in us
    ]
    for model, table in _CHILD_TABLES:
        _insert(ctx, model, tables[table])
    planner.counts.update(
        visits=len(visits),
        rag_assessments=len(tables["assessments"]),
        closed=len(tables["closures"]),
        restricted_visits=sum(v["restricted"] for v in visits),
        red=sum(r["rag"] == "red" for r in rows),
    )


def build(ctx: DemoContext) -> None:
    """Insert ctx.n_youths young people with ratings and visit histories, in batches."""
    planner = Planner(ctx, current_app.config)
    for start in range(0, ctx.n_youths, BATCH):
        plans = [planner.youth() for _ in range(min(BATCH, ctx.n_youths - start))]
        _write_batch(ctx, planner, plans)
    _advance_sequences(ctx)
    ctx.summary["youths"] = len(ctx.youth_ids)
    for key in ("visits", "rag_assessments", "closed", "overdue", "restricted_visits", "red"):
        ctx.summary[key] = planner.counts[key]
