"""Lockout, refresh rotation, revocation across processes, browser cookies, rate limits."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import sqlalchemy as sa
from flask_jwt_extended import decode_token
from sqlalchemy.exc import OperationalError

from sywc import create_app
from sywc.auth.models import AuthSession
from sywc.extensions import db
from sywc.users.models import User
from tests.conftest import PASSWORD, assert_problem, audit_actions, race


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr("sywc.clock.utcnow", fake)
    return fake


def _login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_five_failures_lock_the_account_for_fifteen_minutes(app, client, officer, clock):
    for _ in range(5):
        assert_problem(_login(client, officer.username, "wrong-password-xyz"), 401)
    locked = _login(client, officer.username)
    unknown = _login(client, "nobody-at-all")
    # Locked, wrong password and unknown user are indistinguishable to the caller.
    assert locked.status_code == unknown.status_code == 401
    assert locked.get_json()["detail"] == unknown.get_json()["detail"]
    clock.now += timedelta(minutes=14, seconds=59)
    assert _login(client, officer.username).status_code == 401
    clock.now += timedelta(seconds=2)
    assert _login(client, officer.username).status_code == 200
    reasons = [e.details["reason"] for e in audit_actions(app, action="login_failed")]
    assert reasons == ["wrong_password"] * 5 + ["locked", "unknown_user", "locked"]


def test_a_locked_or_disabled_account_checks_the_password_as_any_other(
    app, client, make_user, clock, monkeypatch
):
    # A refusal that skipped the password check answered in a millisecond where a wrong
    # password or an unknown name takes the hash's time: timing told who exists.
    from sywc.auth import service

    locked, disabled = make_user("officer", "MPS"), make_user("officer", "YOT")
    for _ in range(5):
        _login(client, locked.username, "wrong-password-xyz")
    with app.app_context():
        db.session.get(User, disabled.id).active = False
        db.session.commit()
        hashes = {
            user.username: user.password_hash
            for user in db.session.scalars(
                sa.select(User).where(User.id.in_([locked.id, disabled.id]))
            )
        }
    checked: list[str] = []
    verify_password = service.verify_password

    def counted(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return verify_password(password_hash, password)

    monkeypatch.setattr(service, "verify_password", counted)
    for account in (locked, disabled):
        for password in (PASSWORD, "wrong-password-xyz"):
            response = _login(client, account.username, password)
            assert response.get_json()["detail"] == service.FAILED_LOGIN
            assert_problem(response, 401)
    assert checked == [hashes[locked.username]] * 2 + [hashes[disabled.username]] * 2
    reasons = [e.details["reason"] for e in audit_actions(app, action="login_failed")][5:]
    assert reasons == ["locked", "locked", "inactive", "inactive"]


def test_success_resets_the_failure_count(app, client, officer, clock):
    for _ in range(4):
        _login(client, officer.username, "wrong-password-xyz")
    assert _login(client, officer.username).status_code == 200
    for _ in range(4):
        _login(client, officer.username, "wrong-password-xyz")
    assert _login(client, officer.username).status_code == 200
    with app.app_context():
        assert db.session.get(User, officer.id).locked_until is None


def test_sign_ins_at_once_to_one_account_each_count_and_are_audited(app, officer):
    # A guesser sending attempts in parallel must not slip past the lockout, and a user
    # signing in from two devices at once gets two sessions.
    wrong = {"username": officer.username, "password": "wrong-password-xyz"}
    responses = race(app, [("POST", "/api/v1/auth/login", wrong, {})] * 5)
    assert [r.status_code for r in responses] == [401] * 5
    assert len(audit_actions(app, action="login_failed")) == 5
    with app.app_context():
        assert db.session.get(User, officer.id).locked_until is not None
    with app.app_context():
        user = db.session.get(User, officer.id)
        user.locked_until = None
        db.session.commit()
    right = {"username": officer.username, "password": PASSWORD}
    responses = race(app, [("POST", "/api/v1/auth/login", right, {})] * 4)
    assert [r.status_code for r in responses] == [200] * 4
    assert len(audit_actions(app, action="login", actor_id=officer.id)) == 1 + 4


def test_refresh_rotates_and_reuse_revokes_the_session(app, client, officer):
    first = _login(client, officer.username).get_json()
    rotated = client.post(
        "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {first['refresh_token']}"}
    )
    assert rotated.status_code == 200
    second = rotated.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    me = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert me.status_code == 200
    # The old refresh token again: someone copied it. The whole session ends.
    replay = client.post(
        "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {first['refresh_token']}"}
    )
    assert_problem(replay, 401)
    for token in (second["access_token"], first["access_token"]):
        assert_problem(
            client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}), 401
        )
    assert_problem(
        client.post(
            "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {second['refresh_token']}"}
        ),
        401,
    )
    assert [e.action for e in audit_actions(app, actor_id=officer.id)][-2:] == [
        "token_refreshed",
        "refresh_reuse_detected",
    ]
    with app.app_context():
        reasons = db.session.scalars(
            sa.select(AuthSession.revoked_reason).where(AuthSession.user_id == officer.id)
        ).all()
    assert "refresh_reuse" in reasons


@pytest.mark.parametrize(
    ("raw", "status"), [('{"refresh_token": ', 400), ('{"everywhere": true}', 422), ("[]", 422)]
)
def test_logout_and_refresh_refuse_a_body_and_keep_the_session(app, client, officer, raw, status):
    tokens = _login(client, officer.username).get_json()
    for path, token in (("logout", "access_token"), ("refresh", "refresh_token")):
        response = client.post(
            f"/api/v1/auth/{path}",
            data=raw,
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[token]}"},
        )
        assert_problem(response, status)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    assert audit_actions(app, action="logout") == []
    assert audit_actions(app, action="token_refreshed") == []
    refreshed = client.post(
        "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert refreshed.status_code == 200


def test_logout_and_deactivation_revoke_across_instances(app, client, database_url, make_user):
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test").test_client()
    alice = make_user("officer", "MPS")
    bob = make_user("officer", "YOT")
    admin = make_user("admin")
    assert other.get("/api/v1/auth/me", headers=alice.headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=alice.headers).status_code == 204
    assert_problem(other.get("/api/v1/auth/me", headers=alice.headers), 401)

    assert other.get("/api/v1/auth/me", headers=bob.headers).status_code == 200
    etag = client.get(f"/api/v1/users/{bob.id}", headers=admin.headers).headers["ETag"]
    response = client.patch(
        f"/api/v1/users/{bob.id}",
        json={"active": False},
        headers={**admin.headers, "If-Match": etag},
    )
    assert response.status_code == 200
    assert_problem(other.get("/api/v1/auth/me", headers=bob.headers), 401)
    assert_problem(_login(other, bob.username), 401)


def test_password_reset_revokes_existing_tokens(client, officer, admin):
    etag = client.get(f"/api/v1/users/{officer.id}", headers=admin.headers).headers["ETag"]
    response = client.patch(
        f"/api/v1/users/{officer.id}",
        json={"password": "an-entirely-new-passphrase-42"},
        headers={**admin.headers, "If-Match": etag},
    )
    assert response.status_code == 200
    assert_problem(client.get("/api/v1/auth/me", headers=officer.headers), 401)
    assert _login(client, officer.username, "an-entirely-new-passphrase-42").status_code == 200


def test_browser_mode_uses_httponly_cookies_and_csrf(client, officer):
    response = client.post(
        "/api/v1/auth/login",
        json={"username": officer.username, "password": PASSWORD, "use_cookies": True},
    )
    assert response.status_code == 200
    assert "access_token" not in response.get_json()
    cookies = response.headers.getlist("Set-Cookie")
    access = next(c for c in cookies if c.startswith("access_token_cookie="))
    assert "HttpOnly" in access
    assert "SameSite=Strict" in access
    assert client.get("/api/v1/auth/me").status_code == 200
    # A state-changing request from the cookie needs the double-submitted CSRF token.
    assert_problem(client.post("/api/v1/auth/logout"), 401)
    # Browsers' fetch wrappers often send `{}` where there is nothing to say.
    refresh_csrf = client.get_cookie("csrf_refresh_token").value
    refreshed = client.post("/api/v1/auth/refresh", json={}, headers={"X-CSRF-TOKEN": refresh_csrf})
    assert refreshed.status_code == 200
    assert refreshed.get_json()["token_type"] == "cookie"
    csrf = client.get_cookie("csrf_access_token").value
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-TOKEN": csrf}).status_code == 204


def _browser_login(client, officer):
    response = client.post(
        "/api/v1/auth/login",
        json={"username": officer.username, "password": PASSWORD, "use_cookies": True},
    )
    assert response.status_code == 200
    return response


def _expire_access_cookie(app, client):
    """Put in the browser the access token it holds, past its expiry (15 minutes on)."""
    token = client.get_cookie("access_token_cookie", path="/api/").value
    with app.app_context():
        claims = decode_token(token)
    past = int(datetime.now(UTC).timestamp()) - 60
    expired = jwt.encode(
        claims | {"iat": past - 900, "nbf": past - 900, "exp": past},
        app.config["JWT_SECRET_KEY"],
        algorithm="HS256",
    )
    client.set_cookie("access_token_cookie", expired, path="/api/")
    assert_problem(client.get("/api/v1/auth/me"), 401)


def _session(app, officer):
    """The session the test signed in to: not the one behind the fixture's token."""
    fixture_sid = jwt.decode(officer.token, options={"verify_signature": False})["sid"]
    with app.app_context():
        return db.session.scalars(
            sa.select(AuthSession).where(
                AuthSession.user_id == officer.id, AuthSession.id != fixture_sid
            )
        ).one()


