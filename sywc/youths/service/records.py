"""Use cases for one cohort record: create, read, change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from sywc import clock
from sywc.audit import service as audit
from sywc.database import lock_for_transaction
from sywc.errors import Conflict, NotFound
from sywc.extensions import db
from sywc.security import Principal
from sywc.youths import policies
from sywc.youths.enums import YouthStatus
from sywc.youths.models import RagAssessment, Youth, YouthCohort, YouthFlag
from sywc.youths.names import name_key
from sywc.youths.schedule import add_months
from sywc.youths.service import checks
from sywc.youths.service.tracking import reschedule, schedule_rules, touch

# The namespace of the duplicate check's lock (32 bits: "SYWD").
DUPLICATE_CHECK_LOCK = 0x5359_5744
PERSON_FIELDS = (
    "first_name", "last_name", "date_of_birth", "gender", "ethnicity", "ward", "address",
    "lead_agency", "lead_officer_id", "cohort_reason",
)  # fmt: skip


def _find_duplicate(*, borough: str, key: str, date_of_birth: Any) -> Youth | None:
    """Return the first record of this name and birth date in the borough, if any.

    Confirmed duplicates are allowed, so no unique index can stop two officers entering
    the same young person at once: each waits here for the other's transaction to end.
    """
    lock_for_transaction(db.session(), DUPLICATE_CHECK_LOCK, borough, key, date_of_birth)
    return db.session.scalar(
        sa.select(Youth)
        .where(Youth.name_key == key, Youth.date_of_birth == date_of_birth)
        .where(Youth.borough == borough)
        .order_by(Youth.id)
        .limit(1)
    )


class LikelyDuplicate(Conflict):
    """A new record refused as a likely duplicate; the answer names the existing one."""

    def __init__(self, existing: Youth) -> None:
        # Only the id and reference: the caller may open it (same borough) if they need more.
        super().__init__(
            "A young person with this name and date of birth is already recorded in this "
            "borough; use that record, or send confirm_duplicate: true.",
            existing={"id": existing.id, "reference": existing.reference},
        )
        self.existing_id = existing.id


def report_duplicate(
    refused: LikelyDuplicate,
    *,
    principal: Principal,
    now: datetime,
    via: str | None = None,
    via_ids: list[int] | None = None,
) -> None:
    """Undo the caller's work, then commit the audit event of the record the 409 names.

    A name and date of birth sent to be refused is a lookup of that child: "who saw this
    child" must find it, though nothing the request asked for is written.
    """
    db.session.rollback()
    audit.record(
        "youth_duplicate_reported",
        record_type="youth",
        record_id=refused.existing_id,
        actor=principal,
        now=now,
        details={"via": via, "via_ids": via_ids} if via else None,
    )
    db.session.commit()


def create_youth(*, principal: Principal, data: dict[str, Any], now: datetime) -> Youth:
    """Enter a young person into the cohort with their first rating and schedule."""
    try:
        youth = add_youth(principal=principal, data=data, now=now)
    except LikelyDuplicate as refused:
        report_duplicate(refused, principal=principal, now=now)
        raise
    db.session.commit()
    return youth


# What a caller from another domain may leave out (the API schema fills these in).
_OPTIONAL: dict[str, Any] = {
    "ethnicity": "not_known",
    "address": None,
    "flags": [],
    "other_cohorts": [],
    "confirm_duplicate": False,
}


def _check_new(principal: Principal, data: dict[str, Any], *, key: str, today: Any) -> bool:
    """Check a new record's invariants; return whether it is a confirmed duplicate."""
    borough = data["borough"]
    checks.check_borough_access(principal, borough)
    checks.check_age(data["date_of_birth"], on=today)
    checks.check_ward(data["ward"], borough=borough)
    checks.check_lead_officer(data["lead_officer_id"], agency=data["lead_agency"], borough=borough)
    existing = _find_duplicate(borough=borough, key=key, date_of_birth=data["date_of_birth"])
    if existing is not None and not data["confirm_duplicate"]:
        raise LikelyDuplicate(existing)
    return existing is not None


def add_youth(*, principal: Principal, data: dict[str, Any], now: datetime) -> Youth:
    """Check and add a new record, its first rating and audit event; never commits.

    For use cases that enter a young person as part of a larger change (an incident
    naming someone new): the caller commits both together, or neither. A likely
    duplicate raises `LikelyDuplicate`, which the caller passes to `report_duplicate`.
    """
    data, today = {**_OPTIONAL, **data}, clock.business_date(now)
    key = name_key(data["first_name"], data["last_name"])
    duplicate = _check_new(principal, data, key=key, today=today)
    youth = Youth(
        **{name: data[name] for name in PERSON_FIELDS},
        borough=data["borough"],
        name_key=key,
        status=YouthStatus.ACTIVE,
        entered_on=today,
        review_by=add_months(today, current_app.config["COHORT_REVIEW_MONTHS"]),
        rag=data["rag"],
        rag_assessed_on=today,
        created_at=now,
        flag_links=[YouthFlag(flag=f) for f in sorted(data["flags"])],
        cohort_links=[YouthCohort(cohort=c) for c in sorted(data["other_cohorts"])],
    )
    touch(youth, now=now)
    reschedule(youth, rules=schedule_rules())
    db.session.add(youth)
    db.session.flush()
    db.session.add(
        RagAssessment(
            youth_id=youth.id,
            rating=data["rag"],
            rationale=data["rag_rationale"],
            assessed_on=today,
            assessed_by_id=principal.id,
            created_at=now,
        )
    )
    audit.record(
        "youth_created",
        record_type="youth",
        record_id=youth.id,
        actor=principal,
        now=now,
        details={
            **{name: data[name] for name in ("borough", "rag", "cohort_reason", "lead_agency")},
            "duplicate_confirmed": duplicate,
        },
    )
    db.session.flush()
    return youth


# A record and its rating in force, in one statement: the rating row is found by the id
# of the newest by date then id (an index-only lookup per record), so the history is
# never read. Built once; the id and the caller's boroughs are bound per request.
_RECORD_WITH_RATING = (
    sa.select(Youth, RagAssessment)
    .outerjoin(
        RagAssessment,
        RagAssessment.id
        == sa.select(RagAssessment.id)
        .where(RagAssessment.youth_id == Youth.id)
        .order_by(RagAssessment.assessed_on.desc(), RagAssessment.id.desc())
        .limit(1)
        .correlate(Youth)
        .scalar_subquery(),
    )
    .where(Youth.id == sa.bindparam("youth_id"), policies.VISIBLE_TO_CALLER)
)


def get_youth(*, principal: Principal, youth_id: int, now: datetime) -> Youth:
    """Read one record with its current rating; the read is audited."""
    found = db.session.execute(
        _RECORD_WITH_RATING, {"youth_id": youth_id, **policies.borough_params(principal)}
    ).first()
    if found is None:
        raise NotFound("No such young person.")
    youth, current = found
    youth.keep_current_assessment(current)
    record_view(youth, principal, now=now)
    db.session.commit()
    return youth


def record_view(
    youth: Youth, principal: Principal, *, now: datetime, details: dict[str, Any] | None = None
) -> None:
    """Queue the audit event of a read of the record; never commits."""
    audit.record(
        "youth_viewed",
        record_type="youth",
        record_id=youth.id,
        actor=principal,
        now=now,
        details=details,
    )
