"""GET /stats/visits: due visits, on-time shares and days overdue with known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sywc.extensions import db
from tests import factories as f
from tests.stats.conftest import QUARTER, fetch, rate, table, values


def seen(youth_id: int, on: date, by: int, outcome: str = "seen") -> None:
    f.visit(youth_id=youth_id, author_id=by, visited_at=f.at(on, 10), outcome=outcome)


def rated(by: int, rating: str, on: date, **overrides) -> int:
    """Insert a young person first rated `rating` on `on` (with the assessment row)."""
    record = f.youth(rag=rating, rag_assessed_on=on, entered_on=on, **overrides)
    rate(record.id, rating, on, by)
    return record.id


@pytest.fixture
def schedules(app, senior):
    """Young people whose due visits in the first quarter are worked out by hand below."""
    with app.app_context():
        by = senior.id
        # Red, seen on 10 and 16 January: two visits on time, then one missed (due 23 Jan).
        r1 = rated(by, "red", date(2026, 1, 5))
        seen(r1, date(2026, 1, 10), by)
        seen(r1, date(2026, 1, 16), by)
        # Red, seen late on 20 January: missed (due 12 Jan, 8 days late), then missed again
        # (due 27 Jan, not seen since: 73 days to 10 April).
        r2 = rated(by, "red", date(2026, 1, 5))
        seen(r2, date(2026, 1, 20), by)
        # Amber re-rated green before its visit fell due: rescheduled, nothing due in Q1.
        a1 = rated(by, "amber", date(2026, 1, 5))
        rate(a1, "green", date(2026, 1, 20), by)
        # Amber from 1 March; only an attempt on 10 March: missed on 31 March.
        a3 = rated(by, "amber", date(2026, 3, 1))
        seen(a3, date(2026, 3, 10), by, outcome="not_home")
        # Amber from 20 March: due 19 April, not yet judged.
        rated(by, "amber", date(2026, 3, 20))
        # Red, closed on 8 January: its visit due on 12 January no longer counts.
        rated(by, "red", date(2026, 1, 5), closed_on=date(2026, 1, 8), status="closed")
        # Green in RBKC, seen 20 December: due 21 March, missed by 20 days.
        g = rated(by, "green", date(2025, 10, 1), borough="RBKC", ward="colville")
        seen(g, date(2025, 12, 20), by)
        db.session.commit()


def test_due_visits_by_rag_and_outcome(client, senior, schedules):
    body = fetch(client, "visits", senior, **QUARTER)
    grid = values(body, "due_visits_by_rag_and_outcome")

    assert grid["red", "on_time"] == 2
    assert grid["red", "missed"] == 3
    assert grid["amber", "on_time"] == 0
    assert grid["amber", "missed"] == 1
    assert grid["green", "missed"] == 1
    assert grid["all", "missed"] == 5
    assert table(body, "due_visits_by_rag_and_outcome")["total"] == 7


def test_on_time_shares_by_rag(client, senior, schedules):
    body = fetch(client, "visits", senior, **QUARTER)

    assert values(body, "on_time_share_by_rag") == {"red": 0.4, "amber": 0.0, "green": 0.0}
    assert table(body, "on_time_share_by_rag")["total"] == 0.2857


def test_median_days_overdue(client, senior, schedules):
    body = fetch(client, "visits", senior, **QUARTER)

    # Red 8, 73, 77; amber 10; green 20.
    assert values(body, "median_days_overdue_by_rag") == {"red": 73.0, "amber": 10.0, "green": 20.0}
    assert table(body, "median_days_overdue_by_rag")["total"] == 20.0


def test_a_visit_not_yet_judged_is_not_counted(client, senior, schedules):
    body = fetch(client, "visits", senior, **{"from": "2026-04-01", "to": "2026-04-30"})

    assert table(body, "due_visits_by_rag_and_outcome")["total"] == 0


def test_a_visit_made_early_waits_for_its_deadline_as_one_not_yet_made(
    app, client, senior, monkeypatch
):
    # 3 April, with 7 days' grace: two red visits due on 31 March are judged only on
    # 8 April. One was made on 2 April, the other not yet; counting the first now (on
    # time) while the second waits would lift the share on time to 1.0.
    monkeypatch.setattr("sywc.clock.utcnow", lambda: datetime(2026, 4, 3, 12, tzinfo=UTC))
    app.config["VISIT_GRACE_DAYS"] = 7
    with app.app_context():
        early = rated(senior.id, "red", date(2026, 3, 24))
        seen(early, date(2026, 4, 2), senior.id)
        rated(senior.id, "red", date(2026, 3, 24))
        db.session.commit()

    body = fetch(client, "visits", senior, **QUARTER)

    assert table(body, "due_visits_by_rag_and_outcome")["total"] == 0
    assert values(body, "on_time_share_by_rag")["red"] is None
    monkeypatch.setattr("sywc.clock.utcnow", lambda: datetime(2026, 4, 8, 12, tzinfo=UTC))
    grid = values(fetch(client, "visits", senior, **QUARTER), "due_visits_by_rag_and_outcome")
    assert (grid["red", "on_time"], grid["red", "missed"]) == (1, 1)


def test_a_borough_filter_counts_that_borough_only(client, senior, schedules):
    body = fetch(client, "visits", senior, borough="RBKC", **QUARTER)

    assert table(body, "due_visits_by_rag_and_outcome")["total"] == 1


@pytest.mark.parametrize(("grace", "on_time"), [(0, 0), (3, 1)])
def test_the_grace_period_decides_on_time(app, client, senior, grace, on_time):
    app.config["VISIT_GRACE_DAYS"] = grace
    with app.app_context():
        # Red from 5 January (due 12 January), seen on 14 January.
        youth = rated(senior.id, "red", date(2026, 1, 5))
        seen(youth, date(2026, 1, 14), senior.id)
        db.session.commit()

    body = fetch(client, "visits", senior, **{"from": "2026-01-01", "to": "2026-01-15"})

    assert values(body, "due_visits_by_rag_and_outcome")["red", "on_time"] == on_time


def test_no_visits_due_gives_zeros_and_no_shares(client, senior):
    body = fetch(client, "visits", senior, **QUARTER)

    assert table(body, "due_visits_by_rag_and_outcome")["total"] == 0
    assert table(body, "on_time_share_by_rag")["total"] is None
    assert table(body, "on_time_share_by_rag")["total_suppressed"] is False
    assert table(body, "median_days_overdue_by_rag")["total"] is None
