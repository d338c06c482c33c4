"""Partnership Violence Suppression meetings and the actions they agree."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sywc.database import TimestampMixin, VersionMixin
from sywc.extensions import db


class PvsMeeting(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "pvs_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    borough: Mapped[str] = mapped_column(sa.String(16))
    held_at: Mapped[datetime]
    chair_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decisions: Mapped[str | None] = mapped_column(sa.Text)
    safeguarding_concerns: Mapped[str | None] = mapped_column(sa.Text)
    holding_message: Mapped[str | None] = mapped_column(sa.Text)
    community_meeting_needed: Mapped[bool] = mapped_column(default=False)
    delivered_by: Mapped[str | None] = mapped_column(sa.String(200))
    messaging_location: Mapped[str | None] = mapped_column(sa.String(500))
    follow_up_on: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    attendees: Mapped[list[PvsAttendee]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PvsAttendee.id"
    )
    individuals: Mapped[list[PvsIndividual]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PvsIndividual.id"
    )
    # Actions are never deleted with their meeting: they are the record of what was agreed.
    actions: Mapped[list[PvsAction]] = relationship(
        cascade="save-update, merge", lazy="selectin", order_by="PvsAction.id"
    )

    __table_args__ = (sa.Index("ix_pvs_meetings_borough_held", "borough", "held_at"),)

    @property
    def community_messaging(self) -> dict[str, Any]:
        """The messaging agreed, as one object (stored as columns for the statistics)."""
        return {
            "holding_message": self.holding_message,
            "community_meeting_needed": self.community_meeting_needed,
            "delivered_by": self.delivered_by,
            "location": self.messaging_location,
        }


class PvsAttendee(db.Model):
    __tablename__ = "pvs_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pvs_meetings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    agency: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str | None] = mapped_column(sa.String(200))


class PvsIndividual(db.Model):
    """A cohort member identified at a meeting, with their role."""

    __tablename__ = "pvs_individuals"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("pvs_meetings.id", ondelete="CASCADE"))
    youth_id: Mapped[int] = mapped_column(sa.ForeignKey("youths.id"))
    role: Mapped[str] = mapped_column(sa.String(16))

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "youth_id"),
        sa.Index("ix_pvs_individuals_youth", "youth_id"),
        sa.CheckConstraint("role IN ('victim', 'suspect', 'witness', 'associate')", "role"),
    )


class PvsAction(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "pvs_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("pvs_meetings.id"), index=True)
    borough: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.Text)
    type: Mapped[str] = mapped_column(sa.String(16))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    agency: Mapped[str] = mapped_column(sa.String(32))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(16), server_default="open")
    completion_note: Mapped[str | None] = mapped_column(sa.Text)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (
        sa.Index("ix_pvs_actions_owner_status", "owner_id", "status", "due_on"),
        sa.Index("ix_pvs_actions_status_due", "status", "due_on"),
        sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", "status"),
        sa.CheckConstraint(
            "type IN ('engage', 'divert', 'safeguard', 'enforce', 'communicate', 'other')", "type"
        ),
    )

    def is_overdue(self, today: date) -> bool:
        """Tell whether the action is still open after its due date."""
        return self.status == "open" and self.due_on < today
