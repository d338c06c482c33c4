"""The cohort through the API: create, read, change, close and reopen, with audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.extensions import db
from sywc.youths.models import RagAssessment, Youth, YouthStatusChange
from sywc.youths.schedule import add_months
from tests.conftest import assert_problem, audit_actions, youth_trail
from tests.youths.helpers import RATIONALE, create_youth, row_counts, youth_payload


def test_create_assigns_reference_schedule_review_and_first_assessment(app, client, officer):
    response = client.post(
        "/api/v1/youths", json=youth_payload(officer.id), headers=officer.headers
    )
    assert response.status_code == 201
    body = response.get_json()
    today = clock.today()
    assert body["reference"] == f"YP-{body['id']:06d}"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert body["status"] == "active"
    assert body["rag"] == "amber"
    assert body["next_visit_due"] == (today + timedelta(days=30)).isoformat()
    assert body["review_by"] == add_months(today, 6).isoformat()
    assert body["flags"] == ["county_lines"]
    assert body["other_cohorts"] == ["YOT"]
    assert body["current_assessment"]["rationale"] == RATIONALE
    assert body["current_assessment"]["assessed_by"] == officer.id
    with app.app_context():
        stored = db.session.get(Youth, body["id"])
        assert stored.name_key == "examplewood jordan"
        assessments = db.session.scalars(sa.select(RagAssessment)).all()
        assert [(a.rating, a.youth_id) for a in assessments] == [("amber", body["id"])]
    [event] = audit_actions(app, action="youth_created")
    assert event.record_id == str(body["id"])
    assert event.actor_id == officer.id
    assert "Jordan" not in str(event.details)
    assert "Examplewood" not in str(event.details)


def test_get_returns_record_with_etag_and_is_audited(app, client, officer):
    created = create_youth(client, officer)
    response = client.get(f"/api/v1/youths/{created['id']}", headers=officer.headers)
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{created["version"]}"'
    body = response.get_json()
    assert body["address"] == "1 Imaginary Road"
    assert body["overdue"] is False
    assert body["days_overdue"] == 0
    [event] = audit_actions(app, action="youth_viewed")
    assert (event.record_type, event.record_id, event.actor_id) == (
        "youth",
        str(created["id"]),
        officer.id,
    )
    assert event.details is None


def test_another_boroughs_record_is_not_found(client, officer, make_user):
    created = create_youth(client, officer)
    outsider = make_user("officer", "MPS", boroughs=["RBKC"])
    path = f"/api/v1/youths/{created['id']}"
    assert_problem(client.get(path, headers=outsider.headers), 404)
    assert_problem(
        client.patch(
            path, json={"gender": "female"}, headers={**outsider.headers, "If-Match": '"1"'}
        ),
        404,
    )
    assert_problem(client.get(f"{path}/visits", headers=outsider.headers), 404)
    assert_problem(client.get(f"{path}/rag-assessments", headers=outsider.headers), 404)
    listed = client.get("/api/v1/youths", headers=outsider.headers).get_json()
    assert listed["items"] == []


def test_creating_in_a_borough_you_do_not_work_in_is_forbidden(client, officer):
    body = youth_payload(officer.id, borough="RBKC", ward="golborne")
    assert_problem(client.post("/api/v1/youths", json=body, headers=officer.headers), 403)


def test_duplicate_is_409_naming_the_existing_record_unless_confirmed(app, client, officer):
    first = create_youth(client, officer)
    again = youth_payload(officer.id, first_name=" jordan ", last_name="EXAMPLE-WOOD")
    response = client.post("/api/v1/youths", json=again, headers=officer.headers)
    body = assert_problem(response, 409)
    assert body["existing"] == {"id": first["id"], "reference": first["reference"]}
    confirmed = client.post(
        "/api/v1/youths", json={**again, "confirm_duplicate": True}, headers=officer.headers
    )
    assert confirmed.status_code == 201
    assert confirmed.get_json()["id"] != first["id"]
    events = audit_actions(app, action="youth_created")
    assert [e.details["duplicate_confirmed"] for e in events] == [False, True]


def test_a_name_written_without_its_stroke_is_found_and_is_a_likely_duplicate(client, officer):
    first = create_youth(client, officer, first_name="Michał", last_name="Łukasiewicz")
    found = client.get("/api/v1/youths?q=michal%20lukasiewicz", headers=officer.headers)
    assert [y["id"] for y in found.get_json()["items"]] == [first["id"]]
    again = youth_payload(officer.id, first_name="Michal", last_name="Lukasiewicz")
    body = assert_problem(client.post("/api/v1/youths", json=again, headers=officer.headers), 409)
    assert body["existing"]["id"] == first["id"]


def test_a_refused_duplicate_is_audited_under_the_record_it_names(
    app, client, officer, make_user, auditor
):
    first = create_youth(client, officer)
    other = make_user("officer", "YOT")
    before = row_counts(app)
    # Refused, the request is still a lookup by name and date of birth that names a child.
    response = client.post(
        "/api/v1/youths", json=youth_payload(other.id, lead_agency="YOT"), headers=other.headers
    )
    body = assert_problem(response, 409)
    assert body["existing"]["id"] == first["id"]
    assert row_counts(app) == {**before, "audit_events": before["audit_events"] + 1}
    [event] = audit_actions(app, action="youth_duplicate_reported")
    assert (event.record_type, event.record_id, event.actor_id, event.agency) == (
        "youth",
        str(first["id"]),
        other.id,
        "YOT",
    )
    assert event.request_id == body["request_id"]
    assert event.details is None
    trail = youth_trail(client, auditor, first["id"])
    assert [e["action"] for e in trail] == ["youth_duplicate_reported", "youth_created"]


def test_same_name_and_birth_date_in_another_borough_is_not_a_duplicate(client, make_user):
    both = make_user("officer", "MPS", boroughs=["WCC", "RBKC"])
    create_youth(client, both)
    create_youth(client, both, borough="RBKC", ward="golborne")


def test_patch_needs_if_match_and_refuses_a_stale_one(app, client, officer):
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    assert_problem(client.patch(path, json={"gender": "female"}, headers=officer.headers), 428)
    # `*` would match whatever version is stored: no guard against a lost update, so it
    # is asked for again (428), not refused as stale (412), which no re-read would cure.
    anything = client.patch(
        path, json={"gender": "female"}, headers={**officer.headers, "If-Match": "*"}
    )
    assert "ETag" in assert_problem(anything, 428)["detail"]
    etag = client.get(path, headers=officer.headers).headers["ETag"]
    ok = client.patch(
        path,
        json={"first_name": "Jo", "flags": ["weapon", "county_lines"], "other_cohorts": []},
        headers={**officer.headers, "If-Match": etag},
    )
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["version"] == created["version"] + 1
    assert ok.headers["ETag"] == f'"{body["version"]}"'
    assert body["flags"] == ["county_lines", "weapon"]
    assert body["other_cohorts"] == []
    stale = client.patch(
        path, json={"gender": "female"}, headers={**officer.headers, "If-Match": etag}
    )
    assert_problem(stale, 412)
    with app.app_context():
        stored = db.session.get(Youth, created["id"])
        assert (stored.first_name, stored.gender, stored.name_key) == (
            "Jo",
            "male",
            "examplewood jo",
        )
    [event] = audit_actions(app, action="youth_updated")
    assert event.details == {"changed": ["first_name", "flags", "other_cohorts"]}


def test_an_if_match_list_matches_when_any_of_its_etags_is_the_current_version(
    app, client, officer
):
    # RFC 9110: If-Match takes a list of entity tags, true when any of them matches.
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    version = created["version"]

    def patch(if_match: str, gender: str) -> Any:
        headers = {**officer.headers, "If-Match": if_match}
        return client.patch(path, json={"gender": gender}, headers=headers)

    # None of them current: stale. Nothing that names a version: unusable. Both 412.
    assert_problem(patch(f'"{version + 1}", "{version + 7}"', "female"), 412)
    assert_problem(patch('"abc", , W/"x"', "female"), 412)
    with app.app_context():
        assert db.session.get(Youth, created["id"]).gender == "male"
    changed = patch(f'"{version + 3}",W/"{version}" , "other-server-tag"', "female")
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["version"] == version + 1
    # The list that was current a moment ago is stale now.
    assert_problem(patch(f'"{version + 3}", "{version}"', "non_binary"), 412)
    with app.app_context():
        assert db.session.get(Youth, created["id"]).gender == "female"


def test_a_changed_cohort_reason_is_audited_from_and_to(app, client, officer):
    # Victim relabelled as perpetrator: the trail must show what it was, not only that it moved.
    created = create_youth(client, officer, cohort_reason="victim")
    path = f"/api/v1/youths/{created['id']}"
    headers = {**officer.headers, "If-Match": f'"{created["version"]}"'}
    changed = client.patch(path, json={"cohort_reason": "perpetrator"}, headers=headers)
    assert changed.status_code == 200
    headers["If-Match"] = changed.headers["ETag"]
    same = client.patch(
        path, json={"cohort_reason": "perpetrator", "gender": "female"}, headers=headers
    )
    assert same.status_code == 200
    first, second = audit_actions(app, action="youth_updated")
    assert first.details == {
        "changed": ["cohort_reason"],
        "cohort_reason": {"from": "victim", "to": "perpetrator"},
    }
    # The reason sent again is not a change: only the gender moved.
    assert second.details == {"changed": ["gender"]}


def test_patch_moves_review_by_within_bounds_only(client, officer):
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    headers = {**officer.headers, "If-Match": f'"{created["version"]}"'}
    sooner = (clock.today() + timedelta(days=30)).isoformat()
    too_far = (add_months(clock.today(), 6) + timedelta(days=1)).isoformat()
    past = (clock.today() - timedelta(days=1)).isoformat()
    for bad in (too_far, past):
        assert_problem(
            client.patch(path, json={"review_by": bad}, headers=headers), 422, "review_by"
        )
    moved = client.patch(path, json={"review_by": sooner}, headers=headers)
    assert moved.status_code == 200
    assert moved.get_json()["review_by"] == sooner


def test_patch_checks_lead_officer_against_lead_agency(client, officer, make_user):
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    headers = {**officer.headers, "If-Match": f'"{created["version"]}"'}
    igxu = make_user("officer", "IGXU")
    only_agency = client.patch(path, json={"lead_agency": "IGXU"}, headers=headers)
    assert_problem(only_agency, 422, "lead_officer_id")
    both = client.patch(
        path, json={"lead_agency": "IGXU", "lead_officer_id": igxu.id}, headers=headers
    )
    assert both.status_code == 200
    assert (both.get_json()["lead_agency"], both.get_json()["lead_officer_id"]) == ("IGXU", igxu.id)


def test_only_the_lead_agency_or_a_senior_officer_moves_the_lead(app, client, officer, make_user):
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    headers = {"If-Match": f'"{created["version"]}"'}
    early_help = make_user("officer", "EARLY_HELP")
    # Another agency naming itself lead would read every referral about the child.
    taken = client.patch(
        path,
        json={"lead_agency": "EARLY_HELP", "lead_officer_id": early_help.id},
        headers={**early_help.headers, **headers},
    )
    assert_problem(taken, 403)
    with app.app_context():
        youth = db.session.get(Youth, created["id"])
        assert (youth.lead_agency, youth.version) == ("MPS", created["version"])
    events = audit_actions(app, record_type="youth", record_id=str(created["id"]))
    assert [event.action for event in events] == ["youth_created"]
    # Its officers may still change what else they may, the lead agency left as it is.
    kept = client.patch(
        path,
        json={"lead_agency": "MPS", "ward": created["ward"]},
        headers={**early_help.headers, **headers},
    )
    assert kept.status_code == 200
    senior = make_user("senior_officer", "YOT")
    handed = client.patch(
        path,
        json={"lead_agency": "EARLY_HELP", "lead_officer_id": early_help.id},
        headers={**senior.headers, "If-Match": f'"{kept.get_json()["version"]}"'},
    )
    assert handed.status_code == 200
    assert handed.get_json()["lead_agency"] == "EARLY_HELP"


# The longest names the schema takes (100 characters each); casefolding makes "ß" two
# letters, so its key is longer still than the names.
LONGEST_NAMES = [
    pytest.param("a" * 100, "b" * 100, id="ascii"),
    pytest.param("\u00df" * 100, "Smith", id="sharp-s"),
]


def _stored_name_key(app, youth_id: int) -> str:
    with app.app_context():
        return db.session.get(Youth, youth_id).name_key


@pytest.mark.parametrize(("first", "last"), LONGEST_NAMES)
def test_the_longest_names_are_stored_and_still_found_as_duplicates(
    app, client, officer, first, last
):
    created = create_youth(client, officer, first_name=first, last_name=last)
    assert (created["first_name"], created["last_name"]) == (first, last)
    key = _stored_name_key(app, created["id"])
    assert len(key) == Youth.__table__.c.name_key.type.length
    assert key.startswith(f"{last.casefold()} ")
    again = youth_payload(officer.id, first_name=first, last_name=last.upper())
    response = client.post("/api/v1/youths", json=again, headers=officer.headers)
    assert assert_problem(response, 409)["existing"]["id"] == created["id"]


@pytest.mark.parametrize(("first", "last"), LONGEST_NAMES)
def test_a_patch_to_the_longest_names_is_stored(app, client, officer, first, last):
    created = create_youth(client, officer)
    response = client.patch(
        f"/api/v1/youths/{created['id']}",
        json={"first_name": first, "last_name": last},
        headers={**officer.headers, "If-Match": f'"{created["version"]}"'},
    )
    assert response.status_code == 200, response.get_json()
    assert len(_stored_name_key(app, created["id"])) == Youth.__table__.c.name_key.type.length


def test_empty_patch_is_422(app, client, officer):
    created = create_youth(client, officer)
    response = client.patch(
        f"/api/v1/youths/{created['id']}",
        json={},
        headers={**officer.headers, "If-Match": f'"{created["version"]}"'},
    )
    assert_problem(response, 422, "_body")
    with app.app_context():
        assert db.session.get(Youth, created["id"]).version == created["version"]
    assert audit_actions(app, action="youth_updated") == []


def test_close_and_reopen_by_a_senior_officer_with_a_reason(app, client, officer, senior):
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    reason = {"reason": "No longer at risk after moving out of London."}
    assert_problem(client.post(f"{path}/close", json=reason, headers=officer.headers), 403)
    assert_problem(client.post(f"{path}/close", json={}, headers=senior.headers), 422, "reason")
    closed = client.post(f"{path}/close", json=reason, headers=senior.headers)
    assert closed.status_code == 200
    body = closed.get_json()
    assert (body["status"], body["next_visit_due"], body["closed_on"]) == (
        "closed",
        None,
        clock.today().isoformat(),
    )
    assert_problem(client.post(f"{path}/close", json=reason, headers=senior.headers), 409)
    reopened = client.post(
        f"{path}/reopen", json={"reason": "New concerns raised."}, headers=senior.headers
    )
    assert reopened.status_code == 200
    body = reopened.get_json()
    assert body["status"] == "active"
    assert body["next_visit_due"] == created["next_visit_due"]
    assert body["closed_on"] is None
    assert_problem(client.post(f"{path}/reopen", json=reason, headers=senior.headers), 409)
    with app.app_context():
        changes = db.session.scalars(sa.select(YouthStatusChange).order_by(YouthStatusChange.id))
        assert [(c.action, c.changed_by_id) for c in changes] == [
            ("close", senior.id),
            ("reopen", senior.id),
        ]
    assert [e.action for e in audit_actions(app, record_type="youth")][-2:] == [
        "youth_closed",
        "youth_reopened",
    ]


def test_reopening_someone_now_past_the_cohorts_age_is_422_and_changes_nothing(
    app, client, officer, senior
):
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    reason = {"reason": "Moved out of London."}
    assert client.post(f"{path}/close", json=reason, headers=senior.headers).status_code == 200
    # Entered at 24, closed, and 26 today: the cohort is for ages 10 to 25.
    today = clock.today()
    with app.app_context():
        youth = db.session.get(Youth, created["id"])
        youth.date_of_birth = today.replace(year=today.year - 26) - timedelta(days=1)
        youth.entered_on = today.replace(year=today.year - 2)
        db.session.commit()
    before = row_counts(app)
    response = client.post(f"{path}/reopen", json={"reason": "Back."}, headers=senior.headers)
    assert_problem(response, 422, "date_of_birth")
    assert "26" in response.get_json()["errors"]["date_of_birth"][0]
    assert row_counts(app) == before
    with app.app_context():
        assert db.session.get(Youth, created["id"]).status == "closed"
    assert audit_actions(app, action="youth_reopened") == []


def test_sql_and_html_in_free_text_are_stored_verbatim_and_returned_as_json(app, client, officer):
    nasty_name = "Robert'); DROP TABLE youths;--"
    nasty_address = '<script>alert("x")</script> & <b>1</b>'
    created = create_youth(client, officer, first_name=nasty_name, address=nasty_address)
    response = client.get(f"/api/v1/youths/{created['id']}", headers=officer.headers)
    assert response.mimetype == "application/json"
    assert response.get_json()["first_name"] == nasty_name
    assert response.get_json()["address"] == nasty_address
    with app.app_context():
        stored = db.session.get(Youth, created["id"])
        assert (stored.first_name, stored.address) == (nasty_name, nasty_address)


def test_unknown_and_absurd_ids_are_404(client, officer):
    for youth_id in (0, 424242, 99_999_999_999_999_999_999):
        assert_problem(client.get(f"/api/v1/youths/{youth_id}", headers=officer.headers), 404)
        visits = client.get(f"/api/v1/youths/{youth_id}/visits", headers=officer.headers)
        assert_problem(visits, 404)
    huge = client.get("/api/v1/youths?q=YP-999999999999", headers=officer.headers)
    assert huge.get_json()["items"] == []
