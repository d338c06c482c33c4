"""Role x route matrix for the referral and partner routes, and their OpenAPI entries."""

from __future__ import annotations

import pytest

from tests.conftest import assert_problem

ROLES = ("officer", "senior_officer", "admin", "auditor", "board_member", "partner")
CASEWORK = {"officer", "senior_officer"}
# (method, path, body, roles allowed through the permission check)
ROUTES = [
    ("GET", "/api/v1/referrals", None, CASEWORK | {"partner"}),
    ("POST", "/api/v1/referrals", {}, CASEWORK | {"partner"}),
    ("GET", "/api/v1/referrals/1", None, CASEWORK | {"partner"}),
    ("POST", "/api/v1/referrals/1/transitions", {"action": "acknowledge"}, CASEWORK),
    ("POST", "/api/v1/referrals/1/match", {"youth_id": 1}, CASEWORK),
    ("GET", "/api/v1/partner-clients", None, {"admin"}),
    ("POST", "/api/v1/partner-clients", {}, {"admin"}),
    ("GET", "/api/v1/partner-clients/999", None, {"admin"}),
    ("PATCH", "/api/v1/partner-clients/999", {}, {"admin"}),
    ("POST", "/api/v1/partner-clients/999/rotate", None, {"admin"}),
]


@pytest.fixture
def accounts(make_user, make_partner):
    made = {role: make_user(role, "IGXU") for role in ROLES if role != "partner"}
    made["partner"] = make_partner()
    return made


def test_role_route_matrix(client, accounts):
    for method, path, body, allowed in ROUTES:
        anonymous = client.open(path, method=method, json=body)
        assert_problem(anonymous, 401)
        for role, account in accounts.items():
            response = client.open(path, method=method, json=body, headers=account.headers)
            if role in allowed:
                assert response.status_code not in (401, 403), (method, path, role)
            else:
                assert_problem(response, 403)


def test_token_route_is_public(client):
    response = client.post(
        "/api/v1/auth/token",
        json={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
    )
    assert_problem(response, 401)  # refused credentials, not a missing token


def test_openapi_documents_roles_and_idempotency(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    create = doc["paths"]["/api/v1/referrals"]["post"]
    assert sorted(create["x-roles"]) == ["officer", "partner", "senior_officer"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    transitions = doc["paths"]["/api/v1/referrals/{referral_id}/transitions"]["post"]
    assert sorted(transitions["x-roles"]) == ["officer", "senior_officer"]
    assert doc["paths"]["/api/v1/partner-clients"]["post"]["x-roles"] == ["admin"]
    token = doc["paths"]["/api/v1/auth/token"]["post"]
    assert set(token["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    assert token["security"] == []
