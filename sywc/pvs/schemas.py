"""Request and response shapes of PVS meetings and their actions."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from config.reference import AGENCY_CODES, BOROUGH_CODES
from sywc import clock
from sywc.fields import ID_RANGE, NOT_BLANK, Day, Moment, StrictBoolean, id_field
from sywc.http import ChangesSchema, PageArgs
from sywc.incidents.schemas import PersonInSchema, PersonSchema
from sywc.pvs.enums import ACTION_TYPE_VALUES, ActionStatus
from sywc.pvs.service.actions import SORTS as ACTION_SORTS
from sywc.pvs.service.meetings import SORTS as MEETING_SORTS

_TEXT = validate.Length(max=10_000)


def _period_check(data: dict[str, Any]) -> None:
    if "from_" in data and "to" in data and data["from_"] > data["to"]:
        raise ma.ValidationError("from must not be after to.", "from")


class ActionCreateSchema(ma.Schema):
    description = ma.fields.String(
        required=True, validate=[validate.Length(min=1, max=2000), NOT_BLANK]
    )
    owner_id = id_field(
        required=True,
        metadata={"description": "An active officer or senior officer of the borough"},
    )
    agency = ma.fields.String(
        validate=validate.OneOf(AGENCY_CODES),
        metadata={"description": "Default and only accepted value: the owner's agency"},
    )
    due_on = Day(required=True, metadata={"description": "Not before the meeting"})
    type = ma.fields.String(required=True, validate=validate.OneOf(ACTION_TYPE_VALUES))


class ActionUpdateSchema(ChangesSchema):
    status = ma.fields.String(
        required=True,
        validate=validate.OneOf([ActionStatus.DONE, ActionStatus.CANCELLED]),
        metadata={"description": "open -> done or cancelled; both are final"},
    )
    completion_note = ma.fields.String(
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "Required with `done`"},
    )
    reason = ma.fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "Required with `cancelled`"},
    )

    @ma.validates_schema
    def _check(self, data: dict[str, Any], **_: object) -> None:
        done = data["status"] == ActionStatus.DONE
        needed, unwanted = ("completion_note", "reason") if done else ("reason", "completion_note")
        if not (data.get(needed) or "").strip():
            raise ma.ValidationError(f"Required when the status is {data['status']}.", needed)
        if unwanted in data:
            raise ma.ValidationError(f"Not used when the status is {data['status']}.", unwanted)


class ActionSchema(ma.Schema):
    id = ma.fields.Integer()
    version = ma.fields.Integer()
    meeting_id = ma.fields.Integer()
    borough = ma.fields.String()
    description = ma.fields.String()
    type = ma.fields.String()
    owner_id = ma.fields.Integer()
    agency = ma.fields.String()
    due_on = Day()
    status = ma.fields.String()
    overdue = ma.fields.Method(
        "_overdue", metadata={"type": "boolean", "description": "Open and past its due date"}
    )
    completion_note = ma.fields.String(allow_none=True)
    reason = ma.fields.String(attribute="cancel_reason", allow_none=True)
    completed_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When it was marked done or cancelled"}
    )
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()

    def _overdue(self, action: Any) -> bool:
        return action.is_overdue(clock.today())


class ActionListArgs(PageArgs):
    owner = ma.fields.String(
        validate=validate.Regexp(r"^(me|[1-9][0-9]{0,8})\Z", error="Use `me` or a user id."),
        metadata={"description": "`me` or a user id"},
    )
    status = ma.fields.String(validate=validate.OneOf([str(s) for s in ActionStatus]))
    overdue = ma.fields.Boolean(metadata={"description": "Open and due before today (or not)"})
    meeting_id = ma.fields.Integer(validate=ID_RANGE)
    agency = ma.fields.String(validate=validate.OneOf(AGENCY_CODES))
    borough = ma.fields.String(validate=validate.OneOf(BOROUGH_CODES))
    sort = ma.fields.String(
        load_default="due_on",
        validate=validate.OneOf(list(ACTION_SORTS)),
        metadata={
            "description": "due_on (soonest first) or created_at (agreed, oldest first); "
            "prefix `-` to reverse. Ties break by id."
        },
    )


class AttendeeSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    agency = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=64), NOT_BLANK],
        metadata={
            "description": "A partnership agency code (MPS, IGXU, ...) or a partner "
            "organisation's name (a school, health, housing)"
        },
    )
    role = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class MessagingSchema(ma.Schema):
    holding_message = ma.fields.String(allow_none=True, validate=_TEXT)
    community_meeting_needed = StrictBoolean()
    delivered_by = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    location = ma.fields.String(allow_none=True, validate=validate.Length(max=500))


class MessagingChangesSchema(ChangesSchema, MessagingSchema):
    """Changes to the community messaging: members not given keep their value."""


class _MeetingFields(ma.Schema):
    """What a request may say about a meeting, when recording it or changing it."""

    held_at = Moment(metadata={"description": "Not in the future, not before the incident"})
    chair_id = id_field(
        metadata={"description": "An active senior police officer (MPS) of the borough"}
    )
    attendees = ma.fields.List(ma.fields.Nested(AttendeeSchema), validate=validate.Length(max=100))
    individuals = ma.fields.List(
        ma.fields.Nested(PersonInSchema),
        validate=validate.Length(max=100),
        metadata={"description": "Cohort members identified, each once with a role"},
    )
    decisions = ma.fields.String(allow_none=True, validate=_TEXT)
    safeguarding_concerns = ma.fields.String(allow_none=True, validate=_TEXT)
    community_messaging = ma.fields.Nested(MessagingSchema)
    follow_up_on = Day(allow_none=True, metadata={"description": "Not before the meeting"})


class MeetingUpdateSchema(ChangesSchema, _MeetingFields):
    """Changes to a meeting; given lists replace the current ones, messaging is merged."""

    held_at = Moment(
        metadata={
            "description": "Not in the future, not before the incident, nor on a day after "
            "an action agreed at it was due (done and cancelled ones included)"
        }
    )
    community_messaging = ma.fields.Nested(MessagingChangesSchema)


class MeetingCreateSchema(_MeetingFields):
    held_at = Moment(
        required=True, metadata={"description": "Not in the future, not before the incident"}
    )
    chair_id = id_field(
        required=True,
        metadata={"description": "An active senior police officer (MPS) of the borough"},
    )
    actions = ma.fields.List(
        ma.fields.Nested(ActionCreateSchema),
        validate=validate.Length(max=50),
        metadata={"description": "Actions agreed, recorded with the meeting"},
    )


class MeetingSchema(ma.Schema):
    id = ma.fields.Integer()
    version = ma.fields.Integer()
    incident_id = ma.fields.Integer()
    borough = ma.fields.String()
    held_at = ma.fields.AwareDateTime()
    chair_id = ma.fields.Integer()
    attendees = ma.fields.List(ma.fields.Nested(AttendeeSchema))
    individuals = ma.fields.List(ma.fields.Nested(PersonSchema))
    decisions = ma.fields.String(allow_none=True)
    safeguarding_concerns = ma.fields.String(allow_none=True)
    community_messaging = ma.fields.Nested(MessagingSchema)
    follow_up_on = Day(allow_none=True)
    actions = ma.fields.List(ma.fields.Nested(ActionSchema))
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class MeetingListArgs(PageArgs):
    incident_id = ma.fields.Integer(validate=ID_RANGE)
    borough = ma.fields.String(validate=validate.OneOf(BOROUGH_CODES))
    from_ = Moment(data_key="from", metadata={"description": "Held at or after"})
    to = Moment(metadata={"description": "Held at or before"})
    sort = ma.fields.String(
        load_default="-held_at",
        validate=validate.OneOf(list(MEETING_SORTS)),
        metadata={
            "description": "held_at, oldest first; prefix `-` for newest first. Ties break by id."
        },
    )

    @ma.validates_schema
    def _check(self, data: dict[str, Any], **_: object) -> None:
        _period_check(data)
