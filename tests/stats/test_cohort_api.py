"""GET /stats/cohort, /stats/overlap and /stats/disproportionality: figures with known answers."""

from __future__ import annotations

from datetime import date

import pytest

from config.reference import REFERENCE_POPULATION
from sywc.extensions import db
from tests import factories as f
from tests.stats.conftest import QUARTER, fetch, rate, table, values

END = date(2026, 3, 31)


@pytest.fixture
def cohort(app, senior):
    """A cohort built so each figure has a known answer at the end of the first quarter."""
    with app.app_context():
        # Rated amber, red in March, green after the quarter: red at its end.
        a = f.youth(rag="green", entered_on=date(2025, 12, 1), ethnicity="black",
                    other_cohorts=("YOT", "MACE"))  # fmt: skip
        rate(a.id, "amber", date(2025, 12, 1), senior.id)
        rate(a.id, "red", date(2026, 3, 15), senior.id)
        rate(a.id, "green", date(2026, 4, 5), senior.id)
        # Eighteen on the last day of the quarter; entered in it.
        f.youth(rag="amber", gender="female", cohort_reason="victim", ethnicity="black",
                date_of_birth=date(2008, 3, 31), entered_on=date(2026, 2, 1),
                lead_agency="IGXU", other_cohorts=("YOT", "MACE", "MARAC", "IOM"))  # fmt: skip
        # Eighteen the day after the quarter ends.
        f.youth(rag="amber", date_of_birth=date(2008, 4, 1), ethnicity="white",
                entered_on=date(2025, 11, 1), other_cohorts=("YOT",))  # fmt: skip
        # Closed in the quarter: an exit, not active.
        f.youth(rag="red", cohort_reason="perpetrator", entered_on=date(2025, 6, 1),
                closed_on=date(2026, 2, 15), status="closed")  # fmt: skip
        # Entered after the quarter: neither active nor an entry.
        f.youth(rag="red", entered_on=date(2026, 4, 2))
        # Closed after the quarter: still active at its end.
        f.youth(borough="RBKC", ward="colville", rag="red", cohort_reason="perpetrator",
                entered_on=date(2026, 1, 20), closed_on=date(2026, 4, 5), status="closed",
                gender="non_binary")  # fmt: skip
        db.session.commit()


def test_the_active_cohort_by_every_dimension(client, senior, cohort):
    body = fetch(client, "cohort", senior, **QUARTER)

    assert body["suppression"]["applied"] is False
    assert values(body, "rag") == {"red": 2, "amber": 2, "green": 0}
    assert table(body, "rag")["total"] == 4
    assert values(body, "gender") == {"male": 2, "female": 1, "non_binary": 1, "not_known": 0}
    assert values(body, "age_band") == {"under_18": 3, "18_and_over": 1}
    wards = values(body, "ward")
    assert wards["church_street"] == 3
    assert wards["colville"] == 1
    assert sum(wards.values()) == 4
    assert wards["other"] == 0
    assert values(body, "ethnicity") == {
        "asian": 0, "black": 2, "mixed": 0, "white": 1, "other": 0, "not_known": 1,
    }  # fmt: skip
    assert values(body, "lead_agency")["IGXU"] == 1
    assert values(body, "lead_agency")["MPS"] == 3
    assert values(body, "cohort_reason") == {"victim": 1, "at_risk": 2, "perpetrator": 1}


def test_rag_by_cohort_reason_has_margins_matching_the_one_way_tables(client, senior, cohort):
    body = fetch(client, "cohort", senior, **QUARTER)
    grid = values(body, "rag_by_cohort_reason")

    assert grid["red", "at_risk"] == 1
    assert grid["red", "perpetrator"] == 1
    assert grid["amber", "victim"] == 1
    assert grid["amber", "at_risk"] == 1
    assert grid["green", "victim"] == 0
    assert grid["red", "all"] == values(body, "rag")["red"]
    assert grid["all", "at_risk"] == values(body, "cohort_reason")["at_risk"]
    assert table(body, "rag_by_cohort_reason")["total"] == 4


