"""Referrals between agencies, their transitions, and idempotency keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sywc.auth.models import PartnerClient
from sywc.database import TimestampMixin, VersionMixin
from sywc.extensions import db


class Referral(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    borough: Mapped[str] = mapped_column(sa.String(16))
    # Null until a partner's details are matched to (or create) a cohort record.
    youth_id: Mapped[int | None] = mapped_column(sa.ForeignKey("youths.id"))
    subject_first_name: Mapped[str | None] = mapped_column(sa.String(100))
    subject_last_name: Mapped[str | None] = mapped_column(sa.String(100))
    subject_name_key: Mapped[str | None] = mapped_column(sa.String(200))
    subject_date_of_birth: Mapped[date | None]
    subject_details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    from_agency: Mapped[str | None] = mapped_column(sa.String(32))
    from_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_clients.id"))
    to_agency: Mapped[str] = mapped_column(sa.String(32))
    reason_codes: Mapped[list[str]] = mapped_column(sa.JSON)
    urgency: Mapped[str] = mapped_column(sa.String(16))
    summary: Mapped[str] = mapped_column(sa.Text)
    lawful_basis: Mapped[str] = mapped_column(sa.String(64))
    consent: Mapped[bool | None]
    external_reference: Mapped[str | None] = mapped_column(sa.String(128))
    status: Mapped[str] = mapped_column(sa.String(16))
    submitted_at: Mapped[datetime]
    # The last date on which acknowledging is still in time (working days from urgency).
    acknowledge_by: Mapped[date]
    acknowledged_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    transitions: Mapped[list[ReferralTransition]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="(ReferralTransition.at, ReferralTransition.id)",
    )
    from_partner: Mapped[PartnerClient | None] = relationship(lazy="selectin", viewonly=True)

    __table_args__ = (
        sa.Index("ix_referrals_to_status", "to_agency", "status", "acknowledge_by"),
        sa.Index("ix_referrals_from", "from_agency", "status"),
        sa.Index("ix_referrals_overdue", "status", "acknowledge_by"),
        sa.Index("ix_referrals_youth", "youth_id"),
        sa.Index("ix_referrals_partner", "from_partner_id"),
        sa.Index("ix_referrals_submitted_at", "submitted_at"),
    )

    @property
    def history(self) -> list[ReferralTransition]:
        """Every step of the workflow, oldest first."""
        return self.transitions

    @property
    def subject(self) -> dict[str, Any] | None:
        """The identifying details the sender gave, when it gave them."""
        if self.subject_last_name is None:
            return None
        return {
            "first_name": self.subject_first_name,
            "last_name": self.subject_last_name,
            "date_of_birth": self.subject_date_of_birth,
            **(self.subject_details or {}),
        }


class ReferralTransition(db.Model):
    """One step of a referral's workflow, with who, when and why."""

    __tablename__ = "referral_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(16))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_clients.id"))
    actor_agency: Mapped[str | None] = mapped_column(sa.String(32))
    at: Mapped[datetime]


class IdempotencyKey(db.Model):
    """A claimed Idempotency-Key and the first response given for it."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(64))  # "user:12" or "partner:3"
    key: Mapped[str] = mapped_column(sa.String(255))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))  # in_flight / completed
    response_status: Mapped[int | None]
    response_body: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (sa.UniqueConstraint("scope", "key"),)
