"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sywc.extensions import db


class AuditEvent(db.Model):
    """One thing that happened; `hash` covers the event and its predecessor's hash.

    `id` is assigned by the writer under the chain lock (previous id + 1), so a deleted
    row shows as a gap and the chain order is the id order.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor_type: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_label: Mapped[str | None] = mapped_column(sa.String(64))
    role: Mapped[str | None] = mapped_column(sa.String(32))
    agency: Mapped[str | None] = mapped_column(sa.String(32))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    record_type: Mapped[str | None] = mapped_column(sa.String(32))
    record_id: Mapped[str | None] = mapped_column(sa.String(64))
    record_ids: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    request_id: Mapped[str | None] = mapped_column(sa.String(128))
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_events_record", "record_type", "record_id"),)


class AuditEventRecord(db.Model):
    """Each record a many-record event (a list page) named, so 'who saw this child' is one
    indexed query; an event about one record carries it in its own columns.

    Written with its event (one statement on PostgreSQL) and append-only like it. No
    foreign key: the chain verification checks that every event's links are exactly the
    records it names, and that no link names a missing event (migration 0010).
    """

    __tablename__ = "audit_event_records"

    event_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    record_type: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)

    __table_args__ = (sa.Index("ix_audit_event_records_record", "record_type", "record_id"),)
