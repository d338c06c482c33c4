"""PVS meetings for an incident, and the actions they agree, with an officer's action list."""

from __future__ import annotations

from typing import Any

from sywc import clock
from sywc.http import ETAG_HEADER, etag, if_match_version, page_schema, paged
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission
from sywc.pvs.schemas import (
    ActionCreateSchema,
    ActionListArgs,
    ActionSchema,
    ActionUpdateSchema,
    MeetingCreateSchema,
    MeetingListArgs,
    MeetingSchema,
    MeetingUpdateSchema,
)
from sywc.pvs.service import actions, meetings
from sywc.security import current_principal

blp = SywcBlueprint(
    "pvs",
    __name__,
    url_prefix="/api/v1",
    description="Partnership Violence Suppression meetings and actions",
)
MeetingPage = page_schema(MeetingSchema, "PvsMeetingPage")
ActionPage = page_schema(ActionSchema, "PvsActionPage")


@blp.route("/incidents/<int:incident_id>/pvs-meetings", methods=["POST"])
@blp.permission(Permission.PVS_MANAGE)
@blp.arguments(MeetingCreateSchema)
@blp.response(201, MeetingSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def create_meeting(body: dict[str, Any], incident_id: int) -> Any:
    """Record a PVS meeting held about an incident, with the actions it agreed."""
    meeting = meetings.create_meeting(
        principal=current_principal(), incident_id=incident_id, data=body, now=clock.utcnow()
    )
    return meeting, 201, etag(meeting.version)


@blp.route("/pvs-meetings", methods=["GET"])
@blp.permission(Permission.PVS_READ)
@blp.arguments(MeetingListArgs, location="query", as_kwargs=True)
@blp.response(200, MeetingPage)
def list_meetings(page: int, limit: int, **filters: Any) -> Any:
    """List PVS meetings, newest first (filters: incident_id, borough, from, to; `sort`)."""
    return paged(
        meetings.list_meetings(
            principal=current_principal(),
            filters=filters,
            page=page,
            limit=limit,
            now=clock.utcnow(),
        )
    )


@blp.route("/pvs-meetings/<int:meeting_id>", methods=["GET"])
@blp.permission(Permission.PVS_READ)
@blp.response(200, MeetingSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def get_meeting(meeting_id: int) -> Any:
    """Read a PVS meeting with its attendees, individuals and actions."""
    meeting = meetings.get_meeting(
        principal=current_principal(), meeting_id=meeting_id, now=clock.utcnow()
    )
    return meeting, 200, etag(meeting.version)


@blp.route("/pvs-meetings/<int:meeting_id>", methods=["PATCH"])
@blp.permission(Permission.PVS_MANAGE)
@blp.conditional_update(MeetingUpdateSchema, MeetingSchema)
def update_meeting(body: dict[str, Any], meeting_id: int) -> Any:
    """Change a PVS meeting (If-Match): given lists replace the current ones."""
    meeting = meetings.update_meeting(
        principal=current_principal(),
        meeting_id=meeting_id,
        changes=body,
        expected_version=if_match_version(),
        now=clock.utcnow(),
    )
    return meeting, 200, etag(meeting.version)


@blp.route("/pvs-meetings/<int:meeting_id>/actions", methods=["POST"])
@blp.permission(Permission.PVS_MANAGE)
@blp.arguments(ActionCreateSchema)
@blp.response(201, ActionSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def create_action(body: dict[str, Any], meeting_id: int) -> Any:
    """Add an action agreed at a meeting: owner, due date, type."""
    action = actions.create_action(
        principal=current_principal(), meeting_id=meeting_id, data=body, now=clock.utcnow()
    )
    return action, 201, etag(action.version)


@blp.route("/pvs-actions", methods=["GET"])
@blp.permission(Permission.PVS_READ)
@blp.arguments(ActionListArgs, location="query", as_kwargs=True)
@blp.response(200, ActionPage)
def list_actions(page: int, limit: int, **filters: Any) -> Any:
    """List PVS actions, soonest due first (filters: owner=me, status, overdue, ...; `sort`)."""
    return paged(
        actions.list_actions(
            principal=current_principal(),
            filters=filters,
            page=page,
            limit=limit,
            now=clock.utcnow(),
        )
    )


@blp.route("/pvs-actions/<int:action_id>", methods=["GET"])
@blp.permission(Permission.PVS_READ)
@blp.response(200, ActionSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def get_action(action_id: int) -> Any:
    """Read a PVS action."""
    action = actions.get_action(
        principal=current_principal(), action_id=action_id, now=clock.utcnow()
    )
    return action, 200, etag(action.version)


@blp.route("/pvs-actions/<int:action_id>", methods=["PATCH"])
@blp.permission(Permission.PVS_ACTIONS_UPDATE)
@blp.conditional_update(ActionUpdateSchema, ActionSchema)
@blp.alt_response(409, response="CONFLICT")
def update_action(body: dict[str, Any], action_id: int) -> Any:
    """Mark an action done (completion_note) or cancelled (reason); owner or senior officer."""
    action = actions.update_action(
        principal=current_principal(),
        action_id=action_id,
        changes=body,
        expected_version=if_match_version(),
        now=clock.utcnow(),
    )
    return action, 200, etag(action.version)
