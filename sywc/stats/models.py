"""Statistics rollups: the counted figures of a report, kept current by the scheduler."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sywc.extensions import db


class StatsRollup(db.Model):
    """The counts behind one report for one period and scope, as of `computed_at`.

    Counts are stored before suppression: suppression depends on who asks and is applied
    to them on every request, exactly as to counts computed on the spot.
    """

    __tablename__ = "stats_rollups"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What was counted: "snapshot" (cohort, overlap, disproportionality) or "visits".
    kind: Mapped[str] = mapped_column(sa.String(32))
    period_start: Mapped[date]
    period_end: Mapped[date]
    # The boroughs counted, sorted and comma-joined; the ward, or "" for whole boroughs.
    boroughs: Mapped[str] = mapped_column(sa.String(1024))
    ward: Mapped[str] = mapped_column(sa.String(32))
    # Visits are judged missed or pending as of a day: the rollup is that day's figures.
    computed_on: Mapped[date]
    computed_at: Mapped[datetime]
    # The last time a request wanted these figures: the scheduler keeps recently wanted
    # rollups current and forgets the others.
    requested_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    __table_args__ = (
        sa.UniqueConstraint("kind", "period_start", "period_end", "boroughs", "ward"),
        sa.Index("ix_stats_rollups_requested_at", "requested_at"),
    )
