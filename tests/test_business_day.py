"""The business day is London's: dates turn over at midnight in London, summer and winter.

In summer (BST, UTC+1) the hour from 00:00 to 01:00 in London is still the day before in
UTC; in winter (GMT) London is UTC. Each rule that depends on "today" or on the day of a
timestamp is checked in that hour and at the same hour of a winter night.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from sywc import clock
from sywc.alerts.models import Alert, JobRun
from sywc.alerts.scan import scan
from sywc.alerts.sqldates import database_knows_zone, local_date
from sywc.database import UTCDateTime
from sywc.extensions import db
from sywc.scheduler import ALERT_SCAN, run_job
from sywc.youths.models import RagAssessment, Youth
from tests import factories
from tests.conftest import assert_problem
from tests.youths.helpers import create_youth

WHY = "Named in a stabbing investigation this week."

# 00:30 BST on Thursday 2 July 2026, still 1 July in UTC.
SUMMER = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
# 23:30 GMT on Thursday 15 January 2026: the same day in London and UTC.
WINTER = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
# (the instant, London's date then, the day after)
NIGHTS = [
    pytest.param((SUMMER, date(2026, 7, 2), date(2026, 7, 3)), id="summer"),
    pytest.param((WINTER, date(2026, 1, 15), date(2026, 1, 16)), id="winter"),
]


@pytest.fixture
def night(request, monkeypatch):
    """Freeze the clock at the test's instant; return (instant, London's date, the next)."""
    moment, today, tomorrow = request.param
    monkeypatch.setattr("sywc.clock.utcnow", lambda: moment)
    return moment, today, tomorrow


def _ratings(app, youth_id):
    with app.app_context():
        stmt = sa.select(RagAssessment.assessed_on, RagAssessment.rating).where(
            RagAssessment.youth_id == youth_id
        )
        return sorted(db.session.execute(stmt).all())


@pytest.mark.parametrize("night", NIGHTS, indirect=True)
def test_a_rating_dated_today_in_london_is_taken_and_tomorrow_refused(app, client, night, officer):
    _, today, tomorrow = night
    youth = create_youth(client, officer, rag="green")
    assert (youth["entered_on"], youth["rag_assessed_on"]) == (today.isoformat(),) * 2
    path = f"/api/v1/youths/{youth['id']}/rag-assessments"

    rated = client.post(
        path,
        json={"rating": "red", "rationale": WHY, "assessed_on": today.isoformat()},
        headers=officer.headers,
    )
    refused = client.post(
        path,
        json={"rating": "amber", "rationale": WHY, "assessed_on": tomorrow.isoformat()},
        headers=officer.headers,
    )
    undated = client.post(path, json={"rating": "red", "rationale": WHY}, headers=officer.headers)

    assert rated.status_code == 201, rated.get_json()
    assert rated.get_json()["assessed_on"] == today.isoformat()
    assert rated.get_json()["schedule"]["next_visit_due"] == (today + timedelta(7)).isoformat()
    body = assert_problem(refused, 422, "assessed_on")
    assert body["errors"]["assessed_on"] == ["Must not be in the future."]
    assert undated.status_code == 201, undated.get_json()
    assert undated.get_json()["assessed_on"] == today.isoformat()
    assert _ratings(app, youth["id"]) == [(today, "green"), (today, "red"), (today, "red")]
    with app.app_context():
        stored = db.session.get(Youth, youth["id"])
        assert (stored.rag, stored.rag_assessed_on) == ("red", today)
        assert stored.next_visit_due == today + timedelta(days=7)


@pytest.mark.app_config({"BUSINESS_TIMEZONE": "UTC"})
def test_the_configured_timezone_decides_the_day(app, client, monkeypatch, officer):
    monkeypatch.setattr("sywc.clock.utcnow", lambda: SUMMER)
    youth = create_youth(client, officer, rag="green")
    response = client.post(
        f"/api/v1/youths/{youth['id']}/rag-assessments",
        json={"rating": "red", "rationale": WHY, "assessed_on": "2026-07-02"},
        headers=officer.headers,
    )

    # In UTC it is still 1 July: the London day is "in the future" here.
    assert youth["entered_on"] == "2026-07-01"
    assert_problem(response, 422, "assessed_on")
    assert _ratings(app, youth["id"]) == [(date(2026, 7, 1), "green")]


@pytest.mark.parametrize("night", NIGHTS, indirect=True)
def test_the_scan_at_that_instant_finds_yesterdays_visit_missed(app, client, night, officer):
    moment, today, _ = night
    with app.app_context():
        missed = factories.youth(lead_officer_id=officer.id, next_visit_due=today - timedelta(1))
        due_today = factories.youth(lead_officer_id=officer.id, next_visit_due=today)
        missed_id, due_today_id = missed.id, due_today.id
        db.session.commit()
        run = run_job(ALERT_SCAN)
        assert (run.outcome, run.as_of) == ("succeeded", moment)
        assert run.counts["opened"]["missed_visit"] == 1
        found = db.session.execute(
            sa.select(Alert.subject_id, Alert.due_on, Alert.status).where(
                Alert.type == "missed_visit"
            )
        ).all()
    assert found == [(missed_id, today - timedelta(days=1), "open")]
    listed = client.get("/api/v1/youths?overdue=true", headers=officer.headers).get_json()
    assert [y["id"] for y in listed["items"]] == [missed_id]
    overdue = client.get(f"/api/v1/youths/{missed_id}", headers=officer.headers).get_json()
    in_time = client.get(f"/api/v1/youths/{due_today_id}", headers=officer.headers).get_json()
    assert (overdue["overdue"], overdue["days_overdue"]) == (True, 1)
    assert (in_time["overdue"], in_time["days_overdue"]) == (False, 0)
    alert = client.get("/api/v1/alerts", headers=officer.headers).get_json()["items"]
    assert [(a["youth_id"], a["days_overdue"]) for a in alert] == [(missed_id, 1)]


def test_a_visit_after_midnight_in_london_is_on_the_london_day(app, client, monkeypatch, officer):
    monkeypatch.setattr("sywc.clock.utcnow", lambda: SUMMER)
    youth = create_youth(client, officer, rag="red")
    path = f"/api/v1/youths/{youth['id']}/visits"
    body = {"officer_ids": [officer.id], "outcome": "seen", "notes": "Seen at home."}

    # 23:50 BST on 1 July: before the young person entered the cohort (2 July).
    before = client.post(
        path, json={**body, "visited_at": "2026-07-01T22:50:00Z"}, headers=officer.headers
    )
    # 00:10 BST on 2 July.
    after = client.post(
        path, json={**body, "visited_at": "2026-07-01T23:10:00Z"}, headers=officer.headers
    )

    assert_problem(before, 422, "visited_at")
    assert after.status_code == 201, after.get_json()
    schedule = after.get_json()["schedule"]
    assert (schedule["last_seen_on"], schedule["next_visit_due"]) == ("2026-07-02", "2026-07-09")
    with app.app_context():
        stored = db.session.get(Youth, youth["id"])
        assert (stored.last_seen_on, stored.next_visit_due) == (date(2026, 7, 2), date(2026, 7, 9))
        assert db.session.scalar(sa.text("SELECT count(*) FROM visits")) == 1


def test_the_worklist_looks_a_week_ahead_of_the_london_day(app, client, monkeypatch, officer):
    monkeypatch.setattr("sywc.clock.utcnow", lambda: SUMMER)
    with app.app_context():
        ids = [
            factories.youth(lead_officer_id=officer.id, next_visit_due=date(2026, 7, d)).id
            for d in (9, 10)
        ]
        db.session.commit()

    listed = client.get("/api/v1/visits/due", headers=officer.headers)

    assert listed.status_code == 200, listed.get_json()
    assert [row["id"] for row in listed.get_json()["items"]] == ids[:1]


@pytest.mark.parametrize("night", NIGHTS, indirect=True)
def test_a_pvs_action_due_yesterday_in_london_is_overdue(app, client, night, officer, senior):
    _, today, _ = night
    with app.app_context():
        incident = factories.incident(created_by_id=senior.id)
        meeting = factories.meeting(incident_id=incident.id, chair_id=senior.id)
        late, due = (
            factories.action(
                meeting_id=meeting.id, owner_id=officer.id, created_by_id=senior.id, due_on=day
            ).id
            for day in (today - timedelta(days=1), today)
        )
        db.session.commit()

    listed = client.get("/api/v1/pvs-actions?overdue=true", headers=officer.headers).get_json()
    shown = client.get(f"/api/v1/pvs-actions/{due}", headers=officer.headers).get_json()

    assert [a["id"] for a in listed["items"]] == [late]
    assert shown["overdue"] is False


def test_retention_counts_from_the_london_day_of_the_last_activity(app, officer):
    # 00:30 BST on 2 July 2024: two years on, the record is held until 2 July 2026.
    with app.app_context():
        youth_id = factories.youth(
            lead_officer_id=officer.id,
            last_activity_at=datetime(2024, 7, 1, 23, 30, tzinfo=UTC),
            review_by=date(2027, 1, 1),
        ).id
        db.session.commit()

    def retention_alerts(now):
        with app.app_context():
            scan(now=now)
            stmt = sa.select(Alert.subject_id, Alert.due_on).where(
                Alert.type == "retention_review_due"
            )
            return db.session.execute(stmt).all()

    assert retention_alerts(datetime(2026, 7, 2, 12, tzinfo=UTC)) == []
    assert retention_alerts(datetime(2026, 7, 3, 12, tzinfo=UTC)) == [(youth_id, date(2026, 7, 2))]


@pytest.mark.parametrize(
    ("zone", "moment"),
    [
        ("Europe/London", datetime(2026, 7, 1, 22, 59, 59, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 7, 1, 23, 0, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),  # spring forward
        ("Europe/London", datetime(2026, 10, 24, 23, 30, tzinfo=UTC)),  # the last BST night
        ("Europe/London", datetime(2026, 10, 25, 23, 30, tzinfo=UTC)),  # the first GMT one
        ("Europe/London", datetime(2026, 1, 15, 23, 59, 59, 999999, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 7, 2, 3, 30, tzinfo=UTC)),
        ("Asia/Kolkata", datetime(2026, 7, 1, 18, 29, tzinfo=UTC)),
        ("Asia/Kolkata", datetime(2026, 7, 1, 18, 30, tzinfo=UTC)),
    ],
)
def test_the_database_finds_the_same_day_of_a_timestamp_as_python(app, zone, moment):
    with app.app_context():
        found = db.session.scalar(sa.select(local_date(sa.literal(moment, UTCDateTime()), zone)))
        empty = db.session.scalar(sa.select(local_date(sa.null(), zone)))
    assert found == clock.business_date(moment, {"BUSINESS_TIMEZONE": zone})
    assert empty is None


def test_the_cli_scan_as_of_a_day_starts_at_london_midnight(app, runner, officer):
    with app.app_context():
        factories.youth(lead_officer_id=officer.id, next_visit_due=date(2026, 7, 1))
        db.session.commit()

    result = runner.invoke(args=["sywc", "scan", "--as-of", "2026-07-02"])

    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["as_of"], body["opened"]["missed_visit"]) == ("2026-07-02", 1)
    with app.app_context():
        (run_as_of,) = db.session.scalars(sa.select(JobRun.as_of)).all()
    # Midnight in London (BST) is 23:00 UTC the evening before.
    assert run_as_of == datetime(2026, 7, 1, 23, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["Europe/London", "America/New_York", "Asia/Kolkata"]),
            st.datetimes(
                min_value=datetime(2025, 1, 1),
                max_value=datetime(2027, 12, 31),
                timezones=st.just(UTC),
            ),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_today_is_the_business_day_of_now_whatever_came_before(steps):
    # `clock.today` remembers the last day it worked out: it must never answer for
    # another zone, or for a clock that moved out of that day, either way.
    for zone, moment in steps:
        app = Flask(__name__)
        app.config["BUSINESS_TIMEZONE"] = zone
        with app.app_context(), pytest.MonkeyPatch.context() as patch:
            patch.setattr("sywc.clock.utcnow", lambda moment=moment: moment)
            assert clock.today() == clock.business_date(moment, {"BUSINESS_TIMEZONE": zone})


# A zone no timezone database holds: as if the database server's tz data lacked the
# configured one (the settings check only Python's).
NOWHERE = "Europe/Atlantis"


def test_readyz_says_whether_the_database_takes_dates_in_the_zone(app, client):
    ready = client.get("/readyz")
    assert (ready.status_code, ready.get_json()["timezone"]) == (200, "ok")
    app.config["BUSINESS_TIMEZONE"] = NOWHERE
    unready = client.get("/readyz")
    assert unready.status_code == 503
    body = unready.get_json()
    assert (body["status"], body["timezone"]) == (
        "unavailable",
        "not in the database's timezone data",
    )
    assert (body["database"], body["migrations"]) == ("ok", "current")


def test_the_scheduler_refuses_to_start_in_a_zone_the_database_lacks(app, runner, monkeypatch):
    started = []
    monkeypatch.setattr("sywc.scheduler.run_scheduler", started.append)
    assert runner.invoke(args=["sywc", "scheduler"]).exit_code == 0
    assert started == [app]
    app.config["BUSINESS_TIMEZONE"] = NOWHERE
    result = runner.invoke(args=["sywc", "scheduler"])
    assert result.exit_code == 1
    assert started == [app]
    assert f"BUSINESS_TIMEZONE '{NOWHERE}' is not in the database's timezone data" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0


def test_the_database_knows_the_zones_it_holds(app):
    with app.app_context():
        connection = db.session.connection()
        assert database_knows_zone(connection, "Europe/London")
        assert database_knows_zone(connection, "UTC")
        assert not database_knows_zone(connection, NOWHERE)
        # Asked again, from the process's memory on PostgreSQL: the same answers.
        assert database_knows_zone(connection, "Europe/London")
        assert not database_knows_zone(connection, NOWHERE)
