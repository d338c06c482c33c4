"""Partner systems: their clients (admin) and the client-credentials token endpoint."""

from __future__ import annotations

from typing import Any

from flask import request

from sywc import clock
from sywc.auth.limits import sign_in_limit
from sywc.errors import ValidationFailed
from sywc.fields import unstorable_text
from sywc.http import (
    ETAG_HEADER,
    etag,
    if_match_version,
    page_schema,
    paged,
)
from sywc.openapi import StrictParser, SywcBlueprint
from sywc.partners import service
from sywc.partners.schemas import (
    PartnerClientCreateSchema,
    PartnerClientListArgs,
    PartnerClientSchema,
    PartnerClientSecretSchema,
    PartnerClientUpdateSchema,
    PartnerTokenRequestSchema,
    PartnerTokenSchema,
)
from sywc.permissions import Permission
from sywc.security import current_principal

FORM = "application/x-www-form-urlencoded"


class JsonOrFormParser(StrictParser):
    """Read a body sent as JSON or, as OAuth 2.0 clients send it, as an HTML form.

    Only routes that list the form type in `_sywc_accepts` ever receive a form body: the
    request gate refuses it everywhere else.
    """

    def load_json(self, req: Any, schema: Any) -> Any:
        if req.mimetype == FORM:
            return self.load_form(req, schema)
        return super().load_json(req, schema)


blp = SywcBlueprint(
    "partners",
    __name__,
    url_prefix="/api/v1",
    description="Partner systems: clients and client-credentials tokens",
)
blp.ARGUMENTS_PARSER = JsonOrFormParser()
PartnerClientPage = page_schema(PartnerClientSchema, "PartnerClientPage")


@blp.route("/auth/token", methods=["POST"])
@blp.public
@sign_in_limit("partner_token_rate_limited")
@blp.doc(
    requestBody={
        "content": {FORM: {"schema": {"$ref": "#/components/schemas/PartnerTokenRequest"}}}
    }
)
@blp.arguments(PartnerTokenRequestSchema)
@blp.response(200, PartnerTokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def issue_token(body: dict[str, Any]) -> Any:
    """Partner systems: exchange client credentials for an access token (at most 15 minutes).

    OAuth 2.0 client credentials grant: `grant_type=client_credentials` with `client_id`
    and `client_secret`, as JSON or as a form, or the credentials in an HTTP Basic
    `Authorization` header. There is no refresh token: ask for a new token when it
    expires. Unknown, disabled and wrong credentials all get the same 401.
    """
    client_id, client_secret = body.get("client_id"), body.get("client_secret")
    basic = request.authorization
    if basic is not None and basic.type == "basic" and client_id is None:
        client_id, client_secret = basic.username, basic.password
        # The header skips the body's schema: hold its credentials to the same rules.
        errors = PartnerTokenRequestSchema(only=("client_id", "client_secret")).validate(
            {"client_id": client_id or "", "client_secret": client_secret or ""}
        ) or unstorable_text({"client_id": client_id, "client_secret": client_secret})
        if client_id and client_secret and errors:
            raise ValidationFailed("The HTTP Basic credentials are malformed.", errors=errors)
    # Name each credential that is missing, and only those: the one sent is not at fault.
    missing = {
        name: ["Required (in the body or with HTTP Basic)."]
        for name, value in (("client_id", client_id), ("client_secret", client_secret))
        if not value
    }
    if missing:
        raise ValidationFailed("Send client_id and client_secret.", errors=missing)
    token = service.issue_partner_token(
        client_id=client_id, client_secret=client_secret, now=clock.utcnow()
    )
    # RFC 6749 section 5.1: responses carrying tokens must not be cached.
    return token, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


issue_token._sywc_accepts = (FORM,)  # type: ignore[attr-defined]


@blp.route("/partner-clients", methods=["GET"])
@blp.permission(Permission.PARTNERS_MANAGE)
@blp.arguments(PartnerClientListArgs, location="query", as_kwargs=True)
@blp.response(200, PartnerClientPage)
def list_partner_clients(page: int, limit: int, **filters: Any) -> Any:
    """List partner clients (filter: active)."""
    return paged(
        service.list_partner_clients(
            filters=filters,
            page=page,
            limit=limit,
            now=clock.utcnow(),
            admin=current_principal(),
        )
    )


@blp.route("/partner-clients", methods=["POST"])
@blp.permission(Permission.PARTNERS_MANAGE)
@blp.arguments(PartnerClientCreateSchema)
@blp.response(201, PartnerClientSecretSchema, headers=ETAG_HEADER)
def create_partner_client(body: dict[str, Any]) -> Any:
    """Register a partner system; the response shows its secret this once."""
    issued = service.create_partner_client(**body, now=clock.utcnow(), admin=current_principal())
    return issued, 201, etag(issued.version)


@blp.route("/partner-clients/<int:client_pk>", methods=["GET"])
@blp.permission(Permission.PARTNERS_MANAGE)
@blp.response(200, PartnerClientSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def get_partner_client(client_pk: int) -> Any:
    """Read a partner client (its secret is never shown again)."""
    client = service.get_partner_client(
        client_pk=client_pk, now=clock.utcnow(), admin=current_principal()
    )
    return client, 200, etag(client.version)


@blp.route("/partner-clients/<int:client_pk>", methods=["PATCH"])
@blp.permission(Permission.PARTNERS_MANAGE)
@blp.conditional_update(PartnerClientUpdateSchema, PartnerClientSchema)
def update_partner_client(body: dict[str, Any], client_pk: int) -> Any:
    """Change a partner client (If-Match); `active: false` disables it and ends its tokens."""
    client = service.update_partner_client(
        client_pk=client_pk,
        changes=body,
        expected_version=if_match_version(),
        now=clock.utcnow(),
        admin=current_principal(),
    )
    return client, 200, etag(client.version)


@blp.route("/partner-clients/<int:client_pk>/rotate", methods=["POST"])
@blp.permission(Permission.PARTNERS_MANAGE)
@blp.response(200, PartnerClientSecretSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def rotate_partner_secret(client_pk: int) -> Any:
    """Issue a new secret (shown this once); the old secret and its tokens stop working."""
    issued = service.rotate_partner_secret(
        client_pk=client_pk, now=clock.utcnow(), admin=current_principal()
    )
    return issued, 200, etag(issued.version)