def test_a_browser_logs_out_with_the_refresh_cookie_once_the_access_cookie_expired(
    app, client, officer
):
    _browser_login(client, officer)
    refresh_cookie = client.get_cookie("refresh_token_cookie", path="/api/v1/auth/").value
    refresh_csrf = client.get_cookie("csrf_refresh_token").value
    _expire_access_cookie(app, client)

    response = client.post("/api/v1/auth/logout", headers={"X-CSRF-TOKEN": refresh_csrf})

    assert response.status_code == 204
    cleared = response.headers.getlist("Set-Cookie")
    for name in ("access_token_cookie", "refresh_token_cookie", "csrf_refresh_token"):
        assert any(c.startswith(f"{name}=;") and "Expires=Thu, 01 Jan 1970" in c for c in cleared)
    session = _session(app, officer)
    assert (session.revoked_reason, session.revoked_at is not None) == ("logout", True)
    [event] = audit_actions(app, action="logout")
    assert (event.actor_id, event.details) == (officer.id, {"session_id": session.id})
    # A copy of the refresh cookie, presented again, renews nothing.
    client.set_cookie("refresh_token_cookie", refresh_cookie, path="/api/v1/auth/")
    again = client.post("/api/v1/auth/refresh", headers={"X-CSRF-TOKEN": refresh_csrf})
    assert assert_problem(again, 401)["detail"] == "The session has ended; sign in again."
    assert audit_actions(app, action="token_refreshed") == []


