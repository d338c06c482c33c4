"""Declarative base, shared column types and mixins for every domain's models."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, registry

from sywc import clock

# Stable constraint names, so Alembic (and SQLite batch mode) can find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones; storing naive UTC on both databases keeps comparisons
    and indexes identical, and refusing naive input stops local times slipping in.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow, onupdate=clock.utcnow)


class VersionMixin:
    """Optimistic locking: every UPDATE checks and bumps `version` (ETag / If-Match)."""

    version: Mapped[int] = mapped_column(nullable=False, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def affected(result: sa.Result[Any]) -> int:
    """Return how many rows an UPDATE or DELETE changed."""
    return cast(sa.CursorResult[Any], result).rowcount


def joined_values(column: Any, owner: Any, owned_by: Any) -> sa.ScalarSelect[str]:
    """Return a correlated subquery joining `column`'s values for one owner as "a,b,c".

    `owner` is the owning table's key column, `owned_by` the column of `column`'s table
    pointing at it (leading an index there, so each row costs one index lookup).
    """
    return (
        sa.select(sa.func.aggregate_strings(sa.cast(column, sa.String), ","))
        .where(owned_by == owner)
        .correlate_except(owned_by.class_)
        .scalar_subquery()
    )


# The INSERT constructs with ON CONFLICT, by dialect name (the two databases sywc runs on).
UPSERT_DIALECTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def both_ways(columns: dict[str, Any], tie: Any) -> dict[str, tuple[Any, ...]]:
    """Return a list's orderings by sort key: `key` ascending and `-key` descending, each
    ending on `tie` (the id) so that pages never overlap or skip."""
    orders: dict[str, tuple[Any, ...]] = {}
    for key, column in columns.items():
        orders[key] = (column, tie)
        orders[f"-{key}"] = (column.desc(), tie.desc())
    return orders


def upsert_insert(dialect: str) -> Any:
    """Return the dialect's `insert` construct, which offers ON CONFLICT clauses."""
    return UPSERT_DIALECTS[dialect]


def lock_for_transaction(session: Session, namespace: int, *key: object) -> None:
    """Hold a lock on `key` in `namespace` until the transaction ends (PostgreSQL).

    A check that reads and then inserts (no constraint can say "likely the same") runs
    after it, so a second writer waits and then sees the first one's row. This is the
    advisory lock of two 32-bit keys, a key space apart from the single 64-bit keys of
    the audit chain, the alert scan and the scheduler. The key's parts are hashed to 32
    bits: two keys that collide only wait for each other. SQLite needs no lock: every
    transaction begins IMMEDIATE, holding the database's write lock (`sywc.engine`).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    text = "\x1f".join(str(part) for part in key)
    digest = hashlib.blake2b(text.encode(), digest_size=4).digest()
    session.execute(
        _TRANSACTION_LOCK,
        {"namespace": namespace, "key": int.from_bytes(digest, "big", signed=True)},
    )


_TRANSACTION_LOCK = sa.select(
    sa.func.pg_advisory_xact_lock(
        sa.bindparam("namespace", type_=sa.Integer), sa.bindparam("key", type_=sa.Integer)
    )
)


# Requests that change nothing but the audit trail (RFC 9110's safe methods).
SAFE_METHODS = frozenset({"GET", "HEAD"})


def statement_transactions(session: Session) -> None:
    """Let a safe request's statements each commit alone, on PostgreSQL.

    Call before the session's first statement. The connection is checked out in
    autocommit: the driver sends no BEGIN before the first statement and no COMMIT after
    the last, two of a record read's five round trips. Reads see no less than before,
    since at READ COMMITTED every statement takes its own snapshot anyway, and the one
    write such a request makes, its audit append, is one statement (`sywc.audit`).
    What needs several statements to agree opens a real transaction: a report counting
    on one snapshot (`consistent_snapshot` rolls back and begins one), several audit
    events together. Checking the connection back in restores the pool's default.
    SQLite keeps its transactions: its audit append takes two statements.
    """
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


_JIT_OFF = sa.text("SET LOCAL jit = off")


def without_jit(session: Session) -> None:
    """Go on in a transaction whose statements PostgreSQL plans without JIT compilation.

    PostgreSQL compiles a statement to machine code once its estimated cost passes
    `jit_above_cost`: worth it for a long aggregate, never for a page a request reads.
    A condition the planner cannot cost well can be estimated in the millions for a
    page read in milliseconds, and compiling it then takes most of a second. SET LOCAL
    holds until the transaction ends, so the pooled connection (or a transaction-mode
    pooler's) keeps its own setting. Call before the statements it is for: a safe
    request's statements so far, each committed alone, are left behind.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    if in_statement_transactions(session.connection()):
        session.rollback()
    session.execute(_JIT_OFF)


def in_statement_transactions(connection: sa.Connection) -> bool:
    """Tell whether each statement on `connection` commits alone."""
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def _refuse_record_changes(session: Session, _context: Any, _instances: Any) -> None:
    changed = session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    if changed and in_statement_transactions(session.connection()):
        raise RuntimeError(
            "a safe (GET or HEAD) request changed records: each statement would commit alone"
        )


def install_statement_guard(session_class: type[Session]) -> None:
    """Refuse to flush record changes where each statement commits alone: a safe request
    writes its audit events only (and the statistics' bookkeeping mark, one statement)."""
    if not sa.event.contains(session_class, "before_flush", _refuse_record_changes):
        sa.event.listen(session_class, "before_flush", _refuse_record_changes)