def test_entries_and_exits_in_the_period(client, senior, cohort):
    body = fetch(client, "cohort", senior, **QUARTER)

    assert values(body, "entries") == {"victim": 1, "at_risk": 0, "perpetrator": 1}
    assert values(body, "exits") == {"victim": 0, "at_risk": 0, "perpetrator": 1}


def test_the_rating_is_the_one_in_force_at_the_end_of_the_period(client, senior, cohort):
    february = fetch(client, "cohort", senior, **{"from": "2026-02-01", "to": "2026-02-28"})
    april = fetch(client, "cohort", senior, **{"from": "2026-04-01", "to": "2026-04-09"})

    # The first young person was amber until 15 March, green from 5 April; the red one
    # in February is the RBKC record, closed only in April.
    assert values(february, "rag") == {"red": 1, "amber": 3, "green": 0}
    assert values(april, "rag")["green"] == 1


def test_a_ward_filter_counts_that_ward_only(client, senior, cohort):
    body = fetch(client, "cohort", senior, ward="colville", **QUARTER)

    assert body["boroughs"] == ["RBKC"]
    assert body["ward"] == "colville"
    assert table(body, "rag")["total"] == 1
    assert values(body, "gender")["non_binary"] == 1


def test_a_borough_filter_counts_that_borough_only(client, senior, cohort):
    body = fetch(client, "cohort", senior, borough="RBKC", **QUARTER)

    assert table(body, "rag")["total"] == 1
    assert "church_street" not in values(body, "ward")


def test_an_empty_cohort_is_all_zeros(client, senior):
    body = fetch(client, "cohort", senior, **QUARTER)

    for found in body["tables"]:
        assert found["total"] == 0, found["name"]
        assert {row["value"] for row in found["rows"]} == {0}


def test_overlap_with_other_cohorts(client, senior, cohort):
    body = fetch(client, "overlap", senior, **QUARTER)

    assert values(body, "other_cohorts") == {
        "YOT": 3, "MACE": 2, "MARAC": 1, "MAPPA": 0, "IOM": 1, "MISSING": 0,
    }  # fmt: skip
    assert table(body, "other_cohorts")["total"] is None
    assert values(body, "number_of_other_cohorts") == {"0": 1, "1": 1, "2": 1, "3_or_more": 1}
    assert table(body, "number_of_other_cohorts")["total"] == 4


def test_disproportionality_sets_shares_against_the_population(client, senior, cohort):
    body = fetch(client, "disproportionality", senior, borough="WCC", **QUARTER)
    population = REFERENCE_POPULATION["WCC"]
    residents = sum(population.values())

    # Three active in WCC, all with a recorded ethnicity: two black, one white.
    assert values(body, "ethnicity")["black"] == 2
    shares = values(body, "cohort_share_by_ethnicity")
    assert shares == {"asian": 0.0, "black": 0.6667, "mixed": 0.0, "white": 0.3333, "other": 0.0}
    base = values(body, "population_share_by_ethnicity")
    assert base["black"] == round(population["black"] / residents, 4)
    assert values(body, "population_by_ethnicity")["white"] == population["white"]
    ratio = values(body, "disproportionality_ratio")
    assert ratio["black"] == round(0.6667 / base["black"], 2)
    assert ratio["asian"] == 0.0


def test_disproportionality_sums_the_population_of_the_boroughs_asked_for(client, senior, cohort):
    body = fetch(client, "disproportionality", senior, **QUARTER)

    expected = sum(REFERENCE_POPULATION[b]["asian"] for b in ("WCC", "RBKC"))
    assert values(body, "population_by_ethnicity")["asian"] == expected
    # One of the four has no recorded ethnicity: shares are over the other three.
    assert values(body, "cohort_share_by_ethnicity")["black"] == 0.6667
