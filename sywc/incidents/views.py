"""Serious incidents, the young people involved, and a young person's timeline."""

from __future__ import annotations

from typing import Any

from sywc import clock
from sywc.http import ETAG_HEADER, etag, if_match_version, page_schema, paged
from sywc.incidents import joining, service, timeline
from sywc.incidents.schemas import (
    IncidentCreateSchema,
    IncidentListArgs,
    IncidentSchema,
    IncidentUpdateSchema,
    InvolvementAddSchema,
    TimelineArgs,
    TimelineEntrySchema,
)
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission
from sywc.security import current_principal

blp = SywcBlueprint("incidents", __name__, url_prefix="/api/v1", description="Serious incidents")
IncidentPage = page_schema(IncidentSchema, "IncidentPage")
TimelinePage = page_schema(TimelineEntrySchema, "YouthTimelinePage")


@blp.route("/incidents", methods=["GET"])
@blp.permission(Permission.INCIDENTS_READ)
@blp.arguments(IncidentListArgs, location="query", as_kwargs=True)
@blp.response(200, IncidentPage)
def list_incidents(page: int, limit: int, **filters: Any) -> Any:
    """List incidents, newest first (filters: borough, ward, type, from, to; `sort`)."""
    return paged(
        service.list_incidents(
            principal=current_principal(),
            filters=filters,
            page=page,
            limit=limit,
            now=clock.utcnow(),
        )
    )


@blp.route("/incidents", methods=["POST"])
@blp.permission(Permission.INCIDENTS_WRITE)
@blp.arguments(IncidentCreateSchema)
@blp.response(201, IncidentSchema, headers=ETAG_HEADER)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def create_incident(body: dict[str, Any]) -> Any:
    """Record an incident and the young people involved, each with a role."""
    incident = service.create_incident(principal=current_principal(), data=body, now=clock.utcnow())
    return incident, 201, etag(incident.version)


@blp.route("/incidents/<int:incident_id>", methods=["GET"])
@blp.permission(Permission.INCIDENTS_READ)
@blp.response(200, IncidentSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def get_incident(incident_id: int) -> Any:
    """Read an incident with the young people involved and their roles."""
    incident = service.get_incident(
        principal=current_principal(), incident_id=incident_id, now=clock.utcnow()
    )
    return incident, 200, etag(incident.version)


@blp.route("/incidents/<int:incident_id>", methods=["PATCH"])
@blp.permission(Permission.INCIDENTS_WRITE)
@blp.conditional_update(IncidentUpdateSchema, IncidentSchema)
def update_incident(body: dict[str, Any], incident_id: int) -> Any:
    """Change an incident (If-Match); `involvements`, when given, is the complete new list."""
    incident = service.update_incident(
        principal=current_principal(),
        incident_id=incident_id,
        changes=body,
        expected_version=if_match_version(),
        now=clock.utcnow(),
    )
    return incident, 200, etag(incident.version)


@blp.route("/incidents/<int:incident_id>/involvements", methods=["POST"])
@blp.permission(Permission.INCIDENTS_WRITE)
@blp.arguments(InvolvementAddSchema)
@blp.response(201, IncidentSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def add_involvement(body: dict[str, Any], incident_id: int) -> Any:
    """Link one more person: a cohort member (youth_id) or someone new (new_youth)."""
    incident = joining.add_involvement(
        principal=current_principal(), incident_id=incident_id, data=body, now=clock.utcnow()
    )
    return incident, 201, etag(incident.version)


@blp.route("/youths/<int:youth_id>/timeline", methods=["GET"])
@blp.permission(Permission.COHORT_READ)
@blp.arguments(TimelineArgs, location="query", as_kwargs=True)
@blp.response(200, TimelinePage)
@blp.alt_response(404, response="NOT_FOUND")
def youth_timeline(page: int, limit: int, youth_id: int) -> Any:
    """List the incidents and PVS meetings a young person appears in, with their role."""
    return paged(
        timeline.youth_timeline(
            principal=current_principal(),
            youth_id=youth_id,
            page=page,
            limit=limit,
            now=clock.utcnow(),
        )
    )
