"""GET /alerts and POST /alerts/{id}/acknowledge: who sees what, and acknowledging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sywc.alerts.scan import scan
from sywc.extensions import db
from sywc.youths.models import Youth
from tests import factories
from tests.alerts.conftest import NOW, TODAY, alerts, events
from tests.conftest import assert_problem, audit_actions, youth_trail


@pytest.fixture
def scene(app):
    """Alerts of several agencies and boroughs, raised by a scan; returns youth/referral ids."""
    with app.app_context():
        ids = {
            "mps": factories.youth(rag="amber", next_visit_due=TODAY - timedelta(days=2)).id,
            "yot_escalated": factories.youth(
                rag="red", lead_agency="YOT", next_visit_due=TODAY - timedelta(days=10)
            ).id,
            "mps_rbkc": factories.youth(
                borough="RBKC", rag="amber", next_visit_due=TODAY - timedelta(days=1)
            ).id,
        }
        ids["referral"] = factories.referral(
            youth_id=ids["mps"], to_agency="IGXU", acknowledge_by=TODAY - timedelta(days=1)
        ).id
        db.session.commit()
        scan(now=NOW)
    return ids


def listed(client, account, query=""):
    response = client.get(f"/api/v1/alerts{query}", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kinds(body):
    return sorted((item["type"], item["subject_id"]) for item in body["items"])


def test_officers_see_their_agencys_alerts_in_their_boroughs(client, make_user, scene):
    mps = make_user("officer", "MPS")
    igxu = make_user("officer", "IGXU")
    rbkc = make_user("officer", "MPS", boroughs=["RBKC"])
    assert kinds(listed(client, mps)) == [("missed_visit", scene["mps"])]
    assert kinds(listed(client, igxu)) == [("referral_overdue", scene["referral"])]
    assert kinds(listed(client, rbkc)) == [("missed_visit", scene["mps_rbkc"])]


def test_senior_officers_also_see_every_level_two_escalation(client, make_user, scene):
    senior_mps = make_user("senior_officer", "MPS")
    senior_csc = make_user("senior_officer", "CSC")
    assert kinds(listed(client, senior_mps)) == sorted(
        [("missed_visit", scene["mps"]), ("missed_visit", scene["yot_escalated"])]
    )
    assert kinds(listed(client, senior_csc)) == [("missed_visit", scene["yot_escalated"])]
    officer_csc = make_user("officer", "CSC")
    assert kinds(listed(client, officer_csc)) == []


def test_roles_without_case_work_may_not_list_alerts(client, admin, auditor, board_member):
    for account in (admin, auditor, board_member):
        assert_problem(client.get("/api/v1/alerts", headers=account.headers), 403)
    assert_problem(client.get("/api/v1/alerts"), 401)


def test_an_alert_carries_its_due_date_days_overdue_and_level(client, make_user, scene):
    senior = make_user("senior_officer", "YOT")
    (item,) = listed(client, senior)["items"]
    assert item["youth_id"] == scene["yot_escalated"]
    assert item["due_on"] == (TODAY - timedelta(days=10)).isoformat()
    assert (item["days_overdue"], item["escalation_level"], item["status"]) == (10, 2, "open")
    assert item["agency"] == "YOT"


def test_filters_narrow_within_what_the_caller_may_see(client, make_user, scene):
    senior = make_user("senior_officer", "MPS")
    assert kinds(listed(client, senior, "?escalation_level=2")) == [
        ("missed_visit", scene["yot_escalated"])
    ]
    assert kinds(listed(client, senior, f"?youth_id={scene['mps']}")) == [
        ("missed_visit", scene["mps"])
    ]
    assert listed(client, senior, "?type=referral_overdue")["items"] == []
    assert listed(client, senior, "?agency=IGXU")["items"] == []
    assert listed(client, senior, "?borough=RBKC")["items"] == []


def test_resolved_alerts_are_listed_only_when_asked_for(app, client, officer, scene):
    with app.app_context():
        youth = db.session.get(Youth, scene["mps"])
        youth.last_seen_on, youth.next_visit_due = TODAY, TODAY + timedelta(days=30)
        db.session.commit()
        scan(now=NOW + timedelta(minutes=15))
    assert listed(client, officer)["items"] == []
    (item,) = listed(client, officer, "?status=resolved&status=open")["items"]
    assert (item["status"], item["days_overdue"]) == ("resolved", 2)


def test_unknown_or_bad_filters_are_refused(client, officer):
    assert_problem(client.get("/api/v1/alerts?kind=x", headers=officer.headers), 422)
    assert_problem(client.get("/api/v1/alerts?type=nope", headers=officer.headers), 422, "type")


def test_a_list_page_is_audited_with_alert_and_youth_ids(app, client, officer, scene):
    body = listed(client, officer)
    (event,) = audit_actions(app, action="alerts_listed")
    assert event.record_type == "youth"
    assert event.record_ids == [str(scene["mps"])]
    assert event.details["alert_ids"] == [item["id"] for item in body["items"]]
    assert event.actor_id == officer.id


def test_a_list_costs_the_same_statements_whatever_the_page_size(
    app, client, officer, count_statements
):
    with app.app_context():
        for days in range(1, 31):
            factories.youth(next_visit_due=TODAY - timedelta(days=days))
        db.session.commit()
        scan(now=NOW)
    # Those unseen longest have a stale rating too; the visits alone make the 30.
    with count_statements() as small:
        assert len(listed(client, officer, "?type=missed_visit&limit=2")["items"]) == 2
    with count_statements() as large:
        assert len(listed(client, officer, "?type=missed_visit&limit=30")["items"]) == 30
    assert small.beyond_totals == large.beyond_totals
    page_two = listed(client, officer, "?type=missed_visit&limit=20&page=2")
    assert (page_two["total"], len(page_two["items"]), page_two["prev_page"]) == (30, 10, 1)


def _alert_id(app, subject_id, alert_type="missed_visit"):
    return next(a.id for a in alerts(app, alert_type) if a.subject_id == subject_id)


def test_acknowledging_records_who_and_when(app, client, officer, scene):
    alert_id = _alert_id(app, scene["mps"])
    response = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=officer.headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "acknowledged"
    assert body["acknowledged_by_id"] == officer.id
    assert body["acknowledged_at"].startswith(NOW.date().isoformat())
    assert [e for _, e in events(app, alert_id)] == ["opened", "acknowledged"]
    (event,) = audit_actions(app, action="alert_acknowledged")
    assert (event.record_id, event.actor_id) == (str(alert_id), officer.id)
    again = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=officer.headers)
    assert_problem(again, 409)
    # Still listed (unresolved) until its cause goes.
    assert [i["status"] for i in listed(client, officer)["items"]] == ["acknowledged"]


def test_an_acknowledgement_is_in_the_young_persons_trail(app, client, officer, auditor, scene):
    alert_id = _alert_id(app, scene["mps"])
    response = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=officer.headers)
    assert response.get_json()["youth_id"] == scene["mps"]
    [shown] = youth_trail(client, auditor, scene["mps"])
    assert (shown["action"], shown["actor_id"], shown["details"]) == (
        "youths_shown",
        officer.id,
        {"via": "alert", "via_ids": [alert_id]},
    )


def test_an_acknowledged_alert_is_still_resolved_by_the_scan(app, client, officer, scene):
    alert_id = _alert_id(app, scene["mps"])
    client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=officer.headers)
    with app.app_context():
        youth = db.session.get(Youth, scene["mps"])
        youth.last_seen_on, youth.next_visit_due = TODAY, TODAY + timedelta(days=30)
        db.session.commit()
        scan(now=NOW + timedelta(minutes=15))
    assert [a.status for a in alerts(app, "missed_visit") if a.id == alert_id] == ["resolved"]
    resolved = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=officer.headers)
    assert_problem(resolved, 409)


def test_an_alert_the_caller_may_not_see_is_not_found(app, client, make_user, scene):
    igxu = make_user("officer", "IGXU")
    alert_id = _alert_id(app, scene["mps"])
    assert_problem(client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=igxu.headers), 404)
    assert_problem(client.post("/api/v1/alerts/999999/acknowledge", headers=igxu.headers), 404)
    assert [a.status for a in alerts(app) if a.id == alert_id] == ["open"]


def test_acknowledge_takes_no_fields(app, client, officer, scene):
    alert_id = _alert_id(app, scene["mps"])
    url = f"/api/v1/alerts/{alert_id}/acknowledge"
    assert_problem(client.post(url, json={"note": "x"}, headers=officer.headers), 422)
    assert client.post(url, json={}, headers=officer.headers).status_code == 200


def test_admins_may_not_acknowledge(app, client, admin, scene):
    alert_id = _alert_id(app, scene["mps"])
    url = f"/api/v1/alerts/{alert_id}/acknowledge"
    assert_problem(client.post(url, headers=admin.headers), 403)


def test_recording_the_missing_visit_through_the_api_resolves_its_alert(
    app, client, officer, scene
):
    alert_id = _alert_id(app, scene["mps"])
    visit = client.post(
        f"/api/v1/youths/{scene['mps']}/visits",
        json={
            "visited_at": (NOW - timedelta(hours=1)).isoformat(),
            "officer_ids": [officer.id],
            "outcome": "seen",
        },
        headers=officer.headers,
    )
    assert visit.status_code == 201, visit.get_json()
    assert listed(client, officer)["items"] == []
    (alert,) = [a for a in alerts(app) if a.id == alert_id]
    assert alert.status == "resolved"
    assert [e for _, e in events(app, alert_id)] == ["opened", "resolved"]
    with app.app_context():
        assert scan(now=NOW + timedelta(minutes=15)).opened["missed_visit"] == 0


def test_a_senior_of_another_agency_sees_an_escalation_but_does_not_acknowledge_it(
    app, client, make_user, scene
):
    senior_csc = make_user("senior_officer", "CSC")
    senior_yot = make_user("senior_officer", "YOT")
    alert_id = _alert_id(app, scene["yot_escalated"])
    url = f"/api/v1/alerts/{alert_id}/acknowledge"
    assert_problem(client.post(url, headers=senior_csc.headers), 403)
    assert client.post(url, headers=senior_yot.headers).status_code == 200
