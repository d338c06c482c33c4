"""/audit-events: the trail and its verification (auditor only)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from sywc.audit import service, verification
from sywc.audit.schemas import AuditEventSchema, AuditFilterArgs, VerifySchema
from sywc.http import page_schema, paged
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission
from sywc.security import current_principal

blp = SywcBlueprint("audit", __name__, url_prefix="/api/v1/audit-events", description="Audit trail")
AuditPage = type(
    "AuditEventPage",
    (page_schema(AuditEventSchema, "AuditEventPage"),),
    {
        "until_id": ma.fields.Integer(
            required=True,
            metadata={"description": "The newest event this page and its neighbours show"},
        )
    },
)


@blp.route("", methods=["GET"])
@blp.permission(Permission.AUDIT_READ)
@blp.arguments(AuditFilterArgs, location="query", as_kwargs=True)
@blp.response(200, AuditPage)
def list_events(page: int, limit: int, **filters: Any) -> Any:
    """List audit events, newest first (filters: actor, record, action, from, to).

    An auditor sees the events about the records and accounts of the boroughs they work
    in, and those about none (the scheduler's bookkeeping). Pages stop at `until_id`,
    which the first page fixes and its links carry.
    """
    result, until_id = service.list_events(
        principal=current_principal(), filters=filters, page=page, limit=limit
    )
    body, status, headers = paged(result)
    return {**body, "until_id": until_id}, status, headers


@blp.route("/verify", methods=["GET"])
@blp.permission(Permission.AUDIT_READ)
@blp.response(200, VerifySchema)
def verify() -> Any:
    """Check the chain; report the first broken link, if any.

    The whole trail is walked while it holds at most `AUDIT_VERIFY_LIVE_LIMIT` events;
    past that, the walk carries on from the latest checkpoint (the last walk that found
    its events good, such as the scheduler's daily whole walk) for at most that many
    events, and the answer names the latest whole walk, whose break, if any, stands.
    """
    limit = int(current_app.config["AUDIT_VERIFY_LIVE_LIMIT"])
    return verification.verify_and_record(limit=limit).as_dict()
