"""Request and response shapes of /auth."""

import marshmallow as ma
from marshmallow import validate

from sywc.fields import StrictBoolean


class LoginSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=1024)
    )
    use_cookies = StrictBoolean(
        load_default=False,
        metadata={
            "description": "Browser mode: set HttpOnly cookies (with a CSRF cookie) "
            "instead of returning the tokens in the body"
        },
    )


class TokenSchema(ma.Schema):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    token_type = ma.fields.String(metadata={"description": "`Bearer`, or `cookie` in browser mode"})
    expires_in = ma.fields.Integer(
        metadata={"description": "Seconds until the access token expires"}
    )


class PartnerTokenRequestSchema(ma.Schema):
    grant_type = ma.fields.String(required=True, validate=validate.Equal("client_credentials"))
    client_id = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    client_secret = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=256)
    )


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    username = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String()
    agency = ma.fields.String(allow_none=True)
    boroughs = ma.fields.List(ma.fields.String())
    permissions = ma.fields.List(ma.fields.String())
