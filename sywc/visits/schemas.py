"""Request and response shapes of visits and the worklist."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from config.reference import AGENCY_CODES, BOROUGH_CODES
from sywc.fields import Day, Moment, StrictBoolean
from sywc.http import PageArgs
from sywc.youths.enums import Rag, VisitOutcome
from sywc.youths.fields import ID_RANGE, code, free_text
from sywc.youths.schemas import WARD_CODES, ScheduleSchema, YouthSummarySchema

MAX_OFFICERS = 10


def _distinct(values: list[int]) -> None:
    if len(set(values)) != len(values):
        raise ma.ValidationError("List each officer once.")


class VisitCreateSchema(ma.Schema):
    visited_at = Moment(
        required=True,
        metadata={
            "description": "When, with a UTC offset; not in the future (5 minutes' "
            "clock skew allowed, within today), nor on a day (in the business timezone) "
            "before the young person entered the cohort"
        },
    )
    officer_ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=ID_RANGE),
        required=True,
        validate=[validate.Length(min=1, max=MAX_OFFICERS), _distinct],
        metadata={
            "description": "Officers present (a joint visit names several, of any "
            "agency); active officers of the young person's borough. The recording "
            "officer need not be among them."
        },
    )
    outcome = code(
        VisitOutcome,
        required=True,
        metadata={
            "description": "Only `seen` satisfies the schedule; the others count as attempts"
        },
    )
    notes = free_text(max_length=10_000, allow_none=True, load_default=None)
    restricted = StrictBoolean(
        load_default=False,
        metadata={"description": "Notes readable only by officers of your agency"},
    )


class VisitSchema(ma.Schema):
    id = ma.fields.Integer()
    youth_id = ma.fields.Integer()
    visited_at = ma.fields.AwareDateTime()
    outcome = ma.fields.String(metadata={"enum": [str(o) for o in VisitOutcome]})
    officer_ids = ma.fields.List(ma.fields.Integer())
    notes = ma.fields.String(
        allow_none=True, metadata={"description": "Null when withheld from you"}
    )
    restricted = ma.fields.Boolean()
    notes_withheld = ma.fields.Boolean(
        metadata={"description": "True when the notes are restricted to another agency"}
    )
    author_id = ma.fields.Integer(metadata={"description": "Who recorded the visit"})
    author_agency = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class VisitRecordedSchema(VisitSchema):
    schedule = ma.fields.Nested(ScheduleSchema, metadata={"description": "The record after it"})


class VisitListArgs(PageArgs):
    outcome = code(VisitOutcome)


class WorklistArgs(PageArgs):
    due_before = Day(
        metadata={"description": "Due on or before this date (default today + 7 days)"}
    )
    borough = code(BOROUGH_CODES)
    agency = code(AGENCY_CODES, metadata={"description": "Lead agency"})
    officer_id = ma.fields.Integer(validate=ID_RANGE, metadata={"description": "Lead officer"})
    ward = code(WARD_CODES)
    rag = code(Rag)


class WorklistItemSchema(YouthSummarySchema):
    last_attempt = ma.fields.Nested(
        VisitSchema,
        allow_none=True,
        metadata={"description": "The latest visit that did not see them, if any"},
    )
