"""Request and response shapes of /alerts and /operations/jobs."""

import marshmallow as ma
from marshmallow import validate

from config.reference import AGENCY_CODES, BOROUGH_CODES
from sywc import clock
from sywc.alerts.enums import UNRESOLVED, AlertStatus, AlertType, JobOutcome
from sywc.alerts.service import SORTS, days_overdue
from sywc.fields import ID_RANGE, Day
from sywc.http import PageArgs


class AlertSchema(ma.Schema):
    id = ma.fields.Integer()
    type = ma.fields.String(metadata={"enum": [str(t) for t in AlertType]})
    status = ma.fields.String(
        metadata={
            "enum": [str(s) for s in AlertStatus],
            "description": "An acknowledged alert is open again once it escalates or its "
            "agency to act changes",
        }
    )
    subject_type = ma.fields.String(
        metadata={"description": "What the alert is about: youth, referral or pvs_action"}
    )
    subject_id = ma.fields.Integer()
    youth_id = ma.fields.Integer(allow_none=True)
    borough = ma.fields.String()
    agency = ma.fields.String(allow_none=True, metadata={"description": "The agency to act"})
    owner_id = ma.fields.Integer(allow_none=True)
    due_on = Day(
        metadata={"description": "When the visit, acknowledgement, action or review was due"}
    )
    days_overdue = ma.fields.Method(
        "get_days_overdue",
        metadata={
            "type": "integer",
            "description": "Days past due (until resolution once resolved)",
        },
    )
    escalation_level = ma.fields.Integer(
        metadata={
            "description": "1 when raised; 2 for a visit missed by more than the "
            "configured extra cadence periods (shown to senior officers too)"
        }
    )
    opened_at = ma.fields.AwareDateTime()
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True)
    acknowledged_by_id = ma.fields.Integer(allow_none=True)
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
    resolution = ma.fields.String(allow_none=True)

    def get_days_overdue(self, alert) -> int:
        return days_overdue(alert, today=clock.today())


class AlertListArgs(PageArgs):
    type = ma.fields.String(validate=validate.OneOf([str(t) for t in AlertType]))
    status = ma.fields.List(
        ma.fields.String(validate=validate.OneOf([str(s) for s in AlertStatus])),
        validate=validate.Length(max=len(AlertStatus)),
        metadata={
            "description": f"Repeatable; default: the unresolved ones ({', '.join(UNRESOLVED)})"
        },
    )
    youth_id = ma.fields.Integer(validate=ID_RANGE)
    agency = ma.fields.String(validate=validate.OneOf(sorted(AGENCY_CODES)))
    borough = ma.fields.String(validate=validate.OneOf(sorted(BOROUGH_CODES)))
    escalation_level = ma.fields.Integer(validate=validate.Range(min=1, max=2))
    sort = ma.fields.String(
        load_default="priority",
        validate=validate.OneOf(list(SORTS)),
        metadata={"description": "priority = escalated first, then the longest overdue"},
    )


class AcknowledgeSchema(ma.Schema):
    """No fields: the caller and the time are recorded."""


class JobRunSchema(ma.Schema):
    id = ma.fields.Integer()
    job = ma.fields.String()
    started_at = ma.fields.AwareDateTime()
    finished_at = ma.fields.AwareDateTime(allow_none=True)
    outcome = ma.fields.String(metadata={"enum": [str(o) for o in JobOutcome]})
    as_of = ma.fields.AwareDateTime(allow_none=True)
    counts = ma.fields.Dict(allow_none=True)
    error = ma.fields.String(allow_none=True)


class JobRunListArgs(PageArgs):
    job = ma.fields.String(validate=validate.Length(max=64))
    outcome = ma.fields.String(validate=validate.OneOf([str(o) for o in JobOutcome]))
