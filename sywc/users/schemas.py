"""Request and response shapes of /users."""

import marshmallow as ma
from marshmallow import validate

from config.reference import AGENCY_CODES, BOROUGH_CODES
from sywc.fields import NOT_BLANK, StrictBoolean
from sywc.http import ChangesSchema, PageArgs
from sywc.permissions import USER_ROLES

_ROLES = [str(role) for role in USER_ROLES]
_USERNAME = validate.Regexp(
    r"^[a-z0-9][a-z0-9._-]{2,63}\Z",
    error="Use 3-64 lower-case letters, digits, dots, dashes or underscores.",
)
_NAME = [validate.Length(min=1, max=200), NOT_BLANK]


class UserCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=_USERNAME)
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    name = ma.fields.String(required=True, validate=_NAME)
    role = ma.fields.String(required=True, validate=validate.OneOf(_ROLES))
    agency = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(sorted(AGENCY_CODES))
    )
    boroughs = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(sorted(BOROUGH_CODES))),
        required=True,
        validate=validate.Length(min=1, max=64),
    )


class UserUpdateSchema(ChangesSchema):
    name = ma.fields.String(validate=_NAME)
    role = ma.fields.String(validate=validate.OneOf(_ROLES))
    agency = ma.fields.String(allow_none=True, validate=validate.OneOf(sorted(AGENCY_CODES)))
    boroughs = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(sorted(BOROUGH_CODES))),
        validate=validate.Length(min=1, max=64),
    )
    active = StrictBoolean()
    password = ma.fields.String(
        load_only=True,
        validate=validate.Length(max=128),
        metadata={"description": "Reset the password; ends every session"},
    )
    unlock = StrictBoolean(metadata={"description": "Clear a lockout after failed logins"})


class UserSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String()
    agency = ma.fields.String(allow_none=True)
    boroughs = ma.fields.List(ma.fields.String())
    active = ma.fields.Boolean()
    locked_until = ma.fields.AwareDateTime(allow_none=True)
    last_login_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class UserListArgs(PageArgs):
    role = ma.fields.String(validate=validate.OneOf(_ROLES))
    agency = ma.fields.String(validate=validate.OneOf(sorted(AGENCY_CODES)))
    active = ma.fields.Boolean()
    borough = ma.fields.String(validate=validate.OneOf(sorted(BOROUGH_CODES)))
