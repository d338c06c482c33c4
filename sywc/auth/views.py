"""/auth: login, refresh, logout, who am I."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask_jwt_extended import (
    get_jwt,
    get_jwt_request_location,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)

from sywc import clock
from sywc.auth import service
from sywc.auth.limits import sign_in_limit
from sywc.auth.schemas import LoginSchema, MeSchema, TokenSchema
from sywc.extensions import db
from sywc.openapi import SywcBlueprint
from sywc.permissions import ROLE_PERMISSIONS, Permission, Role, Token
from sywc.security import current_principal
from sywc.users.models import User

blp = SywcBlueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in and tokens")


def _token_response(tokens: service.Tokens, *, cookies: bool) -> Any:
    if not cookies:
        return {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "token_type": "Bearer",
            "expires_in": tokens.expires_in,
        }
    response = jsonify({"token_type": "cookie", "expires_in": tokens.expires_in})
    set_access_cookies(response, tokens.access_token)
    if tokens.refresh_token:
        set_refresh_cookies(response, tokens.refresh_token)
    return response


@blp.route("/login", methods=["POST"])
@blp.public
@sign_in_limit("login_rate_limited")
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def login(body: dict[str, Any]) -> Any:
    """Sign in with username and password: an access token (15 minutes) and a refresh token."""
    tokens = service.login(username=body["username"], password=body["password"], now=clock.utcnow())
    return _token_response(tokens, cookies=body["use_cookies"])


@blp.route("/refresh", methods=["POST"])
@blp.permission(Permission.SESSION_REFRESH)
@blp.response(200, TokenSchema)
def refresh() -> Any:
    """Exchange the refresh token for new tokens; the presented one stops working."""
    claims = get_jwt()
    tokens = service.refresh(claims=claims, now=clock.utcnow())
    return _token_response(tokens, cookies=get_jwt_request_location() == "cookies")


@blp.route("/logout", methods=["POST"])
@blp.permission(Permission.SESSION, tokens=(Token.ACCESS, Token.REFRESH))
@blp.response(204)
def logout() -> Any:
    """Revoke the session: the access and refresh tokens are refused from now on.

    Takes the access token or, once it has expired, the refresh token, as
    `POST /auth/refresh` does: a session can always be ended while it could be renewed.
    In browser mode send the `csrf_refresh_token` value in `X-CSRF-TOKEN`: the refresh
    cookie then ends the session whether or not the access cookie has expired (the
    `csrf_access_token` value does only while the access cookie is good). The cookies
    are cleared.
    """
    service.logout(principal=current_principal(), now=clock.utcnow())
    response = current_app.response_class(status=204)
    unset_jwt_cookies(response)
    return response


@blp.route("/me", methods=["GET"])
@blp.permission(Permission.SESSION)
@blp.response(200, MeSchema)
def me() -> Any:
    """Who am I: id, name, role, agency, boroughs and what the role may do."""
    principal = current_principal()
    user = db.session.get(User, principal.id) if principal.kind == "user" else None
    return {
        "id": principal.id,
        "kind": principal.kind,
        "username": principal.label,
        "name": user.name if user else principal.label,
        "role": principal.role,
        "agency": principal.agency,
        "boroughs": sorted(principal.boroughs),
        "permissions": sorted(ROLE_PERMISSIONS[Role(principal.role)]),
    }
