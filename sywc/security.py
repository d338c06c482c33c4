"""Authentication and authorization at the edge: every request passes `authorize_request`.

Deny by default: a route that declares no permission is refused, a principal that lacks
the declared permission is refused, and record-level rules live in each domain's policies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app, g, request
from flask_jwt_extended import current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException, NoAuthorizationError
from jwt import PyJWTError

from sywc.database import SAFE_METHODS, statement_transactions
from sywc.errors import PermissionDenied, Unauthorized
from sywc.extensions import db
from sywc.permissions import Permission, Role, Token, has_permission, tokens_taken

log = logging.getLogger(__name__)

# Routes served without a token. The route walk test holds this list to account.
PUBLIC_ENDPOINTS = frozenset(
    {
        "api-docs.openapi_json",
        "api-docs.openapi_swagger_ui",
    }
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user of some role, or a partner system."""

    kind: str  # "user" or "partner"
    id: int
    role: str
    agency: str | None
    boroughs: frozenset[str]
    session_id: str
    label: str
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_partner(self) -> bool:
        return self.kind == "partner"

    @property
    def user_id(self) -> int | None:
        """The id of the user calling; None for a partner system, which is no user."""
        return None if self.is_partner else self.id

    @property
    def is_senior(self) -> bool:
        return self.role == Role.SENIOR_OFFICER

    def can(self, permission: Permission) -> bool:
        """Tell whether this principal holds `permission`."""
        return has_permission(self.role, permission, self.scopes)


def declared_permission(endpoint: str) -> Permission | str | None:
    """Return what the view behind `endpoint` declares, or None when it declares nothing."""
    if endpoint in PUBLIC_ENDPOINTS:
        return "public"
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_sywc_permission", None)


def declared_tokens(endpoint: str, permission: Permission) -> tuple[Token, ...]:
    """Return the tokens the view behind `endpoint` takes, in the order they are tried."""
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_sywc_tokens", None) or tokens_taken(permission)


def verify_token(tokens: tuple[Token, ...]) -> None:
    """Verify the request's token against each kind the route takes, the first good one wins.

    A route taking more than one (logout) refuses with the reason of the last kind that
    was presented: a browser whose access cookie expired and whose refresh cookie carries
    the wrong CSRF value is told of the CSRF value, not of the expiry it worked around.
    """
    refused: Exception | None = None
    for token in tokens:
        try:
            verify_jwt_in_request(refresh=token is Token.REFRESH)
            return
        except NoAuthorizationError as error:
            refused = refused or error  # none of this kind presented
        except (JWTExtendedException, PyJWTError) as error:
            refused = error
    raise refused or Unauthorized()


def authorize_request() -> None:
    """Check the caller against the permission the matched route declares."""
    endpoint = request.endpoint
    if endpoint is None or request.method == "OPTIONS":
        return  # no route matched (dispatch answers 404/405), or a CORS preflight
    permission = declared_permission(endpoint)
    if permission is None:
        log.error("route declares no permission; refused", extra={"endpoint": endpoint})
        raise PermissionDenied("This route is not available.")
    if permission == "public":
        return
    if request.method in SAFE_METHODS:
        statement_transactions(db.session())
    verify_token(declared_tokens(endpoint, Permission(permission)))
    principal = current_principal()
    g.principal = principal
    if not principal.can(Permission(permission)):
        raise PermissionDenied("Your role does not allow this.")


def current_principal() -> Principal:
    """Return the authenticated caller of this request."""
    principal = g.get("principal") or current_user
    if not isinstance(principal, Principal):
        raise Unauthorized()
    return principal


def optional_principal() -> Principal | None:
    """Return the caller when one is authenticated, else None (for audit of public routes)."""
    principal = g.get("principal")
    return principal if isinstance(principal, Principal) else None
