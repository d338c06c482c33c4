"""`sywc.dumping`: a planned dump is the schema's own dump, field type by field type."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import marshmallow as ma
import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.dumping import PlannedList, planned
from sywc.extensions import db
from sywc.http import page_schema
from sywc.visits.schemas import WorklistItemSchema
from sywc.visits.worklist import DueVisit
from sywc.youths.models import Youth, YouthCohort, YouthFlag
from sywc.youths.schemas import YouthSchema, YouthSummarySchema
from tests import factories


class Inner(ma.Schema):
    n = ma.fields.Integer()


class Every(ma.Schema):
    text = ma.fields.String()
    number = ma.fields.Integer()
    counted = ma.fields.Integer(as_string=True)
    day = ma.fields.Date()
    moment = ma.fields.AwareDateTime()
    naive = ma.fields.DateTime()
    stamp = ma.fields.DateTime(format="timestamp")
    codes = ma.fields.List(ma.fields.String())
    numbers = ma.fields.List(ma.fields.Integer())
    renamed = ma.fields.String(data_key="shown_as")
    stored = ma.fields.String(attribute="elsewhere")
    dotted = ma.fields.Integer(attribute="inner.n")
    fallback = ma.fields.String(dump_default="none given")
    flag = ma.fields.Boolean()
    nested = ma.fields.Nested(Inner)
    computed = ma.fields.Method("_computed")
    secret = ma.fields.String(load_only=True)

    def _computed(self, obj):
        return type(obj).__name__


def _object(**overrides):
    values = {
        "text": "abc",
        "number": 7,
        "counted": 12,
        "day": date(2026, 3, 1),
        "moment": datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
        "naive": datetime(2026, 3, 1, 12, 30, 15, 250),
        "stamp": datetime(2026, 3, 1, tzinfo=UTC),
        "codes": ["b", "a"],
        "numbers": [1, 2],
        "renamed": "r",
        "elsewhere": "e",
        "inner": SimpleNamespace(n=3),
        "fallback": "given",
        "flag": 1,
        "nested": SimpleNamespace(n=4),
        "secret": "never shown",
    }
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    "obj",
    [
        _object(),
        _object(text=None, number=None, day=None, moment=None, codes=None, nested=None),
        _object(number=7.9, codes=[1, 2], text=5, flag=0),
    ],
    ids=["values", "nulls", "conversions"],
)
def test_a_planned_dump_is_the_schema_dump(obj):
    schema = Every()

    assert planned(schema)(obj) == schema.dump(obj)


def test_missing_attributes_are_left_out_or_defaulted_as_marshmallow_does():
    obj = _object()
    for name in ("text", "day", "codes", "elsewhere", "fallback"):
        delattr(obj, name)
    schema = Every()

    dumped = planned(schema)(obj)

    assert dumped == schema.dump(obj)
    assert "text" not in dumped
    assert dumped["fallback"] == "none given"


def test_mappings_are_read_by_key():
    schema = Every()
    obj = vars(_object())

    assert planned(schema)(obj) == schema.dump(obj)


def test_a_planned_list_dumps_like_a_list_of_nested_and_documents_as_one():
    class Envelope(ma.Schema):
        items = PlannedList(Every)

    class Plain(ma.Schema):
        items = ma.fields.List(ma.fields.Nested(Every))

    body = {"items": [_object(), _object(number=None)]}

    assert Envelope().dump(body) == Plain().dump(body)
    assert Envelope().dump({"items": None}) == {"items": None}
    assert isinstance(page_schema(Every, "EveryPage")._declared_fields["items"], ma.fields.List)


def test_young_people_dump_the_same_either_way(app, make_user):
    """The list and worklist rows, from real records with flags, cohorts and none."""
    officer = make_user("officer", "MPS", boroughs=["WCC"])
    today = clock.today()
    with app.app_context(), app.test_request_context():
        factories.youth(lead_officer_id=officer.id, next_visit_due=today - timedelta(days=4))
        flagged = factories.youth(
            lead_officer_id=officer.id,
            first_name="Sam",
            last_attempt_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            next_visit_due=None,
            status="closed",
            closed_on=today,
        )
        db.session.add_all(
            [
                YouthFlag(youth_id=flagged.id, flag="weapon"),
                YouthFlag(youth_id=flagged.id, flag="county_lines"),
                YouthCohort(youth_id=flagged.id, cohort="yot"),
            ]
        )
        db.session.commit()
        db.session.expunge_all()
        rows = db.session.scalars(sa.select(Youth).order_by(Youth.id)).all()

        for schema in (YouthSummarySchema(), WorklistItemSchema(), YouthSchema()):
            assert [planned(schema)(r) for r in rows] == schema.dump(rows, many=True)
        attempt = {
            "id": 9,
            "youth_id": rows[0].id,
            "visited_at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
            "outcome": "not_home",
            "officer_ids": [officer.id],
            "notes": None,
            "restricted": False,
            "notes_withheld": True,
            "author_id": officer.id,
            "author_agency": "MPS",
        }
        due = [DueVisit(rows[0], attempt), DueVisit(rows[1], None)]
        worklist = WorklistItemSchema()
        assert [planned(worklist)(d) for d in due] == worklist.dump(due, many=True)
        assert [r.flags for r in rows] == [[], ["county_lines", "weapon"]]
        assert [r.other_cohorts for r in rows] == [[], ["yot"]]
