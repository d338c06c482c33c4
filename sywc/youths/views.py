"""/youths: the cohort, each record's RAG assessments, closing and reopening."""

from __future__ import annotations

from typing import Any

from sywc import clock
from sywc.http import ETAG_HEADER, etag, if_match_version, page_schema, paged
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission
from sywc.reference.schemas import NoArgs
from sywc.security import current_principal
from sywc.youths import service
from sywc.youths.schemas import (
    AssessmentCreateSchema,
    AssessmentListArgs,
    AssessmentRecordedSchema,
    AssessmentSchema,
    StatusChangeSchema,
    YouthCreateSchema,
    YouthListArgs,
    YouthSchema,
    YouthSummarySchema,
    YouthUpdateSchema,
)

blp = SywcBlueprint(
    "youths",
    __name__,
    url_prefix="/api/v1",
    description="Young people of the cohort, their RAG assessments",
)
YouthPage = page_schema(YouthSummarySchema, "YouthPage")
AssessmentPage = page_schema(AssessmentSchema, "AssessmentPage")


@blp.route("/youths", methods=["GET"])
@blp.permission(Permission.COHORT_READ)
@blp.arguments(YouthListArgs, location="query", as_kwargs=True)
@blp.response(200, YouthPage)
def list_youths(page: int, limit: int, sort: str, **filters: Any) -> Any:
    """List the cohort of your boroughs (filters, `sort` with `-` to reverse; audited)."""
    return paged(
        service.list_youths(
            principal=current_principal(),
            filters=filters,
            sort=sort,
            page=page,
            limit=limit,
            now=clock.utcnow(),
        )
    )


@blp.route("/youths", methods=["POST"])
@blp.permission(Permission.COHORT_WRITE)
@blp.arguments(YouthCreateSchema)
@blp.response(201, YouthSchema, headers=ETAG_HEADER)
@blp.alt_response(409, response="CONFLICT", description="A likely duplicate (names it)")
def create_youth(body: dict[str, Any]) -> Any:
    """Enter a young person with their first RAG rating; a reference is assigned."""
    youth = service.create_youth(principal=current_principal(), data=body, now=clock.utcnow())
    return youth, 201, etag(youth.version)


@blp.route("/youths/<int:youth_id>", methods=["GET"])
@blp.permission(Permission.COHORT_READ)
@blp.arguments(NoArgs, location="query", as_kwargs=True)
@blp.response(200, YouthSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def get_youth(youth_id: int) -> Any:
    """Read a record with its current rating and schedule (audited)."""
    youth = service.get_youth(principal=current_principal(), youth_id=youth_id, now=clock.utcnow())
    return youth, 200, etag(youth.version)


@blp.route("/youths/<int:youth_id>", methods=["PATCH"])
@blp.permission(Permission.COHORT_WRITE)
@blp.conditional_update(YouthUpdateSchema, YouthSchema)
def update_youth(body: dict[str, Any], youth_id: int) -> Any:
    """Change a record's details (If-Match required)."""
    youth = service.update_youth(
        principal=current_principal(),
        youth_id=youth_id,
        changes=body,
        expected_version=if_match_version(),
        now=clock.utcnow(),
    )
    return youth, 200, etag(youth.version)


@blp.route("/youths/<int:youth_id>/close", methods=["POST"])
@blp.permission(Permission.COHORT_CLOSE)
@blp.arguments(StatusChangeSchema)
@blp.response(200, YouthSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="Already closed")
def close_youth(body: dict[str, Any], youth_id: int) -> Any:
    """Close a record (senior officer, reason required): it leaves the visit schedule."""
    youth = service.close_youth(
        principal=current_principal(), youth_id=youth_id, reason=body["reason"], now=clock.utcnow()
    )
    return youth, 200, etag(youth.version)


@blp.route("/youths/<int:youth_id>/reopen", methods=["POST"])
@blp.permission(Permission.COHORT_CLOSE)
@blp.arguments(StatusChangeSchema)
@blp.response(200, YouthSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="Not closed")
def reopen_youth(body: dict[str, Any], youth_id: int) -> Any:
    """Reopen a closed record (senior officer, reason required): back on the schedule.

    The cohort is for ages 10 to 25: someone older today is 422 on `date_of_birth`.
    """
    youth = service.reopen_youth(
        principal=current_principal(), youth_id=youth_id, reason=body["reason"], now=clock.utcnow()
    )
    return youth, 200, etag(youth.version)


@blp.route("/youths/<int:youth_id>/rag-assessments", methods=["GET"])
@blp.permission(Permission.COHORT_READ)
@blp.arguments(AssessmentListArgs, location="query", as_kwargs=True)
@blp.response(200, AssessmentPage)
@blp.alt_response(404, response="NOT_FOUND")
def list_assessments(youth_id: int, page: int, limit: int) -> Any:
    """List the rating history, newest first: the first is the current rating (audited)."""
    return paged(
        service.list_assessments(
            principal=current_principal(),
            youth_id=youth_id,
            page=page,
            limit=limit,
            now=clock.utcnow(),
        )
    )


@blp.route("/youths/<int:youth_id>/rag-assessments", methods=["POST"])
@blp.permission(Permission.COHORT_WRITE)
@blp.arguments(AssessmentCreateSchema)
@blp.response(201, AssessmentRecordedSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="The record is closed")
def record_assessment(body: dict[str, Any], youth_id: int) -> Any:
    """Record a RAG assessment; the newest by date (then id) is current and reschedules."""
    return service.record_assessment(
        principal=current_principal(),
        youth_id=youth_id,
        rating=body["rating"],
        rationale=body["rationale"],
        assessed_on=body.get("assessed_on"),
        now=clock.utcnow(),
    ), 201
