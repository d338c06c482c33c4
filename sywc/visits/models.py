"""Visits to young people: seen, or attempts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from sywc.database import joined_values
from sywc.extensions import db


class Visit(db.Model):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    youth_id: Mapped[int] = mapped_column(sa.ForeignKey("youths.id", ondelete="CASCADE"))
    visited_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(sa.String(32))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # A restricted note is visible only to officers of the author's agency.
    restricted: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    author_agency: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime]

    # Loaded only when written: reads take `officer_ids_text` (below), with the row.
    officer_links: Mapped[list[VisitOfficer]] = relationship(
        cascade="all, delete-orphan", order_by="VisitOfficer.user_id"
    )

    __table_args__ = (
        sa.Index("ix_visits_youth_visited", "youth_id", "visited_at"),
        sa.Index("ix_visits_visited_at", "visited_at"),
        # Visit schedules (the statistics) follow seen-visits only, per young person.
        sa.Index(
            "ix_visits_youth_seen",
            "youth_id",
            "visited_at",
            postgresql_where=sa.text("outcome = 'seen'"),
            sqlite_where=sa.text("outcome = 'seen'"),
        ),
        sa.CheckConstraint(
            "outcome IN ('seen', 'not_home', 'refused', 'safeguarding_concern')", "outcome"
        ),
    )

    @property
    def officer_ids(self) -> list[int]:
        if "officer_links" in self.__dict__ or "officer_ids_text" not in self.__dict__:
            return [link.user_id for link in self.officer_links]
        text = self.officer_ids_text
        return sorted(int(i) for i in text.split(",")) if text else []


class VisitOfficer(db.Model):
    """An officer present at a visit; a joint police and council visit has several."""

    __tablename__ = "visit_officers"

    visit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)

    __table_args__ = (sa.Index("ix_visit_officers_user", "user_id"),)


# A visit's officers as "3,17", read with the row by one indexed subquery (the table is
# keyed by visit first): a page of visits needs no second statement for them.
Visit.officer_ids_text = column_property(
    joined_values(VisitOfficer.user_id, Visit.id, VisitOfficer.visit_id)
)
