"""What should have an open alert at a moment: one query per alert type, from the data alone.

Each cause is a SELECT over the domain tables giving, per subject, the values its alert
carries. The scan compares these rows with the unresolved alerts, so it needs no memory
of earlier runs: after any downtime the next scan finds everything missed meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from sywc import clock
from sywc.alerts.enums import AlertType, SubjectType
from sywc.alerts.sqldates import add_days, add_months, local_date
from sywc.pvs.enums import ActionStatus
from sywc.pvs.models import PvsAction
from sywc.referrals.enums import ReferralStatus
from sywc.referrals.models import Referral
from sywc.youths.enums import Rag, YouthStatus
from sywc.youths.models import Youth
from sywc.youths.schedule import ScheduleRules

# The columns every cause yields; an alert stores the same values.
CARRIED = ("youth_id", "borough", "agency", "owner_id", "due_on", "escalation_level")


def scan_day(now: datetime, config: Mapping[str, Any]) -> date:
    """Return the business day a scan at `now` judges deadlines by (as `clock.today`)."""
    return clock.business_date(now, config)


@dataclass(frozen=True)
class ScanRules:
    """The deployment's thresholds, and the day they are applied to."""

    today: date
    # The business timezone, in which a stored timestamp falls on a day.
    zone: str
    grace_days: int
    cadence_days: Mapping[str, int]
    review_days: Mapping[str, int]
    retention_months: int
    escalation_extra_periods: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, now: datetime) -> ScanRules:
        """Read the thresholds from the app's settings at scan time."""
        return cls(
            today=scan_day(now, config),
            zone=clock.zone_name(config),
            grace_days=int(config["VISIT_GRACE_DAYS"]),
            cadence_days=dict(config["VISIT_CADENCE_DAYS"]),
            review_days=dict(config["RAG_REVIEW_DAYS"]),
            retention_months=int(config["RETENTION_MONTHS"]),
            escalation_extra_periods=int(config["ESCALATION_EXTRA_PERIODS"]),
        )

    @property
    def schedule(self) -> ScheduleRules:
        """Return the visit schedule part of these rules."""
        return ScheduleRules(self.cadence_days, self.grace_days)


@dataclass(frozen=True)
class Cause:
    """One alert type: its subject and the query of subjects that should have one now."""

    type: AlertType
    subject_type: SubjectType
    rows: sa.Select[Any]
    escalates: bool = False


def _row(subject_id: Any, **values: Any) -> list[Any]:
    """Label a cause's columns in the order of CARRIED; absent ones are typed NULLs."""
    defaults = {
        "youth_id": sa.cast(sa.null(), sa.Integer),
        "owner_id": sa.cast(sa.null(), sa.Integer),
        "escalation_level": sa.literal_column("1", sa.Integer),
    }
    columns = {**defaults, **values}
    return [subject_id.label("subject_id")] + [columns[name].label(name) for name in CARRIED]


def missed_visits(rules: ScanRules) -> sa.Select[Any]:
    """Active young people whose next visit is past due plus grace with no seen-visit since."""
    missed_before = rules.today - timedelta(days=rules.grace_days)
    # Level 2 once overdue by more than the configured extra cadence periods after missing.
    escalated = [
        sa.and_(
            Youth.rag == str(rag),
            Youth.next_visit_due
            < missed_before
            - timedelta(days=rules.escalation_extra_periods * rules.cadence_days[rag]),
        )
        for rag in Rag
    ]
    level = sa.case((sa.or_(*escalated), sa.literal_column("2", sa.Integer)), else_=1)
    return sa.select(
        *_row(
            Youth.id,
            youth_id=Youth.id,
            borough=Youth.borough,
            agency=Youth.lead_agency,
            owner_id=Youth.lead_officer_id,
            due_on=Youth.next_visit_due,
            escalation_level=level,
        )
    ).where(
        Youth.status == YouthStatus.ACTIVE,
        Youth.next_visit_due.is_not(None),
        Youth.next_visit_due < missed_before,
    )


def overdue_referrals(rules: ScanRules) -> sa.Select[Any]:
    """Referrals still waiting for the receiver's acknowledgement after their deadline."""
    return sa.select(
        *_row(
            Referral.id,
            youth_id=Referral.youth_id,
            borough=Referral.borough,
            agency=Referral.to_agency,
            due_on=Referral.acknowledge_by,
        )
    ).where(
        Referral.status == ReferralStatus.SUBMITTED,
        Referral.acknowledge_by < rules.today,
    )


def overdue_pvs_actions(rules: ScanRules) -> sa.Select[Any]:
    """PVS actions still open after their due date."""
    return sa.select(
        *_row(
            PvsAction.id,
            borough=PvsAction.borough,
            agency=PvsAction.agency,
            owner_id=PvsAction.owner_id,
            due_on=PvsAction.due_on,
        )
    ).where(PvsAction.status == ActionStatus.OPEN, PvsAction.due_on < rules.today)


def rag_reviews(rules: ScanRules) -> sa.Select[Any]:
    """Active young people whose current rating is older than its review period."""
    period = sa.case(
        *((Youth.rag == str(rag), rules.review_days[rag]) for rag in Rag),
        else_=min(rules.review_days.values()),
    )
    due = add_days(Youth.rag_assessed_on, period)
    return sa.select(
        *_row(
            Youth.id,
            youth_id=Youth.id,
            borough=Youth.borough,
            agency=Youth.lead_agency,
            owner_id=Youth.lead_officer_id,
            due_on=due,
        )
    ).where(Youth.status == YouthStatus.ACTIVE, due < rules.today)


def retention_reviews(rules: ScanRules) -> sa.Select[Any]:
    """Records closed or untouched past retention, and active ones past their review-by date."""
    # Holding a child's record past its purpose is what the ICO found wrong with the
    # Gangs Matrix: the earlier of closure and last activity starts the clock.
    active_on = local_date(Youth.last_activity_at, rules.zone)
    since = sa.case(
        (
            sa.and_(Youth.status == YouthStatus.CLOSED, Youth.closed_on < active_on),
            Youth.closed_on,
        ),
        else_=active_on,
    )
    held_until = add_months(since, sa.literal(rules.retention_months, sa.Integer))
    # An active record's review-by date asks the same question, often sooner: should we
    # still hold it? A closed record is judged by its closure alone.
    due = sa.case(
        (
            sa.and_(Youth.status == YouthStatus.ACTIVE, Youth.review_by < held_until),
            Youth.review_by,
        ),
        else_=held_until,
    )
    return sa.select(
        *_row(
            Youth.id,
            youth_id=Youth.id,
            borough=Youth.borough,
            agency=Youth.lead_agency,
            owner_id=Youth.lead_officer_id,
            due_on=due,
        )
    ).where(due < rules.today)


def causes(rules: ScanRules) -> list[Cause]:
    """Return every alert type's cause query for these rules."""
    return [
        Cause(AlertType.MISSED_VISIT, SubjectType.YOUTH, missed_visits(rules), escalates=True),
        Cause(AlertType.REFERRAL_OVERDUE, SubjectType.REFERRAL, overdue_referrals(rules)),
        Cause(AlertType.PVS_ACTION_OVERDUE, SubjectType.PVS_ACTION, overdue_pvs_actions(rules)),
        Cause(AlertType.RAG_REVIEW_DUE, SubjectType.YOUTH, rag_reviews(rules)),
        Cause(AlertType.RETENTION_REVIEW_DUE, SubjectType.YOUTH, retention_reviews(rules)),
    ]
