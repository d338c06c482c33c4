"""Logins, sessions and tokens: issue, refresh with rotation, revoke."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token

from sywc.audit import service as audit
from sywc.auth.models import AuthSession, PartnerClient
from sywc.auth.passwords import dummy_hash, hash_password, hasher, verify_password
from sywc.database import affected
from sywc.driver import DriverStatement
from sywc.errors import Unauthorized
from sywc.extensions import db
from sywc.security import Principal
from sywc.users.models import User

FAILED_LOGIN = "The username or password is wrong, or the account is locked."


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int
    session_id: str


def _access_expiry() -> timedelta:
    return current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]


def _user_claims(user: User, session_id: str) -> dict[str, Any]:
    return {
        "sid": session_id,
        "kind": "user",
        "role": user.role,
        "agency": user.agency,
        "boroughs": user.boroughs,
        "name": user.username,
    }


def _issue_user_tokens(user: User, session: AuthSession) -> Tokens:
    claims = _user_claims(user, session.id)
    access = create_access_token(str(user.id), additional_claims=claims)
    refresh = create_refresh_token(str(user.id), additional_claims=claims)
    session.refresh_jti = decode_token(refresh)["jti"]
    return Tokens(access, refresh, int(_access_expiry().total_seconds()), session.id)


def login(*, username: str, password: str, now: datetime) -> Tokens:
    """Check a user's password and open a session; every failure looks the same."""
    cfg = current_app.config
    # Every attempt changes the account (a failure count, a lock, the last sign-in), so
    # attempts at once on one account take turns: none loses its count or its event to
    # another's change of the account's version, which would answer 412 instead.
    user = db.session.scalar(
        sa.select(User).where(User.username == username.strip().lower()).with_for_update()
    )
    if user is None:
        verify_password(
            dummy_hash(
                cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"]
            ),
            password,
        )
        audit.record("login_failed", details={"reason": "unknown_user"}, now=now)
        db.session.commit()
        raise Unauthorized(FAILED_LOGIN)
    actor = audit.Actor("user", user.id, user.username, user.role, user.agency)
    # Checked whatever the account's state, so a locked or disabled account takes as
    # long to refuse as a wrong password or an unknown name, and timing tells neither.
    right = verify_password(user.password_hash, password)
    locked = user.locked_until is not None and user.locked_until > now
    if locked or not user.active or not right:
        reason = "locked" if locked else ("inactive" if not user.active else "wrong_password")
        if reason == "wrong_password":
            _count_failure(user, now=now)
        audit.record(
            "login_failed",
            record_type="user",
            record_id=user.id,
            details={
                "reason": reason,
                "locked_now": user.locked_until is not None and user.locked_until > now,
            },
            actor=actor,
            now=now,
        )
        db.session.commit()
        raise Unauthorized(FAILED_LOGIN)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if _needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session = _open_session(now=now, user_id=user.id)
    tokens = _issue_user_tokens(user, session)
    audit.record(
        "login",
        record_type="user",
        record_id=user.id,
        actor=actor,
        now=now,
        details={"session_id": session.id},
    )
    db.session.commit()
    return tokens


def record_rate_limited(*, action: str, limit: str, now: datetime) -> None:
    """Commit the audit event of a sign-in attempt the rate limit refused, on its own.

    Refused before its body is read, the attempt names no account; the event carries the
    client address and request id, as every event does, and never a credential.
    """
    audit.record(action, details={"limit": limit}, now=now)
    db.session.commit()


def _needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


def _count_failure(user: User, *, now: datetime) -> None:
    cfg = current_app.config
    user.failed_logins += 1
    if user.failed_logins >= cfg["LOCKOUT_THRESHOLD"]:
        user.locked_until = now + timedelta(minutes=cfg["LOCKOUT_MINUTES"])
        user.failed_logins = 0


