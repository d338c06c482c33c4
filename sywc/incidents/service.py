"""Use cases for incidents: record, list, read and change, with the people involved."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa

from config.reference import ward_codes
from sywc.audit import service as audit
from sywc.database import both_ways
from sywc.errors import PermissionDenied, ValidationFailed
from sywc.extensions import db
from sywc.http import Page, Versions, check_version, effective_changes, paginate
from sywc.incidents.models import Incident, Involvement
from sywc.incidents.people import check_people, record_youths, replace_people, roles_of
from sywc.incidents.policies import get_visible_incident, visible_incidents
from sywc.pvs.models import PvsMeeting
from sywc.security import Principal

_TEXT_FIELDS = ("type", "location", "summary")
# The default, newest first, is the one the (borough, occurred_at) index serves.
SORTS = both_ways(
    {"occurred_at": Incident.occurred_at, "created_at": Incident.created_at}, Incident.id
)


def _check_ward(borough: str, ward: str) -> None:
    if ward not in ward_codes(borough):
        raise ValidationFailed.field("ward", f"Not a ward of {borough}.")


def _check_occurred_at(occurred_at: datetime, *, now: datetime) -> None:
    if occurred_at > now:
        raise ValidationFailed.field("occurred_at", "An incident cannot be in the future.")


def create_incident(*, principal: Principal, data: dict[str, Any], now: datetime) -> Incident:
    """Record an incident and the young people involved, each with the role given."""
    if data["borough"] not in principal.boroughs:
        # Authenticated but not allowed, as for a new cohort record or referral: a 403.
        raise PermissionDenied(
            "You do not work in this borough.",
            errors={"borough": [f"Allowed: {', '.join(sorted(principal.boroughs))}."]},
        )
    _check_ward(data["borough"], data["ward"])
    _check_occurred_at(data["occurred_at"], now=now)
    people = data["involvements"]
    check_people(principal=principal, borough=data["borough"], items=people, field="involvements")
    incident = Incident(
        **{key: data[key] for key in ("borough", "occurred_at", "ward", *_TEXT_FIELDS)},
        created_by_id=principal.id,
        created_at=now,
        updated_at=now,
        involvements=[Involvement(youth_id=p["youth_id"], role=p["role"]) for p in people],
    )
    db.session.add(incident)
    db.session.flush()
    audit.record(
        "incident_created",
        record_type="incident",
        record_id=incident.id,
        now=now,
        details={
            "borough": incident.borough,
            "ward": incident.ward,
            "type": incident.type,
            "involvements": roles_of(incident.involvements),
        },
    )
    record_youths(
        "youths_linked",
        [p["youth_id"] for p in people],
        via="incident",
        via_ids=[incident.id],
        now=now,
    )
    db.session.commit()
    return incident


def list_incidents(
    *, principal: Principal, filters: dict[str, Any], page: int, limit: int, now: datetime
) -> Page:
    """List the incidents of the caller's boroughs, newest first unless sorted otherwise;
    the page is audited."""
    sort = filters.pop("sort", "-occurred_at")
    stmt = visible_incidents(sa.select(Incident), principal)
    for key in ("borough", "ward", "type"):
        if key in filters:
            stmt = stmt.where(getattr(Incident, key) == filters[key])
    if "from_" in filters:
        stmt = stmt.where(Incident.occurred_at >= filters["from_"])
    if "to" in filters:
        stmt = stmt.where(Incident.occurred_at <= filters["to"])
    result = paginate(db.session, stmt.order_by(*SORTS[sort]), page=page, limit=limit)
    ids = [incident.id for incident in result.items]
    audit.record(
        "incidents_listed",
        record_type="incident",
        record_ids=ids,
        now=now,
        details={"sort": sort},
    )
    youth_ids = [p.youth_id for incident in result.items for p in incident.involvements]
    record_youths("youths_shown", youth_ids, via="incident", via_ids=ids, now=now)
    db.session.commit()
    return result


def get_incident(*, principal: Principal, incident_id: int, now: datetime) -> Incident:
    """Read one incident with the people involved; the read is audited."""
    incident = get_visible_incident(principal, incident_id)
    _record_view(incident, now=now)
    db.session.commit()
    return incident


def _record_view(
    incident: Incident, *, now: datetime, details: dict[str, Any] | None = None
) -> None:
    """Queue the events of a read of the incident and of the young people it names."""
    audit.record(
        "incident_viewed",
        record_type="incident",
        record_id=incident.id,
        now=now,
        details=details,
    )
    record_youths(
        "youths_shown",
        [p.youth_id for p in incident.involvements],
        via="incident",
        via_ids=[incident.id],
        now=now,
    )


def _unchanged(incident: Incident, name: str, value: Any) -> bool:
    """Tell whether a PATCH value is what the incident holds (people in any order)."""
    if name == "involvements":
        given = sorted((p["youth_id"], p["role"]) for p in value)
        return given == sorted((p.youth_id, p.role) for p in incident.involvements)
    return bool(value == getattr(incident, name))


def _check_not_after_meetings(incident: Incident, occurred_at: datetime) -> None:
    first_meeting = db.session.scalar(
        sa.select(sa.func.min(PvsMeeting.held_at)).where(PvsMeeting.incident_id == incident.id)
    )
    if first_meeting is not None and occurred_at > first_meeting:
        raise ValidationFailed.field(
            "occurred_at", "A PVS meeting about this incident was held before that time."
        )


def update_incident(
    *,
    principal: Principal,
    incident_id: int,
    changes: dict[str, Any],
    expected_version: int | Versions,
    now: datetime,
) -> Incident:
    """Change an incident (If-Match); a given `involvements` list replaces the current one."""
    incident = get_visible_incident(principal, incident_id, for_update=True)
    check_version(incident.version, expected_version)
    named, changes = sorted(changes), effective_changes(changes, partial(_unchanged, incident))
    if not changes:
        # Nothing to store: the version stays, and the answer is audited as a read.
        _record_view(incident, now=now, details={"unchanged": named})
        db.session.commit()
        return incident
    if "ward" in changes:
        _check_ward(incident.borough, changes["ward"])
    if "occurred_at" in changes:
        _check_occurred_at(changes["occurred_at"], now=now)
        _check_not_after_meetings(incident, changes["occurred_at"])
    diff = None
    if "involvements" in changes:
        people = changes["involvements"]
        check_people(
            principal=principal, borough=incident.borough, items=people, field="involvements"
        )
        diff = replace_people(incident.involvements, people, _involvement)
    for key in ("occurred_at", "ward", *_TEXT_FIELDS):
        if key in changes:
            setattr(incident, key, changes[key])
    incident.updated_at = now  # also bumps the version when only the people changed
    db.session.flush()
    details: dict[str, Any] = {"changed": sorted(changes)}
    if diff is not None:
        details["involvements"] = diff
    audit.record(
        "incident_updated", record_type="incident", record_id=incident.id, now=now, details=details
    )
    _record_people(incident, diff, now=now)
    db.session.commit()
    return incident


def _involvement(youth_id: int, role: str) -> Involvement:
    return Involvement(youth_id=youth_id, role=role)


def _record_people(incident: Incident, diff: dict[str, list[Any]] | None, *, now: datetime) -> None:
    # The response names everyone still involved; the removed were part of the change.
    changed = bool(diff and any(diff.values()))
    ids = [p.youth_id for p in incident.involvements] + (diff["removed"] if diff else [])
    action = "youths_linked" if changed else "youths_shown"
    record_youths(action, ids, via="incident", via_ids=[incident.id], now=now)
