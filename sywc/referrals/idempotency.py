"""Idempotency keys (IETF Idempotency-Key draft, with Stripe's semantics).

The key is claimed by INSERTing its row in the same transaction as the work it guards,
under the (scope, key) unique constraint, so two requests can never both do the work:
on PostgreSQL a second request blocks on the index until the first commits, then finds
the key taken and replays the stored response. Nothing is stored for a request that fails,
so a corrected retry with the same key is simply processed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError

from sywc.database import UPSERT_DIALECTS, affected, upsert_insert
from sywc.errors import BadRequest, Conflict, ValidationFailed
from sywc.extensions import db
from sywc.referrals.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
IN_FLIGHT, COMPLETED = "in_flight", "completed"
# PostgreSQL's SQLSTATE for lock_timeout expiring.
LOCK_NOT_AVAILABLE = "55P03"
DEFAULT_WAIT_MS = 10_000

HEADER_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": "A unique value per logical request (a UUID), at most 255 visible ASCII "
    "characters. Required for partner systems (400 without it), optional for officers. "
    "Retrying with the same key and the same body replays the first response "
    "(`Idempotent-Replayed: true`); the same key with a different body is 422; a retry "
    "while the first request is still being processed is 409. Keys are kept at least 24 "
    "hours, per caller.",
}


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict[str, Any]


def parse_header(value: str | None) -> str | None:
    """Return the key a request sent (a bare token or a quoted string), or None."""
    if value is None:
        return None
    key = value.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise BadRequest(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters.",
            errors={HEADER: ["Use a UUID or another unique visible ASCII string."]},
        )
    return key


def fingerprint(method: str, path: str, payload: Any) -> str:
    """Hash the request so a reused key with another body is caught (key order ignored)."""
    canonical = json.dumps(
        [method, path, payload], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """A key this request holds until its transaction ends."""

    id: int


_KEYS = IdempotencyKey.__table__


def _claim_statement(dialect: str) -> Any:
    """INSERT the claim; on the key's row, take it over only when it has expired."""
    insert = upsert_insert(dialect)(_KEYS).values(
        scope=sa.bindparam("scope"),
        key=sa.bindparam("key"),
        request_hash=sa.bindparam("request_hash"),
        status=IN_FLIGHT,
        created_at=sa.bindparam("now"),
        expires_at=sa.bindparam("expires_at"),
    )
    claimed = {
        name: insert.excluded[name]
        for name in ("request_hash", "status", "created_at", "expires_at")
    }
    return insert.on_conflict_do_update(
        index_elements=[_KEYS.c.scope, _KEYS.c.key],
        # The expired key's stored response goes with it (SQL NULL, not JSON null).
        set_={**claimed, "response_status": sa.null(), "response_body": sa.null()},
        where=_KEYS.c.expires_at <= sa.bindparam("now"),
    ).returning(_KEYS.c.id)


_CLAIMS = {dialect: _claim_statement(dialect) for dialect in UPSERT_DIALECTS}


def claim(*, scope: str, key: str, request_hash: str, now: datetime) -> Claim | Replay:
    """Claim `key` in the current transaction, or return the response to replay.

    One statement: the row is inserted, or an expired row for the key is taken over.
    A live row returns nothing and its stored response is replayed. On PostgreSQL a
    concurrent claim of the same key waits for the first transaction to end.
    """
    hours = current_app.config["IDEMPOTENCY_KEY_HOURS"]
    params = {
        "scope": scope,
        "key": key,
        "request_hash": request_hash,
        "now": now,
        "expires_at": now + timedelta(hours=hours),
    }
    try:
        with _bounded_lock_wait():
            claimed = db.session.execute(
                _CLAIMS[db.session.get_bind().dialect.name], params
            ).scalar()
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        db.session.rollback()
        raise _still_in_flight() from None
    if claimed is None:
        return _existing(scope=scope, key=key, request_hash=request_hash, now=now)
    return Claim(claimed)


def _existing(*, scope: str, key: str, request_hash: str, now: datetime) -> Replay:
    existing = db.session.scalar(
        sa.select(IdempotencyKey).where(
            IdempotencyKey.scope == scope,
            IdempotencyKey.key == key,
            IdempotencyKey.expires_at > now,
        )
    )
    if existing is None or existing.status != COMPLETED or existing.response_body is None:
        raise _still_in_flight()
    if existing.request_hash != request_hash:
        raise ValidationFailed(
            f"This {HEADER} was already used with a different request body.",
            errors={HEADER: ["Use a new key for a different request."]},
        )
    return Replay(existing.response_status or 200, existing.response_body)


def _still_in_flight() -> Conflict:
    return Conflict(
        f"A request with this {HEADER} is still being processed; retry shortly.",
        headers={"Retry-After": "1"},
    )


@contextmanager
def _bounded_lock_wait() -> Iterator[None]:
    """On PostgreSQL, wait at most IDEMPOTENCY_WAIT_MS for a concurrent holder of the key.

    The limit is set for the claim only and put back afterwards: it must not cut short
    the audit chain's lock taken at commit. When the claim fails, the rollback that
    follows restores it.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    wait = int(current_app.config.get("IDEMPOTENCY_WAIT_MS", DEFAULT_WAIT_MS))
    previous = db.session.execute(_SET_LOCK_TIMEOUT, {"lock_timeout": f"{wait}ms"}).scalar_one()
    yield
    db.session.execute(_RESTORE_LOCK_TIMEOUT, {"lock_timeout": previous})


# Built once, as every claim runs both: the first returns the setting it replaces.
_SET_LOCK_TIMEOUT = sa.select(
    sa.func.current_setting("lock_timeout"),
    sa.func.set_config("lock_timeout", sa.bindparam("lock_timeout", type_=sa.String), True),
)
_RESTORE_LOCK_TIMEOUT = sa.select(
    sa.func.set_config("lock_timeout", sa.bindparam("lock_timeout", type_=sa.String), True)
)


def complete(claimed: Claim, *, status: int, body: dict[str, Any]) -> None:
    """Store the response given for a claimed key, in the same transaction."""
    db.session.execute(
        _COMPLETE, {"claimed_id": claimed.id, "given_status": status, "given_body": body}
    )


_COMPLETE = (
    sa.update(_KEYS)
    .where(_KEYS.c.id == sa.bindparam("claimed_id"))
    .values(
        status=COMPLETED,
        response_status=sa.bindparam("given_status"),
        response_body=sa.bindparam("given_body", type_=_KEYS.c.response_body.type),
    )
)


def purge_expired_keys(*, now: datetime) -> int:
    """Delete keys past their retention (a scheduler job); never commits."""
    return affected(
        db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    )
