"""Request and response shapes of /youths and their RAG assessments."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from marshmallow import validate

from config.reference import (
    AGENCY_CODES,
    BOROUGH_CODES,
    BOROUGHS,
    COHORT_CODES,
    ETHNICITY_CODES,
    FLAG_CODES,
)
from sywc import clock
from sywc.fields import Day, StrictBoolean
from sywc.http import ChangesSchema, PageArgs
from sywc.youths import schedule
from sywc.youths.enums import CohortReason, Gender, Rag, YouthStatus
from sywc.youths.fields import ID_RANGE, Name, code, code_list, free_text

WARD_CODES = sorted(ward.code for borough in BOROUGHS for ward in borough.wards)
RATIONALE_MIN_CHARS = 20
REASON_MIN_CHARS = 5
SORT_KEYS = ("next_visit_due", "rag", "name", "updated_at")
_RATIONALE_HELP = (
    f"Why this rating: at least {RATIONALE_MIN_CHARS} characters besides surrounding spaces"
)


def _rationale(**kwargs: Any) -> ma.fields.String:
    return free_text(
        max_length=5000,
        at_least=RATIONALE_MIN_CHARS,
        metadata={"description": _RATIONALE_HELP},
        **kwargs,
    )


class YouthCreateSchema(ma.Schema):
    borough = code(BOROUGH_CODES, required=True)
    first_name = Name(required=True)
    last_name = Name(required=True)
    date_of_birth = Day(required=True, metadata={"description": "Age 10 to 25 on the day of entry"})
    gender = code(Gender, required=True)
    ethnicity = code(ETHNICITY_CODES, load_default="not_known")
    ward = code(WARD_CODES, required=True, metadata={"description": "A ward of `borough`"})
    address = free_text(max_length=500, allow_none=True, load_default=None)
    lead_agency = code(AGENCY_CODES, required=True)
    lead_officer_id = ma.fields.Integer(
        required=True,
        strict=True,
        validate=ID_RANGE,
        metadata={"description": "An active officer of the lead agency working in the borough"},
    )
    cohort_reason = code(CohortReason, required=True)
    flags = code_list(FLAG_CODES, load_default=list)
    other_cohorts = code_list(COHORT_CODES, load_default=list)
    rag = code(Rag, required=True, metadata={"description": "The first RAG rating"})
    rag_rationale = _rationale(required=True)
    confirm_duplicate = StrictBoolean(
        load_default=False,
        metadata={
            "description": "Create even though a record with this name and birth date "
            "exists in the borough (otherwise 409 naming it)"
        },
    )


class YouthUpdateSchema(ChangesSchema):
    """Fields a PATCH may change; ratings, visits and status have their own routes."""

    first_name = Name()
    last_name = Name()
    date_of_birth = Day(metadata={"description": "Age 10 to 25 on the entry date"})
    gender = code(Gender)
    ethnicity = code(ETHNICITY_CODES)
    ward = code(WARD_CODES)
    address = free_text(max_length=500, allow_none=True)
    lead_agency = code(AGENCY_CODES)
    lead_officer_id = ma.fields.Integer(strict=True, validate=ID_RANGE)
    cohort_reason = code(CohortReason)
    flags = code_list(FLAG_CODES)
    other_cohorts = code_list(COHORT_CODES)
    review_by = Day(
        metadata={"description": "Between today and today + COHORT_REVIEW_MONTHS months"}
    )


def _rules() -> schedule.ScheduleRules:
    return schedule.ScheduleRules.from_config(current_app.config)


class YouthSummarySchema(ma.Schema):
    """A young person as lists show them (no address)."""

    id = ma.fields.Integer()
    reference = ma.fields.String(metadata={"description": "Stable reference, e.g. YP-000123"})
    version = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": [str(s) for s in YouthStatus]})
    borough = ma.fields.String()
    first_name = ma.fields.String()
    last_name = ma.fields.String()
    date_of_birth = Day()
    gender = ma.fields.String()
    ethnicity = ma.fields.String()
    ward = ma.fields.String()
    lead_agency = ma.fields.String()
    lead_officer_id = ma.fields.Integer(allow_none=True)
    cohort_reason = ma.fields.String()
    flags = ma.fields.List(ma.fields.String())
    other_cohorts = ma.fields.List(ma.fields.String())
    rag = ma.fields.String(metadata={"description": "The current rating"})
    rag_assessed_on = Day()
    next_visit_due = Day(
        allow_none=True, metadata={"description": "Null while the record is closed"}
    )
    overdue = ma.fields.Method("_overdue", metadata={"type": "boolean"})
    days_overdue = ma.fields.Method("_days_overdue", metadata={"type": "integer"})
    last_seen_on = Day(allow_none=True)
    last_attempt_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "The latest visit that did not see them"}
    )
    review_by = Day(metadata={"description": "Past it, an active record is due a retention review"})
    entered_on = Day()
    closed_on = Day(allow_none=True)
    visits_due_from = Day(
        allow_none=True,
        metadata={
            "description": "No visit is due before this day: the day the record was reopened, "
            "when its visit was not yet missed on the day it was closed"
        },
    )
    updated_at = ma.fields.AwareDateTime()

    def _overdue(self, obj: Any) -> bool:
        return schedule.is_missed(obj.next_visit_due, today=clock.today(), rules=_rules())

    def _days_overdue(self, obj: Any) -> int:
        return schedule.days_overdue(obj.next_visit_due, today=clock.today(), rules=_rules())


class AssessmentCreateSchema(ma.Schema):
    rating = code(Rag, required=True)
    rationale = _rationale(required=True)
    assessed_on = Day(metadata={"description": "Default today; not in the future nor before entry"})


class AssessmentSchema(ma.Schema):
    id = ma.fields.Integer()
    youth_id = ma.fields.Integer()
    rating = ma.fields.String()
    rationale = ma.fields.String()
    assessed_on = Day()
    assessed_by = ma.fields.Integer(attribute="assessed_by_id")
    created_at = ma.fields.AwareDateTime()


class YouthSchema(YouthSummarySchema):
    """A young person's whole record."""

    address = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    current_assessment = ma.fields.Nested(AssessmentSchema)


