"""Who may call each PVS route: senior officers manage, officers read and update their own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sywc import clock
from sywc.pvs.models import PvsMeeting
from tests.incidents.helpers import (
    ROLES,
    add_action,
    add_incident,
    add_meeting,
    add_youth,
    check_matrix,
    iso,
    version_of,
)

OFFICERS = {"officer": 200, "senior_officer": 200}


@pytest.fixture
def accounts(make_user):
    return {role: make_user(role, "MPS") for role in ROLES}


@pytest.fixture
def world(app, accounts):
    officer, senior = accounts["officer"], accounts["senior_officer"]
    now = clock.utcnow()
    youth = add_youth(app)
    incident = add_incident(
        app,
        created_by_id=officer.id,
        youths=[(youth, "victim")],
        occurred_at=now - timedelta(days=2),
    )
    meeting = add_meeting(
        app, incident_id=incident, chair_id=senior.id, held_at=now - timedelta(days=1)
    )
    action = add_action(app, meeting_id=meeting, owner_id=officer.id)
    return {"incident": incident, "meeting": meeting, "action": action, "officer": officer}


def test_record_meeting(client, accounts, world):
    url = f"/api/v1/incidents/{world['incident']}/pvs-meetings"
    body = {"held_at": iso(clock.utcnow()), "chair_id": accounts["senior_officer"].id}
    check_matrix(
        client, accounts, lambda h: client.post(url, json=body, headers=h), {"senior_officer": 201}
    )


def test_list_meetings(client, accounts, world):
    check_matrix(
        client, accounts, lambda h: client.get("/api/v1/pvs-meetings", headers=h), OFFICERS
    )


def test_read_meeting(client, accounts, world):
    url = f"/api/v1/pvs-meetings/{world['meeting']}"
    check_matrix(client, accounts, lambda h: client.get(url, headers=h), OFFICERS)


def test_change_meeting(app, client, accounts, world):
    url = f"/api/v1/pvs-meetings/{world['meeting']}"

    def call(headers):
        current = version_of(app, PvsMeeting, world["meeting"])
        return client.patch(
            url, json={"decisions": "Changed"}, headers={**headers, "If-Match": current}
        )

    check_matrix(client, accounts, call, {"senior_officer": 200})


def test_add_action(client, accounts, world):
    url = f"/api/v1/pvs-meetings/{world['meeting']}/actions"
    body = {
        "description": "Engage",
        "owner_id": world["officer"].id,
        "due_on": clock.today().isoformat(),
        "type": "engage",
    }
    check_matrix(
        client, accounts, lambda h: client.post(url, json=body, headers=h), {"senior_officer": 201}
    )


def test_list_actions(client, accounts, world):
    check_matrix(
        client,
        accounts,
        lambda h: client.get("/api/v1/pvs-actions?owner=me", headers=h),
        OFFICERS,
    )


def test_read_action(client, accounts, world):
    url = f"/api/v1/pvs-actions/{world['action']}"
    check_matrix(client, accounts, lambda h: client.get(url, headers=h), OFFICERS)


def test_update_action(app, client, accounts, world):
    def call(headers):
        # A fresh open action each time: the owner (the officer) or a senior officer.
        action = add_action(app, meeting_id=world["meeting"], owner_id=world["officer"].id)
        return client.patch(
            f"/api/v1/pvs-actions/{action}",
            json={"status": "done", "completion_note": "Done"},
            headers={**headers, "If-Match": '"1"'},
        )

    check_matrix(client, accounts, call, OFFICERS)
