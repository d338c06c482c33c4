"""/audit-events: the trail and its verification (auditor only)."""

from __future__ import annotations

from typing import Any

from sywc.audit import service
from sywc.audit.schemas import AuditEventSchema, AuditFilterArgs, VerifySchema
from sywc.http import page_schema, paged
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission

blp = SywcBlueprint("audit", __name__, url_prefix="/api/v1/audit-events", description="Audit trail")
AuditPage = page_schema(AuditEventSchema, "AuditEventPage")


@blp.route("", methods=["GET"])
@blp.permission(Permission.AUDIT_READ)
@blp.arguments(AuditFilterArgs, location="query", as_kwargs=True)
@blp.response(200, AuditPage)
def list_events(page: int, limit: int, **filters: Any) -> Any:
    """List audit events, newest first (filters: actor, record, action, from, to)."""
    return paged(service.list_events(filters=filters, page=page, limit=limit))


@blp.route("/verify", methods=["GET"])
@blp.permission(Permission.AUDIT_READ)
@blp.response(200, VerifySchema)
def verify() -> Any:
    """Check the whole chain; report the first broken link, if any."""
    return service.verify_and_record().as_dict()
