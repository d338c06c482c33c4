"""Rules a meeting and its actions must satisfy, shared by creation and change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sywc import clock
from sywc.errors import ValidationFailed
from sywc.extensions import db
from sywc.incidents.models import Incident
from sywc.permissions import AGENCY_ROLES, Role
from sywc.pvs.enums import ActionStatus
from sywc.pvs.models import PvsAction, PvsMeeting
from sywc.security import Principal
from sywc.users.models import User

MESSAGING_COLUMNS = {
    "holding_message": "holding_message",
    "community_meeting_needed": "community_meeting_needed",
    "delivered_by": "delivered_by",
    "location": "messaging_location",
}


def load_users(ids: Iterable[int]) -> dict[int, User]:
    """Load the named users in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))}


def _works_in(user: User | None, borough: str, roles: Iterable[str]) -> bool:
    return bool(user and user.active and user.role in roles and borough in user.boroughs)


# A PVS meeting is chaired by a senior police officer (the partnership's briefing: "chaired
# by a Police Senior Officer"); any senior officer may record it.
CHAIRING_AGENCY = "MPS"


def check_chair(chair_id: int, borough: str) -> None:
    """Refuse a chair who is not an active senior police officer of the borough."""
    # PVS meetings carry police powers (enforcement, disclosure): the police chair them.
    chair = load_users([chair_id]).get(chair_id)
    police = chair is not None and chair.agency == CHAIRING_AGENCY
    if not (police and _works_in(chair, borough, {Role.SENIOR_OFFICER})):
        raise ValidationFailed.field(
            "chair_id", "The chair must be an active senior police officer (MPS) of this borough."
        )


def check_meeting_dates(
    *, incident: Incident, held_at: datetime, follow_up_on: Any, now: datetime
) -> None:
    """Refuse a meeting in the future, before its incident, or followed up before it."""
    if held_at > now:
        raise ValidationFailed.field("held_at", "A meeting is recorded once it has been held.")
    if held_at < incident.occurred_at:
        raise ValidationFailed.field("held_at", "The meeting cannot precede the incident.")
    if follow_up_on is not None and follow_up_on < clock.business_date(held_at):
        raise ValidationFailed.field("follow_up_on", "The follow-up cannot precede the meeting.")


def messaging_columns(messaging: dict[str, Any]) -> dict[str, Any]:
    """Return the columns the given community messaging members set, with their values."""
    values = {}
    for key, column in MESSAGING_COLUMNS.items():
        if key in messaging:
            value = messaging[key]
            if key == "community_meeting_needed" and value is None:
                value = False
            values[column] = value
    return values


def apply_messaging(meeting: PvsMeeting, messaging: dict[str, Any]) -> None:
    """Set the given community messaging members; members not given keep their value."""
    for column, value in messaging_columns(messaging).items():
        setattr(meeting, column, value)


def build_action(
    *,
    meeting: PvsMeeting,
    data: dict[str, Any],
    owners: dict[int, User],
    principal: Principal,
    now: datetime,
    prefix: str = "",
) -> PvsAction:
    """Check one agreed action against its meeting and owner; return it, unsaved."""
    owner = owners.get(data["owner_id"])
    if not _works_in(owner, meeting.borough, AGENCY_ROLES):
        raise ValidationFailed.field(
            f"{prefix}owner_id", "The owner must be an active officer of this borough."
        )
    assert owner is not None
    # The agency answers for the action through its officer: a different one would
    # make the action's agency and its owner disagree in the follow-up and the figures.
    agency = data.get("agency", owner.agency)
    if agency != owner.agency:
        raise ValidationFailed.field(f"{prefix}agency", "Must be the owner's agency.")
    if data["due_on"] < clock.business_date(meeting.held_at):
        raise ValidationFailed.field(f"{prefix}due_on", "Cannot be due before the meeting.")
    return PvsAction(
        borough=meeting.borough,
        description=data["description"],
        type=data["type"],
        owner_id=owner.id,
        agency=agency,
        due_on=data["due_on"],
        status=ActionStatus.OPEN,
        created_by_id=principal.id,
        created_at=now,
        updated_at=now,
    )
