"""Token attacks: each one is a 401 problem, never the library's default 422."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from tests.conftest import assert_problem

SECRET = "test-secret-key-that-is-long-enough-for-hs256"


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _sign(claims: dict, key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _me(client, token: str):
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_genuine_token_is_accepted(client, officer):
    assert _me(client, officer.token).status_code == 200
    assert _me(client, _sign(_claims(officer.token))).status_code == 200


def test_alg_none_is_refused(client, officer):
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = base64.urlsafe_b64encode(json.dumps(_claims(officer.token)).encode())
    forged = f"{header.decode().rstrip('=')}.{body.decode().rstrip('=')}."
    assert_problem(_me(client, forged), 401)


def test_foreign_signature_is_refused(client, officer):
    forged = _sign(_claims(officer.token), key="another-secret-key-of-sufficient-length!")
    assert_problem(_me(client, forged), 401)


# The forgery signs HS512 with the service's own key, which is sized for HS256.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_other_algorithm_is_refused(client, officer):
    assert_problem(_me(client, _sign(_claims(officer.token), algorithm="HS512")), 401)


def test_expired_token_is_refused(client, officer):
    claims = _claims(officer.token) | {"exp": int(time.time()) - 10, "iat": int(time.time()) - 100}
    body = assert_problem(_me(client, _sign(claims)), 401)
    assert "expired" in body["detail"]


@pytest.mark.parametrize(("claim", "value"), [("iss", "someone-else"), ("aud", "another-api")])
def test_wrong_issuer_or_audience_is_refused(client, officer, claim, value):
    assert_problem(_me(client, _sign(_claims(officer.token) | {claim: value})), 401)


def test_tampered_role_is_refused(client, officer):
    header, _payload, signature = officer.token.split(".")
    claims = _claims(officer.token) | {"role": "admin"}
    raw = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert_problem(_me(client, f"{header}.{raw}.{signature}"), 401)


def test_refresh_token_is_not_an_access_token(client, officer):
    login = client.post(
        "/api/v1/auth/login", json={"username": officer.username, "password": officer.password}
    )
    assert_problem(_me(client, login.get_json()["refresh_token"]), 401)


def test_access_token_is_not_a_refresh_token(client, officer):
    response = client.post("/api/v1/auth/refresh", headers=officer.headers)
    assert_problem(response, 401)


def test_garbage_and_missing_tokens(client):
    assert_problem(_me(client, "not-a-jwt"), 401)
    assert_problem(client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"}), 401)
    assert_problem(client.get("/api/v1/auth/me"), 401)


def test_token_for_a_session_that_never_existed(client, officer):
    claims = _claims(officer.token) | {"sid": "00000000-0000-0000-0000-000000000000"}
    assert_problem(_me(client, _sign(claims)), 401)
