"""From an incident to a PVS meeting to each owner's actions, through the API alone."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from sywc import clock
from sywc.alerts.models import Alert
from sywc.extensions import db
from tests.conftest import audit_actions
from tests.incidents.helpers import add_youth, iso


def _open_alert(app, action_id, owner_id):
    with app.app_context():
        db.session.add(
            Alert(
                type="pvs_action_overdue",
                subject_type="pvs_action",
                subject_id=action_id,
                borough="WCC",
                agency="IGXU",
                owner_id=owner_id,
                due_on=clock.today() - timedelta(days=1),
                status="open",
                opened_at=clock.utcnow(),
            )
        )
        db.session.commit()


def test_incident_meeting_actions_flow(app, client, officer, senior, make_user):
    igxu = make_user("officer", "IGXU")
    victim, suspect = add_youth(app, cohort_reason="victim"), add_youth(app)
    now = clock.utcnow()

    incident = client.post(
        "/api/v1/incidents",
        json={
            "borough": "WCC",
            "occurred_at": iso(now - timedelta(hours=20)),
            "type": "stabbing",
            "ward": "harrow_road",
            "location": "Bus stop on Harrow Road",
            "summary": "Stabbing after school; one victim, one suspect identified.",
            "involvements": [
                {"youth_id": victim, "role": "victim"},
                {"youth_id": suspect, "role": "suspect"},
            ],
        },
        headers=officer.headers,
    )
    assert incident.status_code == 201, incident.get_json()
    incident_id = incident.get_json()["id"]

    held = now - timedelta(hours=1)
    meeting = client.post(
        f"/api/v1/incidents/{incident_id}/pvs-meetings",
        json={
            "held_at": iso(held),
            "chair_id": senior.id,
            "attendees": [
                {"name": "DI Example", "agency": "MPS", "role": "chair"},
                {"name": "Head of Year", "agency": "Westminster Academy", "role": "school"},
            ],
            "individuals": [
                {"youth_id": victim, "role": "victim"},
                {"youth_id": suspect, "role": "suspect"},
            ],
            "decisions": "Safety plan for the victim; targeted patrols.",
            "safeguarding_concerns": "Retaliation risk.",
            "community_messaging": {
                "holding_message": "Police are aware and patrols are increased.",
                "community_meeting_needed": True,
                "delivered_by": "Safer Neighbourhood Team",
                "location": "Harrow Road community centre",
            },
            "follow_up_on": (held + timedelta(days=7)).date().isoformat(),
            "actions": [
                {
                    "description": "Visit the victim's family",
                    "owner_id": igxu.id,
                    "due_on": (held + timedelta(days=2)).date().isoformat(),
                    "type": "safeguard",
                }
            ],
        },
        headers=senior.headers,
    )
    assert meeting.status_code == 201, meeting.get_json()
    body = meeting.get_json()
    meeting_id = body["id"]
    assert body["incident_id"] == incident_id
    assert body["community_messaging"]["community_meeting_needed"] is True
    assert body["community_messaging"]["location"] == "Harrow Road community centre"
    assert [(a["agency"], a["role"]) for a in body["attendees"]] == [
        ("MPS", "chair"),
        ("Westminster Academy", "school"),
    ]
    assert [(p["youth_id"], p["role"]) for p in body["individuals"]] == [
        (victim, "victim"),
        (suspect, "suspect"),
    ]
    first_action = body["actions"][0]
    assert (first_action["owner_id"], first_action["agency"], first_action["status"]) == (
        igxu.id,
        "IGXU",
        "open",
    )

    second = client.post(
        f"/api/v1/pvs-meetings/{meeting_id}/actions",
        json={
            "description": "Disruption visit",
            "owner_id": officer.id,
            "due_on": (held + timedelta(days=1)).date().isoformat(),
            "type": "enforce",
        },
        headers=senior.headers,
    )
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["agency"] == "MPS"

    mine = client.get("/api/v1/pvs-actions?owner=me&status=open", headers=igxu.headers)
    assert [a["id"] for a in mine.get_json()["items"]] == [first_action["id"]]

    _open_alert(app, first_action["id"], igxu.id)
    listed_version = mine.get_json()["items"][0]["version"]
    done = client.patch(
        f"/api/v1/pvs-actions/{first_action['id']}",
        json={"status": "done", "completion_note": "Family visited; safety plan agreed."},
        headers={**igxu.headers, "If-Match": f'"{listed_version}"'},
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "done"
    assert done.get_json()["completed_at"] is not None
    with app.app_context():
        alert = db.session.scalar(sa.select(Alert))
        assert (alert.status, alert.resolution) == ("resolved", "done")
    assert (
        client.get("/api/v1/pvs-actions?owner=me&status=open", headers=igxu.headers).get_json()[
            "items"
        ]
        == []
    )

    full = client.get(f"/api/v1/pvs-meetings/{meeting_id}", headers=officer.headers).get_json()
    assert [a["status"] for a in full["actions"]] == ["done", "open"]

    timeline = client.get(f"/api/v1/youths/{victim}/timeline", headers=officer.headers)
    assert [(i["kind"], i["role"]) for i in timeline.get_json()["items"]] == [
        ("pvs_meeting", "victim"),
        ("incident", "victim"),
    ]
    actions = [
        e.action
        for e in audit_actions(app)
        if e.record_type in ("incident", "pvs_meeting", "pvs_action")
    ]
    assert actions[:4] == [
        "incident_created",
        "pvs_meeting_created",
        "pvs_action_created",
        "pvs_action_created",
    ]
    assert "pvs_action_done" in actions
