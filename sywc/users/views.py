"""/users: account administration (admin only)."""

from __future__ import annotations

from typing import Any

from sywc import clock
from sywc.http import (
    ETAG_HEADER,
    etag,
    if_match_version,
    page_schema,
    paged,
)
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission
from sywc.security import current_principal
from sywc.users import service
from sywc.users.schemas import UserCreateSchema, UserListArgs, UserSchema, UserUpdateSchema

blp = SywcBlueprint("users", __name__, url_prefix="/api/v1/users", description="User accounts")
UserPage = page_schema(UserSchema, "UserPage")


@blp.route("", methods=["GET"])
@blp.permission(Permission.USERS_MANAGE)
@blp.arguments(UserListArgs, location="query", as_kwargs=True)
@blp.response(200, UserPage)
def list_users(page: int, limit: int, **filters: Any) -> Any:
    """List user accounts (filters: role, agency, active, borough)."""
    return paged(
        service.list_users(filters=filters, page=page, limit=limit, admin=current_principal())
    )


@blp.route("", methods=["POST"])
@blp.permission(Permission.USERS_MANAGE)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema, headers=ETAG_HEADER)
@blp.alt_response(409, response="CONFLICT")
def create_user(body: dict[str, Any]) -> Any:
    """Create a user account; the password policy applies."""
    user = service.create_user(**body, now=clock.utcnow(), admin=current_principal())
    return user, 201, etag(user.version)


@blp.route("/<int:user_id>", methods=["GET"])
@blp.permission(Permission.USERS_MANAGE)
@blp.response(200, UserSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def get_user(user_id: int) -> Any:
    """Read a user account."""
    user = service.get_user(user_id, admin=current_principal())
    return user, 200, etag(user.version)


@blp.route("/<int:user_id>", methods=["PATCH"])
@blp.permission(Permission.USERS_MANAGE)
@blp.conditional_update(UserUpdateSchema, UserSchema)
def update_user(body: dict[str, Any], user_id: int) -> Any:
    """Change a user (If-Match); role, agency, borough, password or active changes end sessions."""
    user = service.update_user(
        user_id=user_id,
        changes=body,
        expected_version=if_match_version(),
        now=clock.utcnow(),
        admin=current_principal(),
    )
    return user, 200, etag(user.version)