class ScheduleSchema(ma.Schema):
    status = ma.fields.String()
    rag = ma.fields.String()
    rag_assessed_on = Day()
    last_seen_on = Day(allow_none=True)
    last_attempt_at = ma.fields.AwareDateTime(allow_none=True)
    next_visit_due = Day(allow_none=True)
    overdue = ma.fields.Method("_overdue", metadata={"type": "boolean"})
    version = ma.fields.Integer()

    _overdue = YouthSummarySchema._overdue


class AssessmentRecordedSchema(AssessmentSchema):
    current = ma.fields.Boolean(
        metadata={"description": "False when dated before the current rating (history only)"}
    )
    schedule = ma.fields.Nested(ScheduleSchema, metadata={"description": "The record after it"})


class StatusChangeSchema(ma.Schema):
    reason = free_text(
        max_length=2000,
        at_least=REASON_MIN_CHARS,
        required=True,
        metadata={"description": f"Why (at least {REASON_MIN_CHARS} characters)"},
    )


class YouthListArgs(PageArgs):
    borough = code(BOROUGH_CODES)
    rag = code(Rag)
    ward = code(WARD_CODES)
    lead_agency = code(AGENCY_CODES)
    status = code(YouthStatus)
    cohort_reason = code(CohortReason)
    overdue = ma.fields.Boolean(metadata={"description": "Visit missed as of today (or not)"})
    due_before = Day(metadata={"description": "Next visit due on or before this date"})
    q = ma.fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Part of a name, or a reference such as YP-000123"},
    )
    sort = ma.fields.String(
        load_default="next_visit_due",
        validate=validate.OneOf([*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)]),
        metadata={
            "description": "next_visit_due (soonest first, closed last), rag (red first), name "
            "(last then first name), updated_at; prefix `-` to reverse. Ties break by id."
        },
    )


class AssessmentListArgs(PageArgs):
    pass
