"""Linking one more person to an incident, bringing them into the cohort when new."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.extensions import db
from sywc.incidents.models import Involvement
from sywc.youths.models import Youth
from sywc.youths.names import name_key
from tests.conftest import assert_problem, audit_actions, youth_trail
from tests.incidents.helpers import add_incident, add_youth, count


def _new_person(officer_id, **overrides):
    person = {
        "first_name": "Jordan",
        "last_name": "Example",
        "date_of_birth": date(clock.today().year - 15, 3, 1).isoformat(),
        "gender": "male",
        "ward": "church_street",
        "lead_agency": "MPS",
        "lead_officer_id": officer_id,
        "rag": "red",
        "rag_rationale": "Stabbed outside the market; retaliation feared by the family.",
    }
    person.update(overrides)
    return person


def _url(incident_id):
    return f"/api/v1/incidents/{incident_id}/involvements"


def test_link_a_cohort_member_with_a_role(app, client, officer):
    youth = add_youth(app)
    incident = add_incident(app, created_by_id=officer.id)
    response = client.post(
        _url(incident), json={"youth_id": youth, "role": "witness"}, headers=officer.headers
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [(p["youth_id"], p["role"]) for p in body["involvements"]] == [(youth, "witness")]
    assert body["version"] == 2
    event = audit_actions(app, action="incident_involvement_added")[0]
    assert event.details["joined_cohort"] is False
    assert event.details["role"] == "witness"


def test_linking_someone_twice_is_a_conflict_and_the_role_it_tells_is_audited(
    app, client, officer, auditor
):
    youth = add_youth(app)
    incident = add_incident(app, created_by_id=officer.id, youths=[(youth, "victim")])
    events = len(audit_actions(app))
    response = client.post(
        _url(incident), json={"youth_id": youth, "role": "suspect"}, headers=officer.headers
    )
    body = assert_problem(response, 409, "youth_id")
    assert "as victim" in body["detail"]
    assert count(app, Involvement) == 1
    assert audit_actions(app, action="incident_involvement_added") == []
    # The answer names the child's role: a read of their data, kept though nothing else is.
    [event] = audit_actions(app)[events:]
    assert (event.action, event.record_type, event.actor_id) == (
        "youths_shown",
        "youth",
        officer.id,
    )
    assert event.record_ids == [str(youth)]
    assert event.details == {"via": "incident", "via_ids": [incident]}
    assert [e["action"] for e in youth_trail(client, auditor, youth)][:1] == ["youths_shown"]


def test_cohort_member_keeps_their_cohort_reason(app, client, officer):
    youth = add_youth(app)
    incident = add_incident(app, created_by_id=officer.id)
    response = client.post(
        _url(incident),
        json={"youth_id": youth, "role": "victim", "cohort_reason": "victim"},
        headers=officer.headers,
    )
    assert_problem(response, 422, "cohort_reason")


@pytest.mark.parametrize(
    ("role", "reason"),
    [
        ("victim", "victim"),
        ("suspect", "perpetrator"),
        ("witness", "at_risk"),
        ("associate", "at_risk"),
    ],
)
def test_new_person_joins_the_cohort_with_the_reason_their_role_suggests(
    app, client, officer, role, reason
):
    incident = add_incident(app, created_by_id=officer.id)
    response = client.post(
        _url(incident),
        json={"new_youth": _new_person(officer.id), "role": role, "cohort_reason": reason},
        headers=officer.headers,
    )
    assert response.status_code == 201, response.get_json()
    involvement = response.get_json()["involvements"][0]
    assert involvement["role"] == role
    with app.app_context():
        youth = db.session.get(Youth, involvement["youth_id"])
        assert (youth.cohort_reason, youth.borough, youth.rag) == (reason, "WCC", "red")
    assert audit_actions(app, action="youth_created")[0].record_id == str(youth.id)
    event = audit_actions(app, action="incident_involvement_added")[0]
    assert event.details["joined_cohort"] is True
    assert event.details["cohort_reason"] == reason


def test_cohort_reason_must_be_stated_for_a_new_person(app, client, officer):
    incident = add_incident(app, created_by_id=officer.id)
    response = client.post(
        _url(incident),
        json={"new_youth": _new_person(officer.id), "role": "victim"},
        headers=officer.headers,
    )
    assert_problem(response, 422, "cohort_reason")
    assert count(app, Youth) == 0


def test_a_victim_is_not_brought_in_as_a_perpetrator_without_confirmation(app, client, officer):
    incident = add_incident(app, created_by_id=officer.id)
    body = {"new_youth": _new_person(officer.id), "role": "victim", "cohort_reason": "perpetrator"}
    refused = client.post(_url(incident), json=body, headers=officer.headers)
    problem = assert_problem(refused, 422, "cohort_reason")
    assert "suggests victim" in problem["errors"]["cohort_reason"][0]
    assert count(app, Youth) == 0
    assert count(app, Involvement) == 0

    confirmed = client.post(
        _url(incident), json={**body, "confirm_reason": True}, headers=officer.headers
    )
    assert confirmed.status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(Youth.cohort_reason)) == "perpetrator"
    event = audit_actions(app, action="incident_involvement_added")[0]
    assert event.details["reason_differs_from_role"] is True


def test_new_person_follows_the_cohort_rules(app, client, officer):
    incident = add_incident(app, created_by_id=officer.id)
    too_young = _new_person(
        officer.id, date_of_birth=date(clock.today().year - 5, 1, 1).isoformat()
    )
    response = client.post(
        _url(incident),
        json={"new_youth": too_young, "role": "victim", "cohort_reason": "victim"},
        headers=officer.headers,
    )
    assert_problem(response, 422, "new_youth.date_of_birth")
    response = client.post(
        _url(incident),
        json={
            "new_youth": {**_new_person(officer.id), "borough": "RBKC"},
            "role": "victim",
            "cohort_reason": "victim",
        },
        headers=officer.headers,
    )
    assert_problem(response, 422, "new_youth.borough")
    assert count(app, Youth) == 0
    assert count(app, Involvement) == 0


def test_a_new_person_already_recorded_is_refused_and_the_disclosure_audited(
    app, client, officer, auditor
):
    person = _new_person(officer.id)
    existing = add_youth(
        app,
        first_name=person["first_name"],
        last_name=person["last_name"],
        name_key=name_key(person["first_name"], person["last_name"]),
        date_of_birth=date.fromisoformat(person["date_of_birth"]),
    )
    incident = add_incident(app, created_by_id=officer.id)
    events = len(audit_actions(app))
    response = client.post(
        _url(incident),
        json={"new_youth": person, "role": "victim", "cohort_reason": "victim"},
        headers=officer.headers,
    )
    body = assert_problem(response, 409)
    assert body["existing"]["id"] == existing
    assert (count(app, Youth), count(app, Involvement)) == (1, 0)
    [event] = audit_actions(app)[events:]
    assert (event.action, event.record_type, event.record_id) == (
        "youth_duplicate_reported",
        "youth",
        str(existing),
    )
    assert event.details == {"via": "incident", "via_ids": [incident]}
    assert [e["action"] for e in youth_trail(client, auditor, existing)] == [
        "youth_duplicate_reported"
    ]


def test_exactly_one_of_youth_id_and_new_youth(app, client, officer):
    youth = add_youth(app)
    incident = add_incident(app, created_by_id=officer.id)
    for body in (
        {"role": "victim"},
        {"youth_id": youth, "new_youth": _new_person(officer.id), "role": "victim"},
    ):
        assert_problem(
            client.post(_url(incident), json=body, headers=officer.headers), 422, "youth_id"
        )
    assert count(app, Involvement) == 0


def test_someone_of_another_borough_cannot_be_linked(app, client, officer):
    other = add_youth(app, borough="RBKC", ward="golborne")
    incident = add_incident(app, created_by_id=officer.id)
    response = client.post(
        _url(incident), json={"youth_id": other, "role": "victim"}, headers=officer.headers
    )
    assert_problem(response, 422, "youth_id")
    assert count(app, Involvement) == 0
