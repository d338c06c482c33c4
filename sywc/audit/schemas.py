"""Shapes of /audit-events."""

import marshmallow as ma
from marshmallow import validate

from sywc.fields import ID_RANGE, Moment
from sywc.http import PageArgs


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
    details = ma.fields.Dict(allow_none=True)
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

    @ma.validates_schema
    def _check(self, data: dict, **_: object) -> None:
        if "record_id" in data and "record_type" not in data:
            raise ma.ValidationError("Give record_type with record_id.", "record_type")
        if "from_" in data and "to" in data and data["from_"] > data["to"]:
            raise ma.ValidationError("from must not be after to.", "from")


class VerifySchema(ma.Schema):
    ok = ma.fields.Boolean()
    checked = ma.fields.Integer()
    first_broken_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