def test_a_refresh_token_presented_to_logout_ends_the_session(app, client, officer):
    tokens = _login(client, officer.username).get_json()
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}

    assert client.post("/api/v1/auth/logout", headers=refresh).status_code == 204

    assert_problem(client.post("/api/v1/auth/refresh", headers=refresh), 401)
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert_problem(client.get("/api/v1/auth/me", headers=access), 401)
    assert _session(app, officer).revoked_reason == "logout"
    assert len(audit_actions(app, action="logout")) == 1
    assert audit_actions(app, action="token_refreshed") == []


def test_logout_by_refresh_cookie_needs_its_own_csrf_value(app, client, officer):
    _browser_login(client, officer)
    access_csrf = client.get_cookie("csrf_access_token").value
    refresh_csrf = client.get_cookie("csrf_refresh_token").value
    _expire_access_cookie(app, client)

    for headers in ({}, {"X-CSRF-TOKEN": access_csrf}, {"X-CSRF-TOKEN": "made-up"}):
        body = assert_problem(client.post("/api/v1/auth/logout", headers=headers), 401)
        assert "CSRF" in body["detail"], headers
    assert _session(app, officer).revoked_at is None
    assert audit_actions(app, action="logout") == []
    refreshed = client.post("/api/v1/auth/refresh", headers={"X-CSRF-TOKEN": refresh_csrf})
    assert refreshed.status_code == 200


def test_the_refresh_csrf_value_logs_out_while_the_access_cookie_is_good(app, client, officer):
    _browser_login(client, officer)
    refresh_csrf = client.get_cookie("csrf_refresh_token").value
    assert (
        client.post("/api/v1/auth/logout", headers={"X-CSRF-TOKEN": refresh_csrf}).status_code
        == 204
    )
    assert _session(app, officer).revoked_reason == "logout"