def _open_session(
    *, now: datetime, user_id: int | None = None, partner_client_id: int | None = None
) -> AuthSession:
    lifetime = current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    if partner_client_id is not None:
        lifetime = current_app.config["PARTNER_TOKEN_EXPIRES"]
    session = AuthSession(
        id=str(uuid.uuid4()),
        user_id=user_id,
        partner_client_id=partner_client_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(session)
    return session


def refresh(*, claims: dict[str, Any], now: datetime) -> Tokens:
    """Rotate the refresh token; an already-used one revokes the whole session."""
    session_id, jti = claims["sid"], claims["jti"]
    user = db.session.get(User, int(claims["sub"]))
    new_refresh = create_refresh_token(
        claims["sub"], additional_claims=_user_claims(user, session_id) if user else {}
    )
    new_jti = decode_token(new_refresh)["jti"]
    rotated = affected(
        db.session.execute(
            sa.update(AuthSession)
            .where(
                AuthSession.id == session_id,
                AuthSession.refresh_jti == jti,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
            .values(refresh_jti=new_jti)
        )
    )
    if rotated != 1 or user is None:
        # A refresh token presented twice means it was copied: end the session for both.
        _revoke(sa.true(), session_id=session_id, now=now, reason="refresh_reuse")
        audit.record(
            "refresh_reuse_detected",
            record_type="user",
            record_id=claims["sub"],
            details={"session_id": session_id},
            now=now,
        )
        db.session.commit()
        raise Unauthorized("The refresh token has already been used; sign in again.")
    access = create_access_token(claims["sub"], additional_claims=_user_claims(user, session_id))
    audit.record(
        "token_refreshed",
        record_type="user",
        record_id=user.id,
        now=now,
        actor=audit.Actor("user", user.id, user.username, user.role, user.agency),
        details={"session_id": session_id},
    )
    db.session.commit()
    return Tokens(access, new_refresh, int(_access_expiry().total_seconds()), session_id)


def logout(*, principal: Principal, now: datetime) -> None:
    """Revoke the caller's session: its access and refresh tokens stop working at once."""
    _revoke(sa.true(), session_id=principal.session_id, now=now, reason="logout")
    audit.record(
        "logout",
        record_type=principal.kind,
        record_id=principal.id,
        now=now,
        details={"session_id": principal.session_id},
    )
    db.session.commit()


def _revoke(
    condition: Any,
    *,
    now: datetime,
    reason: str,
    session_id: str | None = None,
    user_id: int | None = None,
    partner_client_id: int | None = None,
) -> int:
    stmt = sa.update(AuthSession).where(AuthSession.revoked_at.is_(None), condition)
    if session_id is not None:
        stmt = stmt.where(AuthSession.id == session_id)
    if user_id is not None:
        stmt = stmt.where(AuthSession.user_id == user_id)
    if partner_client_id is not None:
        stmt = stmt.where(AuthSession.partner_client_id == partner_client_id)
    return affected(db.session.execute(stmt.values(revoked_at=now, revoked_reason=reason)))


def revoke_user_sessions(user_id: int, *, now: datetime, reason: str) -> int:
    """Revoke every session of a user (deactivation, password reset, role change)."""
    return _revoke(sa.true(), user_id=user_id, now=now, reason=reason)


def revoke_partner_sessions(partner_client_id: int, *, now: datetime, reason: str) -> int:
    """Revoke every token of a partner client (rotation, disabling)."""
    return _revoke(sa.true(), partner_client_id=partner_client_id, now=now, reason=reason)


def open_partner_session(client: PartnerClient, *, now: datetime) -> Tokens:
    """Issue a partner's short access token; there is no refresh for machines."""
    session = _open_session(now=now, partner_client_id=client.id)
    claims = {
        "sid": session.id,
        "kind": "partner",
        "role": "partner",
        "agency": None,
        "boroughs": list(client.boroughs),
        "scopes": list(client.scopes),
        "name": client.client_id,
    }
    expires = current_app.config["PARTNER_TOKEN_EXPIRES"]
    access = create_access_token(
        f"partner:{client.id}", additional_claims=claims, expires_delta=expires
    )
    return Tokens(access, None, int(expires.total_seconds()), session.id)


_SESSIONS = AuthSession.__table__.c
# Built once: the check runs on every authenticated request, on the session's connection
# and straight on the driver where it can (`sywc.driver`), with the session id bound per call.
_USER_SESSION = DriverStatement(
    sa.select(_SESSIONS.revoked_at, _SESSIONS.expires_at, User.__table__.c.active)
    .join_from(AuthSession.__table__, User.__table__, User.__table__.c.id == _SESSIONS.user_id)
    .where(_SESSIONS.id == sa.bindparam("sid"))
)
_PARTNER_SESSION = DriverStatement(
    sa.select(_SESSIONS.revoked_at, _SESSIONS.expires_at, PartnerClient.__table__.c.active)
    .join_from(
        AuthSession.__table__,
        PartnerClient.__table__,
        PartnerClient.__table__.c.id == _SESSIONS.partner_client_id,
    )
    .where(_SESSIONS.id == sa.bindparam("sid"))
)


def load_principal(claims: dict[str, Any], *, now: datetime) -> Principal | None:
    """Build the caller from a verified token, or None when its session is no longer good."""
    session_id = claims.get("sid")
    if not isinstance(session_id, str):
        return None
    check = _PARTNER_SESSION if claims.get("kind") == "partner" else _USER_SESSION
    row = check.first(db.session.connection(), {"sid": session_id})
    if row is None or row[0] is not None or row[1] <= now or not row[2]:
        return None
    subject = str(claims["sub"])
    return Principal(
        kind="partner" if claims.get("kind") == "partner" else "user",
        id=int(subject.removeprefix("partner:")),
        role=str(claims.get("role")),
        agency=claims.get("agency"),
        boroughs=frozenset(claims.get("boroughs") or ()),
        session_id=session_id,
        label=str(claims.get("name") or subject),
        scopes=frozenset(claims.get("scopes") or ()),
    )
