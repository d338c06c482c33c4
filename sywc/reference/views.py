"""Reference data: boroughs, agencies, wards, reason codes, cohorts, flags, ethnicities."""

from __future__ import annotations

from typing import Any

from sywc.http import page_schema, paged
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission
from sywc.reference import service
from sywc.reference.schemas import (
    AgencyList,
    BoroughList,
    CodeList,
    NoArgs,
    OfficerArgs,
    OfficerSchema,
    WardArgs,
    WardList,
)
from sywc.security import current_principal

blp = SywcBlueprint(
    "reference",
    __name__,
    url_prefix="/api/v1",
    description="Reference data: boroughs, agencies, wards, reason codes",
)
OfficerPage = page_schema(OfficerSchema, "OfficerPage")


@blp.route("/boroughs", methods=["GET"])
@blp.permission(Permission.REFERENCE_READ)
@blp.arguments(NoArgs, location="query", as_kwargs=True)
@blp.response(200, BoroughList)
def list_boroughs() -> Any:
    """List the boroughs this deployment serves."""
    return {"items": service.boroughs()}


@blp.route("/agencies", methods=["GET"])
@blp.permission(Permission.REFERENCE_READ)
@blp.arguments(NoArgs, location="query", as_kwargs=True)
@blp.response(200, AgencyList)
def list_agencies() -> Any:
    """List the partnership's agencies."""
    return {"items": service.agencies()}


@blp.route("/wards", methods=["GET"])
@blp.permission(Permission.REFERENCE_READ)
@blp.arguments(WardArgs, location="query", as_kwargs=True)
@blp.response(200, WardList)
def list_wards(borough: str | None = None) -> Any:
    """List the current wards (filter: borough)."""
    return {"items": service.wards(borough)}


@blp.route("/reason-codes", methods=["GET"])
@blp.permission(Permission.REFERENCE_READ)
@blp.arguments(NoArgs, location="query", as_kwargs=True)
@blp.response(200, CodeList)
def list_reason_codes() -> Any:
    """List the referral reason codes."""
    return {"items": service.labelled("reason_codes")}


@blp.route("/cohorts", methods=["GET"])
@blp.permission(Permission.REFERENCE_READ)
@blp.arguments(NoArgs, location="query", as_kwargs=True)
@blp.response(200, CodeList)
def list_cohorts() -> Any:
    """List the other cohorts a young person may also belong to."""
    return {"items": service.labelled("cohorts")}


@blp.route("/flags", methods=["GET"])
@blp.permission(Permission.REFERENCE_READ)
@blp.arguments(NoArgs, location="query", as_kwargs=True)
@blp.response(200, CodeList)
def list_flags() -> Any:
    """List the flags a cohort record may carry."""
    return {"items": service.labelled("flags")}


@blp.route("/ethnicities", methods=["GET"])
@blp.permission(Permission.REFERENCE_READ)
@blp.arguments(NoArgs, location="query", as_kwargs=True)
@blp.response(200, CodeList)
def list_ethnicities() -> Any:
    """List the ethnic groups recorded (2021 Census high-level groups)."""
    return {"items": service.labelled("ethnicities")}


@blp.route("/officers", methods=["GET"])
@blp.permission(Permission.COHORT_READ)
@blp.arguments(OfficerArgs, location="query", as_kwargs=True)
@blp.response(200, OfficerPage)
def list_officers(page: int, limit: int, **filters: Any) -> Any:
    """List active officers of your boroughs (filters: borough, agency), e.g. for joint visits."""
    return paged(
        service.list_officers(
            principal=current_principal(), filters=filters, page=page, limit=limit
        )
    )
