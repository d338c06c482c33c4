"""An active record past its review-by date is due a retention review: is it still needed?"""

from __future__ import annotations

from datetime import timedelta

from sywc.alerts.scan import scan
from sywc.extensions import db
from tests import factories
from tests.alerts.cases import months_before
from tests.alerts.conftest import NOW, TODAY, alerts, events

LATER = NOW + timedelta(minutes=15)


def make(app, **overrides):
    """A young person rated three days ago and active now, no visit due yet; returns the id."""
    with app.app_context():
        youth_id = factories.youth(lead_agency="MPS", **overrides).id
        db.session.commit()
    return youth_id


def run_scan(app, now=NOW):
    with app.app_context():
        return scan(now=now)


def due(app):
    return {a.subject_id: (a.status, a.due_on) for a in alerts(app, "retention_review_due")}


def test_nothing_but_a_passed_review_date_raises_it_for_the_lead_agency(app, client, officer):
    passed = make(app, review_by=TODAY - timedelta(days=200))
    make(app, review_by=TODAY)  # the last day still in time
    result = run_scan(app)
    assert due(app) == {passed: ("open", TODAY - timedelta(days=200))}
    assert [a.type for a in alerts(app)] == ["retention_review_due"]
    assert result.opened["retention_review_due"] == 1
    response = client.get("/api/v1/alerts?type=retention_review_due", headers=officer.headers)
    assert response.status_code == 200, response.get_json()
    (item,) = response.get_json()["items"]
    assert (item["youth_id"], item["days_overdue"]) == (passed, 200)


def test_the_earlier_of_the_review_date_and_the_retention_date_is_due(app):
    # Untouched for 25 months: held a month past the 24 months of retention.
    quiet = NOW.replace(year=NOW.year - 2, month=NOW.month - 1)
    by_review = make(app, review_by=months_before(TODAY, 3), last_activity_at=quiet)
    by_retention = make(app, review_by=TODAY - timedelta(days=10), last_activity_at=quiet)
    held = make(app, review_by=TODAY + timedelta(days=10), last_activity_at=quiet)
    run_scan(app)
    assert due(app) == {
        by_review: ("open", months_before(TODAY, 3)),
        by_retention: ("open", months_before(TODAY, 1)),
        held: ("open", months_before(TODAY, 1)),
    }


def test_moving_the_review_date_forward_resolves_it_at_the_next_scan(app, client, officer):
    youth_id = make(app, review_by=TODAY - timedelta(days=3))
    run_scan(app)
    path = f"/api/v1/youths/{youth_id}"
    etag = client.get(path, headers=officer.headers).headers["ETag"]
    review_by = (TODAY + timedelta(days=90)).isoformat()
    response = client.patch(
        path, json={"review_by": review_by}, headers={**officer.headers, "If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["review_by"] == review_by
    result = run_scan(app, LATER)
    (alert,) = alerts(app, "retention_review_due")
    assert (alert.status, alert.resolution, alert.resolved_at) == (
        "resolved",
        "cause_cleared",
        LATER,
    )
    assert result.resolved["retention_review_due"] == 1
    assert [e for _, e in events(app, alert.id)] == ["opened", "resolved"]


def test_closing_the_record_resolves_it_while_the_closure_is_within_retention(app, client, senior):
    youth_id = make(app, review_by=TODAY - timedelta(days=3))
    recently_closed = make(
        app,
        status="closed",
        closed_on=TODAY - timedelta(days=30),
        next_visit_due=None,
        review_by=TODAY - timedelta(days=300),
    )
    run_scan(app)
    assert due(app) == {youth_id: ("open", TODAY - timedelta(days=3))}
    response = client.post(
        f"/api/v1/youths/{youth_id}/close",
        json={"reason": "Moved out of the borough"},
        headers=senior.headers,
    )
    assert response.status_code == 200, response.get_json()
    assert run_scan(app, LATER).resolved["retention_review_due"] == 1
    assert due(app) == {youth_id: ("resolved", TODAY - timedelta(days=3))}
    assert recently_closed not in {a.subject_id for a in alerts(app)}
