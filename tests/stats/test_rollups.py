"""Rollups: counts stored by requests and the scheduler, read while fresh, never stale."""

from __future__ import annotations

import json
import statistics
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from config.reference import BOROUGH_CODES
from sywc.extensions import db
from sywc.stats.models import StatsRollup
from sywc.stats.reports.base import histogram_median
from sywc.stats.rollups import KEY_COLUMNS, TALLY_FORMAT
from tests.conftest import audit_actions
from tests.stats.conftest import NOW, QUARTER, fetch, values
from tests.stats.test_visits_api import rated, seen

ROLLUPS_ON = pytest.mark.app_config({"STATS_ROLLUP_MAX_AGE_MINUTES": 120})
EVERY_BOROUGH = ",".join(sorted(BOROUGH_CODES))


def missed(body):
    return values(body, "due_visits_by_rag_and_outcome")["all", "missed"]


def stored(app):
    """Return the stored rollups as (kind, from, to, boroughs, ward, computed_at) rows."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(*KEY_COLUMNS, StatsRollup.computed_at).order_by(
                StatsRollup.kind, StatsRollup.period_start, StatsRollup.boroughs
            )
        )
        return [tuple(row) for row in rows]


def at(monkeypatch, moment):
    monkeypatch.setattr("sywc.clock.utcnow", lambda: moment)


@pytest.fixture
def late_red(app, senior):
    """A red young person in WCC seen late once: two missed visits in the first quarter."""
    with app.app_context():
        youth_id = rated(senior.id, "red", date(2026, 1, 5))
        seen(youth_id, date(2026, 1, 20), senior.id)
        db.session.commit()


def add_unseen_red(app, by):
    """Add a red young person rated on 1 February and never seen: one more missed visit."""
    with app.app_context():
        rated(by, "red", date(2026, 2, 1))
        db.session.commit()


@ROLLUPS_ON
def test_a_request_stores_its_counts_and_later_ones_read_them_while_fresh(
    app, client, senior, late_red, monkeypatch
):
    first = fetch(client, "visits", senior, **QUARTER)
    assert missed(first) == 2
    assert first["as_of"] == "2026-04-10T12:00:00+00:00"
    assert stored(app) == [
        ("visits", date(2026, 1, 1), date(2026, 3, 31), "RBKC,WCC", "", NOW),
    ]

    add_unseen_red(app, senior.id)
    at(monkeypatch, NOW + timedelta(minutes=90))
    later = fetch(client, "visits", senior, **QUARTER)
    # Still the stored counts, and the report says when they were counted.
    assert missed(later) == 2
    assert later["as_of"] == first["as_of"]

    at(monkeypatch, NOW + timedelta(minutes=121))
    recounted = fetch(client, "visits", senior, **QUARTER)
    assert missed(recounted) == 3
    assert recounted["as_of"] == "2026-04-10T14:01:00+00:00"
    assert stored(app)[0][-1] == NOW + timedelta(minutes=121)


@ROLLUPS_ON
def test_counts_judged_on_another_day_are_never_read(app, client, senior, late_red):
    fetch(client, "visits", senior, **QUARTER)
    add_unseen_red(app, senior.id)
    with app.app_context():
        # As if counted yesterday: which visits were missed depends on the day judged.
        db.session.execute(sa.update(StatsRollup).values(computed_on=date(2026, 4, 9)))
        db.session.commit()

    body = fetch(client, "visits", senior, **QUARTER)

    assert missed(body) == 3


@ROLLUPS_ON
def test_each_scope_and_period_has_its_own_rollup(app, client, senior, late_red):
    fetch(client, "visits", senior, **QUARTER)
    fetch(client, "visits", senior, borough="WCC", **QUARTER)
    fetch(client, "visits", senior, ward="church_street", **QUARTER)
    fetch(client, "cohort", senior, **{"from": "2026-03-01", "to": "2026-03-31"})

    assert [row[:5] for row in stored(app)] == [
        ("snapshot", date(2026, 3, 1), date(2026, 3, 31), "RBKC,WCC", ""),
        ("visits", date(2026, 1, 1), date(2026, 3, 31), "RBKC,WCC", ""),
        ("visits", date(2026, 1, 1), date(2026, 3, 31), "WCC", ""),
        ("visits", date(2026, 1, 1), date(2026, 3, 31), "WCC", "church_street"),
    ]


@ROLLUPS_ON
def test_counts_stored_in_an_earlier_shape_are_counted_again(app, client, senior, late_red):
    """A release that changes what a tally holds must not read one stored before it."""
    fetch(client, "visits", senior, **QUARTER)
    add_unseen_red(app, senior.id)
    with app.app_context():
        rollup = db.session.scalars(sa.select(StatsRollup)).one()
        assert rollup.data["format"] == TALLY_FORMAT
        rollup.data = {k: v for k, v in rollup.data.items() if k != "format"}
        db.session.commit()

    body = fetch(client, "visits", senior, **QUARTER)

    assert missed(body) == 3
    with app.app_context():
        assert db.session.scalars(sa.select(StatsRollup.data)).one()["format"] == TALLY_FORMAT


def test_with_rollups_off_every_request_counts_afresh(app, client, senior, late_red):
    assert missed(fetch(client, "visits", senior, **QUARTER)) == 2
    add_unseen_red(app, senior.id)

    assert missed(fetch(client, "visits", senior, **QUARTER)) == 3


@ROLLUPS_ON
@pytest.mark.parametrize("report", ["cohort", "overlap", "disproportionality", "visits"])
def test_stored_counts_publish_exactly_what_counting_now_does(
    app, client, board, senior, report, monkeypatch
):
    with app.app_context():
        for i in range(14):
            youth_id = rated(
                senior.id,
                ("red", "amber", "green")[i % 3],
                date(2026, 1, 5 + i),
                borough=("WCC", "RBKC")[i % 2],
                ward=("church_street", "colville")[i % 2],
                gender=("male", "female")[i % 4 == 0],
                ethnicity=("white", "black", "asian")[i % 3],
                other_cohorts=("YOT",) if i % 5 == 0 else (),
            )
            seen(youth_id, date(2026, 1, 9) + timedelta(days=2 * i), senior.id)
        db.session.commit()
    asks = [(board, {}), (board, {"borough": "WCC"}), (senior, {"borough": "RBKC"})]
    counted = [fetch(client, report, who, **QUARTER, **params) for who, params in asks]

    def never(_ctx):
        raise AssertionError("counted again instead of reading the rollup")

    monkeypatch.setattr("sywc.stats.reports.snapshot.snapshot_tally", never)
    monkeypatch.setattr("sywc.stats.reports.visits.visits_tally", never)
    served = [fetch(client, report, who, **QUARTER, **params) for who, params in asks]

    assert served == counted
    assert any(t["rows"] for body in served for t in body["tables"])
    # Board members share one rollup of every borough; the senior has their own.
    assert {row[3] for row in stored(app)} == {EVERY_BOROUGH, "RBKC"}


@ROLLUPS_ON
def test_reading_a_rollup_is_audited_like_any_statistics_request(app, client, senior, late_red):
    fetch(client, "visits", senior, **QUARTER)
    fetch(client, "visits", senior, **QUARTER)

    viewed = audit_actions(app, action="stats_viewed")
    assert [(e.actor_id, e.record_id) for e in viewed] == [(senior.id, "visits")] * 2


@ROLLUPS_ON
def test_the_refresh_recounts_wanted_and_standard_rollups_and_forgets_the_rest(
    app, client, senior, late_red, runner, monkeypatch
):
    fetch(client, "visits", senior, borough="WCC", **QUARTER)
    # Served from the stored counts, so the report made from them is kept by the app.
    assert missed(fetch(client, "visits", senior, borough="WCC", **QUARTER)) == 2
    with app.app_context():
        old = NOW - timedelta(days=8)
        db.session.add(
            StatsRollup(
                kind="visits",
                period_start=date(2025, 1, 1),
                period_end=date(2025, 3, 31),
                boroughs="WCC",
                ward="",
                computed_on=old.date(),
                computed_at=old,
                requested_at=old,
                data={"counts": [], "overdue": []},
            )
        )
        db.session.commit()
    add_unseen_red(app, senior.id)
    later = NOW + timedelta(minutes=10)
    at(monkeypatch, later)

    result = runner.invoke(args=["sywc", "stats-refresh"])

    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["outcome"], out["refreshed"], out["dropped"]) == ("succeeded", 11, 1)
    # The board's standard periods: the last completed quarter and the one before.
    before, quarter = (date(2025, 10, 1), date(2025, 12, 31)), (date(2026, 1, 1), date(2026, 3, 31))
    assert stored(app) == [
        ("incidents", *before, EVERY_BOROUGH, "", later),
        ("incidents", *quarter, EVERY_BOROUGH, "", later),
        ("pvs", *before, EVERY_BOROUGH, "", later),
        ("pvs", *quarter, EVERY_BOROUGH, "", later),
        ("referrals", *before, EVERY_BOROUGH, "", later),
        ("referrals", *quarter, EVERY_BOROUGH, "", later),
        ("snapshot", *before, EVERY_BOROUGH, "", later),
        ("snapshot", *quarter, EVERY_BOROUGH, "", later),
        ("visits", *before, EVERY_BOROUGH, "", later),
        ("visits", *quarter, EVERY_BOROUGH, "", later),
        ("visits", *quarter, "WCC", "", later),
    ]
    # The recount replaced the counts: the report kept from the old ones is not served.
    body = fetch(client, "visits", senior, borough="WCC", **QUARTER)
    assert missed(body) == 3
    assert body["as_of"] == "2026-04-10T12:10:00+00:00"


def test_the_refresh_is_a_scheduler_job_with_its_own_interval(app):
    from sywc.scheduler import JOBS

    (job,) = [j for j in JOBS if j.name == "stats_refresh"]
    assert job.interval == "STATS_REFRESH_MINUTES"
    assert app.config["STATS_REFRESH_MINUTES"] == 60


@given(st.dictionaries(st.integers(-30, 400), st.integers(1, 5), min_size=1))
def test_medians_from_counts_of_values_match_the_plain_median(histogram):
    values_ = sorted(v for v, n in histogram.items() for _ in range(n))

    assert histogram_median(histogram) == (len(values_), statistics.median(values_))


def test_the_median_of_nothing_is_none():
    assert histogram_median({}) == (0, None)


@ROLLUPS_ON
def test_board_medians_cover_only_the_boroughs_asked_for(app, client, board, senior):
    with app.app_context():
        by = senior.id
        for i in range(6):
            # Six reds in WCC each missed once by 73 days; six in RBKC by 20-ish.
            youth_id = rated(by, "red", date(2026, 1, 5))
            seen(youth_id, date(2026, 1, 12), by)
            other = rated(by, "red", date(2026, 3, 1), borough="RBKC", ward="colville")
            seen(other, date(2026, 3, 8), by)
            seen(other, date(2026, 3, 15 + i), by)
        db.session.commit()

    wcc = fetch(client, "visits", board, borough="WCC", **QUARTER)
    rbkc = fetch(client, "visits", board, borough="RBKC", **QUARTER)

    assert values(wcc, "median_days_overdue_by_rag")["red"] == 81.0
    assert values(rbkc, "median_days_overdue_by_rag")["red"] != 81.0


def _rollup_reads(counter):
    reads = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "FROM visits" in s or "FROM rag_assessments" in s]
    return [s for s in reads if "FROM stats_rollups" in s]


@ROLLUPS_ON
def test_a_request_served_from_a_rollup_reads_it_and_nothing_of_the_children(
    app, client, senior, late_red, count_statements
):
    first = fetch(client, "visits", senior, **QUARTER)

    with count_statements() as counter:
        second = fetch(client, "visits", senior, **QUARTER)
    # Which rollup is fresh, then its counts; the report made from them is kept.
    assert len(_rollup_reads(counter)) == 2
    assert "data" in _rollup_reads(counter)[1]

    with count_statements() as counter:
        third = fetch(client, "visits", senior, **QUARTER)
    # The same rollup again: the report kept is served without reading the counts.
    (read,) = _rollup_reads(counter)
    assert "data" not in read.split("FROM")[0]
    assert first["tables"] == second["tables"] == third["tables"]
    assert first["as_of"] == second["as_of"] == third["as_of"]
    assert [e.record_id for e in audit_actions(app, action="stats_viewed")] == ["visits"] * 3
