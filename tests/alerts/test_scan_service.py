"""The scan: every alert type opened when due and not before, resolved, never duplicated."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sywc.alerts.models import Alert, AlertEvent
from sywc.alerts.resolve import resolve_alerts
from sywc.alerts.scan import scan
from sywc.extensions import db
from sywc.youths.models import Youth
from tests import factories
from tests.alerts.cases import by_type
from tests.alerts.conftest import NOW, TODAY, alerts, events
from tests.conftest import audit_actions


@pytest.fixture
def people(app, officer, pvs_meeting):
    return {"owner": officer.id, "meeting": pvs_meeting}


def make(app, case, people, *days_past):
    with app.app_context():
        ids = [case.make(days, people) for days in days_past]
        db.session.commit()
        return ids


def run_scan(app, now=NOW):
    with app.app_context():
        return scan(now=now)


@by_type()
def test_opened_the_day_after_the_deadline_not_on_it_and_only_once(app, people, case):
    in_time, overdue = make(app, case, people, 0, 1)
    result = run_scan(app)
    opened = alerts(app, case.type)
    assert [(a.subject_id, a.status, a.due_on) for a in opened] == [
        (overdue, "open", case.due_on(1))
    ]
    assert result.opened[case.type] == 1
    assert events(app, opened[0].id) == [(opened[0].id, "opened")]
    # Scanning again, then the next day (when the other is due too), opens no duplicate.
    assert run_scan(app, NOW + timedelta(minutes=15)).opened[case.type] == 0
    assert run_scan(app, NOW + timedelta(days=1)).opened[case.type] == 1
    assert sorted(a.subject_id for a in alerts(app, case.type)) == sorted([in_time, overdue])
    assert len(events(app)) == len(alerts(app))


@by_type()
def test_resolved_once_the_cause_is_removed(app, people, case):
    (subject,) = make(app, case, people, 3)
    run_scan(app)
    with app.app_context():
        case.clear(subject)
        db.session.commit()
    result = run_scan(app, NOW + timedelta(minutes=15))
    (alert,) = alerts(app, case.type)
    assert (alert.status, alert.resolution) == ("resolved", "cause_cleared")
    assert alert.resolved_at == NOW + timedelta(minutes=15)
    assert result.resolved[case.type] == 1
    assert [e for _, e in events(app, alert.id)] == ["opened", "resolved"]
    assert run_scan(app, NOW + timedelta(minutes=30)).opened[case.type] == 0


@by_type()
def test_a_scan_after_a_week_down_catches_up(app, people, case):
    # One falls due in three days, the other is due now and is dealt with meanwhile;
    # the next scan comes only a week later.
    upcoming, dealt_with = make(app, case, people, -3, 2)
    assert run_scan(app).opened[case.type] == 1
    with app.app_context():
        case.clear(dealt_with)
        db.session.commit()
    result = run_scan(app, NOW + timedelta(days=7))
    found = {a.subject_id: (a.status, a.due_on) for a in alerts(app, case.type)}
    assert found == {upcoming: ("open", case.due_on(-3)), dealt_with: ("resolved", case.due_on(2))}
    assert (result.opened[case.type], result.resolved[case.type]) == (1, 1)


def test_a_closed_record_gets_no_visit_alert_and_loses_its_open_one(app):
    with app.app_context():
        overdue = factories.youth(rag="red", next_visit_due=TODAY - timedelta(days=3)).id
        # Defensive: even a closed record whose schedule was left behind gets none.
        closed = factories.youth(
            status="closed", closed_on=TODAY, next_visit_due=TODAY - timedelta(days=3)
        ).id
        db.session.commit()
    run_scan(app)
    assert [a.subject_id for a in alerts(app, "missed_visit")] == [overdue]
    with app.app_context():
        youth = db.session.get(Youth, overdue)
        youth.status, youth.closed_on, youth.next_visit_due = "closed", TODAY, None
        db.session.commit()
    result = run_scan(app, NOW + timedelta(hours=1))
    assert result.resolved["missed_visit"] == 1
    missed = alerts(app, "missed_visit")
    assert [(a.subject_id, a.status) for a in missed] == [(overdue, "resolved")]
    assert closed not in {a.subject_id for a in alerts(app)}


def test_missed_visit_escalates_after_one_more_cadence_period(app):
    with app.app_context():
        # Red: weekly visits. Due 7 days ago is level 1; 8 days ago is past one more week.
        week = factories.youth(rag="red", next_visit_due=TODAY - timedelta(days=7)).id
        longer = factories.youth(rag="red", next_visit_due=TODAY - timedelta(days=8)).id
        db.session.commit()
    run_scan(app)
    levels = {a.subject_id: a.escalation_level for a in alerts(app, "missed_visit")}
    assert levels == {week: 1, longer: 2}
    result = run_scan(app, NOW + timedelta(days=1))
    assert result.escalated["missed_visit"] == 1
    (escalated,) = [a for a in alerts(app, "missed_visit") if a.subject_id == week]
    assert escalated.escalation_level == 2
    assert [e for _, e in events(app, escalated.id)] == ["opened", "escalated"]


def _acknowledge(app, alert_id, user_id):
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        alert.status, alert.acknowledged_at, alert.acknowledged_by_id = "acknowledged", NOW, user_id
        db.session.add(
            AlertEvent(alert_id=alert_id, event="acknowledged", at=NOW, actor_id=user_id)
        )
        db.session.commit()


def test_an_escalation_or_a_new_lead_agency_reopens_an_acknowledged_alert(app, officer):
    with app.app_context():
        # Red: weekly visits. Due a week ago is one day short of escalating; the others
        # are three days overdue, a long way from it.
        rising = factories.youth(rag="red", next_visit_due=TODAY - timedelta(days=7)).id
        moved, kept = (
            factories.youth(rag="red", next_visit_due=TODAY - timedelta(days=3)).id
            for _ in range(2)
        )
        db.session.commit()
    run_scan(app)
    by_subject = {a.subject_id: a.id for a in alerts(app, "missed_visit")}
    for youth_id in (rising, moved, kept):
        _acknowledge(app, by_subject[youth_id], officer.id)
    # By the next morning `rising` is a further week overdue and `moved` has gone to the YOT.
    with app.app_context():
        db.session.get(Youth, moved).lead_agency = "YOT"
        db.session.commit()
    run_scan(app, NOW + timedelta(days=1))
    found = {
        a.subject_id: (a.status, a.acknowledged_at, a.acknowledged_by_id, a.agency)
        for a in alerts(app, "missed_visit")
    }
    # Acknowledged at level 1 by the old agency: the escalation and the new agency are
    # news the acknowledgement did not cover, so each is open again for whoever acts now.
    assert found == {
        rising: ("open", None, None, "MPS"),
        moved: ("open", None, None, "YOT"),
        kept: ("acknowledged", NOW, officer.id, "MPS"),
    }
    assert [e for _, e in events(app, by_subject[rising])] == [
        "opened",
        "acknowledged",
        "escalated",
    ]
    assert [e for _, e in events(app, by_subject[moved])] == [
        "opened",
        "acknowledged",
        "reassigned",
    ]
    assert [e for _, e in events(app, by_subject[kept])] == ["opened", "acknowledged"]


@pytest.mark.app_config({"VISIT_GRACE_DAYS": 2, "ESCALATION_EXTRA_PERIODS": 2})
def test_grace_and_escalation_periods_come_from_the_settings(app):
    with app.app_context():
        ids = {
            days: factories.youth(rag="red", next_visit_due=TODAY - timedelta(days=days)).id
            for days in (2, 3, 16, 17)
        }
        db.session.commit()
    run_scan(app)
    levels = {a.subject_id: a.escalation_level for a in alerts(app, "missed_visit")}
    # Missed after 2 days' grace; level 2 beyond grace + two weekly periods (16 days).
    assert levels == {ids[3]: 1, ids[16]: 1, ids[17]: 2}


@pytest.mark.parametrize(("rag", "period"), [("red", 28), ("amber", 56), ("green", 91)])
def test_each_rating_has_its_own_review_period(app, rag, period):
    with app.app_context():
        in_time = factories.youth(rag=rag, rag_assessed_on=TODAY - timedelta(days=period)).id
        due = factories.youth(rag=rag, rag_assessed_on=TODAY - timedelta(days=period + 1)).id
        for youth_id in (in_time, due):
            db.session.get(Youth, youth_id).next_visit_due = TODAY + timedelta(days=5)
        db.session.commit()
    run_scan(app)
    assert [(a.subject_id, a.due_on) for a in alerts(app, "rag_review_due")] == [
        (due, TODAY - timedelta(days=1))
    ]


def test_an_untouched_active_record_is_due_a_retention_review(app):
    with app.app_context():
        quiet = factories.youth(last_activity_at=NOW - timedelta(days=731))
        recent = factories.youth(last_activity_at=NOW - timedelta(days=700))
        for youth in (quiet, recent):
            youth.next_visit_due, youth.rag_assessed_on = TODAY + timedelta(days=5), TODAY
        db.session.commit()
        quiet_id = quiet.id
    run_scan(app)
    assert [a.subject_id for a in alerts(app, "retention_review_due")] == [quiet_id]


@pytest.mark.app_config({"RETENTION_MONTHS": 28})
def test_retention_months_clamp_to_the_end_of_a_shorter_month(app):
    with app.app_context():
        factories.youth(status="closed", closed_on=TODAY.replace(year=2024, month=5, day=31))
        db.session.commit()
    run_scan(app)
    # 31 May 2024 + 28 months is 30 September 2026 on both databases.
    assert [a.due_on for a in alerts(app, "retention_review_due")] == [
        TODAY.replace(month=9, day=30)
    ]


def test_an_alert_follows_changes_to_its_subject(app, make_user):
    with app.app_context():
        youth = factories.youth(rag="amber", next_visit_due=TODAY - timedelta(days=2))
        db.session.commit()
        youth_id = youth.id
    run_scan(app)
    with app.app_context():
        youth = db.session.get(Youth, youth_id)
        youth.lead_agency = "IGXU"
        # Rated red 11 days ago: due a week after, 4 days ago.
        youth.rag, youth.rag_assessed_on = "red", TODAY - timedelta(days=11)
        youth.next_visit_due = TODAY - timedelta(days=4)
        db.session.commit()
    run_scan(app, NOW + timedelta(minutes=15))
    (alert,) = alerts(app, "missed_visit")
    assert (alert.agency, alert.due_on, alert.status) == ("IGXU", TODAY - timedelta(days=4), "open")


def test_resolving_at_write_time_records_the_event_and_who(app, officer):
    with app.app_context():
        youth_id = factories.youth(next_visit_due=TODAY - timedelta(days=2)).id
        db.session.commit()
    run_scan(app)
    with app.app_context():
        count = resolve_alerts(
            subject_type="youth",
            subject_id=youth_id,
            types=["missed_visit"],
            now=NOW + timedelta(minutes=1),
            resolution="visit_seen",
            actor_id=officer.id,
        )
        db.session.commit()
    (alert,) = alerts(app, "missed_visit")
    assert (count, alert.status, alert.resolution) == (1, "resolved", "visit_seen")
    assert [e for _, e in events(app, alert.id)] == ["opened", "resolved"]
    with app.app_context():
        actors = db.session.scalars(
            sa.select(AlertEvent.actor_id)
            .where(AlertEvent.alert_id == alert.id)
            .order_by(AlertEvent.id)
        ).all()
    # The scan opened it (no user); the officer's change resolved it.
    assert actors == [None, officer.id]


def test_a_scan_that_changes_something_is_audited_without_names(app):
    with app.app_context():
        factories.youth(next_visit_due=TODAY - timedelta(days=2))
        db.session.commit()
    run_scan(app)
    run_scan(app, NOW + timedelta(minutes=15))
    (event,) = audit_actions(app, action="alerts_scanned")
    assert event.actor_type == "system"
    assert event.details["opened"]["missed_visit"] == 1
    assert "Test" not in str(event.details)


def test_the_scan_records_alerts_against_the_agency_concerned(app, people):
    with app.app_context():
        youth = factories.youth(lead_agency="YOT", next_visit_due=TODAY - timedelta(days=1))
        factories.referral(youth_id=youth.id, to_agency="MASH", acknowledge_by=TODAY - timedelta(1))
        factories.action(
            meeting_id=people["meeting"],
            owner_id=people["owner"],
            created_by_id=people["owner"],
            agency="CSC",
            borough="RBKC",
            due_on=TODAY - timedelta(days=1),
        )
        db.session.commit()
    run_scan(app)
    found = {(a.type, a.agency, a.borough) for a in alerts(app)}
    assert found == {
        ("missed_visit", "YOT", "WCC"),
        ("referral_overdue", "MASH", "WCC"),
        ("pvs_action_overdue", "CSC", "RBKC"),
    }
    with app.app_context():
        owners = db.session.scalars(
            sa.text("SELECT owner_id FROM alerts WHERE type = 'pvs_action_overdue'")
        ).all()
    assert owners == [people["owner"]]
