"""Use case for changing a cohort record's details (PATCH, under If-Match)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy.orm import selectinload

from sywc import clock
from sywc.audit import service as audit
from sywc.errors import ValidationFailed
from sywc.extensions import db
from sywc.http import Versions, check_version, effective_changes
from sywc.security import Principal
from sywc.youths import policies
from sywc.youths.models import Youth, YouthCohort, YouthFlag
from sywc.youths.names import name_key
from sywc.youths.schedule import add_months
from sywc.youths.service import checks
from sywc.youths.service.records import PERSON_FIELDS, record_view
from sywc.youths.service.tracking import touch

LINKS = {"flags": "flag_links", "other_cohorts": "cohort_links"}


def _unchanged(youth: Youth, name: str, value: Any) -> bool:
    """Tell whether a PATCH value is what the record holds (flags and cohorts as sets)."""
    if name in LINKS:
        return set(value) == set(getattr(youth, name))
    return bool(value == getattr(youth, name))


def _apply_links(youth: Youth, changes: dict[str, Any]) -> None:
    if "flags" in changes:
        keep = set(changes["flags"])
        youth.flag_links = [link for link in youth.flag_links if link.flag in keep] + [
            YouthFlag(flag=f) for f in sorted(keep - set(youth.flags))
        ]
    if "other_cohorts" in changes:
        keep = set(changes["other_cohorts"])
        youth.cohort_links = [link for link in youth.cohort_links if link.cohort in keep] + [
            YouthCohort(cohort=c) for c in sorted(keep - set(youth.other_cohorts))
        ]


def _check_changes(
    principal: Principal, youth: Youth, changes: dict[str, Any], *, today: Any
) -> None:
    if "lead_agency" in changes:
        policies.ensure_can_hand_over_lead(principal, youth, changes["lead_agency"])
    if "date_of_birth" in changes:
        checks.check_age(changes["date_of_birth"], on=youth.entered_on)
    if "ward" in changes:
        checks.check_ward(changes["ward"], borough=youth.borough)
    if {"lead_agency", "lead_officer_id"} & changes.keys():
        checks.check_lead_officer(
            changes.get("lead_officer_id", youth.lead_officer_id),
            agency=changes.get("lead_agency", youth.lead_agency),
            borough=youth.borough,
        )
    if "review_by" in changes:
        # A review date cannot be pushed far off: records must not outlive their purpose.
        latest = add_months(today, current_app.config["COHORT_REVIEW_MONTHS"])
        if not today <= changes["review_by"] <= latest:
            raise ValidationFailed.field(
                "review_by", f"Must be between {today.isoformat()} and {latest.isoformat()}."
            )


def update_youth(
    *,
    principal: Principal,
    youth_id: int,
    changes: dict[str, Any],
    expected_version: int | Versions,
    now: datetime,
) -> Youth:
    """Change a record's details, refusing a change based on a stale read."""
    # The links a change replaces are loaded with the row, before anything changes.
    links = [selectinload(getattr(Youth, LINKS[k])) for k in sorted(LINKS.keys() & changes)]
    youth = policies.get_visible_youth(principal, youth_id, for_update=True, options=links)
    check_version(youth.version, expected_version)
    named, changes = sorted(changes), effective_changes(changes, partial(_unchanged, youth))
    if not changes:
        # Nothing to store, so no new version to make other editors' ETags stale; the
        # answer still shows the record, so the request is audited as the read it is.
        record_view(youth, principal, now=now, details={"unchanged": named})
        db.session.commit()
        return youth
    _check_changes(principal, youth, changes, today=clock.business_date(now))
    details: dict[str, Any] = {"changed": sorted(changes)}
    if "cohort_reason" in changes:
        # Victim, at risk or perpetrator: a relabelling must stay traceable, old and new.
        details["cohort_reason"] = {"from": youth.cohort_reason, "to": changes["cohort_reason"]}
    for name in (*PERSON_FIELDS, "review_by"):
        if name in changes:
            setattr(youth, name, changes[name])
    if {"first_name", "last_name"} & changes.keys():
        youth.name_key = name_key(youth.first_name, youth.last_name)
    _apply_links(youth, changes)
    touch(youth, now=now)
    audit.record(
        "youth_updated",
        record_type="youth",
        record_id=youth.id,
        actor=principal,
        now=now,
        details=details,
    )
    db.session.commit()
    return youth
