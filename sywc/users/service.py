"""Use cases for user accounts: create, change, deactivate, list."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sywc.audit import service as audit
from sywc.auth.passwords import check_password_policy, hash_password
from sywc.auth.service import revoke_user_sessions
from sywc.errors import Conflict, NotFound, ValidationFailed
from sywc.extensions import db
from sywc.http import Page, Versions, check_version, effective_changes, paginate
from sywc.permissions import AGENCY_ROLES, Role
from sywc.security import Principal
from sywc.users import policies
from sywc.users.models import User, UserBorough

# Changes that alter what a user may see end their sessions, so tokens never outlive them.
_SESSION_ENDING = ("role", "agency", "boroughs", "password", "active")


def _check_agency(role: str, agency: str | None) -> None:
    if Role(role) in AGENCY_ROLES and not agency:
        raise ValidationFailed.field("agency", "Officers and senior officers need an agency.")
    if Role(role) not in AGENCY_ROLES and agency:
        raise ValidationFailed.field("agency", f"A {role} has no agency.")


def _check_username_free(username: str) -> None:
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise Conflict("That username is taken.", errors={"username": ["Already in use."]})


def create_user(
    *,
    username: str,
    password: str,
    name: str,
    role: str,
    agency: str | None,
    boroughs: list[str],
    now: datetime,
    actor: Any = None,
    admin: Principal | None = None,
) -> User:
    """Create an account after checking the password policy and the role's agency rule.

    `admin` is the admin asking, who gives access only to boroughs they work in; None is
    the deployment's operator (the command line).
    """
    username = username.strip().lower()
    policies.check_administers(admin, boroughs, field="boroughs")
    _check_agency(role, agency)
    check_password_policy(password, username=username)
    _check_username_free(username)
    user = User(
        username=username,
        name=name,
        role=role,
        agency=agency,
        password_hash=hash_password(password),
        password_changed_at=now,
        created_at=now,
        updated_at=now,
        borough_links=[UserBorough(borough=code) for code in sorted(set(boroughs))],
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # Two admins creating one username at once both find it free above (hashing the
        # password takes a while); the unique index admits one, and the other is told
        # what the check would have told it.
        db.session.rollback()
        _check_username_free(username)
        raise
    audit.record(
        "user_created",
        record_type="user",
        record_id=user.id,
        actor=actor,
        now=now,
        details={"role": role, "agency": agency, "boroughs": sorted(set(boroughs))},
    )
    db.session.commit()
    return user


def get_user(user_id: int, *, admin: Principal | None = None, for_update: bool = False) -> User:
    """Read an account `admin` sees (404 for one working only in other boroughs).

    `for_update` locks its row: a sign-in changes the account too (its failure count,
    its last sign-in), and a change made meanwhile would fail its version check late.
    """
    user = db.session.get(User, user_id, with_for_update=for_update)
    if user is None:
        raise NotFound("No such user.")
    policies.check_sees(admin, user.boroughs, what="user")
    return user


def _unchanged(user: User, name: str, value: Any) -> bool:
    """Tell whether a PATCH value is what the account holds already.

    A password is always a reset (it ends every session), and `unlock` changes nothing
    on an account neither locked nor counting failed logins.
    """
    if name == "password":
        return False
    if name == "unlock":
        return not value or (user.locked_until is None and not user.failed_logins)
    if name == "boroughs":
        return set(value) == set(user.boroughs)
    return bool(value == getattr(user, name))


def update_user(
    *,
    user_id: int,
    changes: dict[str, Any],
    expected_version: int | Versions | None,
    now: datetime,
    actor: Any = None,
    admin: Principal | None = None,
) -> User:
    """Apply an admin's changes; role, agency, borough or password changes end sessions.

    `admin` changes only accounts working in none but their boroughs, gives only those,
    and never their own role, agency, boroughs or active state (None: the operator).
    """
    user = get_user(user_id, admin=admin, for_update=True)
    if expected_version is not None:
        check_version(user.version, expected_version)
    changes = effective_changes(changes, partial(_unchanged, user))
    policies.check_not_oneself(admin, user.id, changes)
    policies.check_may_change(admin, user.boroughs, changes)
    if not changes:
        # Nothing to store: the version stays and no session ends. Like a read of the
        # account (which is not audited), it leaves no event: the trail records changes.
        return user
    role = changes.get("role", user.role)
    agency = changes.get("agency", user.agency)
    _check_agency(role, agency)
    if "password" in changes:
        check_password_policy(changes["password"], username=user.username)
        user.password_hash = hash_password(changes["password"])
        user.password_changed_at = now
    if "boroughs" in changes:
        user.borough_links = [UserBorough(borough=c) for c in sorted(set(changes["boroughs"]))]
    for key in ("name", "role", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    user.agency = agency
    if changes.get("unlock"):
        user.locked_until, user.failed_logins = None, 0
    user.updated_at = now
    ended = 0
    if any(key in changes for key in _SESSION_ENDING):
        ended = revoke_user_sessions(user.id, now=now, reason="account_changed")
    safe = {k: v for k, v in changes.items() if k != "password"}
    audit.record(
        "user_updated",
        record_type="user",
        record_id=user.id,
        actor=actor,
        now=now,
        details={"changed": sorted(changes), "values": safe, "sessions_ended": ended},
    )
    db.session.commit()
    return user


def deactivate_user(*, username: str, now: datetime, actor: Any = None) -> User:
    """Deactivate an account and revoke its tokens at once."""
    # The id alone: the account is loaded, and locked, by the change itself.
    user_id = db.session.scalar(sa.select(User.id).where(User.username == username.strip().lower()))
    if user_id is None:
        raise NotFound("No such user.")
    return update_user(
        user_id=user_id, changes={"active": False}, expected_version=None, now=now, actor=actor
    )


def list_users(
    *, filters: dict[str, Any], page: int, limit: int, admin: Principal | None = None
) -> Page:
    """List the accounts `admin` sees (those working in one of their boroughs), filtered,
    in a stable order."""
    stmt = sa.select(User).order_by(User.username, User.id)
    if admin is not None:
        stmt = stmt.where(User.borough_links.any(UserBorough.borough.in_(sorted(admin.boroughs))))
    for key in ("role", "agency", "active"):
        if key in filters:
            stmt = stmt.where(getattr(User, key) == filters[key])
    if "borough" in filters:
        stmt = stmt.where(User.borough_links.any(UserBorough.borough == filters["borough"]))
    result = paginate(db.session, stmt, page=page, limit=limit)
    audit.record("users_listed", record_type="user", record_ids=[u.id for u in result.items])
    db.session.commit()
    return result
