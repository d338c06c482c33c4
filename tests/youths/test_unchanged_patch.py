"""A PATCH that names fields but changes none: no new version, audited as the read it is."""

from __future__ import annotations

import re
from datetime import timedelta

from sywc import clock
from sywc.extensions import db
from sywc.youths.models import Youth
from tests.conftest import assert_problem, audit_actions, youth_trail
from tests.youths.helpers import create_youth

# What a change to a record, its flags or its other cohorts would send.
RECORD_WRITE = re.compile(
    r"^\s*(UPDATE|INSERT INTO|DELETE FROM) (youths|youth_flags|youth_cohorts)\b"
)


def _stored(app, youth_id):
    with app.app_context():
        youth = db.session.get(Youth, youth_id)
        return youth.version, youth.updated_at, youth.last_activity_at


def _same_values(created):
    """Every field a PATCH takes, as the record holds it, sent as a client might."""
    return {
        "first_name": f"  {created['first_name']} ",  # trimmed as on the way in
        "last_name": created["last_name"],
        "date_of_birth": created["date_of_birth"],
        "gender": created["gender"],
        "ethnicity": created["ethnicity"],
        "ward": created["ward"],
        "address": created["address"],
        "lead_agency": created["lead_agency"],
        "lead_officer_id": created["lead_officer_id"],
        "cohort_reason": created["cohort_reason"],
        "flags": list(reversed(created["flags"])),  # a set: the order is not a change
        "other_cohorts": created["other_cohorts"],
        "review_by": created["review_by"],
    }


def test_an_unchanged_patch_keeps_the_version_writes_nothing_and_is_audited_as_a_read(
    app, client, officer, auditor, count_statements
):
    created = create_youth(client, officer, flags=["county_lines", "weapon"])
    path = f"/api/v1/youths/{created['id']}"
    before = _stored(app, created["id"])
    body = _same_values(created)
    with count_statements() as counted:
        response = client.patch(
            path, json=body, headers={**officer.headers, "If-Match": f'"{created["version"]}"'}
        )
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == f'"{created["version"]}"'
    assert response.get_json() == created
    assert [s for s in counted.statements if RECORD_WRITE.match(s)] == []
    assert _stored(app, created["id"]) == before
    assert audit_actions(app, action="youth_updated") == []
    [event] = audit_actions(app, action="youth_viewed")
    assert (event.record_type, event.record_id, event.actor_id) == (
        "youth",
        str(created["id"]),
        officer.id,
    )
    assert event.details == {"unchanged": sorted(body)}
    # "Who saw this child" finds the request, with the fields it named.
    [seen] = [e for e in youth_trail(client, auditor, created["id"]) if e["id"] == event.id]
    assert seen["details"] == {"unchanged": sorted(body)}


def test_another_officers_if_match_stays_good_after_an_unchanged_patch(
    app, client, officer, make_user
):
    colleague = make_user("officer", "IGXU")
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    etag = client.get(path, headers=colleague.headers).headers["ETag"]
    unchanged = client.patch(
        path, json={"gender": created["gender"]}, headers={**officer.headers, "If-Match": etag}
    )
    assert (unchanged.status_code, unchanged.headers["ETag"]) == (200, etag)
    changed = client.patch(
        path, json={"address": "2 Other Street"}, headers={**colleague.headers, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["version"] == created["version"] + 1
    with app.app_context():
        assert db.session.get(Youth, created["id"]).address == "2 Other Street"


def test_an_unchanged_patch_still_needs_a_current_if_match(app, client, officer):
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    first = {**officer.headers, "If-Match": f'"{created["version"]}"'}
    assert client.patch(path, json={"address": "2 Other Street"}, headers=first).status_code == 200
    same = {"address": "2 Other Street"}
    assert_problem(client.patch(path, json=same, headers=officer.headers), 428)
    events_before = len(audit_actions(app))
    assert_problem(client.patch(path, json=same, headers=first), 412)
    assert len(audit_actions(app)) == events_before
    assert _stored(app, created["id"])[0] == created["version"] + 1


def test_only_the_fields_that_differ_are_changed_and_audited(app, client, officer):
    created = create_youth(client, officer)
    response = client.patch(
        f"/api/v1/youths/{created['id']}",
        json={
            "first_name": created["first_name"],
            "flags": created["flags"],
            "address": "2 Other Street",
        },
        headers={**officer.headers, "If-Match": f'"{created["version"]}"'},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == created["version"] + 1
    assert response.headers["ETag"] == f'"{created["version"] + 1}"'
    [event] = audit_actions(app, action="youth_updated")
    assert event.details == {"changed": ["address"]}
    assert audit_actions(app, action="youth_viewed") == []


def test_a_value_already_stored_is_not_judged_again_as_a_new_one(app, client, officer):
    # A review date that has since passed would be refused as a new one; sent back as it
    # is (a client saving the whole form), it changes nothing and is no error.
    created = create_youth(client, officer)
    passed = clock.today() - timedelta(days=3)
    with app.app_context():
        db.session.get(Youth, created["id"]).review_by = passed
        db.session.commit()
    before = _stored(app, created["id"])
    response = client.patch(
        f"/api/v1/youths/{created['id']}",
        json={"review_by": passed.isoformat()},
        headers={**officer.headers, "If-Match": f'"{before[0]}"'},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["review_by"] == passed.isoformat()
    assert _stored(app, created["id"]) == before
    moved = client.patch(
        f"/api/v1/youths/{created['id']}",
        json={"review_by": (passed - timedelta(days=1)).isoformat()},
        headers={**officer.headers, "If-Match": f'"{before[0]}"'},
    )
    assert_problem(moved, 422, "review_by")
