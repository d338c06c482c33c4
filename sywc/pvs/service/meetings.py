"""Use cases of PVS meetings: record one for an incident, list, read, change."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa

from sywc import clock
from sywc.audit import service as audit
from sywc.database import both_ways
from sywc.errors import ValidationFailed
from sywc.extensions import db
from sywc.http import Page, Versions, check_version, effective_changes, paginate
from sywc.incidents.people import check_people, record_youths, replace_people, roles_of
from sywc.incidents.policies import get_visible_incident
from sywc.pvs.models import PvsAction, PvsAttendee, PvsIndividual, PvsMeeting
from sywc.pvs.policies import get_visible_meeting, visible_meetings
from sywc.pvs.service.checks import (
    apply_messaging,
    build_action,
    check_chair,
    check_meeting_dates,
    load_users,
    messaging_columns,
)
from sywc.security import Principal

_TEXT_FIELDS = ("decisions", "safeguarding_concerns", "follow_up_on")
# The default, newest first, is the one the (borough, held_at) index serves.
SORTS = both_ways({"held_at": PvsMeeting.held_at}, PvsMeeting.id)


def _individual(youth_id: int, role: str) -> PvsIndividual:
    return PvsIndividual(youth_id=youth_id, role=role)


def _attendee_values(items: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(a["name"].strip(), a["agency"].strip(), a["role"]) for a in items]


def _attendees(items: list[dict[str, Any]]) -> list[PvsAttendee]:
    return [
        PvsAttendee(name=name, agency=agency, role=role)
        for name, agency, role in _attendee_values(items)
    ]


def create_meeting(
    *, principal: Principal, incident_id: int, data: dict[str, Any], now: datetime
) -> PvsMeeting:
    """Record a meeting held about an incident, with the actions it agreed."""
    # Locked like a change of the incident, so a time it is being moved to meanwhile is
    # the one the meeting is checked against, and that change sees this meeting.
    incident = get_visible_incident(principal, incident_id, for_update=True)
    check_meeting_dates(
        incident=incident, held_at=data["held_at"], follow_up_on=data.get("follow_up_on"), now=now
    )
    check_chair(data["chair_id"], incident.borough)
    people = data.get("individuals", [])
    check_people(principal=principal, borough=incident.borough, items=people, field="individuals")
    meeting = PvsMeeting(
        incident_id=incident.id,
        borough=incident.borough,
        held_at=data["held_at"],
        chair_id=data["chair_id"],
        **{key: data.get(key) for key in _TEXT_FIELDS},
        community_meeting_needed=False,
        created_by_id=principal.id,
        created_at=now,
        updated_at=now,
        attendees=_attendees(data.get("attendees", [])),
        individuals=[_individual(p["youth_id"], p["role"]) for p in people],
    )
    apply_messaging(meeting, data.get("community_messaging", {}))
    agreed = data.get("actions", [])
    owners = load_users(a["owner_id"] for a in agreed)
    for n, item in enumerate(agreed):
        meeting.actions.append(
            build_action(
                meeting=meeting,
                data=item,
                owners=owners,
                principal=principal,
                now=now,
                prefix=f"actions.{n}.",
            )
        )
    db.session.add(meeting)
    db.session.flush()
    _record_created(meeting, now=now)
    db.session.commit()
    return meeting


def _record_created(meeting: PvsMeeting, *, now: datetime) -> None:
    action_ids = [a.id for a in meeting.actions]
    audit.record(
        "pvs_meeting_created",
        record_type="pvs_meeting",
        record_id=meeting.id,
        now=now,
        details={
            "incident_id": meeting.incident_id,
            "chair_id": meeting.chair_id,
            "individuals": roles_of(meeting.individuals),
            "attendees": len(meeting.attendees),
            "action_ids": action_ids,
        },
    )
    if action_ids:
        audit.record(
            "pvs_action_created",
            record_type="pvs_action",
            record_ids=action_ids,
            now=now,
            details={"meeting_id": meeting.id},
        )
    record_youths(
        "youths_linked",
        [p.youth_id for p in meeting.individuals],
        via="pvs_meeting",
        via_ids=[meeting.id],
        now=now,
    )


def list_meetings(
    *, principal: Principal, filters: dict[str, Any], page: int, limit: int, now: datetime
) -> Page:
    """List the meetings of the caller's boroughs, newest first unless sorted otherwise;
    the page is audited."""
    sort = filters.pop("sort", "-held_at")
    stmt = visible_meetings(sa.select(PvsMeeting), principal)
    for key in ("incident_id", "borough"):
        if key in filters:
            stmt = stmt.where(getattr(PvsMeeting, key) == filters[key])
    if "from_" in filters:
        stmt = stmt.where(PvsMeeting.held_at >= filters["from_"])
    if "to" in filters:
        stmt = stmt.where(PvsMeeting.held_at <= filters["to"])
    result = paginate(db.session, stmt.order_by(*SORTS[sort]), page=page, limit=limit)
    ids = [m.id for m in result.items]
    audit.record(
        "pvs_meetings_listed",
        record_type="pvs_meeting",
        record_ids=ids,
        now=now,
        details={"sort": sort},
    )
    youth_ids = [p.youth_id for m in result.items for p in m.individuals]
    record_youths("youths_shown", youth_ids, via="pvs_meeting", via_ids=ids, now=now)
    db.session.commit()
    return result


def get_meeting(*, principal: Principal, meeting_id: int, now: datetime) -> PvsMeeting:
    """Read one meeting with its people and actions; the read is audited."""
    meeting = get_visible_meeting(principal, meeting_id)
    _record_view(meeting, now=now)
    db.session.commit()
    return meeting


def _record_view(
    meeting: PvsMeeting, *, now: datetime, details: dict[str, Any] | None = None
) -> None:
    """Queue the events of a read of the meeting and of the young people it names."""
    audit.record(
        "pvs_meeting_viewed",
        record_type="pvs_meeting",
        record_id=meeting.id,
        now=now,
        details=details,
    )
    record_youths(
        "youths_shown",
        [p.youth_id for p in meeting.individuals],
        via="pvs_meeting",
        via_ids=[meeting.id],
        now=now,
    )


def _unchanged(meeting: PvsMeeting, name: str, value: Any) -> bool:
    """Tell whether a PATCH value is what the meeting holds, normalised as it is stored.

    Attendees are a list in the order given; the individuals are people in any order;
    community messaging is unchanged when every member given is.
    """
    if name == "attendees":
        stored = [(a.name, a.agency, a.role) for a in meeting.attendees]
        return _attendee_values(value) == stored
    if name == "individuals":
        given = sorted((p["youth_id"], p["role"]) for p in value)
        return given == sorted((p.youth_id, p.role) for p in meeting.individuals)
    if name == "community_messaging":
        columns = messaging_columns(value)
        return all(getattr(meeting, column) == v for column, v in columns.items())
    return bool(value == getattr(meeting, name))


def _check_not_after_actions(meeting: PvsMeeting, held_at: datetime) -> None:
    # Every action's due date was agreed at the meeting, a done or cancelled one's too:
    # a meeting moved past one would have agreed an action already due when it sat.
    first_due = db.session.scalar(
        sa.select(sa.func.min(PvsAction.due_on)).where(PvsAction.meeting_id == meeting.id)
    )
    if first_due is not None and clock.business_date(held_at) > first_due:
        raise ValidationFailed.field(
            "held_at",
            f"An action agreed at this meeting is due on {first_due.isoformat()}, "
            "before that date.",
        )


def update_meeting(
    *,
    principal: Principal,
    meeting_id: int,
    changes: dict[str, Any],
    expected_version: int | Versions,
    now: datetime,
) -> PvsMeeting:
    """Change a meeting (If-Match); given lists replace the current ones."""
    meeting = get_visible_meeting(principal, meeting_id, for_update=True)
    check_version(meeting.version, expected_version)
    named, changes = sorted(changes), effective_changes(changes, partial(_unchanged, meeting))
    if not changes:
        # Nothing to store: the version stays, and the answer is audited as a read.
        _record_view(meeting, now=now, details={"unchanged": named})
        db.session.commit()
        return meeting
    # Locked, as a change of the incident locks it: neither can move past the other unseen.
    incident = get_visible_incident(principal, meeting.incident_id, for_update=True)
    held_at = changes.get("held_at", meeting.held_at)
    follow_up_on = changes.get("follow_up_on", meeting.follow_up_on)
    check_meeting_dates(incident=incident, held_at=held_at, follow_up_on=follow_up_on, now=now)
    if "held_at" in changes:
        _check_not_after_actions(meeting, held_at)
    if "chair_id" in changes:
        check_chair(changes["chair_id"], meeting.borough)
    diff = None
    if "individuals" in changes:
        people = changes["individuals"]
        check_people(
            principal=principal, borough=meeting.borough, items=people, field="individuals"
        )
        diff = replace_people(meeting.individuals, people, _individual)
    if "attendees" in changes:
        meeting.attendees = _attendees(changes["attendees"])
    for key in ("held_at", "chair_id", *_TEXT_FIELDS):
        if key in changes:
            setattr(meeting, key, changes[key])
    apply_messaging(meeting, changes.get("community_messaging", {}))
    meeting.updated_at = now  # also bumps the version when only the lists changed
    db.session.flush()
    details: dict[str, Any] = {"changed": sorted(changes)}
    if diff is not None:
        details["individuals"] = diff
    audit.record(
        "pvs_meeting_updated",
        record_type="pvs_meeting",
        record_id=meeting.id,
        now=now,
        details=details,
    )
    changed = bool(diff and any(diff.values()))
    ids = [p.youth_id for p in meeting.individuals] + (diff["removed"] if diff else [])
    record_youths(
        "youths_linked" if changed else "youths_shown",
        ids,
        via="pvs_meeting",
        via_ids=[meeting.id],
        now=now,
    )
    db.session.commit()
    return meeting
