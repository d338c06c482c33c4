"""A young person's timeline: the incidents and meetings they appear in, with their role."""

from __future__ import annotations

from datetime import timedelta

from sywc import clock
from sywc.extensions import db
from sywc.pvs.models import PvsIndividual
from tests import factories
from tests.conftest import assert_problem, audit_actions
from tests.incidents.helpers import add_incident, add_meeting, add_youth


def _story(app, officer, senior):
    """One young person: a victim in an old incident, a suspect in a recent one."""
    now = clock.utcnow()
    youth, other = add_youth(app), add_youth(app)
    old = add_incident(
        app,
        created_by_id=officer.id,
        occurred_at=now - timedelta(days=60),
        youths=[(youth, "victim"), (other, "suspect")],
    )
    recent = add_incident(
        app,
        created_by_id=officer.id,
        type="robbery",
        occurred_at=now - timedelta(days=5),
        youths=[(youth, "suspect")],
    )
    unrelated = add_incident(app, created_by_id=officer.id, youths=[(other, "victim")])
    with app.app_context():
        meeting = factories.meeting(
            incident_id=old, chair_id=senior.id, held_at=now - timedelta(days=58)
        )
        meeting.individuals.append(PvsIndividual(youth_id=youth, role="victim"))
        db.session.commit()
        meeting_id = meeting.id
    add_meeting(app, incident_id=unrelated, chair_id=senior.id)
    return youth, {"old": old, "recent": recent, "meeting": meeting_id}


def test_timeline_lists_incidents_and_meetings_with_roles_newest_first(
    app, client, officer, senior
):
    youth, ids = _story(app, officer, senior)
    response = client.get(f"/api/v1/youths/{youth}/timeline", headers=officer.headers)
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(i["kind"], i["id"], i["role"]) for i in items] == [
        ("incident", ids["recent"], "suspect"),
        ("pvs_meeting", ids["meeting"], "victim"),
        ("incident", ids["old"], "victim"),
    ]
    assert items[0]["incident_type"] == "robbery"
    assert items[1]["incident_id"] == ids["old"]
    assert items[0]["at"].endswith("+00:00")
    event = audit_actions(app, action="youth_timeline_viewed")[0]
    assert (event.record_type, event.record_id) == ("youth", str(youth))
    assert event.details == {
        "incident_ids": [ids["recent"], ids["old"]],
        "pvs_meeting_ids": [ids["meeting"]],
    }


def test_timeline_is_paginated(app, client, officer, senior):
    youth, ids = _story(app, officer, senior)
    response = client.get(
        f"/api/v1/youths/{youth}/timeline?limit=2&page=2", headers=officer.headers
    )
    body = response.get_json()
    assert (body["total"], body["page"], body["prev_page"]) == (3, 2, 1)
    assert [i["id"] for i in body["items"]] == [ids["old"]]
    assert 'rel="prev"' in response.headers["Link"]


def test_timeline_of_a_young_person_elsewhere_is_not_found(app, client, officer):
    youth = add_youth(app, borough="RBKC", ward="golborne")
    assert_problem(client.get(f"/api/v1/youths/{youth}/timeline", headers=officer.headers), 404)
    assert_problem(client.get("/api/v1/youths/424242/timeline", headers=officer.headers), 404)
    assert audit_actions(app, action="youth_timeline_viewed") == []


def test_empty_timeline(app, client, officer):
    youth = add_youth(app)
    body = client.get(f"/api/v1/youths/{youth}/timeline", headers=officer.headers).get_json()
    assert (body["items"], body["total"]) == ([], 0)


def test_timeline_runs_a_constant_number_of_statements(
    app, client, officer, senior, count_statements
):
    youth, _ = _story(app, officer, senior)

    def cost():
        with count_statements() as counter:
            response = client.get(f"/api/v1/youths/{youth}/timeline", headers=officer.headers)
        return counter.beyond_totals, response.get_json()["total"]

    small = cost()
    for _ in range(5):
        add_incident(app, created_by_id=officer.id, youths=[(youth, "witness")])
    large = cost()
    assert (small[1], large[1]) == (3, 8)
    assert small[0] == large[0]
