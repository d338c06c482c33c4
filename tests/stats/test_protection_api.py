"""What board members see: small counts withheld, nothing recoverable, whole months."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sywc.extensions import db
from sywc.incidents.models import Incident
from sywc.youths.models import Youth
from tests import factories as f
from tests.conftest import assert_problem
from tests.stats.conftest import QUARTER, fetch, table, values
from tests.stats.joint import assert_safe, cohort_identities, rebuild

WARDS = {"WCC": ("church_street", "harrow_road"), "RBKC": ("colville", "golborne")}
SLICES = {"WCC": {"borough": "WCC"}, "RBKC": {"borough": "RBKC"}, "RBKC+WCC": {}}


def add_youths(people):
    for borough, ward, rag, reason, gender, ethnicity in people:
        f.youth(borough=borough, ward=ward, rag=rag, cohort_reason=reason, gender=gender,
                ethnicity=ethnicity, entered_on=date(2026, 1, 5))  # fmt: skip


def cohort_people(n_red=3, n_amber=12, n_green=9):
    people = []
    for rag, n in (("red", n_red), ("amber", n_amber), ("green", n_green)):
        for i in range(n):
            gender = "female" if i % 4 == 0 else "male"
            people.append(("WCC", "church_street", rag, "at_risk", gender, "white"))
    return people


def test_board_members_get_small_counts_withheld_and_seniors_exact(app, client, board, senior):
    with app.app_context():
        add_youths(cohort_people())
        db.session.commit()

    shown = fetch(client, "cohort", board, borough="WCC", **QUARTER)
    exact = fetch(client, "cohort", senior, borough="WCC", **QUARTER)

    assert values(exact, "rag") == {"red": 3, "amber": 12, "green": 9}
    rag = table(shown, "rag")
    assert rag["rows"][0] == {"key": {"rag": "red"}, "value": None, "suppressed": True}
    # The complement: the smallest other count, so red cannot be had from the total.
    assert values(shown, "rag") == {"red": None, "amber": 12, "green": None}
    assert rag["total"] == 24
    assert rag["total_suppressed"] is False
    assert shown["suppression"] == {"applied": True, "threshold": 5, "marker": "suppressed"}
    assert exact["suppression"]["applied"] is False


def test_tables_sharing_figures_withhold_them_alike(app, client, board, senior):
    with app.app_context():
        add_youths(cohort_people())
        db.session.commit()

    body = fetch(client, "cohort", board, borough="WCC", **QUARTER)
    grid = values(body, "rag_by_cohort_reason")

    for rag, value in values(body, "rag").items():
        assert grid[rag, "all"] == value
    for reason, value in values(body, "cohort_reason").items():
        assert grid["all", reason] == value


def test_cohort_and_disproportionality_publish_the_same_ethnicity_figures(app, client, board):
    with app.app_context():
        people = cohort_people()
        people[0] = ("WCC", "church_street", "red", "at_risk", "male", "black")
        people[1] = ("WCC", "church_street", "red", "at_risk", "male", "black")
        add_youths(people)
        db.session.commit()

    cohort = fetch(client, "cohort", board, borough="WCC", **QUARTER)
    dispro = fetch(client, "disproportionality", board, borough="WCC", **QUARTER)

    assert table(cohort, "ethnicity") == table(dispro, "ethnicity")
    assert values(dispro, "cohort_share_by_ethnicity")["black"] is None
    assert table(dispro, "cohort_share_by_ethnicity")["rows"][1]["suppressed"] is True
    assert values(dispro, "disproportionality_ratio")["black"] is None


def test_shares_and_medians_over_withheld_counts_are_withheld(app, client, board, senior):
    with app.app_context():
        for i in range(8):
            youth = f.youth(
                rag="red", rag_assessed_on=date(2026, 1, 5), entered_on=date(2026, 1, 5)
            )
            if i < 3:  # three seen on time; the other five missed
                f.visit(youth_id=youth.id, author_id=senior.id, visited_at=f.at(date(2026, 1, 9)))
        db.session.commit()

    shown = fetch(client, "visits", board, borough="WCC", **QUARTER)
    exact = fetch(client, "visits", senior, borough="WCC", **QUARTER)

    assert values(exact, "on_time_share_by_rag")["red"] is not None
    assert values(shown, "due_visits_by_rag_and_outcome")["red", "on_time"] is None
    # On time is withheld, so the share (on time / due) would give it back.
    assert values(shown, "on_time_share_by_rag")["red"] is None
    assert table(shown, "on_time_share_by_rag")["rows"][0]["suppressed"] is True
    assert values(exact, "median_days_overdue_by_rag")["red"] is not None
    assert values(shown, "median_days_overdue_by_rag")["red"] is None


def test_borough_slices_and_their_sum_cannot_be_differenced(app, client, board, senior):
    with app.app_context():
        people = cohort_people(n_red=6, n_amber=7, n_green=5)
        people += [("RBKC", "colville", "red", "victim", "male", "black")] * 2
        people += [("RBKC", "golborne", "amber", "victim", "female", "asian")] * 6
        add_youths(people)
        db.session.commit()

    shown = {name: fetch(client, "cohort", board, **q, **QUARTER) for name, q in SLICES.items()}
    truth = {name: fetch(client, "cohort", senior, **q, **QUARTER) for name, q in SLICES.items()}

    system, seen = rebuild(
        shown, truth, aggregates={"RBKC+WCC": ["WCC", "RBKC"]}, identities=cohort_identities()
    )
    assert any(v is None for v in seen.values())
    assert_safe(system, seen)


def test_board_periods_snap_to_the_whole_completed_quarter(client, board, senior):
    asked = {"from": "2026-01-15", "to": "2026-02-10"}

    snapped = fetch(client, "cohort", board, **asked)["period"]
    exact = fetch(client, "cohort", senior, **asked)["period"]

    assert snapped == {
        "from": "2026-01-01", "to": "2026-03-31", "requested_from": "2026-01-15",
        "requested_to": "2026-02-10", "whole_quarter": True,
    }  # fmt: skip
    assert (exact["from"], exact["to"], exact["whole_quarter"]) == (
        "2026-01-15",
        "2026-02-10",
        False,
    )


@pytest.mark.parametrize(
    "asked",
    [
        # April to June 2026 is not over on 10 April.
        {"from": "2026-04-01", "to": "2026-04-09"},
        # Across two quarters.
        {"from": "2026-03-20", "to": "2026-04-09"},
        {"from": "2025-11-01", "to": "2026-02-28"},
    ],
)
def test_a_board_period_beyond_one_completed_quarter_is_refused(client, board, asked):
    response = client.get("/api/v1/stats/cohort", query_string=asked, headers=board.headers)

    assert_problem(response, 422, "to")


def test_a_month_withheld_from_the_board_is_not_recovered_from_two_periods(app, client, board):
    with app.app_context():
        for day in range(5):
            f.youth(borough="WCC", entered_on=date(2026, 1, 5 + day))
        for day in range(2):  # two children entered in March: a small number
            f.youth(borough="WCC", entered_on=date(2026, 3, 5 + day))
        db.session.commit()

    def cohort(**asked):
        report = fetch(client, "cohort", board, borough="WCC", **asked)
        period = report["period"]
        return period["from"], period["to"], table(report, "rag")["total"]

    # The cohort at the end of February would be 5: 2 fewer than at the end of March.
    quarter = cohort(**{"from": "2026-01-01", "to": "2026-03-31"})
    january_to_february = cohort(**{"from": "2026-01-01", "to": "2026-02-28"})
    march = cohort(**{"from": "2026-03-01", "to": "2026-03-31"})

    # Every board request inside the quarter is the quarter: nothing to subtract.
    assert quarter == january_to_february == march
    assert quarter == ("2026-01-01", "2026-03-31", 7)


def test_consecutive_board_quarters_do_not_give_back_a_withheld_exit(app, client, board, senior):
    with app.app_context():
        for i in range(20):  # three of them closed in February: a small number
            closed = date(2026, 2, 10) if i < 3 else None
            f.youth(
                cohort_reason="victim",
                entered_on=date(2025, 6, 1),
                rag_assessed_on=date(2025, 6, 1),
                closed_on=closed,
                status="closed" if closed else "active",
            )
        for _ in range(6):
            f.youth(entered_on=date(2026, 2, 1), rag_assessed_on=date(2026, 2, 1))
        db.session.commit()

    before = fetch(client, "cohort", board, **{"from": "2025-10-01", "to": "2025-12-31"})
    shown = fetch(client, "cohort", board, **QUARTER)

    # Published whole, as they are not small: 20 victims then, 17 now.
    assert values(before, "cohort_reason")["victim"] == 20
    assert values(shown, "cohort_reason")["victim"] == 17
    # So victim entries (0) beside them would give the withheld victim exits back: 3.
    names = {t["name"] for t in shown["tables"]}
    assert not names & {"entries", "exits"}
    assert values(fetch(client, "cohort", senior, **QUARTER), "exits")["victim"] == 3


def test_the_default_period_is_the_last_quarter_and_the_last_three_months(client, board, senior):
    # On 10 April they are the same: January to March.
    for who in (board, senior):
        period = fetch(client, "cohort", who)["period"]
        assert (period["from"], period["to"]) == ("2026-01-01", "2026-03-31")


people_strategy = st.lists(
    st.tuples(
        st.sampled_from(["WCC", "RBKC"]),
        st.integers(0, 1),
        st.sampled_from(["red", "amber", "green"]),
        st.sampled_from(["victim", "at_risk", "perpetrator"]),
        st.sampled_from(["male", "female", "non_binary"]),
        st.sampled_from(["black", "white", "asian", "not_known"]),
    ),
    max_size=24,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=people_strategy)
def test_no_board_response_shows_a_small_count_or_lets_one_be_recovered(
    app, client, board, senior, people
):
    with app.app_context():
        db.session.execute(sa.delete(Youth))
        add_youths([(b, WARDS[b][w], *rest) for b, w, *rest in people])
        db.session.commit()

    shown = {name: fetch(client, "cohort", board, **q, **QUARTER) for name, q in SLICES.items()}
    truth = {name: fetch(client, "cohort", senior, **q, **QUARTER) for name, q in SLICES.items()}

    system, seen = rebuild(
        shown, truth, aggregates={"RBKC+WCC": ["WCC", "RBKC"]}, identities=cohort_identities()
    )
    assert_safe(system, seen)
    # The senior officer's figures are the truth the board's are cut from.
    assert table(truth["RBKC+WCC"], "rag")["total"] == len(people)


incidents_strategy = st.lists(
    st.tuples(
        st.sampled_from(["WCC", "RBKC"]),
        st.integers(0, 1),
        st.sampled_from(["stabbing", "robbery", "assault"]),
        st.sampled_from([date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)]),
    ),
    max_size=30,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(incidents=incidents_strategy)
def test_no_board_incident_table_lets_a_small_count_be_recovered(
    app, client, board, senior, incidents
):
    with app.app_context():
        db.session.execute(sa.delete(Incident))
        for borough, ward, kind, on in incidents:
            f.incident(created_by_id=senior.id, borough=borough, ward=WARDS[borough][ward],
                       type=kind, occurred_at=f.at(on))  # fmt: skip
        db.session.commit()

    shown = {n: fetch(client, "incidents", board, **q, **QUARTER) for n, q in SLICES.items()}
    truth = {n: fetch(client, "incidents", senior, **q, **QUARTER) for n, q in SLICES.items()}

    same_total = [(("by_month", "total"), (name, "total")) for name in ("by_ward", "by_type")]
    system, seen = rebuild(
        shown, truth, aggregates={"RBKC+WCC": ["WCC", "RBKC"]}, identities=same_total
    )
    assert_safe(system, seen)
    assert table(truth["RBKC+WCC"], "by_type")["total"] == len(incidents)
