"""A token's signature is checked once per process; its expiry and session every time."""

from __future__ import annotations

import time

import jwt
import pytest
from flask_jwt_extended import jwt_manager

from sywc.auth import verified
from tests.conftest import PASSWORD, assert_problem

SECRET = "test-secret-key-that-is-long-enough-for-hs256"


@pytest.fixture
def full_checks(monkeypatch):
    """Count the library's full decodes (signature, issuer, audience, expiry)."""
    calls: list[str] = []
    original = jwt_manager._decode_jwt

    def counting(**kwargs):
        calls.append(kwargs["encoded_token"])
        return original(**kwargs)

    monkeypatch.setattr(jwt_manager, "_decode_jwt", counting)
    return calls


def _me(client, token: str, **headers: str):
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}", **headers})


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_a_token_is_checked_in_full_once(client, officer, make_user, full_checks):
    assert [_me(client, officer.token).status_code for _ in range(3)] == [200, 200, 200]
    assert full_checks == [officer.token]
    other = make_user("officer", "MPS")
    assert _me(client, other.token).get_json()["username"] == other.username
    assert _me(client, officer.token).get_json()["username"] == officer.username
    # (Signing in decodes the new refresh token too; only the access tokens count here.)
    access = [token for token in full_checks if _claims(token)["type"] == "access"]
    assert access == [officer.token, other.token]


def test_a_revoked_session_is_refused_although_its_token_was_checked(client, officer):
    assert _me(client, officer.token).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=officer.headers).status_code == 204
    body = assert_problem(_me(client, officer.token), 401)
    assert "session" in body["detail"]


def test_a_checked_token_is_refused_once_it_expires(client, officer, full_checks):
    expires = int(time.time()) + 1
    token = jwt.encode(_claims(officer.token) | {"exp": expires}, SECRET, algorithm="HS256")
    assert _me(client, token).status_code == 200
    while time.time() <= expires:
        time.sleep(0.05)
    body = assert_problem(_me(client, token), 401)
    assert "expired" in body["detail"]
    # Checked in full again, and refused again the next time: a failure is never kept.
    checks = len(full_checks)
    assert checks > 1
    assert_problem(_me(client, token), 401)
    assert len(full_checks) > checks


def test_a_tampered_copy_of_a_checked_token_is_refused(client, officer):
    assert _me(client, officer.token).status_code == 200
    header, payload, signature = officer.token.split(".")
    tampered = f"{header}.{payload[:-2]}{'AB' if payload[-2:] != 'AB' else 'CD'}.{signature}"
    assert_problem(_me(client, tampered), 401)
    assert _me(client, officer.token).status_code == 200


def test_the_csrf_value_is_checked_although_the_cookie_was_checked(client, officer):
    response = client.post(
        "/api/v1/auth/login",
        json={"username": officer.username, "password": PASSWORD, "use_cookies": True},
    )
    assert response.status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 200
    assert_problem(client.post("/api/v1/auth/logout", headers={"X-CSRF-TOKEN": "forged"}), 401)
    csrf = client.get_cookie("csrf_access_token").value
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-TOKEN": csrf}).status_code == 204


def test_the_cache_is_bounded_and_drops_the_oldest(app, client, make_user, monkeypatch):
    monkeypatch.setattr(verified, "MAX_VERIFIED_TOKENS", 2)
    accounts = [make_user("officer", "MPS") for _ in range(3)]
    for account in accounts:
        assert _me(client, account.token).status_code == 200
    kept = app.extensions[verified.EXTENSION_KEY]
    assert [token for token, _csrf in kept] == [accounts[1].token, accounts[2].token]
