"""Shapes of the reference lists (returned whole: they are short and fixed)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from config.reference import AGENCY_CODES, BOROUGH_CODES
from sywc.http import PageArgs


def _list_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return type(name, (ma.Schema,), {"items": ma.fields.List(ma.fields.Nested(item))})


class BoroughSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    ward_count = ma.fields.Integer()


class AgencySchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    receives_referrals = ma.fields.Boolean()


class WardSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    borough = ma.fields.String()


class CodeSchema(ma.Schema):
    code = ma.fields.String()
    label = ma.fields.String()


class NoArgs(ma.Schema):
    """No query parameters: any given is refused, not ignored."""


class WardArgs(ma.Schema):
    borough = ma.fields.String(validate=validate.OneOf(BOROUGH_CODES))


BoroughList = _list_of(BoroughSchema, "BoroughList")
AgencyList = _list_of(AgencySchema, "AgencyList")
WardList = _list_of(WardSchema, "WardList")
CodeList = _list_of(CodeSchema, "CodeList")


class OfficerSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    role = ma.fields.String()
    agency = ma.fields.String()
    boroughs = ma.fields.List(ma.fields.String())


class OfficerArgs(PageArgs):
    borough = ma.fields.String(validate=validate.OneOf(BOROUGH_CODES))
    agency = ma.fields.String(validate=validate.OneOf(AGENCY_CODES))
