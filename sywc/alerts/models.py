"""Alerts raised by the scan, and the record of each scheduler run."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sywc.extensions import db


class Alert(db.Model):
    """Something overdue. At most one unresolved alert per subject and type (the index)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(32))
    subject_type: Mapped[str] = mapped_column(sa.String(16))  # youth / referral / pvs_action
    subject_id: Mapped[int]
    youth_id: Mapped[int | None] = mapped_column(sa.ForeignKey("youths.id"), index=True)
    borough: Mapped[str] = mapped_column(sa.String(16))
    # The agency concerned: the lead agency, the referral's receiver, the action's agency.
    agency: Mapped[str | None] = mapped_column(sa.String(32))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    due_on: Mapped[date]
    escalation_level: Mapped[int] = mapped_column(server_default="1")
    status: Mapped[str] = mapped_column(sa.String(16), server_default="open")
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.Index(
            "uq_alerts_one_unresolved",
            "type",
            "subject_type",
            "subject_id",
            unique=True,
            sqlite_where=sa.text("status != 'resolved'"),
            postgresql_where=sa.text("status != 'resolved'"),
        ),
        sa.Index("ix_alerts_agency_status", "borough", "agency", "status", "type"),
        sa.Index("ix_alerts_status_type", "status", "type"),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", "status"),
    )


class AlertEvent(db.Model):
    """Each change the scan or a user made to an alert: opened, escalated, resolved."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("alerts.id"), index=True)
    event: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime]
    job_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("job_runs.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class JobRun(db.Model):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(sa.String(16))  # a JobOutcome
    as_of: Mapped[datetime | None]
    counts: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (sa.Index("ix_job_runs_job_started", "job", "started_at"),)
