"""Serious incidents and the young people involved in them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sywc.database import TimestampMixin, VersionMixin
from sywc.extensions import db


class Incident(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    borough: Mapped[str] = mapped_column(sa.String(16))
    occurred_at: Mapped[datetime]
    type: Mapped[str] = mapped_column(sa.String(16))
    ward: Mapped[str] = mapped_column(sa.String(64))
    location: Mapped[str | None] = mapped_column(sa.String(500))
    summary: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    involvements: Mapped[list[Involvement]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Involvement.id"
    )

    __table_args__ = (
        sa.Index("ix_incidents_borough_occurred", "borough", "occurred_at"),
        sa.Index("ix_incidents_ward_occurred", "ward", "occurred_at"),
        sa.CheckConstraint(
            "type IN ('stabbing', 'shooting', 'assault', 'robbery', 'other')", "type"
        ),
    )


class Involvement(db.Model):
    """A young person's part in an incident; the role is never inferred or blurred."""

    __tablename__ = "incident_involvements"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id", ondelete="CASCADE"))
    youth_id: Mapped[int] = mapped_column(sa.ForeignKey("youths.id"))
    role: Mapped[str] = mapped_column(sa.String(16))

    __table_args__ = (
        sa.UniqueConstraint("incident_id", "youth_id"),
        sa.Index("ix_incident_involvements_youth", "youth_id"),
        sa.CheckConstraint("role IN ('victim', 'suspect', 'witness', 'associate')", "role"),
    )