@pytest.mark.app_config({"LOGIN_RATE_LIMIT": "3 per minute"})
def test_login_is_rate_limited_per_address(client):
    statuses = [_login(client, "nobody", "whatever-password").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    body = assert_problem(_login(client, "nobody", "whatever-password"), 429)
    assert body["status"] == 429


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_workers_share_the_login_limit_through_redis(database_url):
    """Production keeps the limit in Redis, so each worker counts every attempt."""
    import redis  # a runtime requirement: its absence fails here, not in production

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        # A run of its own: no earlier run's counts in the shared store.
        "RATELIMIT_KEY_PREFIX": f"sywc-test-{uuid.uuid4().hex}",
        "LOGIN_RATE_LIMIT": "2 per minute",
    }
    workers = [create_app(config, env="test").test_client() for _ in range(2)]
    statuses = [_login(workers[n % 2], "nobody", "whatever-password").status_code for n in range(3)]
    assert statuses == [401, 401, 429]


@pytest.mark.app_config({"LOGIN_RATE_LIMIT": "2 per minute"})
def test_each_login_refused_by_the_rate_limit_is_audited(app, client, make_user):
    officer = make_user("officer", "MPS")
    responses = [_login(client, officer.username, "wrong-password-123") for _ in range(4)]
    assert [r.status_code for r in responses] == [401, 401, 429, 429]
    refused = [e for e in audit_actions(app) if e.action.startswith("login_")]
    assert [e.action for e in refused] == [
        "login_failed",
        "login_failed",
        "login_rate_limited",
        "login_rate_limited",
    ]
    for event, response in zip(refused[2:], responses[2:], strict=True):
        assert event.request_id == response.headers["X-Request-ID"]
        assert event.client_address == "127.0.0.1"
        assert (event.actor_type, event.record_id) == ("anonymous", None)
        # The attempt is refused unread: neither the username nor the password is kept.
        assert event.details == {"limit": "2 per 1 minute"}


@pytest.mark.app_config({"LOGIN_RATE_LIMIT": "2 per minute"})
def test_only_failed_attempts_count_towards_the_rate_limit(app, client, make_user):
    """Colleagues signing in from one office address are not refused; guesses are."""
    staff = [make_user("officer", "MPS") for _ in range(4)]
    signed_in = [_login(client, s.username, PASSWORD).status_code for s in staff]
    guesses = [_login(client, staff[0].username, "wrong-password-123") for _ in range(3)]
    after = _login(client, staff[1].username, PASSWORD)

    assert signed_in == [200, 200, 200, 200]
    assert [r.status_code for r in guesses] == [401, 401, 429]
    assert after.status_code == 429
    assert_problem(after, 429)


@pytest.mark.app_config({"LOGIN_RATE_LIMIT": "2 per minute"})
def test_sign_ins_failing_while_the_database_is_unreachable_do_not_count(
    client, make_user, monkeypatch
):
    """A 503 says nothing of the password: staff retrying through an outage are not then
    turned away when it ends."""
    officer = make_user("officer", "MPS")

    def unreachable(**_):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    with monkeypatch.context() as patched:
        patched.setattr("sywc.auth.views.service.login", unreachable)
        outage = [_login(client, officer.username, PASSWORD) for _ in range(3)]
    assert [r.status_code for r in outage] == [503, 503, 503]
    assert _login(client, officer.username, PASSWORD).status_code == 200
    guesses = [_login(client, officer.username, "wrong-password-123") for _ in range(3)]
    assert [r.status_code for r in guesses] == [401, 401, 429]


def test_cors_allows_only_configured_origins(database_url):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "CORS_ORIGINS": ["https://sywc.example"]},
        env="test",
    )
    client = app.test_client()
    allowed = client.get("/healthz", headers={"Origin": "https://sywc.example"})
    other = client.get("/api/v1/auth/me", headers={"Origin": "https://evil.example"})
    assert allowed.headers.get("Access-Control-Allow-Origin") is None  # not an API path
    api = client.options(
        "/api/v1/auth/me",
        headers={"Origin": "https://sywc.example", "Access-Control-Request-Method": "GET"},
    )
    assert api.status_code == 200
    assert api.headers.get("Access-Control-Allow-Origin") == "https://sywc.example"
    assert "Access-Control-Allow-Origin" not in other.headers
