"""Who may see PVS meetings and actions, and who may update an action.

Meetings and actions belong to the incident's borough: officers of that borough see them.
An action is updated by its owner, or by a senior officer (who chairs and follows up).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sywc.errors import NotFound, PermissionDenied
from sywc.extensions import db
from sywc.pvs.models import PvsAction, PvsMeeting
from sywc.security import Principal


def visible_meetings(stmt: sa.Select[Any], principal: Principal) -> sa.Select[Any]:
    """Restrict a query over meetings to the caller's boroughs (applied before paging)."""
    return stmt.where(PvsMeeting.borough.in_(sorted(principal.boroughs)))


def visible_actions(stmt: sa.Select[Any], principal: Principal) -> sa.Select[Any]:
    """Restrict a query over actions to the caller's boroughs (applied before paging)."""
    return stmt.where(PvsAction.borough.in_(sorted(principal.boroughs)))


def get_visible_meeting(
    principal: Principal, meeting_id: int, *, for_update: bool = False
) -> PvsMeeting:
    """Load a meeting the caller may see; anyone else's is simply not found."""
    stmt = visible_meetings(sa.select(PvsMeeting).where(PvsMeeting.id == meeting_id), principal)
    if for_update:
        stmt = stmt.with_for_update(of=PvsMeeting).execution_options(populate_existing=True)
    meeting = db.session.scalar(stmt)
    if meeting is None:
        raise NotFound("No such PVS meeting.")
    return meeting


def get_visible_action(
    principal: Principal, action_id: int, *, for_update: bool = False
) -> PvsAction:
    """Load an action the caller may see; anyone else's is simply not found."""
    stmt = visible_actions(sa.select(PvsAction).where(PvsAction.id == action_id), principal)
    if for_update:
        stmt = stmt.with_for_update(of=PvsAction).execution_options(populate_existing=True)
    action = db.session.scalar(stmt)
    if action is None:
        raise NotFound("No such PVS action.")
    return action


def ensure_can_update_action(principal: Principal, action: PvsAction) -> None:
    """Let the owner or a senior officer update an action; others who can see it may not."""
    if action.owner_id != principal.id and not principal.is_senior:
        raise PermissionDenied("Only the action's owner or a senior officer may update it.")
