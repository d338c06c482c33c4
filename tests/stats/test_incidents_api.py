"""GET /stats/incidents and /stats/pvs: figures with known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sywc.extensions import db
from tests import factories as f
from tests.stats.conftest import NOW, QUARTER, fetch, table, values


@pytest.fixture
def incidents(app, senior):
    with app.app_context():
        y1, y2, y3 = (f.youth().id for _ in range(3))
        by = senior.id
        first = f.incident(created_by_id=by, occurred_at=f.at(date(2026, 2, 10), 22),
                           youths=[(y1, "victim"), (y2, "suspect")])  # fmt: skip
        f.incident(created_by_id=by, occurred_at=f.at(date(2026, 2, 20)), type="robbery",
                   ward="harrow_road", youths=[(y1, "victim"), (y3, "witness")])  # fmt: skip
        third = f.incident(created_by_id=by, occurred_at=f.at(date(2026, 3, 5)),
                           youths=[(y2, "victim")])  # fmt: skip
        f.incident(created_by_id=by, occurred_at=f.at(date(2026, 1, 15)), type="assault",
                   borough="RBKC", ward="colville")  # fmt: skip
        later = f.incident(created_by_id=by, occurred_at=f.at(date(2026, 4, 2)))
        meeting = f.meeting(incident_id=first.id, chair_id=by, held_at=f.at(date(2026, 2, 12)))
        for kind, due, status, done in (
            ("engage", date(2026, 2, 20), "done", date(2026, 2, 19)),
            ("divert", date(2026, 2, 25), "done", date(2026, 3, 1)),
            ("safeguard", date(2026, 3, 30), "open", None),
            ("enforce", date(2026, 4, 30), "open", None),
            ("communicate", date(2026, 3, 1), "cancelled", None),
        ):
            f.action(meeting_id=meeting.id, owner_id=by, created_by_id=by, type=kind, due_on=due,
                     status=status, completed_at=f.at(done) if done else None)  # fmt: skip
        second = f.meeting(incident_id=third.id, chair_id=by, held_at=f.at(date(2026, 3, 9)))
        f.action(meeting_id=second.id, owner_id=by, created_by_id=by, due_on=date(2026, 3, 20),
                 status="done", completed_at=f.at(date(2026, 3, 20), 16))  # fmt: skip
        f.meeting(incident_id=later.id, chair_id=by, held_at=f.at(date(2026, 4, 4)))
        db.session.commit()


def test_incidents_by_month_ward_and_type(client, senior, incidents):
    body = fetch(client, "incidents", senior, **QUARTER)

    assert values(body, "by_month") == {"2026-01": 1, "2026-02": 2, "2026-03": 1}
    wards = values(body, "by_ward")
    assert (wards["church_street"], wards["harrow_road"], wards["colville"]) == (2, 1, 1)
    assert values(body, "by_type") == {
        "stabbing": 2, "shooting": 0, "assault": 1, "robbery": 1, "other": 0,
    }  # fmt: skip
    assert table(body, "by_type")["total"] == 4


def test_young_people_involved_by_role(client, senior, incidents):
    body = fetch(client, "incidents", senior, **QUARTER)

    # Victim twice counts once; a suspect who was later a victim counts under both.
    assert values(body, "involved_by_role") == {
        "victim": 2, "suspect": 1, "witness": 1, "associate": 0,
    }  # fmt: skip
    # So the roles' sum (4) is no count of young people: no total is given.
    found = table(body, "involved_by_role")
    assert (found["total"], found["total_suppressed"]) == (None, False)


def test_a_ward_filter_counts_that_ward_only(client, senior, incidents):
    body = fetch(client, "incidents", senior, ward="church_street", **QUARTER)

    assert table(body, "by_type")["total"] == 2
    assert values(body, "involved_by_role")["victim"] == 2


def test_pvs_meetings_and_their_actions(client, senior, incidents):
    body = fetch(client, "pvs", senior, **QUARTER)

    assert values(body, "meetings_by_incident_type")["stabbing"] == 2
    assert table(body, "meetings_by_incident_type")["total"] == 2
    assert table(body, "median_days_incident_to_meeting")["total"] == 3.0
    grid = values(body, "actions_by_type_and_outcome")
    assert grid["engage", "done_on_time"] == 2
    assert grid["divert", "done_late"] == 1
    assert grid["safeguard", "open_overdue"] == 1
    assert grid["enforce", "open_not_due"] == 1
    assert grid["communicate", "cancelled"] == 1
    assert table(body, "actions_by_type_and_outcome")["total"] == 6
    shares = values(body, "actions_done_on_time_share")
    assert (shares["engage"], shares["divert"], shares["safeguard"]) == (1.0, 0.0, 0.0)
    assert shares["enforce"] is None
    assert table(body, "actions_done_on_time_share")["total"] == 0.5


def test_no_incidents_gives_zeros(client, senior):
    for name in ("incidents", "pvs"):
        body = fetch(client, name, senior, **QUARTER)
        assert all(t["total"] in (0, None) for t in body["tables"]), name


@pytest.mark.app_config({"STATS_ROLLUP_MAX_AGE_MINUTES": 120})
def test_stored_rollups_serve_the_same_reports_until_they_are_recounted(
    app, client, senior, incidents, monkeypatch
):
    first = {name: fetch(client, name, senior, **QUARTER) for name in ("incidents", "pvs")}
    with app.app_context():
        # One more stabbing in March, with its meeting seven days later.
        late = f.incident(created_by_id=senior.id, occurred_at=f.at(date(2026, 3, 10)))
        f.meeting(incident_id=late.id, chair_id=senior.id, held_at=f.at(date(2026, 3, 17)))
        db.session.commit()
    monkeypatch.setattr("sywc.clock.utcnow", lambda: NOW + timedelta(minutes=90))
    for name, body in first.items():
        stored = fetch(client, name, senior, **QUARTER)
        assert stored["tables"] == body["tables"], name
        assert stored["as_of"] == body["as_of"] == NOW.isoformat()

    monkeypatch.setattr("sywc.clock.utcnow", lambda: NOW + timedelta(minutes=121))
    assert values(fetch(client, "incidents", senior, **QUARTER), "by_month")["2026-03"] == 2
    pvs = fetch(client, "pvs", senior, **QUARTER)
    assert table(pvs, "meetings_by_incident_type")["total"] == 3
    # Delays of 2, 4 and 7 days.
    assert table(pvs, "median_days_incident_to_meeting")["total"] == 4.0


def test_incidents_and_meetings_count_on_their_london_days(app, client, senior):
    # British Summer Time began on 29 March 2026: 23:30 UTC on 31 March is 00:30 on
    # 1 April in London, and 22:30 UTC is still 31 March there.
    with app.app_context():
        april = f.incident(
            created_by_id=senior.id, occurred_at=datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
        )
        f.incident(
            created_by_id=senior.id,
            occurred_at=datetime(2026, 3, 31, 22, 30, tzinfo=UTC),
            type="robbery",
        )
        # 23:00 on 1 April in London: the same London day as the April incident.
        f.meeting(
            incident_id=april.id,
            chair_id=senior.id,
            held_at=datetime(2026, 4, 1, 22, 0, tzinfo=UTC),
        )
        db.session.commit()

    both = fetch(client, "incidents", senior, **{"from": "2026-03-01", "to": "2026-04-09"})
    march = fetch(client, "incidents", senior, **{"from": "2026-03-01", "to": "2026-03-31"})
    pvs = fetch(client, "pvs", senior, **{"from": "2026-04-01", "to": "2026-04-09"})

    assert values(both, "by_month") == {"2026-03": 1, "2026-04": 1}
    assert values(march, "by_type")["robbery"] == 1
    assert table(march, "by_type")["total"] == 1
    assert table(pvs, "meetings_by_incident_type")["total"] == 1
    assert table(pvs, "median_days_incident_to_meeting")["total"] == 0.0
    assert "Europe/London" in " ".join(both["notes"])
