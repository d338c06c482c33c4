"""Visits through the API: joint visits, attempts, the schedule moving, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.extensions import db
from sywc.visits.models import Visit, VisitOfficer
from sywc.youths.models import Youth
from tests.conftest import assert_problem, audit_actions
from tests.youths.helpers import create_youth, row_counts

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("sywc.clock.utcnow", lambda: NOW)
    return NOW


def _visit(client, account, youth_id, **overrides):
    body = {
        "visited_at": (clock.utcnow() - timedelta(hours=1)).isoformat(),
        "officer_ids": [account.id],
        "outcome": "seen",
        "notes": "Seen at home with a parent; engaged well.",
    }
    body.update(overrides)
    return client.post(f"/api/v1/youths/{youth_id}/visits", json=body, headers=account.headers)


def test_joint_seen_visit_moves_the_schedule(app, client, frozen, make_user):
    police = make_user("officer", "MPS")
    council = make_user("officer", "IGXU")
    youth = create_youth(client, police, rag="red")
    assert youth["next_visit_due"] == "2026-03-17"
    response = _visit(
        client,
        police,
        youth["id"],
        visited_at="2026-03-12T09:30:00+01:00",
        officer_ids=[council.id, police.id],
    )
    assert_problem(response, 422, "visited_at")  # two days ahead
    response = _visit(
        client,
        police,
        youth["id"],
        visited_at="2026-03-10T09:30:00+01:00",
        officer_ids=[council.id, police.id],
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["officer_ids"] == sorted([council.id, police.id])
    assert (body["author_id"], body["author_agency"]) == (police.id, "MPS")
    assert body["schedule"]["last_seen_on"] == "2026-03-10"
    assert body["schedule"]["next_visit_due"] == "2026-03-17"
    assert body["schedule"]["version"] == youth["version"] + 1  # one change, one version
    record = client.get(f"/api/v1/youths/{youth['id']}", headers=police.headers).get_json()
    assert record["last_seen_on"] == "2026-03-10"
    # Read back from the database: the officers come with the visit's row, in id order.
    listed = client.get(f"/api/v1/youths/{youth['id']}/visits", headers=police.headers)
    assert [v["officer_ids"] for v in listed.get_json()["items"]] == [body["officer_ids"]]
    [event] = audit_actions(app, action="visit_recorded")
    assert event.details["visit_id"] == body["id"]
    assert event.details["outcome"] == "seen"
    assert "notes" not in event.details


def test_seen_visit_later_on_moves_the_due_date(client, make_user, monkeypatch):
    police = make_user("officer", "MPS")
    monkeypatch.setattr("sywc.clock.utcnow", lambda: NOW)
    youth = create_youth(client, police, rag="amber")  # due 2026-04-09
    later = NOW + timedelta(days=20)
    monkeypatch.setattr("sywc.clock.utcnow", lambda: later)
    response = _visit(client, police, youth["id"], visited_at=later.isoformat())
    assert response.get_json()["schedule"]["next_visit_due"] == "2026-04-29"


def test_attempt_counts_as_attempt_not_as_seen(client, frozen, officer):
    youth = create_youth(client, officer, rag="red")
    response = _visit(client, officer, youth["id"], outcome="not_home")
    assert response.status_code == 201
    schedule = response.get_json()["schedule"]
    assert schedule["last_seen_on"] is None
    assert schedule["next_visit_due"] == youth["next_visit_due"]
    assert schedule["last_attempt_at"] == (NOW - timedelta(hours=1)).isoformat()


def test_small_clock_skew_is_allowed(client, frozen, officer):
    youth = create_youth(client, officer)
    ok = _visit(client, officer, youth["id"], visited_at=(NOW + timedelta(minutes=4)).isoformat())
    assert ok.status_code == 201
    late = _visit(client, officer, youth["id"], visited_at=(NOW + timedelta(minutes=6)).isoformat())
    assert_problem(late, 422, "visited_at")


def test_the_skew_allowed_never_dates_a_visit_tomorrow(app, client, officer, monkeypatch):
    # 23:58 in London (BST): a device four minutes fast says 00:02, tomorrow's London day.
    now = datetime(2026, 7, 10, 22, 58, tzinfo=UTC)
    monkeypatch.setattr("sywc.clock.utcnow", lambda: now)
    youth = create_youth(client, officer, rag="red")
    before = row_counts(app)
    tomorrow = _visit(client, officer, youth["id"], visited_at="2026-07-11T00:02:00+01:00")
    assert_problem(tomorrow, 422, "visited_at")
    assert row_counts(app) == before
    tonight = _visit(client, officer, youth["id"], visited_at="2026-07-10T23:59:00+01:00")
    assert tonight.status_code == 201, tonight.get_json()
    schedule = tonight.get_json()["schedule"]
    assert (schedule["last_seen_on"], schedule["next_visit_due"]) == ("2026-07-10", "2026-07-17")


def test_recording_officer_need_not_be_among_the_visitors(client, frozen, officer, make_user):
    visitor = make_user("officer", "YOT")
    youth = create_youth(client, officer)
    response = _visit(client, officer, youth["id"], officer_ids=[visitor.id])
    assert response.status_code == 201
    assert response.get_json()["officer_ids"] == [visitor.id]
    assert response.get_json()["author_id"] == officer.id


def test_visit_to_a_closed_record_is_409_and_writes_nothing(app, client, officer, senior):
    youth = create_youth(client, officer)
    closed = client.post(
        f"/api/v1/youths/{youth['id']}/close",
        json={"reason": "Moved out of the area."},
        headers=senior.headers,
    )
    assert closed.status_code == 200
    before = row_counts(app)
    assert_problem(_visit(client, officer, youth["id"]), 409)
    assert row_counts(app) == before


BAD_VISITS = [
    ({"visited_at": "tomorrow"}, "visited_at"),
    ({"visited_at": "2026-03-10T09:00:00"}, "visited_at"),  # no offset
    ({"visited_at": (NOW + timedelta(days=1)).isoformat()}, "visited_at"),
    ({"outcome": "vanished"}, "outcome"),
    ({"officer_ids": []}, "officer_ids"),
    ({"officer_ids": ["1"]}, "officer_ids.0"),
    ({"officer_ids": [999_999]}, "officer_ids"),
    ({"notes": "n" * 10_001}, "notes"),
    ({"mood": "fine"}, "mood"),
    ({"restricted": "perhaps"}, "restricted"),
    ({"restricted": 1}, "restricted"),
    ({"restricted": "yes"}, "restricted"),
]


def test_bad_visit_is_rejected_naming_the_field(app, client, frozen, officer):
    youth = create_youth(client, officer)
    before = row_counts(app)
    for overrides, field in BAD_VISITS:
        assert_problem(_visit(client, officer, youth["id"], **overrides), 422, field)
    assert row_counts(app) == before


def test_a_visit_before_the_record_entered_the_cohort_is_refused(app, client, frozen, officer):
    youth = create_youth(client, officer)  # enters the cohort today, 2026-03-10
    before = row_counts(app)
    for moment in (
        "0001-01-01T00:00:00+00:00",  # before the young person was born
        "2026-03-09T23:59:59+00:00",
        "2026-03-10T00:30:00+01:00",  # 23:30 the day before in London (GMT)
    ):
        assert_problem(_visit(client, officer, youth["id"], visited_at=moment), 422, "visited_at")
    assert row_counts(app) == before
    with app.app_context():
        assert db.session.get(Youth, youth["id"]).version == youth["version"]
    on_entry = _visit(client, officer, youth["id"], visited_at="2026-03-10T00:00:00+00:00")
    assert on_entry.status_code == 201, on_entry.get_json()


def test_visiting_officers_must_be_active_officers_of_the_borough(
    app, client, frozen, officer, make_user, admin
):
    elsewhere = make_user("officer", "MPS", boroughs=["RBKC"])
    youth = create_youth(client, officer)
    before = row_counts(app)
    for ids in ([officer.id, elsewhere.id], [admin.id], [officer.id, officer.id]):
        assert_problem(_visit(client, officer, youth["id"], officer_ids=ids), 422, "officer_ids")
    assert row_counts(app) == before


def test_an_officer_recording_their_own_visit_is_not_looked_up_again(
    client, frozen, officer, make_user, count_statements
):
    youth = create_youth(client, officer)
    with count_statements() as alone:
        assert _visit(client, officer, youth["id"]).status_code == 201
    assert not [s for s in alone.statements if "FROM users" in s]
    colleague = make_user("officer", "IGXU")
    with count_statements() as joint:
        response = _visit(client, officer, youth["id"], officer_ids=[officer.id, colleague.id])
    assert response.status_code == 201
    [lookup] = [s for s in joint.statements if "FROM users" in s]
    assert "user_boroughs" in lookup


def test_visit_list_is_newest_first_filterable_and_audited(app, client, frozen, officer):
    youth = create_youth(client, officer)
    for hours, outcome in ((5, "seen"), (1, "refused"), (3, "not_home")):
        visited = (NOW - timedelta(hours=hours)).isoformat()
        assert _visit(client, officer, youth["id"], visited_at=visited, outcome=outcome)
    path = f"/api/v1/youths/{youth['id']}/visits"
    items = client.get(path, headers=officer.headers).get_json()["items"]
    assert [i["outcome"] for i in items] == ["refused", "not_home", "seen"]
    seen = client.get(f"{path}?outcome=seen", headers=officer.headers).get_json()["items"]
    assert [i["outcome"] for i in seen] == ["seen"]
    events = audit_actions(app, action="visits_viewed")
    assert [e.record_id for e in events] == [str(youth["id"])] * 2
    assert events[0].details["visit_ids"] == [i["id"] for i in items]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitOfficer)) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 3


def test_visit_list_statements_do_not_grow_with_the_page(
    client, frozen, officer, make_user, count_statements
):
    other = make_user("officer", "IGXU")
    youth = create_youth(client, officer)
    for n in range(8):
        visited = (NOW - timedelta(hours=n + 1)).isoformat()
        _visit(client, officer, youth["id"], visited_at=visited, officer_ids=[officer.id, other.id])
    path = f"/api/v1/youths/{youth['id']}/visits"
    with count_statements() as small:
        client.get(f"{path}?limit=2", headers=officer.headers)
    with count_statements() as large:
        client.get(f"{path}?limit=200", headers=officer.headers)
    assert small.beyond_totals == large.beyond_totals
