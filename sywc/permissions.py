"""Roles, permissions and the one table between them.

Routes declare a Permission, never a role; this table is the only place that says which
roles hold which permission, and anything it does not grant is denied.
"""

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    SENIOR_OFFICER = "senior_officer"
    BOARD_MEMBER = "board_member"
    AUDITOR = "auditor"
    ADMIN = "admin"
    PARTNER = "partner"


# Roles that belong to an agency (officers); the others have none.
AGENCY_ROLES = frozenset({Role.OFFICER, Role.SENIOR_OFFICER})
USER_ROLES = tuple(role for role in Role if role is not Role.PARTNER)


class Permission(StrEnum):
    SESSION = "session"  # who am I, log out
    SESSION_REFRESH = "session:refresh"  # presented with a refresh token, not an access one
    REFERENCE_READ = "reference:read"
    USERS_MANAGE = "users:manage"
    PARTNERS_MANAGE = "partners:manage"
    AUDIT_READ = "audit:read"
    OPERATIONS_READ = "operations:read"
    COHORT_READ = "cohort:read"
    COHORT_WRITE = "cohort:write"
    COHORT_CLOSE = "cohort:close"
    REFERRALS_READ = "referrals:read"
    REFERRALS_CREATE = "referrals:create"
    REFERRALS_HANDLE = "referrals:handle"
    INCIDENTS_READ = "incidents:read"
    INCIDENTS_WRITE = "incidents:write"
    PVS_READ = "pvs:read"
    PVS_MANAGE = "pvs:manage"
    PVS_ACTIONS_UPDATE = "pvs:actions:update"
    ALERTS_READ = "alerts:read"
    ALERTS_ACKNOWLEDGE = "alerts:acknowledge"
    STATS_READ = "stats:read"
    STATS_UNSUPPRESSED = "stats:unsuppressed"


class Token(StrEnum):
    """The tokens a request may sign in with: an access token, or a session's refresh token."""

    ACCESS = "access"
    REFRESH = "refresh"


def tokens_taken(permission: Permission) -> tuple[Token, ...]:
    """The tokens a route declaring `permission` takes unless it names others."""
    return (Token.REFRESH,) if permission is Permission.SESSION_REFRESH else (Token.ACCESS,)


_SESSION = {Permission.SESSION, Permission.SESSION_REFRESH, Permission.REFERENCE_READ}
_CASEWORK = {
    Permission.COHORT_READ,
    Permission.COHORT_WRITE,
    Permission.REFERRALS_READ,
    Permission.REFERRALS_CREATE,
    Permission.REFERRALS_HANDLE,
    Permission.INCIDENTS_READ,
    Permission.INCIDENTS_WRITE,
    Permission.PVS_READ,
    Permission.PVS_ACTIONS_UPDATE,
    Permission.ALERTS_READ,
    Permission.ALERTS_ACKNOWLEDGE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset(_SESSION | _CASEWORK),
    Role.SENIOR_OFFICER: frozenset(
        _SESSION
        | _CASEWORK
        | {
            Permission.COHORT_CLOSE,
            Permission.PVS_MANAGE,
            Permission.STATS_READ,
            Permission.STATS_UNSUPPRESSED,
        }
    ),
    Role.BOARD_MEMBER: frozenset(_SESSION | {Permission.STATS_READ}),
    Role.AUDITOR: frozenset(_SESSION | {Permission.AUDIT_READ}),
    Role.ADMIN: frozenset(
        _SESSION | {Permission.USERS_MANAGE, Permission.PARTNERS_MANAGE, Permission.OPERATIONS_READ}
    ),
    # A partner system may post referrals and follow their status; nothing else.
    Role.PARTNER: frozenset({Permission.REFERRALS_CREATE, Permission.REFERRALS_READ}),
}

# What each partner scope unlocks, within the partner role's permissions above.
PARTNER_SCOPES: dict[str, frozenset[Permission]] = {
    "referrals:write": frozenset({Permission.REFERRALS_CREATE, Permission.REFERRALS_READ}),
}


def roles_with(permission: Permission) -> list[str]:
    """List the roles that hold `permission`, for the OpenAPI document."""
    return [str(role) for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def has_permission(role: str, permission: Permission, scopes: frozenset[str] | None = None) -> bool:
    """Tell whether `role` (and, for partners, its scopes) grants `permission`."""
    try:
        granted = ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
    if permission not in granted:
        return False
    if role == Role.PARTNER:
        return any(permission in PARTNER_SCOPES.get(scope, frozenset()) for scope in scopes or ())
    return True
