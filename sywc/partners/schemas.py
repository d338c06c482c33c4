"""Request and response shapes of /partner-clients and /auth/token."""

import marshmallow as ma
from marshmallow import validate

from config.reference import BOROUGH_CODES, REFERRAL_RECEIVING_AGENCIES
from sywc.fields import NOT_BLANK, StrictBoolean
from sywc.http import ChangesSchema, PageArgs
from sywc.permissions import PARTNER_SCOPES

_SCOPES = validate.OneOf(sorted(PARTNER_SCOPES))
_AGENCIES = validate.OneOf(sorted(REFERRAL_RECEIVING_AGENCIES))
_BOROUGHS = validate.OneOf(sorted(BOROUGH_CODES))
_NAME = [validate.Length(min=1, max=200), NOT_BLANK]


class PartnerClientCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=_NAME)
    scopes = ma.fields.List(
        ma.fields.String(validate=_SCOPES), required=True, validate=validate.Length(min=1, max=8)
    )
    allowed_agencies = ma.fields.List(
        ma.fields.String(validate=_AGENCIES),
        required=True,
        validate=validate.Length(min=1, max=16),
        metadata={"description": "The agencies this partner may refer to (`to_agency`)"},
    )
    boroughs = ma.fields.List(
        ma.fields.String(validate=_BOROUGHS), required=True, validate=validate.Length(min=1, max=64)
    )


class PartnerClientUpdateSchema(ChangesSchema):
    name = ma.fields.String(validate=_NAME)
    scopes = ma.fields.List(
        ma.fields.String(validate=_SCOPES), validate=validate.Length(min=1, max=8)
    )
    allowed_agencies = ma.fields.List(
        ma.fields.String(validate=_AGENCIES), validate=validate.Length(min=1, max=16)
    )
    boroughs = ma.fields.List(
        ma.fields.String(validate=_BOROUGHS), validate=validate.Length(min=1, max=64)
    )
    active = StrictBoolean(
        metadata={"description": "false disables the client; its tokens stop working at once"}
    )


class PartnerClientSchema(ma.Schema):
    id = ma.fields.Integer()
    client_id = ma.fields.String()
    name = ma.fields.String()
    scopes = ma.fields.List(ma.fields.String())
    allowed_agencies = ma.fields.List(ma.fields.String())
    boroughs = ma.fields.List(ma.fields.String())
    active = ma.fields.Boolean()
    rotated_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class PartnerClientSecretSchema(PartnerClientSchema):
    client_secret = ma.fields.String(
        metadata={"description": "Shown this once: only its hash is kept"}
    )


class PartnerClientListArgs(PageArgs):
    active = ma.fields.Boolean()


class PartnerTokenRequestSchema(ma.Schema):
    """OAuth 2.0 client credentials grant (RFC 6749 section 4.4)."""

    grant_type = ma.fields.String(required=True, validate=validate.Equal("client_credentials"))
    client_id = ma.fields.String(validate=validate.Length(min=1, max=64))
    client_secret = ma.fields.String(load_only=True, validate=validate.Length(min=1, max=256))


class PartnerTokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String(metadata={"description": "Always `Bearer`"})
    expires_in = ma.fields.Integer(metadata={"description": "Seconds (at most 900); no refresh"})
    scope = ma.fields.String(metadata={"description": "The granted scopes, space-separated"})
