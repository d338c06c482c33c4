"""Alerts raised by the scheduler, and the record of its runs."""

from typing import Any

from flask.blueprints import BlueprintSetupState

from sywc import clock
from sywc.alerts import jobs, service
from sywc.alerts.health import scheduler_health, timezone_health
from sywc.alerts.schemas import (
    AcknowledgeSchema,
    AlertListArgs,
    AlertSchema,
    JobRunListArgs,
    JobRunSchema,
)
from sywc.http import page_schema, paged
from sywc.openapi import SywcBlueprint
from sywc.ops.service import EXTRA_CHECKS
from sywc.permissions import Permission
from sywc.security import current_principal

blp = SywcBlueprint(
    "alerts", __name__, url_prefix="/api/v1", description="Alerts raised by the scheduler"
)
AlertPage = page_schema(AlertSchema, "AlertPage")
JobRunPage = page_schema(JobRunSchema, "JobRunPage")


@blp.record_once
def _report_scheduler_readiness(_state: BlueprintSetupState) -> None:
    """Let /readyz report the scheduler's last run and whether the database takes dates
    in the business timezone, without ops knowing about alerts."""
    for check in (timezone_health, scheduler_health):
        if check not in EXTRA_CHECKS:
            EXTRA_CHECKS.append(check)


@blp.route("/alerts", methods=["GET"])
@blp.permission(Permission.ALERTS_READ)
@blp.arguments(AlertListArgs, location="query", as_kwargs=True)
@blp.response(200, AlertPage)
def list_alerts(page: int, limit: int, **filters: Any) -> Any:
    """List the alerts of your agency in your boroughs (senior officers: plus level 2)."""
    return paged(
        service.list_alerts(principal=current_principal(), filters=filters, page=page, limit=limit)
    )


@blp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@blp.permission(Permission.ALERTS_ACKNOWLEDGE)
@blp.arguments(AcknowledgeSchema, required=False)
@blp.response(200, AlertSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def acknowledge_alert(_body: dict[str, Any], alert_id: int) -> Any:
    """Acknowledge an open alert of your agency (who and when are recorded).

    409 once acknowledged or resolved; 403 for a senior officer of another agency, who
    sees a level-2 escalation but does not act for the agency concerned.
    """
    return service.acknowledge_alert(
        principal=current_principal(), alert_id=alert_id, now=clock.utcnow()
    )


@blp.route("/operations/jobs", methods=["GET"])
@blp.permission(Permission.OPERATIONS_READ)
@blp.doc(tags=["operations"])
@blp.arguments(JobRunListArgs, location="query", as_kwargs=True)
@blp.response(200, JobRunPage)
def list_job_runs(page: int, limit: int, **filters: Any) -> Any:
    """List the scheduler's recent runs, newest first (outcome, counts, as-of time)."""
    return paged(jobs.list_job_runs(filters=filters, page=page, limit=limit))
