"""Shapes of /audit-events."""

from typing import Any

import marshmallow as ma
from marshmallow import validate

from sywc.fields import ID_RANGE, Moment
from sywc.http import PageArgs

# The details an auditor is shown: who acted on which records, how and with what effect,
# never the case itself. A rating, a cohort reason, an incident's type and roles, a
# visit's outcome, a referral's reasons, or the filters of a list page (whose ids would
# pin them on the children named) are case data, which the auditor's role excludes. The
# stored event keeps them, hashed in the chain; only what is shown leaves them out. A
# key not named here is withheld, so a new detail is hidden until judged safe to show.
SHOWN_DETAILS = frozenset(
    {
        # which records, and which of their fields, an action concerned
        *("changed", "unchanged", "via", "current", "restricted", "duplicate_confirmed"),
        "page",
        *("youth_id", "visit_id", "assessment_id", "referral_id", "incident_id"),
        *("meeting_id", "owner_id", "chair_id", "client_id", "session_id"),
        *("alert_ids", "visit_ids", "assessment_ids", "incident_ids", "action_ids"),
        *("pvs_meeting_ids", "via_ids", "officer_ids"),
        *("alerts_resolved", "lead_changed", "lead_officer_cleared", "make_lead"),
        *("matched_on_submission", "idempotency_key", "sort"),
        # agencies, boroughs and accounts: the partnership's own organisation
        *("borough", "boroughs", "agency", "lead_agency", "from_agency", "to_agency"),
        "from_partner_id",
        *("allowed_agencies", "role", "scopes", "values", "sessions_ended", "locked_now"),
        # sign-in refusals, statistics asked for, and the service's own bookkeeping
        *("reason", "limit", "table", "from", "to", "suppressed", "format", "purged", "as_of"),
        *("opened", "resolved", "escalated", "reassigned", "rescheduled", "cadence_days"),
        *("ok", "checked", "scope", "from_id", "through_id", "through_hash", "complete"),
        "first_broken_id",
    }
)
# Safe keys that mean something else on other records, shown only on these record types:
# an account's role is the partnership's own organisation, while the role a young person
# had in an incident (victim, suspect) is case data.
SHOWN_ONLY_ON = {"role": frozenset({"user"})}
WITHHELD = "withheld"


def _shown(key: str, record_type: str | None) -> bool:
    if key not in SHOWN_DETAILS:
        return False
    record_types = SHOWN_ONLY_ON.get(key)
    return record_types is None or record_type in record_types


def shown_details(
    details: dict[str, Any] | None, record_type: str | None = None
) -> dict[str, Any] | None:
    """An event's details as an auditor sees them: case data replaced by `"withheld"`."""
    if not details:
        return details
    return {key: value if _shown(key, record_type) else WITHHELD for key, value in details.items()}


class ShownDetails(ma.fields.Dict):
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        record_type = obj.get("record_type") if isinstance(obj, dict) else obj.record_type
        return super()._serialize(shown_details(value, record_type), attr, obj, **kwargs)


class AuditEventSchema(ma.Schema):
    id = ma.fields.Integer()
    occurred_at = ma.fields.AwareDateTime()
    actor_type = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_label = ma.fields.String(allow_none=True)
    role = ma.fields.String(allow_none=True)
    agency = ma.fields.String(allow_none=True)
    action = ma.fields.String()
    record_type = ma.fields.String(allow_none=True)
    record_id = ma.fields.String(allow_none=True)
    record_ids = ma.fields.List(ma.fields.String(), allow_none=True)
    details = ShownDetails(
        allow_none=True,
        metadata={
            "description": "What the action concerned; case data (ratings, cohort reasons, "
            'outcomes, roles, a list\'s filters) is shown as "withheld"'
        },
    )
    request_id = ma.fields.String(allow_none=True)
    client_address = ma.fields.String(allow_none=True)
    prev_hash = ma.fields.String()
    hash = ma.fields.String()


class AuditFilterArgs(PageArgs):
    actor_id = ma.fields.Integer(validate=ID_RANGE)
    actor_type = ma.fields.String(
        validate=validate.OneOf(["user", "partner", "system", "anonymous"])
    )
    record_type = ma.fields.String(validate=validate.Length(max=32))
    record_id = ma.fields.String(
        validate=validate.Length(max=64),
        metadata={
            "description": "Events about this record, including list pages that named it "
            "(needs record_type)"
        },
    )
    action = ma.fields.String(validate=validate.Length(max=64))
    from_ = Moment(data_key="from")
    to = Moment()
    until_id = ma.fields.Integer(
        validate=ID_RANGE,
        metadata={
            "description": "Events up to this one only. Without it, the newest event now; "
            "the page answers the bound it used (`until_id`), and its `Link` next and prev "
            "carry it, so following them shows no event twice however many were added "
            "since (each look at the trail adds one)"
        },
    )

    @ma.validates_schema
    def _check(self, data: dict, **_: object) -> None:
        if "record_id" in data and "record_type" not in data:
            raise ma.ValidationError("Give record_type with record_id.", "record_type")
        if "from_" in data and "to" in data and data["from_"] > data["to"]:
            raise ma.ValidationError("from must not be after to.", "from")


class WalkRecordSchema(ma.Schema):
    verified_at = ma.fields.AwareDateTime()
    began_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "When the walk began; a whole walk carried on after the "
            "scheduler stopped began with its first part (null for walks recorded "
            "before this was kept)"
        },
    )
    ok = ma.fields.Boolean()
    through_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The last event this walk found good"}
    )
    first_broken_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)


class CheckpointSchema(ma.Schema):
    verified_at = ma.fields.AwareDateTime()
    through_id = ma.fields.Integer()


class VerifySchema(ma.Schema):
    ok = ma.fields.Boolean(
        metadata={"description": "No break in this walk, and none found by the latest whole walk"}
    )
    checked = ma.fields.Integer(metadata={"description": "Events this walk checked"})
    first_broken_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    scope = ma.fields.String(
        validate=validate.OneOf(["whole", "since_checkpoint"]),
        metadata={
            "description": "whole: from the first event; since_checkpoint: on from the "
            "latest walk that found its events good, once the trail holds more events "
            "than AUDIT_VERIFY_LIVE_LIMIT"
        },
    )
    from_id = ma.fields.Integer(metadata={"description": "The first event this walk checked"})
    through_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The last event this walk found good"}
    )
    complete = ma.fields.Boolean(
        metadata={
            "description": "False when the walk stopped at AUDIT_VERIFY_LIVE_LIMIT events "
            "before the newest: ask again to carry on from through_id"
        }
    )
    checkpoint = ma.fields.Nested(
        CheckpointSchema,
        allow_none=True,
        metadata={"description": "The recorded walk this one carried on from"},
    )
    last_whole_walk = ma.fields.Nested(
        WalkRecordSchema,
        allow_none=True,
        metadata={
            "description": "The latest walk from the first event to the newest (the "
            "scheduler makes one every AUDIT_VERIFY_MINUTES)"
        },
    )
