"""PVS meetings: recording one for an incident, the rules it must meet, reading, changing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.audit.models import AuditEvent
from sywc.extensions import db
from sywc.pvs.models import PvsAction, PvsAttendee, PvsIndividual, PvsMeeting
from sywc.users.service import deactivate_user
from tests.conftest import assert_problem, audit_actions
from tests.factories import at
from tests.incidents.helpers import add_action, add_incident, add_meeting, add_youth, count, iso


@pytest.fixture
def incident(app, officer):
    return add_incident(
        app, created_by_id=officer.id, occurred_at=clock.utcnow() - timedelta(days=2)
    )


def _body(chair_id, **overrides):
    body = {
        "held_at": iso(clock.utcnow() - timedelta(hours=3)),
        "chair_id": chair_id,
        "attendees": [{"name": "PC Example", "agency": "MPS", "role": "OIC"}],
        "decisions": "Patrols in the ward for a week.",
    }
    body.update(overrides)
    return body


def _post(client, incident_id, body, account):
    return client.post(
        f"/api/v1/incidents/{incident_id}/pvs-meetings", json=body, headers=account.headers
    )


def test_several_meetings_per_incident(app, client, senior, incident):
    first = _post(client, incident, _body(senior.id), senior)
    follow_up = _post(
        client,
        incident,
        _body(senior.id, held_at=iso(clock.utcnow() - timedelta(minutes=5))),
        senior,
    )
    assert (first.status_code, follow_up.status_code) == (201, 201)
    listed = client.get(f"/api/v1/pvs-meetings?incident_id={incident}", headers=senior.headers)
    assert [m["id"] for m in listed.get_json()["items"]] == [
        follow_up.get_json()["id"],
        first.get_json()["id"],
    ]
    created = audit_actions(app, action="pvs_meeting_created")
    assert [e.details["incident_id"] for e in created] == [incident, incident]


def test_messaging_defaults_when_not_given(client, senior, incident):
    body = _post(client, incident, _body(senior.id), senior).get_json()
    assert body["community_messaging"] == {
        "holding_message": None,
        "community_meeting_needed": False,
        "delivered_by": None,
        "location": None,
    }
    assert body["actions"] == []


def _bad_meetings(app, senior, officer, incident_id, make_user):
    other_senior = make_user("senior_officer", "MPS", boroughs=["RBKC"])
    gone = make_user("senior_officer", "MPS")
    council_senior = make_user("senior_officer", "CSC")
    with app.app_context():
        deactivate_user(username=gone.username, now=clock.utcnow())
    youth = add_youth(app)
    rbkc_youth = add_youth(app, borough="RBKC", ward="golborne")
    before_incident = iso(clock.utcnow() - timedelta(days=3))
    held = clock.utcnow() - timedelta(hours=3)
    return [
        ({"chair_id": officer.id}, "chair_id"),  # not a senior officer
        ({"chair_id": other_senior.id}, "chair_id"),  # not of this borough
        ({"chair_id": gone.id}, "chair_id"),  # deactivated
        ({"chair_id": council_senior.id}, "chair_id"),  # not the police
        ({"chair_id": 99999}, "chair_id"),
        ({"held_at": iso(clock.utcnow() + timedelta(hours=1))}, "held_at"),
        ({"held_at": before_incident}, "held_at"),
        ({"follow_up_on": (held - timedelta(days=1)).date().isoformat()}, "follow_up_on"),
        (
            {
                "individuals": [
                    {"youth_id": youth, "role": "victim"},
                    {"youth_id": youth, "role": "witness"},
                ]
            },
            "individuals",
        ),
        ({"individuals": [{"youth_id": youth, "role": "offender"}]}, "individuals.0.role"),
        ({"individuals": [{"youth_id": rbkc_youth, "role": "victim"}]}, "individuals.0.youth_id"),
        ({"attendees": [{"name": "No agency"}]}, "attendees.0.agency"),
        ({"attendees": [{"name": "   ", "agency": "MPS"}]}, "attendees.0.name"),
        ({"attendees": [{"name": "PC Example", "agency": " "}]}, "attendees.0.agency"),
        (
            {"community_messaging": {"holding_message": "x", "channel": "radio"}},
            "community_messaging.channel",
        ),
        (
            {
                "actions": [
                    {
                        "description": "x",
                        "owner_id": 99999,
                        "type": "engage",
                        "due_on": held.date().isoformat(),
                    }
                ]
            },
            "actions.0.owner_id",
        ),
        (
            {
                "actions": [
                    {
                        "description": "x",
                        "owner_id": officer.id,
                        "type": "engage",
                        "due_on": (held - timedelta(days=1)).date().isoformat(),
                    }
                ]
            },
            "actions.0.due_on",
        ),
    ]


def test_bad_meetings_are_refused_and_nothing_is_written(
    app, client, senior, officer, incident, make_user
):
    cases = _bad_meetings(app, senior, officer, incident, make_user)
    events = count(app, AuditEvent)
    for overrides, field in cases:
        body = {**_body(senior.id), **overrides}
        assert_problem(_post(client, incident, body, senior), 422, field)
    for model in (PvsMeeting, PvsAttendee, PvsIndividual, PvsAction):
        assert count(app, model) == 0
    assert count(app, AuditEvent) == events


def test_meeting_for_an_incident_elsewhere_is_not_found(app, client, make_user):
    rbkc = make_user("senior_officer", "MPS", boroughs=["RBKC"])
    wcc = make_user("senior_officer", "MPS", boroughs=["WCC"])
    incident = add_incident(app, created_by_id=rbkc.id, borough="RBKC", ward="golborne")
    assert_problem(_post(client, incident, _body(wcc.id), wcc), 404)
    meeting = add_meeting(app, incident_id=incident, chair_id=rbkc.id, borough="RBKC")
    assert_problem(client.get(f"/api/v1/pvs-meetings/{meeting}", headers=wcc.headers), 404)
    assert client.get("/api/v1/pvs-meetings", headers=wcc.headers).get_json()["items"] == []
    assert client.get(f"/api/v1/pvs-meetings/{meeting}", headers=rbkc.headers).status_code == 200


def test_read_is_audited_with_the_children_named(app, client, officer, senior, incident):
    youth = add_youth(app)
    meeting = _post(
        client,
        incident,
        _body(senior.id, individuals=[{"youth_id": youth, "role": "associate"}]),
        senior,
    ).get_json()
    response = client.get(f"/api/v1/pvs-meetings/{meeting['id']}", headers=officer.headers)
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{meeting["version"]}"'
    assert response.get_json()["individuals"][0]["role"] == "associate"
    viewed = audit_actions(app, action="pvs_meeting_viewed")
    assert viewed[0].record_id == str(meeting["id"])
    shown = audit_actions(app, action="youths_shown")
    assert shown[-1].record_ids == [str(youth)]
    assert shown[-1].actor_id == officer.id


def test_patch_replaces_lists_and_merges_messaging(app, client, senior, incident):
    a, b = add_youth(app), add_youth(app)
    created = _post(
        client,
        incident,
        _body(
            senior.id,
            individuals=[{"youth_id": a, "role": "victim"}],
            community_messaging={"holding_message": "Patrols increased", "delivered_by": "SNT"},
        ),
        senior,
    ).get_json()
    url = f"/api/v1/pvs-meetings/{created['id']}"
    response = client.patch(
        url,
        json={
            "individuals": [{"youth_id": b, "role": "suspect"}],
            "attendees": [],
            "community_messaging": {"community_meeting_needed": True},
        },
        headers={**senior.headers, "If-Match": f'"{created["version"]}"'},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == created["version"] + 1
    assert [(p["youth_id"], p["role"]) for p in body["individuals"]] == [(b, "suspect")]
    assert body["attendees"] == []
    assert body["community_messaging"] == {
        "holding_message": "Patrols increased",
        "community_meeting_needed": True,
        "delivered_by": "SNT",
        "location": None,
    }
    event = audit_actions(app, action="pvs_meeting_updated")[0]
    assert event.details["individuals"]["removed"] == [a]
    assert count(app, PvsAttendee) == 0


def _attendee_rows(app, meeting_id):
    with app.app_context():
        stmt = sa.select(PvsAttendee.id, PvsAttendee.name, PvsAttendee.agency).where(
            PvsAttendee.meeting_id == meeting_id
        )
        return sorted(tuple(row) for row in db.session.execute(stmt))


def test_an_unchanged_patch_keeps_the_version_and_the_rows(app, client, senior, incident):
    a, b = add_youth(app), add_youth(app)
    messaging = {"holding_message": "Patrols increased", "delivered_by": "SNT"}
    people = [{"youth_id": a, "role": "victim"}, {"youth_id": b, "role": "suspect"}]
    created = _post(
        client,
        incident,
        _body(senior.id, individuals=people, community_messaging=messaging),
        senior,
    ).get_json()
    url = f"/api/v1/pvs-meetings/{created['id']}"
    attendees = _attendee_rows(app, created["id"])
    body = {
        "chair_id": senior.id,
        "decisions": created["decisions"],
        # Names are stored trimmed; the people in another order are the same people.
        "attendees": [{"name": " PC Example ", "agency": "MPS", "role": "OIC"}],
        "individuals": list(reversed(people)),
        "community_messaging": {"delivered_by": "SNT", "community_meeting_needed": False},
    }
    response = client.patch(
        url, json=body, headers={**senior.headers, "If-Match": f'"{created["version"]}"'}
    )
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == f'"{created["version"]}"'
    assert response.get_json() == created
    assert _attendee_rows(app, created["id"]) == attendees
    with app.app_context():
        stored = db.session.get(PvsMeeting, created["id"])
        assert (stored.version, stored.updated_at.isoformat()) == (
            created["version"],
            created["updated_at"],
        )
    assert audit_actions(app, action="pvs_meeting_updated") == []
    [viewed] = audit_actions(app, action="pvs_meeting_viewed")
    assert (viewed.record_id, viewed.actor_id) == (str(created["id"]), senior.id)
    assert viewed.details == {"unchanged": sorted(body)}
    shown = audit_actions(app, action="youths_shown")[-1]
    assert sorted(int(i) for i in shown.record_ids) == sorted([a, b])
    # One member of the messaging that differs is a change of the messaging alone.
    changed = client.patch(
        url,
        json={**body, "community_messaging": {"delivered_by": "SNT", "location": "Hall"}},
        headers={**senior.headers, "If-Match": f'"{created["version"]}"'},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["version"] == created["version"] + 1
    assert changed.get_json()["community_messaging"]["location"] == "Hall"
    [updated] = audit_actions(app, action="pvs_meeting_updated")
    assert updated.details["changed"] == ["community_messaging"]
    assert _attendee_rows(app, created["id"]) == attendees


def test_patch_rules(app, client, senior, officer, incident, make_user):
    created = _post(client, incident, _body(senior.id), senior).get_json()
    url = f"/api/v1/pvs-meetings/{created['id']}"
    current = {**senior.headers, "If-Match": f'"{created["version"]}"'}
    assert_problem(client.patch(url, json={"decisions": "x"}, headers=senior.headers), 428)
    assert_problem(
        client.patch(url, json={"decisions": "x"}, headers={**senior.headers, "If-Match": '"9"'}),
        412,
    )
    assert_problem(
        client.patch(url, json={"chair_id": officer.id}, headers=current), 422, "chair_id"
    )
    for agency in ("CSC", "EARLY_HELP", "IGXU", "YOT", "MASH"):
        # The police chair a PVS meeting; a council senior officer attends or records it.
        council = make_user("senior_officer", agency)
        assert_problem(
            client.patch(url, json={"chair_id": council.id}, headers=current), 422, "chair_id"
        )
    future = iso(clock.utcnow() + timedelta(days=1))
    assert_problem(client.patch(url, json={"held_at": future}, headers=current), 422, "held_at")
    assert_problem(client.patch(url, json={"incident_id": 5}, headers=current), 422, "incident_id")
    assert_problem(client.patch(url, json={}, headers=current), 422, "_body")
    nothing = {"community_messaging": {}}
    assert_problem(
        client.patch(url, json=nothing, headers=current), 422, "community_messaging._body"
    )
    blank = [{"name": "  ", "agency": "MPS"}, {"name": "Ann Example", "agency": "\t"}]
    response = client.patch(url, json={"attendees": blank}, headers=current)
    body = assert_problem(response, 422, "attendees.0.name")
    assert "attendees.1.agency" in body["errors"]
    after = client.get(url, headers=senior.headers).get_json()
    assert (after["version"], after["chair_id"], after["decisions"], after["attendees"]) == (
        created["version"],
        senior.id,
        created["decisions"],
        created["attendees"],
    )
    assert audit_actions(app, action="pvs_meeting_updated") == []


def _agreed(app, senior, officer, *, status="open"):
    """A meeting held 20 days ago and an action it agreed, due 15 days ago."""
    now = clock.utcnow()
    incident = add_incident(app, created_by_id=officer.id, occurred_at=now - timedelta(days=30))
    meeting = add_meeting(
        app, incident_id=incident, chair_id=senior.id, held_at=now - timedelta(days=20)
    )
    due = (now - timedelta(days=15)).date()
    add_action(app, meeting_id=meeting, owner_id=officer.id, due_on=due, status=status)
    return f"/api/v1/pvs-meetings/{meeting}", due


@pytest.mark.parametrize("status", ["open", "done", "cancelled"])
def test_a_meeting_cannot_move_past_the_due_date_of_an_action_it_agreed(
    app, client, senior, officer, status
):
    url, due = _agreed(app, senior, officer, status=status)
    before = client.get(url, headers=senior.headers)
    current = {**senior.headers, "If-Match": before.headers["ETag"]}
    for moved in (at(due + timedelta(days=1), 0), clock.utcnow() - timedelta(hours=1)):
        response = client.patch(url, json={"held_at": iso(moved)}, headers=current)
        assert_problem(response, 422, "held_at")
    after = client.get(url, headers=senior.headers)
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.get_json()["held_at"] == before.get_json()["held_at"]
    assert audit_actions(app, action="pvs_meeting_updated") == []
    # Held on the day an action falls due is allowed, as when the action is agreed.
    same_day = client.patch(url, json={"held_at": iso(at(due, 23))}, headers=current)
    assert same_day.status_code == 200, same_day.get_json()


def test_meeting_list_sorts_by_when_held_with_ties_broken_by_id(
    app, client, officer, senior, incident
):
    held = clock.utcnow() - timedelta(hours=6)
    earlier = add_meeting(
        app, incident_id=incident, chair_id=senior.id, held_at=held - timedelta(hours=1)
    )
    tied, tied_later = (
        add_meeting(app, incident_id=incident, chair_id=senior.id, held_at=held) for _ in "ab"
    )

    def listed(query):
        response = client.get(f"/api/v1/pvs-meetings?{query}", headers=officer.headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert listed("") == [tied_later, tied, earlier]
    assert listed("sort=-held_at") == listed("")
    assert listed("sort=held_at") == [earlier, tied, tied_later]
    assert listed("sort=held_at&limit=1&page=3") == [tied_later]
    assert audit_actions(app, action="pvs_meetings_listed")[-1].details == {"sort": "held_at"}
    response = client.get("/api/v1/pvs-meetings?sort=chair_id", headers=officer.headers)
    assert_problem(response, 422, "sort")
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = spec["paths"]["/api/v1/pvs-meetings"]["get"]["parameters"]
    [sort] = [p for p in parameters if p["name"] == "sort"]
    assert (sort["schema"]["default"], sorted(sort["schema"]["enum"])) == (
        "-held_at",
        ["-held_at", "held_at"],
    )


def test_meeting_list_filters_and_constant_statements(
    app, client, officer, senior, incident, count_statements
):
    def cost(query):
        with count_statements() as counter:
            response = client.get(f"/api/v1/pvs-meetings?{query}", headers=officer.headers)
        assert response.status_code == 200
        return counter.beyond_totals, response.get_json()

    now = clock.utcnow()
    youth = add_youth(app)
    # Every meeting names the young person, so each page writes the same audit events.
    old = _post(
        client,
        incident,
        _body(
            senior.id,
            held_at=iso(now - timedelta(days=1, hours=12)),
            individuals=[{"youth_id": youth, "role": "witness"}],
        ),
        senior,
    ).get_json()["id"]
    add_action(app, meeting_id=old, owner_id=officer.id)
    small, body = cost("limit=200")
    assert body["total"] == 1
    for hours in range(1, 9):
        meeting = _post(
            client,
            incident,
            _body(
                senior.id,
                held_at=iso(now - timedelta(hours=hours)),
                individuals=[{"youth_id": youth, "role": "witness"}],
            ),
            senior,
        ).get_json()
        add_action(app, meeting_id=meeting["id"], owner_id=officer.id)
    large, body = cost("limit=200")
    assert body["total"] == 9
    assert small == large
    since = (now - timedelta(hours=24)).isoformat().replace("+00:00", "Z")
    recent = cost(f"from={since}")[1]
    assert old not in [m["id"] for m in recent["items"]]
    assert [m["id"] for m in cost(f"to={since}")[1]["items"]] == [old]
    assert cost("borough=RBKC")[1]["items"] == []
