"""Use cases of PVS actions: agree one, list (an officer's worklist), read, finish or cancel."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from sywc import clock
from sywc.alerts.resolve import resolve_alerts
from sywc.audit import service as audit
from sywc.database import both_ways
from sywc.errors import Conflict
from sywc.extensions import db
from sywc.http import Page, Versions, check_version, paginate
from sywc.pvs.enums import FINAL_STATUSES, ActionStatus
from sywc.pvs.models import PvsAction, PvsMeeting
from sywc.pvs.policies import (
    ensure_can_update_action,
    get_visible_action,
    get_visible_meeting,
    visible_actions,
)
from sywc.pvs.service.checks import build_action, load_users
from sywc.security import Principal

OVERDUE_ALERT = "pvs_action_overdue"
# The default, soonest due first, is the one the (owner_id, status, due_on) and
# (status, due_on) indexes serve.
SORTS = both_ways({"due_on": PvsAction.due_on, "created_at": PvsAction.created_at}, PvsAction.id)


def create_action(
    *, principal: Principal, meeting_id: int, data: dict[str, Any], now: datetime
) -> PvsAction:
    """Add an action agreed at a meeting, owned by an officer of the meeting's borough."""
    meeting = get_visible_meeting(principal, meeting_id, for_update=True)
    action = build_action(
        meeting=meeting,
        data=data,
        owners=load_users([data["owner_id"]]),
        principal=principal,
        now=now,
    )
    meeting.actions.append(action)
    _touch(meeting, now=now)
    db.session.flush()
    audit.record(
        "pvs_action_created",
        record_type="pvs_action",
        record_id=action.id,
        now=now,
        details={
            "meeting_id": meeting.id,
            "owner_id": action.owner_id,
            "agency": action.agency,
            "type": action.type,
            "due_on": action.due_on.isoformat(),
        },
    )
    db.session.commit()
    return action


def _touch(meeting: PvsMeeting, *, now: datetime) -> None:
    """Mark the meeting changed, so that its version is bumped even at the same instant."""
    meeting.updated_at = now
    flag_modified(meeting, "updated_at")


def overdue_condition(today: date) -> sa.ColumnElement[bool]:
    """Open and past due: served by the (status, due_on) index, for lists and the scan."""
    return sa.and_(PvsAction.status == ActionStatus.OPEN, PvsAction.due_on < today)


def list_actions(
    *, principal: Principal, filters: dict[str, Any], page: int, limit: int, now: datetime
) -> Page:
    """List the actions of the caller's boroughs, soonest due first unless sorted
    otherwise; the page is audited."""
    sort = filters.pop("sort", "due_on")
    stmt = visible_actions(sa.select(PvsAction), principal)
    if "owner" in filters:
        owner = principal.id if filters["owner"] == "me" else int(filters["owner"])
        stmt = stmt.where(PvsAction.owner_id == owner)
    for key in ("status", "meeting_id", "agency", "borough"):
        if key in filters:
            stmt = stmt.where(getattr(PvsAction, key) == filters[key])
    if "overdue" in filters:
        overdue = overdue_condition(clock.business_date(now))
        stmt = stmt.where(overdue if filters["overdue"] else sa.not_(overdue))
    result = paginate(db.session, stmt.order_by(*SORTS[sort]), page=page, limit=limit)
    audit.record(
        "pvs_actions_listed",
        record_type="pvs_action",
        record_ids=[a.id for a in result.items],
        now=now,
        details={"filters": {k: str(v) for k, v in filters.items()}, "sort": sort},
    )
    db.session.commit()
    return result


def get_action(*, principal: Principal, action_id: int, now: datetime) -> PvsAction:
    """Read one action; the read is audited."""
    action = get_visible_action(principal, action_id)
    audit.record("pvs_action_viewed", record_type="pvs_action", record_id=action.id, now=now)
    db.session.commit()
    return action


def update_action(
    *,
    principal: Principal,
    action_id: int,
    changes: dict[str, Any],
    expected_version: int | Versions,
    now: datetime,
) -> PvsAction:
    """Mark an open action done (with a note) or cancelled (with a reason); both are final."""
    action = get_visible_action(principal, action_id, for_update=True)
    ensure_can_update_action(principal, action)
    if action.status in FINAL_STATUSES:
        raise Conflict(
            f"The action is already {action.status}; a finished action cannot change.",
            errors={"status": [f"Already {action.status}."]},
        )
    check_version(action.version, expected_version)
    # The meeting shows its actions, so its version (its ETag) moves with them. Locked
    # after the action: nothing locks a meeting's existing actions after the meeting.
    _touch(get_visible_meeting(principal, action.meeting_id, for_update=True), now=now)
    status = ActionStatus(changes["status"])
    action.status = status
    if status is ActionStatus.DONE:
        action.completion_note = changes["completion_note"].strip()
    else:
        action.cancel_reason = changes["reason"].strip()
    action.completed_at = now
    action.updated_at = now
    # The overdue alert goes in the same transaction, so no one chases a finished action.
    resolved = resolve_alerts(
        subject_type="pvs_action",
        subject_id=action.id,
        types=(OVERDUE_ALERT,),
        now=now,
        resolution=str(status),
        actor_id=principal.user_id,
    )
    db.session.flush()
    audit.record(
        f"pvs_action_{status}",
        record_type="pvs_action",
        record_id=action.id,
        now=now,
        details={
            "status": str(status),
            "on_time": clock.business_date(now) <= action.due_on,
            "alerts_resolved": resolved,
        },
    )
    db.session.commit()
    return action
