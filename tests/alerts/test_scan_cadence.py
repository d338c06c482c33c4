"""A change of the visit cadence reaches every stored due date at the next scan."""

from __future__ import annotations

from datetime import timedelta

from sywc.alerts.scan import scan
from sywc.extensions import db
from sywc.youths.models import Youth
from tests import factories
from tests.alerts.conftest import NOW, TODAY, alerts
from tests.conftest import audit_actions

LATER = NOW + timedelta(minutes=15)


def redeploy(app, **cadence):
    """Change the cadence as a restart with new CADENCE_*_DAYS does (read at each scan)."""
    app.config["VISIT_CADENCE_DAYS"] = {**app.config["VISIT_CADENCE_DAYS"], **cadence}


def make_seen(app, rag, days_ago, **overrides):
    """A young person last seen `days_ago`, rated long before; returns the id."""
    with app.app_context():
        youth_id = factories.youth(
            rag=rag,
            rag_assessed_on=TODAY - timedelta(days=20),
            last_seen_on=TODAY - timedelta(days=days_ago),
            **overrides,
        ).id
        db.session.commit()
    return youth_id


def stored(app, youth_id):
    with app.app_context():
        youth = db.session.get(Youth, youth_id)
        return youth.next_visit_due, youth.version, youth.updated_at, youth.last_activity_at


def test_a_tightened_red_cadence_raises_the_alert_the_stored_date_hid(app):
    red, amber = make_seen(app, "red", 7), make_seen(app, "amber", 7)
    with app.app_context():
        assert scan(now=NOW).rescheduled == []
    assert alerts(app, "missed_visit") == []
    before = stored(app, red)
    redeploy(app, red=5)
    with app.app_context():
        result = scan(now=LATER)
    assert (result.rescheduled, result.as_dict()["rescheduled"]) == ([red], 1)
    assert [(a.subject_id, a.status, a.due_on) for a in alerts(app, "missed_visit")] == [
        (red, "open", TODAY - timedelta(days=2))
    ]
    assert result.opened["missed_visit"] == 1
    # Only the derived date moved: no edit for an officer's If-Match to trip over, and
    # the retention clock (last activity) is not restarted.
    assert stored(app, red) == (TODAY - timedelta(days=2), *before[1:])
    assert stored(app, amber)[0] == TODAY + timedelta(days=23)


def test_a_loosened_cadence_resolves_the_alert_it_no_longer_supports(app):
    red = make_seen(app, "red", 9)
    with app.app_context():
        scan(now=NOW)
    assert [a.status for a in alerts(app, "missed_visit")] == ["open"]
    redeploy(app, red=14)
    with app.app_context():
        result = scan(now=LATER)
    (alert,) = alerts(app, "missed_visit")
    assert (alert.status, alert.resolution) == ("resolved", "cause_cleared")
    assert alert.resolved_at == LATER
    assert (result.rescheduled, result.resolved["missed_visit"]) == ([red], 1)
    assert stored(app, red)[0] == TODAY + timedelta(days=5)


def test_the_realignment_is_one_system_event_naming_the_records(app, client, auditor):
    reds = sorted([make_seen(app, "red", 1), make_seen(app, "red", 2)])
    make_seen(app, "green", 2)
    redeploy(app, red=5)
    with app.app_context():
        scan(now=NOW)
    (event,) = audit_actions(app, action="visit_schedules_realigned")
    assert (event.actor_type, event.record_type) == ("system", "youth")
    assert event.record_ids == [str(i) for i in reds]
    assert event.details == {
        "cadence_days": {"red": 5, "amber": 30, "green": 91},
        "as_of": TODAY.isoformat(),
    }
    assert "Test" not in str(event.details)
    (scanned,) = audit_actions(app, action="alerts_scanned")
    assert scanned.details["rescheduled"] == 2
    # Each record's own trail names the change.
    response = client.get(
        f"/api/v1/audit-events?record_type=youth&record_id={reds[0]}", headers=auditor.headers
    )
    assert response.status_code == 200, response.get_json()
    assert [e["action"] for e in response.get_json()["items"]] == ["visit_schedules_realigned"]
    # Once in line, later scans rewrite nothing and record nothing more.
    with app.app_context():
        assert scan(now=LATER).rescheduled == []
    assert len(audit_actions(app, action="visit_schedules_realigned")) == 1


def test_the_overdue_filter_and_worklist_follow_the_new_cadence(app, client, officer):
    red = make_seen(app, "red", 6, lead_officer_id=officer.id)
    overdue = client.get("/api/v1/youths?overdue=true", headers=officer.headers)
    assert overdue.status_code == 200, overdue.get_json()
    assert overdue.get_json()["items"] == []
    redeploy(app, red=5)
    with app.app_context():
        scan(now=NOW)
    overdue = client.get("/api/v1/youths?overdue=true", headers=officer.headers).get_json()
    assert [(y["id"], y["next_visit_due"]) for y in overdue["items"]] == [
        (red, (TODAY - timedelta(days=1)).isoformat())
    ]
    due = client.get("/api/v1/visits/due", headers=officer.headers)
    assert due.status_code == 200, due.get_json()
    assert [(y["id"], y["days_overdue"]) for y in due.get_json()["items"]] == [(red, 1)]


def test_a_closed_record_left_with_a_due_date_is_taken_off_the_schedule(app):
    with app.app_context():
        closed = factories.youth(
            status="closed", closed_on=TODAY, next_visit_due=TODAY - timedelta(days=3)
        ).id
        db.session.commit()
        assert scan(now=NOW).rescheduled == [closed]
    assert stored(app, closed)[0] is None
    assert alerts(app, "missed_visit") == []
