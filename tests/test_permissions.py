"""Deny by default: every route declares a permission, and the declaration is enforced."""

from __future__ import annotations

import pytest

from sywc import create_app
from sywc.permissions import ROLE_PERMISSIONS, Permission, Role
from sywc.security import declared_permission
from tests.conftest import assert_problem

# The only routes served without a token. Adding one here needs a reason in review.
PUBLIC_ROUTES = {
    "/api/v1/auth/login",  # signing in
    "/api/v1/auth/token",  # partner systems' client credentials
    "/healthz",
    "/readyz",
    "/api/v1/openapi.json",
    "/api/v1/docs",
}


def test_every_route_declares_a_permission(app):
    with app.test_request_context():
        undeclared = [
            rule.rule
            for rule in app.url_map.iter_rules()
            if declared_permission(rule.endpoint) is None
        ]
        public = {
            rule.rule
            for rule in app.url_map.iter_rules()
            if declared_permission(rule.endpoint) == "public"
        }
        declared = {declared_permission(rule.endpoint) for rule in app.url_map.iter_rules()}
    assert undeclared == []
    assert public <= PUBLIC_ROUTES
    assert {"/api/v1/auth/login", "/healthz", "/readyz"} <= public
    assert declared - {"public"} <= set(Permission)


def test_a_route_that_declares_nothing_is_refused(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test")
    app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: {"leak": True})
    assert_problem(app.test_client().get("/api/v1/forgotten"), 403)


def test_every_documented_operation_lists_its_roles(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert "x-permission" in operation, (method, path)
            assert operation["x-roles"], (method, path)


def test_roles_hold_only_what_the_contract_gives_them():
    assert ROLE_PERMISSIONS[Role.BOARD_MEMBER] == {
        Permission.SESSION,
        Permission.SESSION_REFRESH,
        Permission.REFERENCE_READ,
        Permission.STATS_READ,
    }
    # A partner system creates referrals and reads those it created; nothing else.
    assert ROLE_PERMISSIONS[Role.PARTNER] == {
        Permission.REFERRALS_CREATE,
        Permission.REFERRALS_READ,
    }
    for role in (Role.AUDITOR, Role.ADMIN, Role.BOARD_MEMBER, Role.PARTNER):
        assert Permission.COHORT_READ not in ROLE_PERMISSIONS[role]
    assert Permission.AUDIT_READ in ROLE_PERMISSIONS[Role.AUDITOR]
    assert Permission.PVS_MANAGE not in ROLE_PERMISSIONS[Role.OFFICER]


ROLES = ["officer", "senior_officer", "board_member", "auditor", "admin"]
# (method, path, roles allowed); everyone else is 403, and no token is 401.
FOUNDATION_ROUTES = [
    ("GET", "/api/v1/users", {"admin"}),
    ("POST", "/api/v1/users", {"admin"}),
    ("GET", "/api/v1/users/{self}", {"admin"}),
    ("PATCH", "/api/v1/users/{self}", {"admin"}),
    ("GET", "/api/v1/audit-events", {"auditor"}),
    ("GET", "/api/v1/audit-events/verify", {"auditor"}),
    ("GET", "/api/v1/auth/me", set(ROLES)),
    ("POST", "/api/v1/auth/logout", set(ROLES)),
]


@pytest.mark.parametrize(("method", "path", "allowed"), FOUNDATION_ROUTES)
def test_role_route_matrix(client, make_user, method, path, allowed):
    for role in ROLES:
        account = make_user(role, "MPS")
        url = path.format(self=account.id)
        response = client.open(
            url,
            method=method,
            headers=account.headers,
            json={} if method in ("POST", "PATCH") else None,
        )
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.get_json())
        else:
            assert_problem(response, 403)
    anonymous = client.open(path.format(self=1), method=method)
    assert_problem(anonymous, 401)
