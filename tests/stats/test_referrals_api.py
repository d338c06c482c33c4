"""GET /stats/referrals: routes, outcomes, timeliness and working days with known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sywc.extensions import db
from tests import factories as f
from tests.stats.conftest import NOW, QUARTER, fetch, table, values


def sent(on: date, **overrides) -> None:
    f.referral(youth_id=None, submitted_at=f.at(on, 10), **overrides)


@pytest.fixture
def referrals(app, senior):
    with app.app_context():
        # Friday 30 January; acknowledged Tuesday (2 working days), accepted Wednesday (3).
        sent(date(2026, 1, 30), acknowledge_by=date(2026, 2, 4), status="accepted",
             acknowledged_at=f.at(date(2026, 2, 3)), decided_at=f.at(date(2026, 2, 4)))  # fmt: skip
        # From a partner; acknowledged after its deadline, 5 working days on.
        sent(date(2026, 3, 2), from_agency=None, to_agency="EARLY_HELP", status="acknowledged",
             acknowledge_by=date(2026, 3, 5), acknowledged_at=f.at(date(2026, 3, 9)))  # fmt: skip
        # Never acknowledged and past its deadline.
        sent(date(2026, 3, 10), from_agency="YOT", acknowledge_by=date(2026, 3, 13))
        # Not yet due.
        sent(date(2026, 3, 31), to_agency="MASH", acknowledge_by=date(2026, 4, 15))
        # Withdrawn before anyone acknowledged it.
        sent(date(2026, 2, 10), status="withdrawn", acknowledge_by=date(2026, 2, 13))
        # RBKC: acknowledged the same day (0), declined two working days later, closed.
        sent(date(2026, 1, 5), borough="RBKC", to_agency="CSC", status="closed",
             acknowledge_by=date(2026, 1, 8), acknowledged_at=f.at(date(2026, 1, 5), 15),
             decided_at=f.at(date(2026, 1, 7)))  # fmt: skip
        # Thursday before Easter 2026, acknowledged on the Tuesday after: Good Friday and
        # Easter Monday are bank holidays, so 1 working day. Outside the first quarter.
        sent(date(2026, 4, 2), status="acknowledged", acknowledge_by=date(2026, 4, 9),
             acknowledged_at=f.at(date(2026, 4, 7)))  # fmt: skip
        db.session.commit()


def test_referrals_by_route(client, senior, referrals):
    body = fetch(client, "referrals", senior, **QUARTER)
    routes = values(body, "by_route")

    assert routes["MPS", "IGXU"] == 2
    assert routes["PARTNER", "EARLY_HELP"] == 1
    assert routes["YOT", "IGXU"] == 1
    assert routes["MPS", "MASH"] == 1
    assert routes["MPS", "CSC"] == 1
    assert routes["MPS", "all"] == 4
    assert routes["all", "IGXU"] == 3
    assert routes["IGXU", "YOT"] == 0
    assert table(body, "by_route")["total"] == 6


def test_referrals_by_status_and_acknowledgement(client, senior, referrals):
    body = fetch(client, "referrals", senior, **QUARTER)

    assert values(body, "by_status") == {
        "submitted": 2, "acknowledged": 1, "accepted": 1, "declined": 0, "withdrawn": 1,
        "closed": 1, "other": 0,
    }  # fmt: skip
    assert values(body, "by_acknowledgement") == {
        "in_time": 2, "late": 1, "overdue": 1, "awaiting": 1, "withdrawn_unacknowledged": 1,
    }  # fmt: skip
    assert table(body, "acknowledged_in_time_share")["total"] == 0.5


def test_median_working_days(client, senior, referrals):
    body = fetch(client, "referrals", senior, **QUARTER)

    assert table(body, "median_working_days_to_acknowledge")["total"] == 2.0
    assert table(body, "median_working_days_to_decide")["total"] == 2.5


def test_bank_holidays_are_not_working_days(client, senior, referrals):
    body = fetch(client, "referrals", senior, **{"from": "2026-04-01", "to": "2026-04-09"})

    assert table(body, "by_route")["total"] == 1
    assert table(body, "median_working_days_to_acknowledge")["total"] == 1.0


def test_a_borough_filter_counts_that_borough_only(client, senior, referrals):
    body = fetch(client, "referrals", senior, borough="RBKC", **QUARTER)

    assert table(body, "by_route")["total"] == 1
    assert table(body, "median_working_days_to_acknowledge")["total"] == 0.0


def test_referrals_take_no_ward_filter(client, senior):
    response = client.get(
        "/api/v1/stats/referrals", query_string={"ward": "colville"}, headers=senior.headers
    )

    assert response.status_code == 422
    assert "ward" in response.get_json()["errors"]


def test_no_referrals_gives_zeros(client, senior):
    body = fetch(client, "referrals", senior, **QUARTER)

    assert table(body, "by_route")["total"] == 0
    assert table(body, "acknowledged_in_time_share")["total"] is None
    assert table(body, "median_working_days_to_decide")["total"] is None


@pytest.mark.app_config({"STATS_ROLLUP_MAX_AGE_MINUTES": 120})
def test_a_stored_rollup_serves_the_same_report_until_it_is_recounted(
    app, client, senior, referrals, monkeypatch
):
    first = fetch(client, "referrals", senior, **QUARTER)
    with app.app_context():
        sent(date(2026, 3, 3), borough="RBKC", acknowledge_by=date(2026, 3, 6),
             acknowledged_at=f.at(date(2026, 3, 4)))  # fmt: skip
        db.session.commit()
    monkeypatch.setattr("sywc.clock.utcnow", lambda: NOW + timedelta(minutes=90))
    stored = fetch(client, "referrals", senior, **QUARTER)
    # The counts and the medians' histograms came back from the rollup as they went in.
    assert stored["tables"] == first["tables"]
    assert stored["as_of"] == first["as_of"] == NOW.isoformat()
    assert table(stored, "median_working_days_to_acknowledge")["total"] == 2.0

    monkeypatch.setattr("sywc.clock.utcnow", lambda: NOW + timedelta(minutes=121))
    recounted = fetch(client, "referrals", senior, **QUARTER)
    assert table(recounted, "by_route")["total"] == 7
    assert table(recounted, "median_working_days_to_acknowledge")["total"] == 1.5
    assert recounted["as_of"] == (NOW + timedelta(minutes=121)).isoformat()


def test_a_board_member_s_medians_cover_the_borough_asked_for(app, client, board):
    with app.app_context():
        for _ in range(6):
            # Monday to Tuesday in WCC: 1 working day; to the next Monday in RBKC: 5.
            sent(date(2026, 2, 2), acknowledge_by=date(2026, 2, 5),
                 acknowledged_at=f.at(date(2026, 2, 3)))  # fmt: skip
            sent(date(2026, 2, 2), borough="RBKC", acknowledge_by=date(2026, 2, 5),
                 acknowledged_at=f.at(date(2026, 2, 9)))  # fmt: skip
        db.session.commit()
    # Board figures are counted over every borough (for suppression); the medians must
    # still be those of the borough asked for, not of all of them (which is 3).
    for borough, expected in (("WCC", 1.0), ("RBKC", 5.0)):
        body = fetch(client, "referrals", board, borough=borough, **QUARTER)
        assert table(body, "median_working_days_to_acknowledge")["total"] == expected


def test_bank_holidays_count_in_years_the_reference_list_does_not_cover(
    app, client, make_user, monkeypatch
):
    monkeypatch.setattr("sywc.clock.utcnow", lambda: datetime(2029, 4, 10, 12, tzinfo=UTC))
    senior = make_user("senior_officer", "MPS", boroughs=["WCC", "RBKC"])
    with app.app_context():
        # Thursday before Easter 2029, acknowledged on the Tuesday after: Good Friday and
        # Easter Monday are bank holidays, so 1 working day, as the referral clock counts.
        sent(date(2029, 3, 29), status="acknowledged", acknowledge_by=date(2029, 4, 3),
             acknowledged_at=f.at(date(2029, 4, 3)))  # fmt: skip
        db.session.commit()

    body = fetch(client, "referrals", senior, **{"from": "2029-01-01", "to": "2029-03-31"})

    assert table(body, "median_working_days_to_acknowledge")["total"] == 1.0
