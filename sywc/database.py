"""Declarative base, shared column types and mixins for every domain's models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry

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


def upsert_insert(dialect: str) -> Any:
    """Return the dialect's `insert` construct, which offers ON CONFLICT clauses."""
    return UPSERT_DIALECTS[dialect]
