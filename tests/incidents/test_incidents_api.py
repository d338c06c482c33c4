"""Incidents through the API: record, list, read, change, and the people involved."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.audit.models import AuditEvent
from sywc.extensions import db
from sywc.incidents.models import Incident, Involvement
from tests.conftest import assert_problem, audit_actions
from tests.incidents.helpers import add_incident, add_meeting, add_youth, count, iso


def _body(**overrides):
    body = {
        "borough": "WCC",
        "occurred_at": iso(clock.utcnow() - timedelta(hours=5)),
        "type": "stabbing",
        "ward": "church_street",
        "location": "Outside the market",
        "summary": "A 16-year-old was stabbed in the leg.",
        "involvements": [],
    }
    body.update(overrides)
    return body


def test_create_incident_records_people_with_their_roles(app, client, officer):
    victim, suspect = add_youth(app), add_youth(app, cohort_reason="perpetrator")
    response = client.post(
        "/api/v1/incidents",
        json=_body(
            involvements=[
                {"youth_id": victim, "role": "victim"},
                {"youth_id": suspect, "role": "suspect"},
            ]
        ),
        headers=officer.headers,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert body["borough"] == "WCC"
    assert body["created_by_id"] == officer.id
    assert [(p["youth_id"], p["role"]) for p in body["involvements"]] == [
        (victim, "victim"),
        (suspect, "suspect"),
    ]
    assert body["involvements"][0]["youth_reference"] == f"YP-{victim:06d}"
    created = audit_actions(app, action="incident_created")
    assert created[0].record_id == str(body["id"])
    assert created[0].details["involvements"] == [
        {"youth_id": victim, "role": "victim"},
        {"youth_id": suspect, "role": "suspect"},
    ]
    linked = audit_actions(app, action="youths_linked")
    assert linked[0].record_type == "youth"
    assert sorted(linked[0].record_ids) == sorted([str(victim), str(suspect)])


def test_get_incident_returns_roles_and_audits_the_children_shown(app, client, officer):
    youth = add_youth(app)
    incident = add_incident(app, created_by_id=officer.id, youths=[(youth, "witness")])
    response = client.get(f"/api/v1/incidents/{incident}", headers=officer.headers)
    assert response.status_code == 200
    assert response.get_json()["involvements"][0]["role"] == "witness"
    assert response.headers["ETag"] == '"1"'
    assert audit_actions(app, action="incident_viewed")[0].record_id == str(incident)
    shown = audit_actions(app, action="youths_shown")
    assert shown[0].record_ids == [str(youth)]
    assert shown[0].actor_id == officer.id
    assert shown[0].details == {"via": "incident", "via_ids": [incident]}


def test_other_boroughs_incidents_are_not_found(app, client, officer, make_user):
    rbkc = make_user("officer", "MPS", boroughs=["RBKC"])
    incident = add_incident(app, created_by_id=rbkc.id, borough="RBKC", ward="golborne", youths=[])
    assert_problem(client.get(f"/api/v1/incidents/{incident}", headers=officer.headers), 404)
    assert_problem(client.get(f"/api/v1/incidents/{2**40}", headers=officer.headers), 404)
    listed = client.get("/api/v1/incidents", headers=officer.headers).get_json()
    assert listed["items"] == []
    assert client.get("/api/v1/incidents", headers=rbkc.headers).get_json()["total"] == 1


def test_list_filters_by_ward_type_period_and_borough(app, client, make_user):
    both = make_user("officer", "MPS", boroughs=["WCC", "RBKC"])
    now = clock.utcnow()
    ids = {
        "old_stabbing": add_incident(
            app, created_by_id=both.id, occurred_at=now - timedelta(days=40)
        ),
        "recent_robbery": add_incident(
            app, created_by_id=both.id, type="robbery", occurred_at=now - timedelta(days=2)
        ),
        "other_ward": add_incident(
            app, created_by_id=both.id, ward="bayswater", occurred_at=now - timedelta(days=3)
        ),
        "rbkc": add_incident(
            app,
            created_by_id=both.id,
            borough="RBKC",
            ward="golborne",
            occurred_at=now - timedelta(days=1),
        ),
    }

    def listed(query):
        response = client.get(f"/api/v1/incidents?{query}", headers=both.headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert listed("") == [
        ids["rbkc"],
        ids["recent_robbery"],
        ids["other_ward"],
        ids["old_stabbing"],
    ]
    assert listed("type=robbery") == [ids["recent_robbery"]]
    assert listed("ward=bayswater") == [ids["other_ward"]]
    assert listed("borough=RBKC") == [ids["rbkc"]]
    since = (now - timedelta(days=10)).isoformat().replace("+00:00", "Z")
    assert ids["old_stabbing"] not in listed(f"from={since}")
    assert listed(f"to={since}") == [ids["old_stabbing"]]
    assert listed("limit=2&page=2") == [ids["other_ward"], ids["old_stabbing"]]
    assert_problem(client.get("/api/v1/incidents?colour=red", headers=both.headers), 422)
    assert_problem(client.get("/api/v1/incidents?type=fight", headers=both.headers), 422, "type")
    unrepresentable = "from=0001-01-01T00:00:00%2B14:00"
    assert_problem(
        client.get(f"/api/v1/incidents?{unrepresentable}", headers=both.headers), 422, "from"
    )


def test_list_sorts_by_occurrence_or_recording_with_ties_broken_by_id(app, client, officer):
    now = clock.utcnow()

    def add(days_ago, recorded_hours_ago):
        return add_incident(
            app,
            created_by_id=officer.id,
            occurred_at=now - timedelta(days=days_ago),
            created_at=now - timedelta(hours=recorded_hours_ago),
        )

    # The earliest incident was recorded last; two share both moments, so the id decides.
    earliest, tied, tied_later = add(5, 1), add(3, 2), add(3, 2)

    def listed(query):
        response = client.get(f"/api/v1/incidents?{query}", headers=officer.headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert listed("") == [tied_later, tied, earliest]
    assert listed("sort=-occurred_at") == listed("")
    assert listed("sort=occurred_at") == [earliest, tied, tied_later]
    assert listed("sort=created_at") == [tied, tied_later, earliest]
    assert listed("sort=-created_at") == [earliest, tied_later, tied]
    assert listed("sort=created_at&limit=2&page=2") == [earliest]
    assert audit_actions(app, action="incidents_listed")[-1].details == {"sort": "created_at"}
    for unknown in ("type", "severity", "-"):
        response = client.get(f"/api/v1/incidents?sort={unknown}", headers=officer.headers)
        assert_problem(response, 422, "sort")
    spec = client.get("/api/v1/openapi.json").get_json()
    [sort] = [
        p for p in spec["paths"]["/api/v1/incidents"]["get"]["parameters"] if p["name"] == "sort"
    ]
    assert sort["schema"]["default"] == "-occurred_at"
    assert sorted(sort["schema"]["enum"]) == sorted(
        ["occurred_at", "-occurred_at", "created_at", "-created_at"]
    )


def test_list_is_audited_with_the_ids_returned(app, client, officer):
    youth = add_youth(app)
    incident = add_incident(app, created_by_id=officer.id, youths=[(youth, "victim")])
    client.get("/api/v1/incidents", headers=officer.headers)
    listed = audit_actions(app, action="incidents_listed")
    assert listed[0].record_ids == [str(incident)]
    assert audit_actions(app, action="youths_shown")[0].record_ids == [str(youth)]


def test_list_runs_a_constant_number_of_statements(app, client, officer, count_statements):
    def page_cost():
        with count_statements() as counter:
            response = client.get("/api/v1/incidents?limit=200", headers=officer.headers)
        assert response.status_code == 200
        return counter.beyond_totals, len(response.get_json()["items"])

    youth, other = add_youth(app), add_youth(app)
    add_incident(app, created_by_id=officer.id, youths=[(youth, "victim")])
    small = page_cost()
    for _ in range(8):
        add_incident(app, created_by_id=officer.id, youths=[(youth, "victim"), (other, "suspect")])
    large = page_cost()
    assert (small[1], large[1]) == (1, 9)
    assert small[0] == large[0]


def test_patch_replaces_involvements_and_audits_the_difference(app, client, officer):
    a, b, c = add_youth(app), add_youth(app), add_youth(app)
    incident = add_incident(app, created_by_id=officer.id, youths=[(a, "victim"), (b, "witness")])
    response = client.patch(
        f"/api/v1/incidents/{incident}",
        json={
            "type": "assault",
            "involvements": [
                {"youth_id": b, "role": "associate"},
                {"youth_id": c, "role": "suspect"},
            ],
        },
        headers={**officer.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["type"] == "assault"
    assert body["version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert sorted((p["youth_id"], p["role"]) for p in body["involvements"]) == sorted(
        [(b, "associate"), (c, "suspect")]
    )
    event = audit_actions(app, action="incident_updated")[0]
    assert event.details["changed"] == ["involvements", "type"]
    assert event.details["involvements"] == {
        "added": [{"youth_id": c, "role": "suspect"}],
        "removed": [a],
        "role_changed": [{"youth_id": b, "from": "witness", "to": "associate"}],
    }
    linked = audit_actions(app, action="youths_linked")[0]
    assert sorted(int(i) for i in linked.record_ids) == sorted([a, b, c])


def test_patch_without_people_keeps_them_and_still_bumps_the_version(app, client, officer):
    youth = add_youth(app)
    incident = add_incident(app, created_by_id=officer.id, youths=[(youth, "victim")])
    response = client.patch(
        f"/api/v1/incidents/{incident}",
        json={"summary": "Updated summary"},
        headers={**officer.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    assert response.get_json()["involvements"][0]["role"] == "victim"
    assert response.get_json()["version"] == 2


def _involvement_rows(app, incident_id):
    with app.app_context():
        stmt = sa.select(Involvement.id, Involvement.youth_id, Involvement.role).where(
            Involvement.incident_id == incident_id
        )
        return sorted(tuple(row) for row in db.session.execute(stmt))


def test_an_unchanged_patch_keeps_the_version_and_is_audited_as_a_read(app, client, officer):
    a, b = add_youth(app), add_youth(app)
    incident = add_incident(app, created_by_id=officer.id, youths=[(a, "victim"), (b, "witness")])
    url = f"/api/v1/incidents/{incident}"
    before = client.get(url, headers=officer.headers).get_json()
    rows = _involvement_rows(app, incident)
    occurred = datetime.fromisoformat(before["occurred_at"])
    body = {
        # The same instant at another offset, the people in another order.
        "occurred_at": occurred.astimezone(timezone(timedelta(hours=1))).isoformat(),
        "type": before["type"],
        "location": before["location"],
        "involvements": [{"youth_id": b, "role": "witness"}, {"youth_id": a, "role": "victim"}],
    }
    response = client.patch(url, json=body, headers={**officer.headers, "If-Match": '"1"'})
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"1"'
    assert response.get_json() == before
    with app.app_context():
        stored = db.session.get(Incident, incident)
        assert (stored.version, stored.updated_at.isoformat()) == (1, before["updated_at"])
    assert _involvement_rows(app, incident) == rows
    assert audit_actions(app, action="incident_updated") == []
    assert audit_actions(app, action="youths_linked") == []
    viewed = audit_actions(app, action="incident_viewed")[-1]
    assert (viewed.record_id, viewed.actor_id) == (str(incident), officer.id)
    assert viewed.details == {"unchanged": sorted(body)}
    shown = audit_actions(app, action="youths_shown")[-1]
    assert sorted(int(i) for i in shown.record_ids) == sorted([a, b])
    assert shown.request_id == viewed.request_id
    # The version was not moved, so the same If-Match still changes it; a stale one fails.
    stale = {**officer.headers, "If-Match": '"7"'}
    assert_problem(client.patch(url, json={"type": before["type"]}, headers=stale), 412)
    changed = client.patch(
        url, json={**body, "summary": "Updated"}, headers={**officer.headers, "If-Match": '"1"'}
    )
    assert changed.get_json()["version"] == 2
    assert audit_actions(app, action="incident_updated")[0].details == {"changed": ["summary"]}


def test_patch_needs_a_current_if_match(app, client, officer):
    incident = add_incident(app, created_by_id=officer.id)
    url = f"/api/v1/incidents/{incident}"
    assert_problem(client.patch(url, json={"summary": "x"}, headers=officer.headers), 428)
    stale = {**officer.headers, "If-Match": '"7"'}
    assert_problem(client.patch(url, json={"summary": "x"}, headers=stale), 412)
    with app.app_context():
        assert db.session.get(Incident, incident).summary == "A stabbing"


def test_patch_cannot_move_the_incident_after_its_meeting(app, client, officer, senior):
    incident = add_incident(app, created_by_id=officer.id)
    add_meeting(app, incident_id=incident, chair_id=senior.id)
    response = client.patch(
        f"/api/v1/incidents/{incident}",
        json={"occurred_at": iso(clock.utcnow() - timedelta(minutes=5))},
        headers={**officer.headers, "If-Match": '"1"'},
    )
    assert_problem(response, 422, "occurred_at")


def test_patch_refuses_borough_change(app, client, officer):
    incident = add_incident(app, created_by_id=officer.id)
    response = client.patch(
        f"/api/v1/incidents/{incident}",
        json={"borough": "RBKC"},
        headers={**officer.headers, "If-Match": '"1"'},
    )
    assert_problem(response, 422, "borough")


def _bad_inputs(victim, rbkc_youth):
    future = iso(clock.utcnow() + timedelta(hours=1))
    return [
        ({"occurred_at": future}, "occurred_at"),
        ({"occurred_at": "2025-01-01T10:00:00"}, "occurred_at"),  # no offset
        ({"occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),  # before year 1 in UTC
        ({"ward": "golborne"}, "ward"),  # an RBKC ward
        ({"type": "fight"}, "type"),
        ({"involvements": [{"youth_id": victim, "role": "bystander"}]}, "involvements.0.role"),
        ({"involvements": [{"youth_id": victim}]}, "involvements.0.role"),
        (
            {
                "involvements": [
                    {"youth_id": victim, "role": "victim"},
                    {"youth_id": victim, "role": "suspect"},
                ]
            },
            "involvements",
        ),
        ({"involvements": [{"youth_id": 99999, "role": "victim"}]}, "involvements.0.youth_id"),
        ({"involvements": [{"youth_id": 2**40, "role": "victim"}]}, "involvements.0.youth_id"),
        ({"involvements": [{"youth_id": rbkc_youth, "role": "victim"}]}, "involvements.0.youth_id"),
        ({"summary": ""}, "summary"),
        ({"summary": " \t\n "}, "summary"),
        ({"severity": "high"}, "severity"),
    ]


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(app, client, officer):
    victim = add_youth(app)
    rbkc_youth = add_youth(app, borough="RBKC", ward="golborne")
    events_before = count(app, AuditEvent)
    for overrides, field in _bad_inputs(victim, rbkc_youth):
        response = client.post(
            "/api/v1/incidents", json=_body(**overrides), headers=officer.headers
        )
        assert_problem(response, 422, field)
    assert count(app, Incident) == 0
    assert count(app, Involvement) == 0
    assert count(app, AuditEvent) == events_before


def test_recording_an_incident_in_a_borough_one_does_not_work_in_is_forbidden(app, client, officer):
    # Authenticated but not allowed, as POST /youths and POST /referrals answer it.
    events_before = count(app, AuditEvent)
    response = client.post(
        "/api/v1/incidents",
        json=_body(borough="RBKC", ward="golborne"),
        headers=officer.headers,
    )
    body = assert_problem(response, 403, "borough")
    assert body["detail"] == "You do not work in this borough."
    assert count(app, Incident) == 0
    assert count(app, AuditEvent) == events_before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {
                "involvements": [
                    {"youth_id": 1, "role": "victim"},
                    {"youth_id": 1, "role": "suspect"},
                ]
            },
            "involvements",
        ),
        ({"ward": "golborne"}, "ward"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"involvements": [{"youth_id": 1, "role": "perpetrator"}]}, "involvements.0.role"),
        ({"summary": "   "}, "summary"),
        ({}, "_body"),
    ],
)
def test_bad_patch_changes_nothing(app, client, officer, change, field):
    youth = add_youth(app)
    assert youth == 1
    incident = add_incident(app, created_by_id=officer.id, youths=[(youth, "victim")])
    response = client.patch(
        f"/api/v1/incidents/{incident}", json=change, headers={**officer.headers, "If-Match": '"1"'}
    )
    assert_problem(response, 422, field)
    after = client.get(f"/api/v1/incidents/{incident}", headers=officer.headers).get_json()
    assert after["version"] == 1
    assert after["ward"] == "church_street"
    assert after["summary"] == "A stabbing"
    assert [(p["youth_id"], p["role"]) for p in after["involvements"]] == [(youth, "victim")]
    assert audit_actions(app, action="incident_updated") == []


def test_an_incident_names_only_young_people_of_its_own_borough(app, client, make_user):
    # Statistics add each borough's count of young people involved: someone named in
    # incidents of two boroughs would count twice. An officer of both boroughs, who
    # sees the RBKC record, still cannot name it in a WCC incident by any route.
    both = make_user("officer", "MPS", boroughs=["WCC", "RBKC"])
    rbkc_youth = add_youth(app, borough="RBKC", ward="golborne")
    incident = add_incident(app, created_by_id=both.id, youths=[])
    person = [{"youth_id": rbkc_youth, "role": "victim"}]
    events_before = count(app, AuditEvent)
    response = client.post(
        "/api/v1/incidents", json=_body(involvements=person), headers=both.headers
    )
    assert_problem(response, 422, "involvements.0.youth_id")
    response = client.patch(
        f"/api/v1/incidents/{incident}",
        json={"involvements": person},
        headers={**both.headers, "If-Match": '"1"'},
    )
    assert_problem(response, 422, "involvements.0.youth_id")
    response = client.post(
        f"/api/v1/incidents/{incident}/involvements", json=person[0], headers=both.headers
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]
    assert count(app, Incident) == 1
    assert count(app, Involvement) == 0
    assert count(app, AuditEvent) == events_before
    assert client.get(f"/api/v1/youths/{rbkc_youth}", headers=both.headers).status_code == 200
