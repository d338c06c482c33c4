"""RAG assessments through the API: append-only history, newest current, schedule moves."""

from __future__ import annotations

from datetime import timedelta

from sywc import clock
from sywc.audit.verification import walk as walk_the_chain
from sywc.extensions import db
from tests.conftest import audit_actions
from tests.youths.helpers import create_youth

WHY = "Escalated: named in a stabbing investigation this week."


def test_new_rating_becomes_current_and_reschedules(app, client, officer, make_user):
    youth = create_youth(client, officer, rag="green")
    colleague = make_user("officer", "YOT")
    path = f"/api/v1/youths/{youth['id']}/rag-assessments"
    response = client.post(
        path, json={"rating": "red", "rationale": WHY}, headers=colleague.headers
    )
    assert response.status_code == 201
    body = response.get_json()
    today = clock.today()
    assert (body["rating"], body["assessed_by"], body["current"]) == ("red", colleague.id, True)
    assert body["assessed_on"] == today.isoformat()
    assert body["schedule"]["next_visit_due"] == (today + timedelta(days=7)).isoformat()
    record = client.get(f"/api/v1/youths/{youth['id']}", headers=officer.headers).get_json()
    assert (record["rag"], record["current_assessment"]["id"]) == ("red", body["id"])
    [event] = audit_actions(app, action="rag_assessed")
    assert event.details == {
        "assessment_id": body["id"],
        "rating": "red",
        "current": True,
        "alerts_resolved": 0,
    }


def test_history_is_listed_newest_first_and_the_read_is_audited(app, client, officer):
    youth = create_youth(client, officer, rag="green")
    path = f"/api/v1/youths/{youth['id']}/rag-assessments"
    for rating in ("amber", "red"):
        client.post(path, json={"rating": rating, "rationale": WHY}, headers=officer.headers)
    listed = client.get(path, headers=officer.headers).get_json()
    assert [a["rating"] for a in listed["items"]] == ["red", "amber", "green"]
    assert listed["total"] == 3
    [event] = audit_actions(app, action="rag_assessments_viewed")
    assert event.record_id == str(youth["id"])
    assert event.details == {"assessment_ids": [a["id"] for a in listed["items"]]}
    with app.app_context():
        assert walk_the_chain(session=db.session()).ok


def test_rating_a_closed_record_is_409(client, officer, senior):
    youth = create_youth(client, officer)
    client.post(
        f"/api/v1/youths/{youth['id']}/close",
        json={"reason": "Moved away."},
        headers=senior.headers,
    )
    response = client.post(
        f"/api/v1/youths/{youth['id']}/rag-assessments",
        json={"rating": "red", "rationale": WHY},
        headers=officer.headers,
    )
    assert response.status_code == 409


def test_record_shows_the_rating_in_force_read_with_the_row(
    app, client, officer, make_user, count_statements
):
    youth = create_youth(client, officer, rag="green")
    path = f"/api/v1/youths/{youth['id']}/rag-assessments"
    today = clock.today()
    red = client.post(path, json={"rating": "red", "rationale": WHY}, headers=officer.headers)
    same_day = client.post(
        path,
        json={"rating": "amber", "rationale": WHY, "assessed_on": today.isoformat()},
        headers=officer.headers,
    )
    assert same_day.status_code == 201
    # Same date: the later entry is in force.
    with count_statements() as counter:
        record = client.get(f"/api/v1/youths/{youth['id']}", headers=officer.headers)
    assert record.status_code == 200
    body = record.get_json()
    assert body["rag"] == "amber"
    assert body["current_assessment"]["id"] == same_day.get_json()["id"] != red.get_json()["id"]
    # The record and its rating come in one statement.
    [read] = [s for s in counter.statements if "rag_assessments" in s]
    assert "FROM youths" in read
    stranger = make_user("officer", "MPS", boroughs=["CMD"])
    hidden = client.get(f"/api/v1/youths/{youth['id']}", headers=stranger.headers)
    assert hidden.status_code == 404
    assert [e.record_id for e in audit_actions(app, action="youth_viewed")] == [str(youth["id"])]
