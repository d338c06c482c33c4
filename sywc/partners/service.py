"""Use cases for partner systems: their clients, secrets and client-credentials tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import current_app

from sywc.audit import service as audit
from sywc.auth.models import PartnerClient
from sywc.auth.passwords import dummy_hash, hash_password, verify_password
from sywc.auth.service import open_partner_session, revoke_partner_sessions
from sywc.errors import NotFound, Unauthorized
from sywc.extensions import db
from sywc.http import Page, Versions, check_version, effective_changes, paginate
from sywc.security import Principal
from sywc.users import policies

REFUSED = "The client credentials are not valid."
# RFC 6749 section 5.2 and RFC 9110 section 15.5.2: a 401 names the scheme to answer it
# with, and the token endpoint takes HTTP Basic from every client. Sent on every refusal,
# so a refusal still looks the same whichever way the credentials came.
CHALLENGE = {"WWW-Authenticate": 'Basic realm="sywc"'}
# Changes that narrow what a token allows end the tokens already issued: their claims
# carry the scopes and boroughs of the moment they were issued.
_TOKEN_ENDING = ("scopes", "boroughs", "active")


@dataclass(frozen=True)
class PartnerToken:
    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"  # noqa: S105 (the OAuth 2.0 token type, not a secret)


@dataclass(frozen=True)
class IssuedSecret:
    """A client with its new secret, which is shown once and never stored in clear."""

    client: PartnerClient
    client_secret: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return secret, hash_password(secret)


def create_partner_client(
    *,
    name: str,
    scopes: list[str],
    allowed_agencies: list[str],
    boroughs: list[str],
    now: datetime,
    actor: Any = None,
    admin: Principal | None = None,
) -> IssuedSecret:
    """Register a partner system, for boroughs `admin` works in, and issue its first
    secret (`admin` None: the deployment's operator)."""
    policies.check_administers(admin, boroughs, field="boroughs")
    secret, secret_hash = _new_secret()
    client = PartnerClient(
        client_id=f"sywc-{secrets.token_hex(8)}",
        name=name.strip(),
        secret_hash=secret_hash,
        scopes=sorted(set(scopes)),
        allowed_agencies=sorted(set(allowed_agencies)),
        boroughs=sorted(set(boroughs)),
        active=True,
        created_at=now,
        updated_at=now,
    )
    db.session.add(client)
    db.session.flush()
    audit.record(
        "partner_client_created",
        record_type="partner_client",
        record_id=client.id,
        actor=actor,
        now=now,
        details={
            "client_id": client.client_id,
            "scopes": client.scopes,
            "allowed_agencies": client.allowed_agencies,
            "boroughs": client.boroughs,
        },
    )
    db.session.commit()
    return IssuedSecret(client, secret)


def _load(client_pk: int, *, admin: Principal | None, for_update: bool = False) -> PartnerClient:
    """Load a client `admin` sees: one posting into a borough of theirs (404 otherwise)."""
    stmt = sa.select(PartnerClient).where(PartnerClient.id == client_pk)
    client = db.session.scalar(stmt.with_for_update() if for_update else stmt)
    if client is None:
        raise NotFound("No such partner client.")
    policies.check_sees(admin, client.boroughs, what="partner client")
    return client


def _posting_into(boroughs: frozenset[str]) -> sa.ColumnElement[bool]:
    """Clients whose boroughs include one of `boroughs`.

    The boroughs are a JSON list of codes, stored as `json.dumps` writes them on either
    database, so a code is in the list when its quoted form is in the text.
    """
    text = sa.cast(PartnerClient.boroughs, sa.Text)
    return sa.or_(*(text.contains(f'"{code}"', autoescape=True) for code in sorted(boroughs)))


def get_partner_client(
    *, client_pk: int, now: datetime, admin: Principal | None = None
) -> PartnerClient:
    """Read a partner client (never its secret)."""
    client = _load(client_pk, admin=admin)
    _record_read(client, now=now)
    db.session.commit()
    return client


def _record_read(
    client: PartnerClient, *, now: datetime, details: dict[str, Any] | None = None
) -> None:
    audit.record(
        "partner_client_read",
        record_type="partner_client",
        record_id=client.id,
        now=now,
        details=details,
    )


_SETS = ("scopes", "allowed_agencies", "boroughs")


def _unchanged(client: PartnerClient, name: str, value: Any) -> bool:
    """Tell whether a PATCH value is what the client holds (its lists as sets)."""
    stored = getattr(client, name)
    return set(value) == set(stored) if name in _SETS else bool(value == stored)


def list_partner_clients(
    *,
    filters: dict[str, Any],
    page: int,
    limit: int,
    now: datetime,
    admin: Principal | None = None,
) -> Page:
    """List the partner clients `admin` sees (posting into one of their boroughs), in a
    stable order."""
    stmt = sa.select(PartnerClient).order_by(PartnerClient.name, PartnerClient.id)
    if admin is not None:
        stmt = stmt.where(_posting_into(admin.boroughs))
    if "active" in filters:
        stmt = stmt.where(PartnerClient.active == filters["active"])
    result = paginate(db.session, stmt, page=page, limit=limit)
    audit.record(
        "partner_clients_listed",
        record_type="partner_client",
        record_ids=[c.id for c in result.items],
        now=now,
    )
    db.session.commit()
    return result


def update_partner_client(
    *,
    client_pk: int,
    changes: dict[str, Any],
    expected_version: int | Versions,
    now: datetime,
    admin: Principal | None = None,
) -> PartnerClient:
    """Change a client (If-Match); narrowing or disabling it ends its tokens at once.

    `admin` changes only clients posting into none but their boroughs, and gives only
    those.
    """
    client = _load(client_pk, admin=admin, for_update=True)
    check_version(client.version, expected_version)
    policies.check_may_change(admin, client.boroughs, changes)
    if "name" in changes:  # stored trimmed, as on create
        changes = {**changes, "name": changes["name"].strip()}
    named, changes = sorted(changes), effective_changes(changes, partial(_unchanged, client))
    if not changes:
        # Nothing to store: the version stays and no token is ended for a change not made.
        _record_read(client, now=now, details={"unchanged": named})
        db.session.commit()
        return client
    for key in _SETS:
        if key in changes:
            setattr(client, key, sorted(set(changes[key])))
    for key in ("name", "active"):
        if key in changes:
            setattr(client, key, changes[key])
    client.updated_at = now
    ended = 0
    if any(key in changes for key in _TOKEN_ENDING):
        reason = "client_disabled" if changes.get("active") is False else "client_changed"
        ended = revoke_partner_sessions(client.id, now=now, reason=reason)
    audit.record(
        "partner_client_updated",
        record_type="partner_client",
        record_id=client.id,
        now=now,
        details={"changed": sorted(changes), "values": changes, "sessions_ended": ended},
    )
    db.session.commit()
    return client


def rotate_partner_secret(
    *, client_pk: int, now: datetime, actor: Any = None, admin: Principal | None = None
) -> IssuedSecret:
    """Issue a new secret; the old one and every token issued with it stop working.

    The new secret posts into every borough of the client: `admin` must work in them all.
    """
    client = _load(client_pk, admin=admin, for_update=True)
    policies.check_administers(admin, client.boroughs)
    secret, client.secret_hash = _new_secret()
    client.rotated_at = client.updated_at = now
    ended = revoke_partner_sessions(client.id, now=now, reason="secret_rotated")
    audit.record(
        "partner_client_rotated",
        record_type="partner_client",
        record_id=client.id,
        actor=actor,
        now=now,
        details={"sessions_ended": ended},
    )
    db.session.commit()
    return IssuedSecret(client, secret)


def issue_partner_token(*, client_id: str, client_secret: str, now: datetime) -> PartnerToken:
    """Exchange client credentials for a short access token; every refusal looks the same."""
    # Locked until the token's session is committed, as a sign-in locks its account: a
    # rotation, or a change of boroughs, scopes or `active`, waits for this request and
    # then ends the session it opened, instead of missing it and leaving a token made
    # from the old secret, or with the old claims, working.
    client = db.session.scalar(
        sa.select(PartnerClient).where(PartnerClient.client_id == client_id).with_for_update()
    )
    if client is None:
        cfg = current_app.config
        # Verify anyway, so the time taken does not reveal which client ids exist.
        verify_password(
            dummy_hash(
                cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"]
            ),
            client_secret,
        )
        return _refuse(None, "unknown_client", now=now)
    actor = audit.Actor("partner", client.id, client.client_id, "partner", None)
    if not verify_password(client.secret_hash, client_secret):
        return _refuse(client, "wrong_secret", now=now)
    if not client.active:
        return _refuse(client, "disabled", now=now)
    tokens = open_partner_session(client, now=now)
    audit.record(
        "partner_token_issued",
        record_type="partner_client",
        record_id=client.id,
        actor=actor,
        now=now,
        details={"session_id": tokens.session_id, "scopes": client.scopes},
    )
    db.session.commit()
    return PartnerToken(tokens.access_token, tokens.expires_in, " ".join(client.scopes))


def _refuse(client: PartnerClient | None, reason: str, *, now: datetime) -> PartnerToken:
    audit.record(
        "partner_token_refused",
        record_type="partner_client" if client else None,
        record_id=client.id if client else None,
        now=now,
        details={"reason": reason},
    )
    db.session.commit()
    raise Unauthorized(REFUSED, headers=CHALLENGE)
