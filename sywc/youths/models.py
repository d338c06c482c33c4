"""Young people of the cohort, their ratings and the history of their record."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from sywc.database import TimestampMixin, VersionMixin, joined_values
from sywc.extensions import db


class Youth(TimestampMixin, VersionMixin, db.Model):
    """A young person of concern.

    `rag`, `rag_assessed_on`, `last_seen_on` and `next_visit_due` are kept current in the
    same transaction as any rating or visit, so the worklist and the scheduler read one
    indexed column instead of recomputing the schedule over the cohort; each scan brings
    `next_visit_due` in line with the cadence in force first, should it have changed.
    """

    __tablename__ = "youths"

    id: Mapped[int] = mapped_column(primary_key=True)
    borough: Mapped[str] = mapped_column(sa.String(16))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    # Normalised "last first" (lower case, letters only) for duplicate checks and search.
    name_key: Mapped[str] = mapped_column(sa.String(200))
    date_of_birth: Mapped[date]
    gender: Mapped[str] = mapped_column(sa.String(16))
    ethnicity: Mapped[str] = mapped_column(sa.String(32), server_default="not_known")
    ward: Mapped[str] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    lead_agency: Mapped[str] = mapped_column(sa.String(32))
    lead_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cohort_reason: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), server_default="active")
    entered_on: Mapped[date]
    closed_on: Mapped[date | None]
    # The day it was last closed, kept once reopened: a seen visit or a rating entered
    # late and dated on or before it can change what was decided on reopening.
    last_closed_on: Mapped[date | None]
    # No visit is due before it: the day the record was reopened, when the visit in hand
    # was not yet missed the day it was closed (one missed before the closure stays so).
    visits_due_from: Mapped[date | None]
    review_by: Mapped[date]
    rag: Mapped[str] = mapped_column(sa.String(8))
    rag_assessed_on: Mapped[date]
    last_seen_on: Mapped[date | None]
    last_attempt_at: Mapped[datetime | None]
    # Null while closed: a closed record leaves the schedule.
    next_visit_due: Mapped[date | None]
    last_activity_at: Mapped[datetime]

    # Loaded only to change them: reads take `flags_text` and `cohorts_text` (below),
    # which come with the row itself.
    flag_links: Mapped[list[YouthFlag]] = relationship(
        cascade="all, delete-orphan", order_by="YouthFlag.flag"
    )
    cohort_links: Mapped[list[YouthCohort]] = relationship(
        cascade="all, delete-orphan", order_by="YouthCohort.cohort"
    )
    # Newest first; read only for a single record (lists never touch it).
    assessments: Mapped[list[RagAssessment]] = relationship(
        viewonly=True,
        order_by="[RagAssessment.assessed_on.desc(), RagAssessment.id.desc()]",
    )

    __table_args__ = (
        sa.CheckConstraint("cohort_reason IN ('victim', 'at_risk', 'perpetrator')", "reason"),
        sa.CheckConstraint("rag IN ('red', 'amber', 'green')", "rag"),
        sa.CheckConstraint("status IN ('active', 'closed')", "status"),
        sa.Index("ix_youths_schedule", "borough", "status", "next_visit_due"),
        # The cohort list filtered by rating and ward reads its page in the default order
        # (soonest due, then id) straight from the index, however large the ward.
        sa.Index(
            "ix_youths_borough_rag_ward_due", "borough", "rag", "ward", "next_visit_due", "id"
        ),
        sa.Index("ix_youths_next_visit_due", "next_visit_due"),
        sa.Index("ix_youths_name_key_dob", "name_key", "date_of_birth"),
        sa.Index("ix_youths_lead", "lead_agency", "lead_officer_id"),
        sa.Index("ix_youths_updated_at", "updated_at"),
    )

    @property
    def reference(self) -> str:
        return f"YP-{self.id:06d}"

    @property
    def flags(self) -> list[str]:
        if "flag_links" in self.__dict__ or "flags_text" not in self.__dict__:
            return [link.flag for link in self.flag_links]  # being changed: the links
        return _codes(self.flags_text)

    @property
    def other_cohorts(self) -> list[str]:
        if "cohort_links" in self.__dict__ or "cohorts_text" not in self.__dict__:
            return [link.cohort for link in self.cohort_links]
        return _codes(self.cohorts_text)

    @property
    def current_assessment(self) -> RagAssessment | None:
        """Return the rating in force: the newest by date, then by id."""
        if CURRENT_ASSESSMENT in self.__dict__:
            current: RagAssessment | None = self.__dict__[CURRENT_ASSESSMENT]
            return current
        return self.assessments[0] if self.assessments else None

    def keep_current_assessment(self, assessment: RagAssessment | None) -> None:
        """Hold the rating in force, read on its own, so its history need not be loaded."""
        self.__dict__[CURRENT_ASSESSMENT] = assessment


CURRENT_ASSESSMENT = "_sywc_current_assessment"


def _codes(text: str | None) -> list[str]:
    return sorted(text.split(",")) if text else []


class YouthFlag(db.Model):
    __tablename__ = "youth_flags"

    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youths.id", ondelete="CASCADE"), primary_key=True
    )
    flag: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class YouthCohort(db.Model):
    """Membership of another cohort (YOT, MACE, MARAC, ...), for the overlap figures."""

    __tablename__ = "youth_cohorts"

    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youths.id", ondelete="CASCADE"), primary_key=True
    )
    cohort: Mapped[str] = mapped_column(sa.String(16), primary_key=True)

    __table_args__ = (sa.Index("ix_youth_cohorts_cohort", "cohort"),)


class RagAssessment(db.Model):
    """One rating with its rationale; append-only, the newest is current."""

    __tablename__ = "rag_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    youth_id: Mapped[int] = mapped_column(sa.ForeignKey("youths.id", ondelete="CASCADE"))
    rating: Mapped[str] = mapped_column(sa.String(8))
    rationale: Mapped[str] = mapped_column(sa.Text)
    assessed_on: Mapped[date]
    assessed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]

    __table_args__ = (
        sa.Index("ix_rag_assessments_youth", "youth_id", "assessed_on", "id"),
        sa.CheckConstraint("rating IN ('red', 'amber', 'green')", "rating"),
    )


class YouthStatusChange(db.Model):
    """A close or reopen, with who, when and why."""

    __tablename__ = "youth_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    youth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youths.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text)
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime]


# A young person's flags and other cohorts as "a,b,c", read with the row by one indexed
# subquery each (both tables are keyed by youth first): lists and records need no more
# statements, however many rows they show. Codes hold no commas.
Youth.flags_text = column_property(joined_values(YouthFlag.flag, Youth.id, YouthFlag.youth_id))
Youth.cohorts_text = column_property(
    joined_values(YouthCohort.cohort, Youth.id, YouthCohort.youth_id)
)
