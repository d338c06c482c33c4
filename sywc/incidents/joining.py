"""Linking one more person to an incident, bringing them into the cohort when they are new.

The cohort reason follows from the role but is never inferred silently: the officer sends
it, and a reason other than the one the role suggests must be confirmed. A victim brought
in as a perpetrator is exactly the blurring the Gangs Matrix was condemned for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sywc.audit import service as audit
from sywc.errors import Conflict, ValidationFailed
from sywc.extensions import db
from sywc.incidents.enums import SUGGESTED_COHORT_REASON, InvolvementRole
from sywc.incidents.models import Incident, Involvement
from sywc.incidents.people import NOT_IN_BOROUGH, record_youths
from sywc.incidents.policies import get_visible_incident
from sywc.security import Principal
from sywc.youths.models import Youth
from sywc.youths.policies import visible_youths
from sywc.youths.service import LikelyDuplicate, add_youth, report_duplicate


def confirmed_reason(role: InvolvementRole, data: dict[str, Any]) -> str:
    """Return the cohort reason the officer gave, once it is explicit and confirmed."""
    suggested = SUGGESTED_COHORT_REASON[role]
    reason = data.get("cohort_reason")
    if reason is None:
        raise ValidationFailed.field(
            "cohort_reason", f"State the cohort reason; the role {role} suggests {suggested}."
        )
    if reason != suggested and not data["confirm_reason"]:
        raise ValidationFailed.field(
            "cohort_reason",
            f"The role {role} suggests {suggested}; send confirm_reason: true to record "
            f"{reason} instead.",
        )
    return reason


def _join_cohort(
    principal: Principal, incident: Incident, person: dict[str, Any], reason: str, now: datetime
) -> int:
    """Create the cohort record under the cohort's own rules; return its id."""
    data = {**person, "borough": incident.borough, "cohort_reason": reason}
    try:
        youth = add_youth(principal=principal, data=data, now=now)
    except ValidationFailed as error:
        # The cohort names its own fields; the caller sent them inside `new_youth`.
        errors = {f"new_youth.{k}": v for k, v in (error.errors or {}).items()}
        raise ValidationFailed(error.detail, errors=errors or None) from error
    except LikelyDuplicate as refused:
        # The incident is left unchanged; the record the 409 names is audited as seen.
        report_duplicate(
            refused, principal=principal, now=now, via="incident", via_ids=[incident.id]
        )
        raise
    return youth.id


def _check_linkable(
    principal: Principal, incident: Incident, youth_id: int, *, now: datetime
) -> None:
    stmt = sa.select(Youth.id).where(Youth.id == youth_id, Youth.borough == incident.borough)
    if db.session.scalar(visible_youths(stmt, principal)) is None:
        raise ValidationFailed.field("youth_id", NOT_IN_BOROUGH)
    current = next((p for p in incident.involvements if p.youth_id == youth_id), None)
    if current is not None:
        refused = Conflict(
            f"This young person is already linked to the incident as {current.role}; "
            "change the role with PATCH.",
            errors={"youth_id": [f"Already linked as {current.role}."]},
        )
        # The answer tells the child's role in the incident, a read of their data: as
        # for a likely duplicate, nothing asked for is kept and that read is committed.
        incident_id = incident.id
        db.session.rollback()
        record_youths("youths_shown", [youth_id], via="incident", via_ids=[incident_id], now=now)
        db.session.commit()
        raise refused


def add_involvement(
    *, principal: Principal, incident_id: int, data: dict[str, Any], now: datetime
) -> Incident:
    """Link a cohort member, or someone new who joins the cohort now, with their role."""
    incident = get_visible_incident(principal, incident_id, for_update=True)
    role = InvolvementRole(data["role"])
    reason = None
    if "new_youth" in data:
        reason = confirmed_reason(role, data)
        # The new record and the link are one transaction: both are saved, or neither.
        youth_id = _join_cohort(principal, incident, data["new_youth"], reason, now)
    else:
        youth_id = data["youth_id"]
        _check_linkable(principal, incident, youth_id, now=now)
    incident.involvements.append(Involvement(youth_id=youth_id, role=role))
    incident.updated_at = now
    db.session.flush()
    audit.record(
        "incident_involvement_added",
        record_type="incident",
        record_id=incident.id,
        now=now,
        details={
            "youth_id": youth_id,
            "role": str(role),
            "joined_cohort": reason is not None,
            "cohort_reason": reason,
            "reason_differs_from_role": reason is not None
            and reason != SUGGESTED_COHORT_REASON[role],
        },
    )
    record_youths(
        "youths_linked",
        [p.youth_id for p in incident.involvements],
        via="incident",
        via_ids=[incident.id],
        now=now,
    )
    db.session.commit()
    return incident
