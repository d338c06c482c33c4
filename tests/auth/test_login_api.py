"""Sign-in, tokens and sessions through the API."""

from __future__ import annotations

from tests.conftest import PASSWORD, assert_problem, audit_actions


def test_login_returns_tokens_and_me_answers(client, officer):
    response = client.get("/api/v1/auth/me", headers=officer.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == officer.id
    assert body["role"] == "officer"
    assert body["agency"] == "MPS"
    assert body["boroughs"] == ["WCC"]
    assert "cohort:read" in body["permissions"]


def test_login_failure_is_a_problem_and_audited(app, client, officer):
    response = client.post(
        "/api/v1/auth/login", json={"username": officer.username, "password": "wrong-password-123"}
    )
    assert_problem(response, 401)
    events = audit_actions(app, action="login_failed")
    assert [e.record_id for e in events] == [str(officer.id)]
    assert events[0].details["reason"] == "wrong_password"


def test_unknown_route_is_problem_json(client):
    assert_problem(client.get("/api/v1/nowhere"), 404)


def test_login_then_logout_revokes_access(client, officer):
    assert client.post("/api/v1/auth/logout", headers=officer.headers).status_code == 204
    assert_problem(client.get("/api/v1/auth/me", headers=officer.headers), 401)


def test_login_sets_password_constant(client, officer):
    ok = client.post(
        "/api/v1/auth/login", json={"username": officer.username, "password": PASSWORD}
    )
    assert ok.status_code == 200
    assert set(ok.get_json()) >= {"access_token", "refresh_token", "expires_in"}
    assert ok.get_json()["expires_in"] == 900
