"""Request and response shapes of /incidents and the young person's timeline."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from config.reference import BOROUGH_CODES, BOROUGHS
from sywc.fields import NOT_BLANK, Moment, StrictBoolean, id_field
from sywc.http import ChangesSchema, PageArgs
from sywc.incidents.enums import ROLE_VALUES, TYPE_VALUES
from sywc.incidents.service import SORTS
from sywc.youths.enums import CohortReason
from sywc.youths.schemas import YouthCreateSchema

WARD_CODES = sorted(ward.code for borough in BOROUGHS for ward in borough.wards)
_SUMMARY = [validate.Length(min=1, max=5000), NOT_BLANK]


def youth_reference(youth_id: int) -> str:
    """Return the human-friendly reference of a young person (no personal data)."""
    return f"YP-{youth_id:06d}"


class PersonInSchema(ma.Schema):
    youth_id = id_field(required=True)
    role = ma.fields.String(
        required=True,
        validate=validate.OneOf(ROLE_VALUES),
        metadata={"description": "Required: a role is never assumed"},
    )


class PersonSchema(ma.Schema):
    youth_id = ma.fields.Integer()
    youth_reference = ma.fields.Function(
        lambda p: youth_reference(p.youth_id), metadata={"type": "string"}
    )
    role = ma.fields.String()


class IncidentCreateSchema(ma.Schema):
    borough = ma.fields.String(required=True, validate=validate.OneOf(BOROUGH_CODES))
    occurred_at = Moment(required=True, metadata={"description": "Not in the future"})
    type = ma.fields.String(required=True, validate=validate.OneOf(TYPE_VALUES))
    ward = ma.fields.String(
        required=True,
        validate=validate.OneOf(WARD_CODES),
        metadata={"description": "A ward of `borough`"},
    )
    location = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=500)
    )
    summary = ma.fields.String(required=True, validate=_SUMMARY)
    involvements = ma.fields.List(
        ma.fields.Nested(PersonInSchema),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "Each young person once, with a role"},
    )


class IncidentUpdateSchema(ChangesSchema):
    """Changes to an incident; `borough` is fixed once recorded (it decides who sees it)."""

    occurred_at = Moment()
    type = ma.fields.String(validate=validate.OneOf(TYPE_VALUES))
    ward = ma.fields.String(
        validate=validate.OneOf(WARD_CODES), metadata={"description": "A ward of the borough"}
    )
    location = ma.fields.String(allow_none=True, validate=validate.Length(max=500))
    summary = ma.fields.String(validate=_SUMMARY)
    involvements = ma.fields.List(
        ma.fields.Nested(PersonInSchema),
        validate=validate.Length(max=100),
        metadata={
            "description": "The complete list: people left out are unlinked, roles are "
            "replaced (each change is audited)"
        },
    )


class IncidentSchema(ma.Schema):
    id = ma.fields.Integer()
    version = ma.fields.Integer()
    borough = ma.fields.String()
    occurred_at = ma.fields.AwareDateTime()
    type = ma.fields.String()
    ward = ma.fields.String()
    location = ma.fields.String(allow_none=True)
    summary = ma.fields.String()
    involvements = ma.fields.List(ma.fields.Nested(PersonSchema))
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class IncidentListArgs(PageArgs):
    borough = ma.fields.String(validate=validate.OneOf(BOROUGH_CODES))
    ward = ma.fields.String(validate=validate.OneOf(WARD_CODES))
    type = ma.fields.String(validate=validate.OneOf(TYPE_VALUES))
    from_ = Moment(data_key="from", metadata={"description": "Occurred at or after"})
    to = Moment(metadata={"description": "Occurred at or before"})
    sort = ma.fields.String(
        load_default="-occurred_at",
        validate=validate.OneOf(list(SORTS)),
        metadata={
            "description": "occurred_at or created_at (when recorded), oldest first; prefix "
            "`-` for newest first. Ties break by id."
        },
    )

    @ma.validates_schema
    def _check(self, data: dict[str, Any], **_: object) -> None:
        if "from_" in data and "to" in data and data["from_"] > data["to"]:
            raise ma.ValidationError("from must not be after to.", "from")


class NewYouthSchema(YouthCreateSchema):
    """A person joining the cohort from an incident: the borough is the incident's."""

    class Meta:
        exclude = ("borough", "cohort_reason")


class InvolvementAddSchema(ma.Schema):
    """Link one person: a cohort member by id, or someone new who joins the cohort now."""

    youth_id = id_field()
    new_youth = ma.fields.Nested(
        NewYouthSchema,
        metadata={
            "description": "The person's details as for POST /youths, without `borough` "
            "(the incident's) and `cohort_reason` (given below)"
        },
    )
    role = ma.fields.String(required=True, validate=validate.OneOf(ROLE_VALUES))
    cohort_reason = ma.fields.String(
        validate=validate.OneOf([str(r) for r in CohortReason]),
        metadata={
            "description": "With new_youth, required: victim->victim, "
            "suspect->perpetrator, witness/associate->at_risk; another reason needs "
            "confirm_reason"
        },
    )
    confirm_reason = StrictBoolean(
        load_default=False,
        metadata={"description": "Confirm a cohort reason other than the role suggests"},
    )

    @ma.validates_schema
    def _one_person(self, data: dict[str, Any], **_: object) -> None:
        if ("youth_id" in data) == ("new_youth" in data):
            raise ma.ValidationError("Give either youth_id or new_youth.", "youth_id")
        if "youth_id" in data and "cohort_reason" in data:
            raise ma.ValidationError(
                "A cohort member keeps the reason on their record; change it there.",
                "cohort_reason",
            )


class TimelineEntrySchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "`incident` or `pvs_meeting`"})
    id = ma.fields.Integer()
    incident_id = ma.fields.Integer()
    at = ma.fields.AwareDateTime(metadata={"description": "Occurred at / held at"})
    incident_type = ma.fields.String()
    ward = ma.fields.String()
    role = ma.fields.String(metadata={"description": "The young person's role in it"})


class TimelineArgs(PageArgs):
    pass
