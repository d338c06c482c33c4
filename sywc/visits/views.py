"""Visits to young people, and the officers' visit worklist."""

from __future__ import annotations

from typing import Any

from sywc import clock
from sywc.http import page_schema, paged
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission
from sywc.security import current_principal
from sywc.visits import service, worklist
from sywc.visits.schemas import (
    VisitCreateSchema,
    VisitListArgs,
    VisitRecordedSchema,
    VisitSchema,
    WorklistArgs,
    WorklistItemSchema,
)

blp = SywcBlueprint(
    "visits", __name__, url_prefix="/api/v1", description="Visits and the visit worklist"
)
VisitPage = page_schema(VisitSchema, "VisitPage")
WorklistPage = page_schema(WorklistItemSchema, "WorklistPage")


@blp.route("/youths/<int:youth_id>/visits", methods=["GET"])
@blp.permission(Permission.COHORT_READ)
@blp.arguments(VisitListArgs, location="query", as_kwargs=True)
@blp.response(200, VisitPage)
@blp.alt_response(404, response="NOT_FOUND")
def list_visits(youth_id: int, page: int, limit: int, outcome: str | None = None) -> Any:
    """List visits, newest first; another agency's restricted notes are withheld (audited)."""
    return paged(
        service.list_visits(
            principal=current_principal(),
            youth_id=youth_id,
            outcome=outcome,
            page=page,
            limit=limit,
            now=clock.utcnow(),
        )
    )


@blp.route("/youths/<int:youth_id>/visits", methods=["POST"])
@blp.permission(Permission.COHORT_WRITE)
@blp.arguments(VisitCreateSchema)
@blp.response(201, VisitRecordedSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="The record is closed")
def record_visit(body: dict[str, Any], youth_id: int) -> Any:
    """Record a visit (one or more officers) or an attempt; only `seen` moves the schedule."""
    return service.record_visit(
        principal=current_principal(), youth_id=youth_id, data=body, now=clock.utcnow()
    ), 201


@blp.route("/visits/due", methods=["GET"])
@blp.permission(Permission.COHORT_READ)
@blp.arguments(WorklistArgs, location="query", as_kwargs=True)
@blp.response(200, WorklistPage)
def list_due(page: int, limit: int, **filters: Any) -> Any:
    """List who is due a visit by `due_before` (default a week ahead), overdue first (audited)."""
    return paged(
        worklist.list_due(
            principal=current_principal(),
            filters=filters,
            page=page,
            limit=limit,
            now=clock.utcnow(),
        )
    )
